// The files of state_dir/resnapshot/, where snapshot requests wait and their progress
// survives restarts:
//
//   requests/<schema.table>.<unique>.json   {"schema", "table", "origin"}
//       one per request, written by `retainly-cdc resnapshot` or by the initial snapshot
//       (any process); a name of its own each time, so a request is never overwritten.
//   <schema.table>.json   {"schema", "table", "origin", "last_key", "rows"}
//       the table's progress, written by the daemon alone: the key after which reading
//       continues and the rows done, both only ever moved to what Retainly acknowledged.
//       Removed when the table is done.
//
// The daemon turns each request into a fresh progress file (reading starts over at the
// first row) before it removes the request, so a crash in between repeats the request
// and never loses it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/table_schema.h"

namespace cdc::pipeline {

// Why a table is read: the initial snapshot (source.snapshot) or `retainly-cdc resnapshot`.
enum class ResnapshotOrigin { kCommand, kInitialSnapshot };

struct ResnapshotProgress {
  TableId table;
  ResnapshotOrigin origin = ResnapshotOrigin::kCommand;
  // The key of the last row done; nullopt: start at the first row.
  std::optional<std::vector<std::string>> last_key;
  uint64_t rows = 0;
};

// Asks the daemon using `state_dir` to send `table`'s current rows again. Safe beside a
// running daemon and other requests: each request is a new file. Throws
// std::system_error when the file cannot be written.
void request_resnapshot(const std::filesystem::path& state_dir, const TableId& table,
                        ResnapshotOrigin origin = ResnapshotOrigin::kCommand);

// The daemon's side. Not thread-safe.
class ResnapshotFiles {
 public:
  explicit ResnapshotFiles(const std::filesystem::path& state_dir);

  // The progress files, by file name. Files that are not progress are logged and skipped.
  std::vector<ResnapshotProgress> load_progress() const;
  // Waiting requests, oldest name first: each is recorded as a fresh progress file and
  // then removed. A file that is not a request is renamed to <name>.invalid and logged.
  std::vector<ResnapshotProgress> take_requests() const;
  // Writes `progress` durably.
  void save(const ResnapshotProgress& progress) const;
  // Removes `table`'s progress file (the table is done, or cannot be read by key).
  void remove(const TableId& table) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace cdc::pipeline
