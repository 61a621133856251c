// The seam between a TransactionBuffer and the disk: an append-only sequence of records
// that can be read back in order. state/spill_file.h keeps one in a file under
// state_dir; tests may keep one in memory.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cdc {

// Not thread-safe; owned by one buffer. Destroying a store removes what it stored,
// unless it was made durable with keep() (prepared XA transactions wait across restarts).
// Every method throws std::system_error (or a subclass of std::runtime_error) naming the
// file when the disk fails.
class SpillStore {
 public:
  virtual ~SpillStore() = default;

  // Adds one record after the others.
  virtual void append(std::string_view record) = 0;
  // Everything appended so far survives a crash (fsync of the file and its directory),
  // and the destructor leaves it in place.
  virtual void keep() = 0;
  // Reads from the first record again.
  virtual void rewind() = 0;
  // The next record into `record`; false after the last.
  virtual bool next(std::string& record) = 0;
};

// Makes a new, empty store: one per transaction that outgrows the memory budget.
using SpillStoreFactory = std::function<std::unique_ptr<SpillStore>()>;

}  // namespace cdc
