#include "cli/check_mysql.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "cli/check_mysql_row_image.h"
#include "cli/exit_code.h"
#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/mysql_connection.h"
#include "pipeline/source_factory.h"

namespace cdc::cli {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Declared mapping type -> MySQL DATA_TYPEs whose values convert to it. Any type converts
// to string.
bool converts(const std::string& declared, const std::string& data_type) {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"number",
       {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year",
        "bit", "char", "varchar", "text"}},
      {"boolean", {"tinyint", "smallint", "int", "bigint", "bit", "char", "varchar", "text"}},
      {"date", {"date", "datetime", "timestamp", "char", "varchar", "text"}},
      {"date_time", {"datetime", "timestamp", "date", "char", "varchar", "text"}},
      {"json", {"json", "longtext", "text", "varchar"}},
      {"array", {"set", "json", "longtext"}},
  };
  if (declared.empty() || declared == "string") return true;
  auto it = kAllowed.find(declared);
  return it == kAllowed.end() || it->second.contains(data_type);
}

std::string this_host() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? buf : "";
}

void check_server(mysql::MysqlConnection& conn, const config::MysqlSourceConfig& my,
                  std::vector<Problem>& problems, std::ostream& out) {
  mysql::BinlogAdmin admin(conn);
  try {
    admin.require_row_binlog();
  } catch (const SourceError& e) {
    problems.push_back({kExitSource, e.what()});
  }
  const std::string image = upper(admin.global_variable("binlog_row_image").value_or("FULL"));
  if (image == "MINIMAL") {
    problems.push_back({kExitSource,
                        "binlog_row_image is MINIMAL: row images then leave out the customer "
                        "and item ids of updates and deletes. SET GLOBAL binlog_row_image = "
                        "'FULL' (NOBLOB also works) and set it in the server's configuration"});
  }
  const auto metadata = admin.global_variable("binlog_row_metadata");
  if (metadata && upper(*metadata) != "FULL") {
    out << "note: binlog_row_metadata is " << *metadata
        << ": column names come from information_schema, which can be ahead of the binlog "
           "being read after an ALTER TABLE. FULL puts them in the binlog itself\n";
  }
  if (admin.global_variable("server_id").value_or("") == std::to_string(my.server_id)) {
    problems.push_back({kExitConfig, "source.server_id " + std::to_string(my.server_id) +
                                         " is the server's own server_id; pick a number no "
                                         "server or replica of this replication topology uses"});
  }
  // Replicas registered with our id: the server drops one of two streams that share it.
  for (const char* statement : {"SHOW REPLICA HOSTS", "SHOW SLAVE HOSTS"}) {
    mysql::MysqlResult hosts;
    try {
      hosts = conn.query(statement);
    } catch (const mysql::MysqlServerError&) {
      continue;  // the other spelling, or no privilege to list replicas
    }
    for (const auto& row : hosts.rows) {
      if (row.size() < 2 || row[0].value_or("") != std::to_string(my.server_id)) continue;
      const std::string host = row[1].value_or("");
      if (host == this_host()) continue;  // this machine's daemon, most likely
      problems.push_back({kExitConfig, "source.server_id " + std::to_string(my.server_id) +
                                           " is already used by a replica on host " + host +
                                           "; every replica needs its own server id"});
    }
    break;
  }
  // The grants: REPLICATION SLAVE streams the binlog; SHOW MASTER STATUS needs
  // REPLICATION CLIENT (MySQL) or BINLOG MONITOR (MariaDB 10.5+).
  std::string grants;
  for (const auto& row : conn.query("SHOW GRANTS").rows) {
    if (!row.empty()) grants += upper(row[0].value_or("")) + "\n";
  }
  const bool all = grants.find("GRANT ALL PRIVILEGES ON *.*") != std::string::npos;
  if (!all && grants.find("REPLICATION SLAVE") == std::string::npos &&
      grants.find("REPLICATION REPLICA") == std::string::npos) {
    problems.push_back(
        {kExitSource, "user " + my.user +
                          " lacks the REPLICATION SLAVE privilege the binlog stream needs: "
                          "GRANT REPLICATION SLAVE ON *.* TO '" +
                          my.user + "'@'...'"});
  }
  if (!all && grants.find("REPLICATION CLIENT") == std::string::npos &&
      grants.find("BINLOG MONITOR") == std::string::npos &&
      grants.find("SUPER") == std::string::npos) {
    problems.push_back(
        {kExitSource, "user " + my.user +
                          " cannot read the binlog position (SHOW MASTER "
                          "STATUS): GRANT " +
                          (admin.is_mariadb() ? "BINLOG MONITOR" : "REPLICATION CLIENT") +
                          " ON *.* TO '" + my.user + "'@'...'"});
  }
}

// The mapped tables that exist, with their column types.
std::vector<MappedTableTypes> check_tables(mysql::MysqlConnection& conn,
                                           const mapping::Mapper& mapper,
                                           std::vector<Problem>& problems) {
  std::vector<MappedTableTypes> found;
  for (const auto& req : mapping::requirements(mapper)) {
    const std::string table = req.table.qualified();
    const auto columns = conn.query(
        "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
        conn.quote(req.table.schema) + " AND TABLE_NAME = " + conn.quote(req.table.name));
    if (columns.rows.empty()) {
      problems.push_back(
          {kExitConfig, "table " + table + " does not exist (or the user may not see it)"});
      continue;
    }
    std::map<std::string, std::string> types;
    for (const auto& row : columns.rows) types[row[0].value_or("")] = row[1].value_or("");
    check_mapped_columns(req, types, converts, problems);
    found.push_back({table, std::move(types), req.columns});
  }
  return found;
}

}  // namespace

void check_mysql(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                 std::vector<Problem>& problems, std::ostream& out) {
  auto conn = mysql::MysqlConnection::connect(pipeline::mysql_connect_options(config.source.mysql));
  check_server(conn, config.source.mysql, problems, out);
  const auto tables = check_tables(conn, mapper, problems);
  mysql::BinlogAdmin admin(conn);
  check_row_image(admin.global_variable("binlog_row_image").value_or("FULL"),
                  admin.global_variable("binlog_row_value_options"), tables, problems, out);
}

}  // namespace cdc::cli
