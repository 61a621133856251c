// A TableReader for backfill: its own connection, one read-only REPEATABLE READ
// transaction (every page sees the table as of one moment), and PgTableReader's keyset
// pages as Operation::kSnapshotRead changes.
#pragma once

#include <memory>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_table_reader.h"
#include "core/table_reader.h"

namespace cdc::pg {

class PgBackfillReader final : public TableReader {
 public:
  // Throws SourceError when the server cannot be reached or the table read.
  PgBackfillReader(const std::string& dsn, const TableId& table);

  const std::shared_ptr<const TableSchema>& schema() const override { return reader_->schema(); }
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out) override {
    return reader_->next_batch(max_rows, out);
  }
  void recycle(std::vector<RowChange>& rows) override { reader_->recycle(rows); }
  const std::optional<std::vector<std::string>>& last_key() const override {
    return reader_->last_key();
  }
  void resume_after(std::vector<std::string> key) override {
    reader_->resume_after(std::move(key));
  }
  uint64_t estimated_rows() const override { return estimated_rows_; }
  std::vector<std::string> key_columns() const override { return reader_->page_key(); }
  std::vector<uint64_t> running_transactions() const override { return running_; }

 private:
  PgConnection conn_;
  std::unique_ptr<PgTableReader> reader_;  // reads through conn_
  uint64_t estimated_rows_ = 0;
  std::vector<uint64_t> running_;  // the snapshot's xip, 64-bit (xid8)
};

}  // namespace cdc::pg
