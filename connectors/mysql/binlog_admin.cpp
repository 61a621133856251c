#include "connectors/mysql/binlog_admin.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "core/errors.h"

namespace cdc::mysql {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// `name` as a backquoted identifier.
std::string quote_identifier(std::string_view name) {
  std::string quoted = "`";
  for (char c : name) {
    if (c == '`') quoted += '`';
    quoted += c;
  }
  return quoted + "`";
}

}  // namespace

std::optional<std::string> BinlogAdmin::global_variable(const std::string& name) {
  auto result = conn_.query("SHOW GLOBAL VARIABLES LIKE " + conn_.quote(name));
  if (result.rows.empty() || result.rows.front().size() < 2) return std::nullopt;
  return result.rows.front()[1].value_or("");
}

void BinlogAdmin::require_commit_order() {
  if (upper(global_variable("binlog_order_commits").value_or("ON")) != "OFF") return;
  throw SourceError(
      "binlog_order_commits is OFF: a transaction can become visible after a later one in the "
      "binlog, so a snapshot chunk could miss a change the stream already sent and overwrite "
      "it with the older row; SET PERSIST binlog_order_commits = ON");
}

void BinlogAdmin::require_row_binlog() {
  if (upper(global_variable("log_bin").value_or("OFF")) != "ON") {
    throw SourceError(
        "the server does not write a binary log: start it with log_bin (MariaDB: "
        "--log-bin, MySQL: on by default) and binlog_format=ROW");
  }
  const std::string format = upper(global_variable("binlog_format").value_or(""));
  if (format != "ROW") {
    throw SourceError("the server's binlog_format is " + format +
                      ", row changes need ROW: SET GLOBAL binlog_format = 'ROW' and set it "
                      "in the server's configuration");
  }
}

std::string BinlogAdmin::checksum() {
  return upper(global_variable("binlog_checksum").value_or("NONE"));
}

bool BinlogAdmin::gtid_available() {
  if (is_mariadb()) return true;
  return upper(global_variable("gtid_mode").value_or("OFF")) == "ON";
}

ResumePoint BinlogAdmin::current_position() {
  MysqlResult status;
  try {
    status = conn_.query("SHOW MASTER STATUS");
  } catch (const MysqlServerError&) {
    status = conn_.query("SHOW BINARY LOG STATUS");  // MySQL 8.4 removed the old name
  }
  if (status.rows.empty() || status.rows.front().size() < 2) {
    throw SourceError(
        "SHOW MASTER STATUS returned nothing: the binary log is off, or the user lacks the "
        "BINLOG MONITOR (MariaDB) / REPLICATION CLIENT (MySQL) privilege");
  }
  ResumePoint at;
  at.file = status.rows.front()[0].value_or("");
  at.offset = std::stoull(status.rows.front()[1].value_or("4"));
  if (is_mariadb()) {
    at.gtid_state = conn_.query_value("SELECT @@global.gtid_binlog_pos").value_or("");
  } else if (gtid_available()) {
    at.gtid_state = conn_.query_value("SELECT @@global.gtid_executed").value_or("");
    at.gtid_state.erase(std::remove(at.gtid_state.begin(), at.gtid_state.end(), '\n'),
                        at.gtid_state.end());
  }
  return at;
}

void BinlogAdmin::ensure_watermark_table(const TableId& table) {
  // A user granted only INSERT and UPDATE on an existing table may not run CREATE ... IF
  // NOT EXISTS at all.
  const bool exists =
      !conn_
           .query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                  conn_.quote(table.schema) + " AND TABLE_NAME = " + conn_.quote(table.name))
           .rows.empty();
  if (exists) return;
  conn_.exec("CREATE DATABASE IF NOT EXISTS " + quote_identifier(table.schema));
  conn_.exec("CREATE TABLE IF NOT EXISTS " + quote_identifier(table.schema) + "." +
             quote_identifier(table.name) +
             " (id TINYINT PRIMARY KEY, value VARCHAR(200) NOT NULL)");
}

void BinlogAdmin::write_watermark(const TableId& table, const std::string& watermark) {
  conn_.exec("INSERT INTO " + quote_identifier(table.schema) + "." + quote_identifier(table.name) +
             " (id, value) VALUES (1, " + conn_.quote(watermark) +
             ") ON DUPLICATE KEY UPDATE value = VALUES(value)");
}

std::vector<ReplicaHost> BinlogAdmin::replica_hosts() {
  for (const char* statement : {"SHOW REPLICA HOSTS", "SHOW SLAVE HOSTS"}) {
    MysqlResult result;
    try {
      result = conn_.query(statement);
    } catch (const MysqlServerError&) {
      continue;  // the other spelling, or no privilege to list replicas
    }
    std::vector<ReplicaHost> hosts;
    for (const auto& row : result.rows) {
      // Server_id and Host come first in every version's answer.
      if (row.size() < 2 || !row[0]) continue;
      hosts.push_back({*row[0], row[1].value_or("")});
    }
    return hosts;
  }
  return {};
}

std::vector<std::string> BinlogAdmin::binlog_files() {
  std::vector<std::string> files;
  for (const auto& row : conn_.query("SHOW BINARY LOGS").rows) {
    if (!row.empty() && row[0]) files.push_back(*row[0]);
  }
  return files;
}

std::vector<CatalogColumn> BinlogAdmin::catalog(const TableId& table) {
  auto result = conn_.query(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
      conn_.quote(table.schema) + " AND TABLE_NAME = " + conn_.quote(table.name) +
      " ORDER BY ORDINAL_POSITION");
  std::vector<CatalogColumn> columns;
  columns.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    CatalogColumn c;
    c.name = row[0].value_or("");
    c.column_type = row[1].value_or("");
    c.charset = row[2].value_or("");
    c.is_key = row[3].value_or("") == "PRI";
    columns.push_back(std::move(c));
  }
  return columns;
}

}  // namespace cdc::mysql
