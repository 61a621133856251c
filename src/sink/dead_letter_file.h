// The dead-letter file: one JSON line per record Retainly refused for good, or per
// change the mapping rejected, so nothing is dropped silently and
// `replay-dead-letters` can resend them after a fix. A line:
//   {"time":"2024-05-01T12:00:00.000Z","position":"pg:16/B374D848:3","table":"public.users",
//    "key":"id=42","kind":"customer_upsert","payload":{...},"status":422,
//    "response":"<Retainly's body, truncated>","reason":"..."}
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retainly/call.h"
#include "sink/dead_letter_lock.h"
#include "state/file_io.h"

namespace cdc::sink {

// `kind` of a line that holds a mapping rejection rather than a refused call.
inline constexpr std::string_view kRejectionKind = "mapping_rejection";
// The longest response body kept in a line.
inline constexpr size_t kMaxDeadLetterResponse = 2000;

struct DeadLetter {
  std::chrono::system_clock::time_point time;
  retainly::Provenance origin;
  std::string kind;      // retainly::to_string(CallKind), or kRejectionKind
  std::string payload;   // JSON text: the record as it would be sent; other text is quoted
  int status = 0;        // Retainly's HTTP status; 0 when there was no answer to keep
  std::string response;  // Retainly's body; truncated to kMaxDeadLetterResponse on write
  std::string reason;
};

// Thread-safe: appends from the sink's worker and the pipeline interleave by whole lines.
// Appends take an exclusive flock() on the file and follow it if it was replaced, so
// rewrite_dead_letter_file() from another thread or process loses no line. For its whole
// life the object holds the file's DeadLetterLock shared, which keeps a replay away.
//
// A line is whole or absent: an append that fails part-way (a full disk) takes back what
// it wrote, and a torn last line left by anything else (a crash inside write()) is cut off
// before the next line is appended.
class DeadLetterFile {
 public:
  // `path` empty: every append fails (dead letters not configured) and no lock is taken.
  // Values in `secrets` are replaced by "***" wherever they would appear in a line. Takes
  // the DeadLetterLock shared (creating the folder and "<path>.lock"), waiting while a
  // replay holds it; the file itself is opened by the first append. Writes go through
  // `io`, which must outlive the object. Throws std::system_error when the lock cannot
  // be taken.
  explicit DeadLetterFile(std::filesystem::path path, std::vector<std::string> secrets = {},
                          state::FileIo& io = state::system_file_io());
  ~DeadLetterFile();

  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Appends one line and fsyncs it before returning, so a call may count as done once this
  // returns. Creates the file (mode 0600) and its folder if missing. Throws
  // std::system_error when the line cannot be made durable; the file then holds none of it.
  void append(const DeadLetter& letter);

  // A change the mapping refused: kind kRejectionKind, status 0, the time now.
  void append_rejection(const retainly::Provenance& origin, std::string_view payload,
                        std::string_view reason);

  // Makes the DeadLetterLock this object holds exclusive, for `replay-dead-letters`.
  // Throws DeadLetterFileBusy when another writer (a daemon, a backfill) holds it.
  void claim_exclusive();

  const std::filesystem::path& path() const { return path_; }
  // Lines appended by this object.
  uint64_t appended() const;

 private:
  void open_locked_file();  // REQUIRES: mutex_ held. Leaves fd_ open and flock()ed.

  const std::filesystem::path path_;
  const std::vector<std::string> secrets_;
  state::FileIo& io_;
  std::optional<DeadLetterLock> lock_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  uint64_t appended_ = 0;
  std::string line_;  // reused for every line
};

// The JSON line for `letter`, newline included, secrets replaced.
std::string format_dead_letter(const DeadLetter& letter,
                               const std::vector<std::string>& secrets = {});

// Replaces the content of the dead-letter file at `path` with edit(current content),
// durably (temp file, fsync, rename, fsync folder, through `io`), holding the lock
// appenders take so that no line is appended between the read and the rename. A missing
// file reads as empty. Throws std::system_error on I/O failure, and whatever `edit`
// throws (the file is then left as it was).
void rewrite_dead_letter_file(const std::filesystem::path& path,
                              const std::function<std::string(std::string_view)>& edit,
                              state::FileIo& io = state::system_file_io());

}  // namespace cdc::sink
