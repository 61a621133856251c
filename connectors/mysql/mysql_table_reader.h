// The current rows of one MySQL/MariaDB table, page by page in primary-key order, as the
// binlog reader would give them: what backfill (and an initial snapshot) sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_page_key.h"
#include "connectors/mysql/table_map_event.h"
#include "core/spare_rows.h"
#include "core/table_reader.h"

namespace cdc::mysql {

// Reads a table in key order (mysql_page_key.h) through statements
//
//   SELECT <columns>, <key> FROM t [WHERE <after last key>] ORDER BY <key> LIMIT n
//
// whose rows stream in (MysqlRowStream: one row in memory, not the result) and are
// handed out in batches. The first statement's n is the first batch's size, so a reader
// used for one batch reads no further; each later one is four times the last, up to
// kMaxStreamBatches batches, and starts after the last key read. Every statement starts
// from a key, so a backfill can checkpoint last_key() and resume_after() it in a later
// process. A statement may be under way between batches: the connection is the reader's
// until it is destroyed.
//
// Rows, schema and values match the binlog reader's for the same row: the TableSchema is
// the one TableShapeCache makes from the table map a binlog with binlog_row_metadata=FULL
// carries (catalog_table_map.h: same column names, type names, key columns) and values
// convert as mysql_text_value.h says. Each change is an Operation::kSnapshotRead with
// `after` filled, `before` empty, commit_time_micros 0 and position BinlogPosition{file
// "", offset 0, gtid "", index n}, n counting the rows handed out from 0 (wrapping past
// 2^32). That position orders the rows of this read and nothing else: it must never be
// acknowledged to anything.
//
// Not thread-safe. Failures: a table that does not exist, has no primary key or has a
// column type backfill cannot read throws SourceError when constructed; a lost
// connection throws SourceDisconnected, a server error MysqlServerError; a value that
// does not parse throws ProtocolError.
class MysqlTableReader final : public TableReader {
 public:
  // Connects with `options` and opens a read-only REPEATABLE READ transaction WITH
  // CONSISTENT SNAPSHOT, so every page sees the table as of one moment; the transaction
  // ends with the reader.
  MysqlTableReader(const MysqlConnectOptions& options, TableId table);
  // Reads through `conn`, which the caller has already put inside a consistent-snapshot
  // transaction (several tables read one after the other in one snapshot). The reader
  // neither starts nor ends a transaction on it; it must not be used by anything else
  // until the reader is destroyed (a statement may be under way between batches).
  MysqlTableReader(std::shared_ptr<MysqlConnection> conn, TableId table);

  const std::shared_ptr<const TableSchema>& schema() const override { return schema_; }
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out) override;
  // Later rows are read into the images of these (SpareRows).
  void recycle(std::vector<RowChange>& rows) override { spare_rows_.take_back(rows); }
  const std::optional<std::vector<std::string>>& last_key() const override { return last_key_; }
  // Throws SourceError when `key` does not fit the primary key (another part count, or
  // text that cannot be a value of its column).
  void resume_after(std::vector<std::string> key) override;
  // The primary key's columns in index order.
  std::vector<std::string> key_columns() const override { return key_names_; }
  // information_schema.TABLES.TABLE_ROWS: InnoDB's estimate.
  uint64_t estimated_rows() const override { return estimated_rows_; }

 private:
  // A statement reads at most this many batches.
  static constexpr size_t kMaxStreamBatches = 64;

  void load(TableId table);
  std::string page_sql(size_t limit) const;
  void start_stream(size_t max_rows);
  // last_key_ := the key of the last row read.
  void remember_last_key();
  // Sets last_key_ and its literals; throws SourceError when `key` does not fit the key.
  void set_last_key(std::vector<std::string> key);

  std::shared_ptr<MysqlConnection> conn_;
  std::shared_ptr<const TableSchema> schema_;
  std::vector<ColumnInfo> columns_;  // how each column's text converts
  std::vector<PageKeyColumn> key_;
  std::vector<std::string> key_names_;
  // "SELECT <columns>, <key> FROM <table>" and " ORDER BY <key>", built once.
  std::string select_from_;
  std::string order_by_;
  std::optional<std::vector<std::string>> last_key_;
  std::vector<std::string> last_key_literals_;
  std::optional<MysqlRowStream> stream_;  // the statement being read, if any
  bool stream_ended_ = false;             // its rows are all read
  size_t stream_limit_ = 0;               // its LIMIT; 0 before the first
  size_t stream_rows_ = 0;                // rows read from it
  std::vector<std::string> row_key_;      // the key text of the last row read
  SpareRows spare_rows_;                  // images of recycled rows
  uint32_t rows_read_ = 0;
  uint64_t estimated_rows_ = 0;
};

}  // namespace cdc::mysql
