// The system calls that put bytes in a file and make them durable, behind an interface so
// tests can make them fail the way a full disk does (after N bytes, or at the sync) —
// the fault-injection seam of LevelDB's tests. Everything else passes system_file_io().
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace cdc::state {

class FileIo {
 public:
  virtual ~FileIo() = default;
  // As write(2): may write fewer than `size` bytes; -1 with errno set on failure.
  virtual ssize_t write(int fd, const void* data, size_t size) = 0;
  // As fdatasync(2): 0, or -1 with errno set.
  virtual int sync_data(int fd) = 0;
  // As fsync(2): 0, or -1 with errno set.
  virtual int sync(int fd) = 0;
};

// The real system calls. Thread-safe; lives as long as the program.
FileIo& system_file_io();

// Writes all of `data` to `fd` through `io`, continuing after short writes and EINTR.
// Throws std::system_error naming `path` when a write fails; an unknown part of `data`
// may then be in the file.
void write_all(FileIo& io, int fd, std::string_view data, const std::filesystem::path& path);

}  // namespace cdc::state
