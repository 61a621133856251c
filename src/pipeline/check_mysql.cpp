#include "pipeline/source_check.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/mysql_connection.h"
#include "pipeline/binlog_retention.h"
#include "pipeline/check_mysql_row_image.h"
#include "pipeline/row_image_findings.h"
#include "pipeline/source_factory.h"

namespace cdc::pipeline {
namespace {

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
    problems.push_back({Problem::kSource, e.what()});
  }
  const auto metadata = admin.global_variable("binlog_row_metadata");
  if (metadata && upper(*metadata) != "FULL") {
    out << "note: binlog_row_metadata is " << *metadata
        << ": column names come from information_schema, which can be ahead of the binlog "
           "being read after an ALTER TABLE. FULL puts them in the binlog itself\n";
  }
  if (admin.global_variable("server_id").value_or("") == std::to_string(my.server_id)) {
    problems.push_back(
        {Problem::kConfig, "source.server_id " + std::to_string(my.server_id) +
                               " is the server's own server_id; pick a number no "
                               "server or replica of this replication topology uses"});
  }
  // Replicas registered with our id: the server drops one of two streams that share it.
  for (const auto& replica : admin.replica_hosts()) {
    if (replica.server_id != std::to_string(my.server_id)) continue;
    if (replica.host == this_host()) continue;  // this machine's daemon, most likely
    problems.push_back({Problem::kConfig, "source.server_id " + std::to_string(my.server_id) +
                                              " is already used by a replica on host " +
                                              replica.host +
                                              "; every replica needs its own server id"});
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
        {Problem::kSource, "user " + my.user +
                               " lacks the REPLICATION SLAVE privilege the binlog stream needs: "
                               "GRANT REPLICATION SLAVE ON *.* TO '" +
                               my.user + "'@'...'"});
  }
  if (!all && grants.find("REPLICATION CLIENT") == std::string::npos &&
      grants.find("BINLOG MONITOR") == std::string::npos &&
      grants.find("SUPER") == std::string::npos) {
    problems.push_back(
        {Problem::kSource, "user " + my.user +
                               " cannot read the binlog position (SHOW MASTER "
                               "STATUS): GRANT " +
                               (admin.is_mariadb() ? "BINLOG MONITOR" : "REPLICATION CLIENT") +
                               " ON *.* TO '" + my.user + "'@'...'"});
  }
}

// Binlogs purged before a stopped connector reads them are lost to it: warn when the
// server keeps them for less than the configured threshold.
void check_retention(mysql::MysqlConnection& conn, const config::MysqlSourceConfig& my,
                     std::ostream& out) {
  mysql::BinlogAdmin admin(conn);
  std::optional<std::string> rds_hours;
  try {
    // Amazon RDS and Aurora: a procedure of their own says what they keep.
    for (const auto& row : conn.query("CALL mysql.rds_show_configuration").rows) {
      if (row.size() >= 2 && row[0].value_or("") == "binlog retention hours") {
        rds_hours = row[1].value_or("");
      }
    }
  } catch (const mysql::MysqlServerError&) {
    // Not RDS: no such procedure, or no right to call it.
  }
  const auto retention = binlog_retention(admin.global_variable("binlog_expire_logs_seconds"),
                                          admin.global_variable("expire_logs_days"), rds_hours);
  if (auto warning = retention_warning(retention, my.min_binlog_retention_hours)) {
    out << "warning: " << *warning << "\n";
  }
}

