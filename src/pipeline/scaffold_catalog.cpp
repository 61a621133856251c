#include "pipeline/scaffold_catalog.h"

#include <map>

#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"
#include "pipeline/source_factory.h"

namespace cdc::pipeline {
namespace {

std::optional<int64_t> number_or_null(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return std::stoll(*text);
}

ScaffoldTable describe_postgres(const config::PostgresSourceConfig& pg, const TableId& id) {
  auto conn = pg::PgConnection::connect(pg.dsn, pg::PgConnection::Mode::kNormal);
  const pg::TableInfo info = pg::PgAdmin(conn).table_info(id);
  if (!info.exists) throw ConfigError("table " + id.qualified() + " does not exist");
  ScaffoldTable table;
  table.source = ScaffoldSource::kPostgres;
  table.table = id;
  table.row_image = std::string(1, info.replica_identity);
  table.identity_columns = info.identity_columns;
  const auto columns = conn.query(
      "SELECT column_name, udt_name, character_maximum_length FROM information_schema.columns "
      "WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
      {id.schema, id.name});
  for (const auto& row : columns.rows) {
    table.columns.push_back({row[0].value_or(""), row[1].value_or(""), "", number_or_null(row[2])});
  }
  const std::string relation = pg::quote_table(conn, id.schema, id.name);
  const auto key = conn.query(
      "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
      "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary "
      "ORDER BY array_position(i.indkey::int2[], a.attnum)",
      {relation});
  for (const auto& row : key.rows) table.primary_key.push_back(row[0].value_or(""));
  const auto foreign = conn.query(
      "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
      "AND a.attnum = c.conkey[1] WHERE c.conrelid = $1::regclass AND c.contype = 'f' "
      "AND cardinality(c.conkey) = 1 ORDER BY a.attnum",
      {relation});
  for (const auto& row : foreign.rows) table.foreign_keys.push_back(row[0].value_or(""));
  return table;
}

// MariaDB's JSON is LONGTEXT with a json_valid() check, and information_schema names it
// longtext: its check constraints tell JSON columns apart. MySQL has a JSON type of its
// own and no TABLE_NAME in CHECK_CONSTRAINTS, so there the query fails and changes nothing.
void mark_mariadb_json(mysql::MysqlConnection& conn, const TableId& id, ScaffoldTable& table) {
  mysql::MysqlResult checks;
  try {
    checks = conn.query(
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE "
        "CONSTRAINT_SCHEMA = " +
        conn.quote(id.schema) + " AND TABLE_NAME = " + conn.quote(id.name));
  } catch (const mysql::MysqlServerError&) {
    return;  // MySQL: no such column
  }
  for (auto& column : table.columns) {
    if (column.type != "longtext") continue;
    const std::string clause = "json_valid(`" + column.name + "`)";
    for (const auto& row : checks.rows) {
      if (row[0] && row[0]->find(clause) != std::string::npos) column.type = "json";
    }
  }
}

ScaffoldTable describe_mysql(const config::MysqlSourceConfig& my, const TableId& id) {
  auto conn = mysql::MysqlConnection::connect(mysql_connect_options(my));
  const std::string where =
      " WHERE TABLE_SCHEMA = " + conn.quote(id.schema) + " AND TABLE_NAME = " + conn.quote(id.name);
  ScaffoldTable table;
  table.source = ScaffoldSource::kMysql;
  table.table = id;
  const auto columns = conn.query(
      "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH FROM "
      "information_schema.COLUMNS" +
      where + " ORDER BY ORDINAL_POSITION");
  if (columns.rows.empty()) {
    throw ConfigError("table " + id.qualified() + " does not exist (or the user may not see it)");
  }
  for (const auto& row : columns.rows) {
    table.columns.push_back(
        {row[0].value_or(""), row[1].value_or(""), row[2].value_or(""), number_or_null(row[3])});
  }
  mark_mariadb_json(conn, id, table);
  const auto keys = conn.query(
      "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME IS NOT NULL FROM "
      "information_schema.KEY_COLUMN_USAGE" +
      where + " ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION");
  std::map<std::string, std::vector<std::string>> foreign;
  for (const auto& row : keys.rows) {
    const std::string constraint = row[0].value_or("");
    if (constraint == "PRIMARY") {
      table.primary_key.push_back(row[1].value_or(""));
    } else if (row[2].value_or("0") == "1") {
      foreign[constraint].push_back(row[1].value_or(""));
    }
  }
  // Single-column foreign keys, in table order.
  for (const auto& column : table.columns) {
    for (const auto& [constraint, names] : foreign) {
      if (names.size() == 1 && names.front() == column.name) {
        table.foreign_keys.push_back(column.name);
        break;
      }
    }
  }
  table.row_image = mysql::BinlogAdmin(conn).global_variable("binlog_row_image").value_or("FULL");
  for (char& c : table.row_image)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return table;
}

}  // namespace

ScaffoldTable describe_table(const config::ConnectorConfig& config, const TableId& table) {
  if (config.source.type == config::SourceType::kPostgres) {
    return describe_postgres(config.source.postgres, table);
  }
  return describe_mysql(config.source.mysql, table);
}

}  // namespace cdc::pipeline
