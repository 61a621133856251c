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

size_t MysqlTableReader::next_batch(size_t max_rows, std::vector<RowChange>& out) {
  const MysqlResult result = conn_->query(page_sql(std::max<size_t>(max_rows, 1)));
  const size_t ncols = columns_.size();
  if (result.columns.size() != ncols + key_.size()) {
    throw SourceError(fmt::format(
        "reading {}: expected {} result columns, got {} (did the table change while it was "
        "read?)",
        schema_->id.qualified(), ncols + key_.size(), result.columns.size()));
  }
  for (const auto& row : result.rows) {
    RowChange& change = out.emplace_back();
    change.op = Operation::kSnapshotRead;
    change.table = schema_;
    change.after.reserve(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      const std::optional<std::string>& text = row[c];
      change.after.push_back(text ? mysql_text_value(columns_[c], *text) : Value(Null{}));
    }
    change.position = BinlogPosition{"", 0, "", rows_read_++};
  }
  if (!result.rows.empty()) {
    const auto& last = result.rows.back();
    std::vector<std::string> key;
    key.reserve(key_.size());
    for (size_t k = 0; k < key_.size(); ++k) key.push_back(last[ncols + k].value_or(""));
    resume_after(std::move(key));
  }
  return result.rows.size();
}

void MysqlTableReader::resume_after(std::vector<std::string> key) {
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
