#include "sink/dead_letter_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/json_string.h"
#include "ops/log.h"
#include "retainly/request_body.h"
#include "state/atomic_file.h"

namespace cdc::sink {
namespace {

// Secrets shorter than this are not redacted: replacing them would mangle ordinary text
// and no real credential is that short (the same rule as the log's redaction).
constexpr size_t kMinSecretLength = 4;

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void append_time(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{floor<milliseconds>(time - day)};
  char text[48];  // wide enough for any int the compiler can imagine
  std::snprintf(text, sizeof text, "\"%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ\"",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(clock.hours().count()),
                static_cast<long long>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  out += text;
}

// At most `limit` bytes of `text`, cut at a UTF-8 character boundary.
std::string_view truncated(std::string_view text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

void redact(std::string& line, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinSecretLength) continue;
    for (size_t at = line.find(secret); at != std::string::npos; at = line.find(secret, at + 3)) {
      line.replace(at, secret.size(), "***");
    }
  }
}

bool same_file(int fd, const std::filesystem::path& path) {
  struct stat opened {};
  struct stat named {};
  if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

// Cuts a last line that has no newline (torn by a write that failed or a process that
// died inside write()) off the open file `fd`, so the next line starts on a line of its
// own. Returns the file's size afterwards. REQUIRES: the flock on `fd` is held, so no
// other writer is in the middle of a line.
off_t cut_torn_line(int fd, const std::filesystem::path& path) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) fail("cannot stat dead-letter file", path);
  const off_t size = status.st_size;
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, size - 1) != 1) fail("cannot read dead-letter file", path);
  if (last == '\n') return size;
  off_t keep = 0;  // just past the last newline; 0 when there is none
  std::array<char, 4096> buffer{};
  for (off_t end = size - 1; end > 0 && keep == 0;) {
    const off_t begin = std::max<off_t>(0, end - static_cast<off_t>(buffer.size()));
    const auto want = static_cast<size_t>(end - begin);
    if (::pread(fd, buffer.data(), want, begin) != static_cast<ssize_t>(want)) {
      fail("cannot read dead-letter file", path);
    }
    for (size_t i = want; i > 0; --i) {
      if (buffer[i - 1] == '\n') {
        keep = begin + static_cast<off_t>(i);
        break;
      }
    }
    end = begin;
  }
  if (::ftruncate(fd, keep) != 0) fail("cannot cut a torn line off dead-letter file", path);
  log::warn("dead letters: cut off a torn last line ({} bytes) left by a failed write in {}",
            size - keep, path.string());
  return keep;
}

void fsync_folder(const std::filesystem::path& path) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open folder", folder);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) fail("cannot fsync folder", folder);
}

// Opens `path` (creating it when `create`), locked exclusively, following replacements:
// a file renamed over `path` while we waited for the lock is opened again.
int open_locked(const std::filesystem::path& path, bool create, bool* created) {
  for (;;) {
    const bool existed = std::filesystem::exists(path);
    int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    if (fd < 0) {
      if (!create && errno == ENOENT) return -1;
      fail("cannot open dead-letter file", path);
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd);
        fail("cannot lock dead-letter file", path);
      }
    }
    if (same_file(fd, path)) {
      if (created != nullptr) *created = !existed;
      return fd;
    }
    ::close(fd);
  }
}

}  // namespace

std::string format_dead_letter(const DeadLetter& letter, const std::vector<std::string>& secrets) {
  std::string line = "{\"time\":";
  append_time(line, letter.time);
  line += ',';
  retainly::append_provenance_members(line, letter.origin);
  line += ",\"kind\":";
  append_json_string(line, letter.kind);
  line += ",\"payload\":";
  // The payload is pasted as the JSON it is; anything else (a rejection's raw text) is
  // quoted so the line stays one valid JSON value.
  if (nlohmann::json::accept(letter.payload)) {
    line += letter.payload;
  } else {
    append_json_string(line, letter.payload);
  }
  line += ",\"status\":";
  line += std::to_string(letter.status);
  line += ",\"response\":";
  append_json_string(line, truncated(letter.response, kMaxDeadLetterResponse));
  line += ",\"reason\":";
  append_json_string(line, letter.reason);
  line += "}\n";
  redact(line, secrets);
  return line;
}

DeadLetterFile::DeadLetterFile(std::filesystem::path path, std::vector<std::string> secrets,
                               state::FileIo& io)
    : path_(std::move(path)), secrets_(std::move(secrets)), io_(io) {
  if (!path_.empty()) lock_.emplace(path_, DeadLetterLock::Mode::kShared);
}

DeadLetterFile::~DeadLetterFile() {
  if (fd_ >= 0) ::close(fd_);
}

void DeadLetterFile::open_locked_file() {
  if (fd_ >= 0) {
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) fail("cannot lock dead-letter file", path_);
    }
    if (same_file(fd_, path_)) return;
    // Replaced by a rewrite since the last append: the old file is gone from its name.
    ::close(fd_);
    fd_ = -1;
  }
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
  bool created = false;
  fd_ = open_locked(path_, /*create=*/true, &created);
  // A new file's name must be durable too, or a crash could lose every line in it.
  if (created) fsync_folder(path_);
}

void DeadLetterFile::append(const DeadLetter& letter) {
  std::lock_guard lock(mutex_);
  if (path_.empty()) {
    errno = EINVAL;
    fail("no dead-letter file is configured; cannot keep a refused record from",
         letter.origin.table.str());
  }
  line_ = format_dead_letter(letter, secrets_);
  open_locked_file();
  struct Unlock {
    int fd;
    ~Unlock() { ::flock(fd, LOCK_UN); }
  } unlock{fd_};
  const off_t end = cut_torn_line(fd_, path_);
  try {
    state::write_all(io_, fd_, line_, path_);
    if (io_.sync_data(fd_) != 0) fail("cannot fsync dead-letter file", path_);
  } catch (...) {
    // Take back whatever part of the line got written (a full disk still lets a file
    // shrink); should that fail as well, the next append cuts it (cut_torn_line).
    if (::ftruncate(fd_, end) != 0) {
      log::warn("dead letters: cannot take back a failed line in {}", path_.string());
    }
    throw;
  }
  ++appended_;
}

void DeadLetterFile::append_rejection(const retainly::Provenance& origin, std::string_view payload,
                                      std::string_view reason) {
  DeadLetter letter;
  letter.time = std::chrono::system_clock::now();
  letter.origin = origin;
  letter.kind = std::string(kRejectionKind);
  letter.payload = std::string(payload);
  letter.reason = std::string(reason);
  append(letter);
}

void DeadLetterFile::claim_exclusive() {
  if (lock_) lock_->make_exclusive();
}

uint64_t DeadLetterFile::appended() const {
  std::lock_guard lock(mutex_);
  return appended_;
}

void rewrite_dead_letter_file(const std::filesystem::path& path,
                              const std::function<std::string(std::string_view)>& edit,
                              state::FileIo& io) {
  int fd = open_locked(path, /*create=*/false, nullptr);
  std::string current;
  if (fd >= 0) {
    try {
      current = state::read_file(path).value_or("");
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  try {
    const std::string replacement = edit(current);
    state::write_file_atomically(path, replacement, io);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    throw;
  }
  // Closing releases the lock; appenders waiting on the old file then find the new one.
  if (fd >= 0) ::close(fd);
}

}  // namespace cdc::sink
