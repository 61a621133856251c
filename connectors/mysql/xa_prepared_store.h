// The rows of prepared XA transactions whose XA COMMIT or XA ROLLBACK has not been
// acknowledged yet, kept under state_dir/mysql-xa so that they survive a restart between
// XA PREPARE and XA COMMIT (docs/mysql.md, "XA transactions"). Per transaction:
//   <stamp>.rows   the rows, a spill file (state/spill_file.h), fsynced at the prepare
//   <stamp>.xa     {"xid": "X'..',X'..',1", "rows": n}, written atomically after that
// A .xa file is the mark of a complete .rows file; a .rows file without one is a prepare
// that was being written when the process died, and is removed at load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/spill_store.h"
#include "core/transaction_buffer.h"

namespace cdc::mysql {

// Used from the reader thread, except remove(), which may come from any thread. Disk
// failures throw std::system_error naming the file.
class XaPreparedStore {
 public:
  // Creates `dir` when missing.
  explicit XaPreparedStore(std::filesystem::path dir);

  // Makes the files of new XA transactions' rows (one transaction open at a time: the
  // binlog writes one group after the other).
  SpillStoreFactory factory();

  // The transaction `xid` was prepared with `rows` (made by factory(), the latest one)
  // holding `count` rows: makes them durable and marks them complete. An older kept
  // transaction of the same xid that load() found is gone: this prepare comes after it.
  void persist(const std::string& xid, TransactionBuffer& rows, uint32_t count);

  struct Kept {
    std::string xid;
    std::unique_ptr<TransactionBuffer> rows;
    uint32_t count = 0;
  };
  // Every complete kept transaction, the newest per xid; removes leftovers.
  std::vector<Kept> load();

  // The files of the kept transaction `xid`, to remove() once the group that resolved
  // it is acknowledged; empty when none is kept.
  std::vector<std::filesystem::path> files_of(const std::string& xid) const;
  // Never throws.
  static void remove(const std::vector<std::filesystem::path>& files);

  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string last_stamp_;                     // of the latest file factory() made
  std::map<std::string, std::string> by_xid_;  // xid -> stamp, this process's view
  std::set<std::string> loaded_;               // stamps load() found
};

}  // namespace cdc::mysql
