#include "sink/dead_letter_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "ops/log.h"

namespace cdc::sink {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

// flock, retried on EINTR; false when LOCK_NB finds the lock taken.
bool lock(int fd, int operation, const std::filesystem::path& path) {
  while (::flock(fd, operation) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    fail("cannot lock", path);
  }
  return true;
}

DeadLetterFileBusy busy(const std::filesystem::path& file) {
  return DeadLetterFileBusy(
      "the dead-letter file " + file.string() +
      " is in use by another retainly-cdc process (a running `run` or `backfill`, or another "
      "replay); stop it, then run replay-dead-letters again");
}

}  // namespace

std::filesystem::path DeadLetterLock::lock_path(const std::filesystem::path& dead_letter_file) {
  return std::filesystem::path(dead_letter_file.string() + ".lock");
}

DeadLetterLock::DeadLetterLock(const std::filesystem::path& dead_letter_file, Mode mode)
    : file_(dead_letter_file), mode_(mode) {
  const auto path = lock_path(file_);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) fail("cannot open lock file", path);
  try {
    if (mode == Mode::kExclusive) {
      if (!lock(fd_, LOCK_EX | LOCK_NB, path)) throw busy(file_);
    } else if (!lock(fd_, LOCK_SH | LOCK_NB, path)) {
      log::info("waiting for replay-dead-letters to finish with {}", file_.string());
      lock(fd_, LOCK_SH, path);
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

DeadLetterLock::~DeadLetterLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

DeadLetterLock::DeadLetterLock(DeadLetterLock&& other) noexcept
    : file_(std::move(other.file_)), fd_(std::exchange(other.fd_, -1)), mode_(other.mode_) {}

void DeadLetterLock::make_exclusive() {
  if (mode_ == Mode::kExclusive) return;
  if (!lock(fd_, LOCK_EX | LOCK_NB, lock_path(file_))) throw busy(file_);
  mode_ = Mode::kExclusive;
}

}  // namespace cdc::sink
