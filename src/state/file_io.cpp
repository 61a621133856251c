#include "state/file_io.h"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace cdc::state {
namespace {

class SystemFileIo final : public FileIo {
 public:
  ssize_t write(int fd, const void* data, size_t size) override { return ::write(fd, data, size); }
  int sync_data(int fd) override { return ::fdatasync(fd); }
  int sync(int fd) override { return ::fsync(fd); }
};

}  // namespace

FileIo& system_file_io() {
  static SystemFileIo io;
  return io;
}

void write_all(FileIo& io, int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = io.write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace cdc::state
