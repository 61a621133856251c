// The current rows of one table, read through an ordinary libpq connection in pages and
// handed out as RowChanges: what `preview` shows and what a backfill will send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_copy_row.h"
#include "connectors/postgres/pg_copy_stream.h"
#include "core/row_change.h"
#include "core/spare_rows.h"
#include "core/table_schema.h"

namespace cdc::pg {

// Reads a table in the order of its page key through COPY statements:
//
//   COPY (SELECT <columns>[, ctid] FROM t [WHERE (<page key>) > (<last key>)]
//         ORDER BY <page key> LIMIT n) TO STDOUT
//
// and hands the rows out in batches as they stream in. The first statement's n is the
// first batch's size, so a reader used for one batch reads no further; each later one
// is four times the last, up to kMaxStreamBatches batches, and starts after the last
// key read. The page key is the primary key, else the replica identity index, else the
// row's ctid. Every statement starts from a key, so a backfill can checkpoint last_key()
// and resume_after() it in a later process. ctid paging is only good within one run:
// VACUUM FULL and updates move rows.
//
// Rows, schema and values match what the replication stream would give for the same row:
// the columns pgoutput sends (no dropped or generated ones) in attnum order, type names as
// pg_type.typname spells them, is_key as the Relation message flags it (the replica
// identity's columns; every column under REPLICA IDENTITY FULL), text values parsed by
// parse_pg_value, with types that are not built in read as text (arrays of them as arrays
// of text), as the ChangeAssembler reads them.
//
// Each change is an Operation::kInsert (or options.op) with `after` filled, `before`
// empty, commit_time_micros 0 and position PgPosition{PgLsn{0}, n}, n counting the rows
// handed out from 0 (wrapping past 2^32). That position is not a WAL location: it orders
// the rows of this read and nothing else, and must never be acknowledged to a slot.
//
// Statements are separate: unless the caller holds a REPEATABLE READ transaction open on
// the connection, rows changed while reading may be seen in either state.
//
// `conn` must outlive the reader, and runs nothing else while the reader is used: a
// statement may be under way between batches. Destroying the reader mid-statement
// leaves the connection in the copy; close the connection then. Not thread-safe. Every failure
// (missing table, query error, lost connection) throws cdc::SourceError; a value the parser cannot
// read throws cdc::ProtocolError.
class PgTableReader {
 public:
  struct Options {
    Operation op = Operation::kInsert;
  };

  // Reads the table's shape from the catalog. Throws SourceError when `table` is not an
  // ordinary or partitioned table.
  PgTableReader(const PgConnection& conn, TableId table, Options options);
  PgTableReader(const PgConnection& conn, TableId table)
      : PgTableReader(conn, std::move(table), Options{}) {}

  const std::shared_ptr<const TableSchema>& schema() const { return schema_; }
  // The columns rows are ordered and paged by, in order; {"ctid"} for a table without a
  // primary key or replica identity index.
  const std::vector<std::string>& page_key() const { return page_key_; }

  // Appends up to `max_rows` (at least 1) rows following the last one handed out to `out`
  // and returns how many; 0 at the end of the table.
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out);
  // Takes back rows handed out, for later rows to be read into (SpareRows). Leaves `rows`
  // empty, its capacity kept.
  void recycle(std::vector<RowChange>& rows);

  // The page key of the last row handed out, as the server printed it; nullopt before the
  // first row.
  const std::optional<std::vector<std::string>>& last_key() const { return last_key_; }
  // Continues after the row whose page key is `key` (a last_key() of an earlier read).
  void resume_after(std::vector<std::string> key);

 private:
  // A statement reads at most this many batches.
  static constexpr size_t kMaxStreamBatches = 64;

  void load_schema(TableId table);
  std::string copy_sql(size_t limit) const;
  void start_stream(size_t max_rows);
  // last_key_ := the page key of the last row read.
  void remember_last_key();

  const PgConnection& conn_;
  Options options_;
  std::shared_ptr<const TableSchema> schema_;
  // The type each column's text is read as.
  std::vector<uint32_t> parse_oids_;
  std::vector<std::string> page_key_;
  size_t fields_ = 0;               // per row: the columns, then ctid if it is the key
  std::vector<size_t> key_fields_;  // the page key's fields in a row
  // "SELECT <columns> FROM <table>", " ORDER BY <page key>" and "(k1, k2)", built once.
  std::string select_from_;
  std::string order_by_;
  std::string key_tuple_;
  std::optional<std::vector<std::string>> last_key_;
  std::optional<PgCopyStream> stream_;  // the statement being read, if any
  size_t stream_limit_ = 0;             // its LIMIT; 0 before the first
  size_t stream_rows_ = 0;              // rows read from it
  PgCopyRow row_;                       // the last row read
  std::vector<std::string> row_key_;    // its page key's text
  SpareRows spare_rows_;                // images of recycled rows
  uint32_t rows_read_ = 0;
};

}  // namespace cdc::pg
