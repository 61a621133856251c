#include "connectors/mysql/mysql_table_reader.h"

#include <algorithm>

#include <fmt/format.h>

#include "connectors/mysql/catalog_table_map.h"
#include "connectors/mysql/mysql_text_value.h"
#include "connectors/mysql/table_shape.h"
#include "core/errors.h"

namespace cdc::mysql {

MysqlTableReader::MysqlTableReader(const MysqlConnectOptions& options, TableId table)
    : conn_(std::make_shared<MysqlConnection>(MysqlConnection::connect(options))) {
  conn_->exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  // Rows stream while the backfill waits for the sink, which may take as long as Retainly
  // is away: the server must not give up on a client that stops reading for a while
  // (net_write_timeout, 60 s by default; this is its maximum, a year).
  conn_->exec("SET SESSION net_write_timeout = 31536000");
  conn_->exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  load(std::move(table));
}

MysqlTableReader::MysqlTableReader(std::shared_ptr<MysqlConnection> conn, TableId table)
    : conn_(std::move(conn)) {
  load(std::move(table));
}

void MysqlTableReader::load(TableId table) {
  const std::string where = " WHERE c.TABLE_SCHEMA = " + conn_->quote(table.schema) +
                            " AND c.TABLE_NAME = " + conn_->quote(table.name);
  // COLUMN_KEY marks the primary key's columns as the binlog reader's catalog does;
  // STATISTICS gives their order in the index, which pages follow.
  const MysqlResult catalog = conn_->query(
      "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, c.CHARACTER_SET_NAME, c.COLUMN_KEY, "
      "s.SEQ_IN_INDEX FROM information_schema.COLUMNS c "
      "LEFT JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
      "s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND "
      "s.INDEX_NAME = 'PRIMARY'" +
      where + " ORDER BY c.ORDINAL_POSITION");
  if (catalog.rows.empty()) {
    throw SourceError("table " + table.qualified() + " does not exist in MySQL/MariaDB");
  }
  std::vector<CatalogColumn> columns;
  std::vector<std::pair<int, size_t>> key_order;  // (place in the primary key, column)
  for (const auto& row : catalog.rows) {
    CatalogColumn& column = columns.emplace_back();
    column.name = row[0].value_or("");
    column.column_type = row[1].value_or("");
    column.charset = row[2].value_or("");
    column.is_key = row[3].value_or("") == "PRI";
    if (row[4]) key_order.emplace_back(std::stoi(*row[4]), columns.size() - 1);
  }
  if (key_order.empty()) {
    throw SourceError("table " + table.qualified() +
                      " has no primary key: backfill reads tables in primary-key order; add "
                      "a primary key to it (ALTER TABLE ... ADD PRIMARY KEY)");
  }
  std::sort(key_order.begin(), key_order.end());

  const TableMap map = catalog_table_map(table, columns);
  columns_ = map.columns;
  schema_ = TableShapeCache().schema_for(map).schema;

  std::string select_list;
  for (const ColumnInfo& column : columns_) {
    if (!select_list.empty()) select_list += ", ";
    select_list += mysql_text_select(column, quote_identifier(column.name));
  }
  std::string order;
  for (const auto& [place, index] : key_order) {
    key_.push_back(page_key_column(columns_[index]));
    key_names_.push_back(columns_[index].name);
    select_list += ", " + key_.back().select;
    order += (order.empty() ? "" : ", ") + key_.back().quoted_name;
  }
  select_from_ = "SELECT " + select_list + " FROM " + quote_identifier(table.schema) + "." +
                 quote_identifier(table.name);
  order_by_ = " ORDER BY " + order;
  row_key_.resize(key_.size());

  const auto estimate =
      conn_->query_value("SELECT TABLE_ROWS FROM information_schema.TABLES c" + where);
  if (estimate) estimated_rows_ = std::stoull(*estimate);
}

std::string MysqlTableReader::page_sql(size_t limit) const {
  std::string sql = select_from_;
  if (last_key_) sql += " WHERE " + after_key_condition(key_, last_key_literals_);
  sql += order_by_;
  sql += " LIMIT " + std::to_string(limit);
  return sql;
}

void MysqlTableReader::start_stream(size_t max_rows) {
  // As PgTableReader: the first statement reads one batch, later ones four times more,
  // up to kMaxStreamBatches batches.
  stream_limit_ =
      stream_limit_ == 0 ? max_rows : std::min(stream_limit_ * 4, max_rows * kMaxStreamBatches);
  stream_rows_ = 0;
  stream_.reset();  // a finished statement's result is freed before the next starts
  stream_.emplace(conn_->stream(page_sql(stream_limit_)));
  if (stream_->columns() != columns_.size() + key_.size()) {
    throw SourceError(fmt::format(
        "reading {}: expected {} result columns, got {} (did the table change while it was "
        "read?)",
        schema_->id.qualified(), columns_.size() + key_.size(), stream_->columns()));
  }
  stream_ended_ = false;
}

size_t MysqlTableReader::next_batch(size_t max_rows, std::vector<RowChange>& out) {
  max_rows = std::max<size_t>(max_rows, 1);
  const size_t ncols = columns_.size();
  size_t taken = 0;
  while (taken < max_rows) {
    if (!stream_ || stream_ended_) {
      // A statement that ended short of its limit has read the table to its end.
      if (stream_ && stream_rows_ < stream_limit_) break;
      // The next statement starts after the last row read, which may be in this batch.
      if (taken > 0) remember_last_key();
      start_stream(max_rows);
    }
    if (!stream_->next()) {
      stream_ended_ = true;
      continue;
    }
    ++stream_rows_;
    RowChange& change = out.emplace_back();
    change.op = Operation::kSnapshotRead;
    change.table = schema_;
    Row& after = change.after;
    spare_rows_.reuse(after);
    after.resize(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      const std::optional<std::string_view> text = stream_->value(c);
      after[c] = text ? mysql_text_value(columns_[c], *text) : Value(Null{});
    }
    change.position = BinlogPosition{"", 0, "", rows_read_++};
    // The key's text is copied now: the row's buffer is gone once the stream ends.
    for (size_t k = 0; k < key_.size(); ++k) {
      row_key_[k].assign(stream_->value(ncols + k).value_or(""));
    }
    ++taken;
  }
  if (taken > 0) remember_last_key();
  return taken;
}

void MysqlTableReader::remember_last_key() { set_last_key(row_key_); }

void MysqlTableReader::resume_after(std::vector<std::string> key) {
  // A statement under way reads past the old key: drop it, and start after the new one.
  stream_.reset();
  stream_limit_ = 0;
  set_last_key(std::move(key));
}

void MysqlTableReader::set_last_key(std::vector<std::string> key) {
  if (key.size() != key_.size()) {
    throw SourceError(fmt::format(
        "resuming {}: the saved key has {} part(s) but the primary key has {} column(s); "
        "it changed since",
        schema_->id.qualified(), key.size(), key_.size()));
  }
  std::vector<std::string> literals;
  literals.reserve(key.size());
  const QuoteFn quote = [this](std::string_view text) { return conn_->quote(text); };
  for (size_t k = 0; k < key.size(); ++k) literals.push_back(key_literal(key_[k], key[k], quote));
  last_key_literals_ = std::move(literals);
  last_key_ = std::move(key);
}

}  // namespace cdc::mysql