// The privileges SHOW GRANTS (upper-cased lines) gives on *.*, on `table`'s database and
// on `table` itself; nullopt when a role grants more than the lines say.
std::optional<std::set<std::string>> privileges_on(const std::string& grants,
                                                   const TableId& table) {
  const std::set<std::string> targets = {"*.*", upper(table.schema) + ".*",
                                         upper(table.schema) + "." + upper(table.name)};
  std::set<std::string> privileges;
  size_t start = 0;
  for (size_t end; (end = grants.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = grants.substr(start, end - start);
    const size_t on = line.find(" ON ");
    const size_t to = line.find(" TO ", on == std::string::npos ? 0 : on);
    if (line.rfind("GRANT ", 0) != 0) continue;
    if (on == std::string::npos) return std::nullopt;  // GRANT role TO user
    std::string target =
        line.substr(on + 4, to == std::string::npos ? std::string::npos : to - on - 4);
    std::erase(target, '`');
    if (!targets.contains(target)) continue;
    std::string list = line.substr(6, on - 6);
    for (size_t from = 0; from <= list.size();) {
      size_t comma = list.find(',', from);
      if (comma == std::string::npos) comma = list.size();
      std::string privilege = list.substr(from, comma - from);
      while (!privilege.empty() && privilege.front() == ' ') privilege.erase(0, 1);
      privileges.insert(privilege);
      from = comma + 1;
    }
  }
  return privileges;
}

// What snapshots need and the server lacks: a problem when the config asks for snapshots,
// a note otherwise (`resnapshot` would need it).
void report_snapshot_need(const std::string& message, const config::ConnectorConfig& config,
                          std::vector<Problem>& problems, std::ostream& out) {
  if (config.source.snapshot == config::SnapshotMode::kNever) {
    out << "note: " << message << " (needed by `retainly-cdc resnapshot` and source.snapshot)\n";
  } else {
    problems.push_back({Problem::kSource, message});
  }
}

// Snapshots and re-snapshots write watermark rows to source.watermark_table, creating it
// on first use: a problem when the initial snapshot will need it, a note otherwise.
void check_watermark_grants(mysql::MysqlConnection& conn, const config::ConnectorConfig& config,
                            std::vector<Problem>& problems, std::ostream& out) {
  const TableId& table = config.source.mysql.watermark_table;
  std::string grants;
  for (const auto& row : conn.query("SHOW GRANTS").rows) {
    if (!row.empty()) grants += upper(row[0].value_or("")) + "\n";
  }
  const auto privileges = privileges_on(grants, table);
  if (!privileges) return;  // granted through a role: the first watermark will tell
  const bool exists =
      !conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                  conn.quote(table.schema) + " AND TABLE_NAME = " + conn.quote(table.name))
           .rows.empty();
  std::vector<std::string> missing;
  for (const char* needed : {"CREATE", "INSERT", "UPDATE"}) {
    if (exists && std::string_view(needed) == "CREATE") continue;
    if (!privileges->contains("ALL PRIVILEGES") && !privileges->contains(needed)) {
      missing.push_back(needed);
    }
  }
  if (missing.empty()) return;
  std::string list;
  for (const auto& privilege : missing) list += (list.empty() ? "" : ", ") + privilege;
  report_snapshot_need("user " + config.source.mysql.user +
                           " cannot write snapshot watermarks to " + table.qualified() +
                           " (source.watermark_table): GRANT " + list + " ON `" + table.schema +
                           "`.* TO '" + config.source.mysql.user + "'@'...'",
                       config, problems, out);
}

// Snapshot chunks need commits visible in binlog order (BinlogAdmin::require_commit_order).
void check_commit_order(mysql::BinlogAdmin& admin, const config::ConnectorConfig& config,
                        std::vector<Problem>& problems, std::ostream& out) {
  try {
    admin.require_commit_order();
  } catch (const SourceError& error) {
    report_snapshot_need(error.what(), config, problems, out);
  }
}

// The mapped tables that exist, with their column types; what their mappings read that
// `row_image` (binlog_row_image) does not log.
std::vector<MappedTableTypes> check_tables(mysql::MysqlConnection& conn,
                                           const mapping::Mapper& mapper,
                                           const std::string& row_image,
                                           std::vector<Problem>& problems, std::ostream& out) {
  std::vector<MappedTableTypes> found;
  for (const auto& req : mapping::requirements(mapper)) {
    const std::string table = req.table.qualified();
    auto columns = read_mysql_columns(conn, req.table, row_image);
    if (columns.types.empty()) {
      problems.push_back(
          {Problem::kConfig, "table " + table + " does not exist (or the user may not see it)"});
      continue;
    }
    check_mapped_columns(req, columns.types, converts, problems);
    if (auto finding = mysql_row_image_finding(req, row_image, columns)) {
      report_row_image_finding(*finding, problems, out);
    }
    found.push_back({table, std::move(columns.types), req.columns});
  }
  return found;
}

}  // namespace

void check_mysql(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                 std::vector<Problem>& problems, std::ostream& out) {
  auto conn = mysql::MysqlConnection::connect(mysql_connect_options(config.source.mysql));
  check_server(conn, config.source.mysql, problems, out);
  check_retention(conn, config.source.mysql, out);
  check_watermark_grants(conn, config, problems, out);
  mysql::BinlogAdmin admin(conn);
  check_commit_order(admin, config, problems, out);
  const std::string image = admin.global_variable("binlog_row_image").value_or("FULL");
  const auto tables = check_tables(conn, mapper, image, problems, out);
  check_row_image(image, admin.global_variable("binlog_row_value_options"), tables, problems, out);
}

}  // namespace cdc::pipeline
