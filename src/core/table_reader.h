// What backfill needs from a reader of current rows, whatever the database: rows in key
// order, page by page, with a key to resume after in a later process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/row_change.h"
#include "core/table_schema.h"

namespace cdc {

class TableReader {
 public:
  virtual ~TableReader() = default;

  virtual const std::shared_ptr<const TableSchema>& schema() const = 0;
  // Appends up to `max_rows` rows following the last one handed out (Operation
  // kSnapshotRead, `after` filled) and returns how many; 0 at the end of the table.
  virtual size_t next_batch(size_t max_rows, std::vector<RowChange>& out) = 0;
  // Takes back rows it handed out that nobody needs any more, so that later batches reuse
  // their memory, and leaves `rows` empty (its capacity kept). By default they are freed.
  virtual void recycle(std::vector<RowChange>& rows) { rows.clear(); }
  // The key of the last row handed out, as text; nullopt before the first row.
  virtual const std::optional<std::vector<std::string>>& last_key() const = 0;
  // Continues after the row whose key is `key` (a last_key() of an earlier read).
  virtual void resume_after(std::vector<std::string> key) = 0;
  // The columns rows are ordered and keyed by (the primary key); {"ctid"} or the like
  // when the table has none.
  virtual std::vector<std::string> key_columns() const = 0;
  // The table's row count as the database estimates it (statistics), 0 if unknown.
  virtual uint64_t estimated_rows() const = 0;
  // The transactions the reader's snapshot treats as still running, by the source's ids
  // (PostgreSQL: the snapshot's xip list). A read beside the stream needs them: a source
  // that logs a commit before other sessions see it can have logged one of these before
  // a watermark written ahead of the read (pipeline/resnapshot.h). Empty when the source
  // keeps no such list or the read has no single snapshot.
  virtual std::vector<uint64_t> running_transactions() const { return {}; }
};

}  // namespace cdc
