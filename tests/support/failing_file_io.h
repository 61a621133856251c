// A state::FileIo for unit tests that behaves like a disk with little room left: writes
// succeed until `capacity` bytes are written in all, the write that reaches it writes what
// fits, and every later one fails with ENOSPC until room is made. Syncs can be made to
// fail too (EIO). Header-only, so unit tests of any module can use it.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <mutex>

#include "state/file_io.h"

namespace cdc::test {

class FailingFileIo final : public state::FileIo {
 public:
  explicit FailingFileIo(size_t capacity = std::numeric_limits<size_t>::max())
      : capacity_(capacity) {}

  // `bytes` more may be written from now on.
  void make_room(size_t bytes) {
    std::lock_guard lock(mutex_);
    capacity_ = written_ + bytes;
  }
  void fail_syncs(bool fail) {
    std::lock_guard lock(mutex_);
    fail_syncs_ = fail;
  }
  size_t written() const {
    std::lock_guard lock(mutex_);
    return written_;
  }

  ssize_t write(int fd, const void* data, size_t size) override {
    std::lock_guard lock(mutex_);
    if (written_ >= capacity_) {
      errno = ENOSPC;
      return -1;
    }
    const ssize_t done = ::write(fd, data, std::min(size, capacity_ - written_));
    if (done > 0) written_ += static_cast<size_t>(done);
    return done;
  }
  int sync_data(int fd) override { return sync_or_fail(fd); }
  int sync(int fd) override { return sync_or_fail(fd); }

 private:
  int sync_or_fail(int fd) {
    std::lock_guard lock(mutex_);
    if (fail_syncs_) {
      errno = EIO;
      return -1;
    }
    return ::fsync(fd);
  }

  mutable std::mutex mutex_;
  size_t capacity_;
  size_t written_ = 0;
  bool fail_syncs_ = false;
};

}  // namespace cdc::test
