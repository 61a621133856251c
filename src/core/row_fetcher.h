// Reads again, from the source database, the current rows of updates whose new image
// lacks values (PostgreSQL leaves unchanged TOASTed values out), the way Debezium's
// "reselect columns" post-processor does. It knows nothing of Retainly: the mapping says
// which changes need it and which columns it must give (Mapper::needs_whole_row,
// Mapper::columns_read), and the pipeline batches them per transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/row_change.h"
#include "core/value.h"

namespace cdc {

// What one fill() did.
struct RowFetchCounts {
  uint64_t rows_found = 0;  // changes whose row was read and filled
  uint64_t rows_gone = 0;   // changes left as they were: no row has their key any more
  uint64_t queries = 0;     // statements run
};

class RowFetcher {
 public:
  virtual ~RowFetcher() = default;

  // `changes`: updates that all point at one TableSchema object. Reads their current rows
  // by the key columns (Column::is_key) of `after`, a bounded number of keys per
  // statement, and puts each row's value of every column in `columns` (schema indexes)
  // that a change left Unchanged into it (fill_unchanged). A change whose row is gone
  // (deleted since), or whose key is not known, stays as it is.
  //
  // The values read are the row's at the time of the read, possibly newer than the change:
  // a later change of the row in the stream overwrites what they give.
  //
  // Blocking; called from the pipeline's thread. Throws SourceDisconnected when the
  // connection to the source is lost and cannot be made again, SourceError when a read
  // fails otherwise: a change that needs its row is never mapped without it silently.
  virtual RowFetchCounts fill(std::span<RowChange* const> changes,
                              std::span<const size_t> columns) = 0;
};

// Puts `value`, the current value of column `index`, into an update that left the column
// Unchanged and whose old image does not carry it: into `after`, and into `before` as
// well, because a column the update did not change had that value before it too (so
// changed() stays false and before.x reads it). A `before` the source did not send is
// made first, from the key columns of `after` (an update without an old image kept its
// key, RowChange::before) and Unchanged for the rest. Does nothing otherwise.
void fill_unchanged(RowChange& change, size_t index, const Value& value);

}  // namespace cdc
