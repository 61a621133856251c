// Who may use a dead-letter file at a time. Every process that appends to it (`run`,
// `backfill`) holds this lock shared for as long as it may append; `replay-dead-letters`,
// which resends the lines and then rewrites the file, needs it exclusively. So a replay
// never runs beside a daemon: the records it resends would race the daemon's newer calls
// for the same customers, and two replays would send every line twice.
//
// It is flock(2) on "<file>.lock" beside the file (the file itself is replaced by each
// rewrite, so it cannot carry a lock that must outlive one). flock locks belong to the
// open file, so two holders conflict even within one process, and the kernel releases a
// holder's lock when its process dies, however it dies.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace cdc::sink {

// An exclusive lock was asked for while another holder has the lock.
class DeadLetterFileBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Move-only; releases the lock when destroyed.
class DeadLetterLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Creates the lock file (mode 0600) and its folder when missing. kShared waits while
  // an exclusive holder (a replay, which ends on its own) has it, logging once that it
  // waits. kExclusive never waits: it throws DeadLetterFileBusy, naming the file, when
  // anyone else holds the lock. Throws std::system_error on I/O failure.
  DeadLetterLock(const std::filesystem::path& dead_letter_file, Mode mode);
  ~DeadLetterLock();
  DeadLetterLock(DeadLetterLock&& other) noexcept;
  DeadLetterLock& operator=(DeadLetterLock&&) = delete;
  DeadLetterLock(const DeadLetterLock&) = delete;
  DeadLetterLock& operator=(const DeadLetterLock&) = delete;

  // From shared to exclusive, without waiting. Throws DeadLetterFileBusy when another
  // holder exists; flock converts by releasing first, so the shared lock may then be
  // lost too (the caller gives up anyway).
  void make_exclusive();

  Mode mode() const { return mode_; }

  static std::filesystem::path lock_path(const std::filesystem::path& dead_letter_file);

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  Mode mode_;
};

}  // namespace cdc::sink
