#include "pipeline/source_status.h"

#include <fstream>
#include <optional>

#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/binlog_position_file.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "pipeline/last_sent.h"
#include "pipeline/source_factory.h"

namespace cdc::pipeline {
namespace {

// Lines in the dead-letter file; 0 when there is none.
size_t count_dead_letters(const std::string& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
  return lines;
}

// The first row's value in `column`, nullopt for no row or NULL.
std::optional<std::string> first_value(const pg::QueryResult& result, size_t column) {
  if (result.rows.empty() || result.rows[0].size() <= column) return std::nullopt;
  return result.rows[0][column];
}

// Unhealthy, from the worst: the slot is gone or lost its WAL (a resync is needed), or
// no daemon streams from it, or the server may soon remove WAL it still needs.
SourceHealth judge(const std::optional<pg::SlotState>& slot) {
  if (!slot) {
    return {SourceHealth::kBroken, "the replication slot does not exist (run `run` to create it)"};
  }
  if (slot->wal_status == "lost") {
    return {SourceHealth::kBroken,
            "the slot lost WAL it needed: resync (drop the slot, `run`, then `resnapshot`)"};
  }
  if (!slot->active) {
    return {SourceHealth::kNotStreaming, "no retainly-cdc is streaming from the slot"};
  }
  if (slot->wal_status == "unreserved") {
    return {SourceHealth::kNotStreaming,
            "the slot is past max_wal_size: WAL it needs may be removed soon"};
  }
  return {};
}

nlohmann::json postgres_status(const config::ConnectorConfig& config, SourceHealth& health) {
  const auto& pg = config.source.postgres;
  auto conn = pg::PgConnection::connect(pg.dsn, pg::PgConnection::Mode::kNormal);
  const auto slot = pg::PgAdmin(conn).slot(pg.slot);
  health = judge(slot);
  nlohmann::json out = {{"source", "postgres"}, {"slot", pg.slot}};
  if (!slot) return out;
  out["active"] = slot->active;
  out["wal_status"] = slot->wal_status;
  out["committed_position"] = "pg:" + slot->confirmed_flush.to_string();
  const auto sizes = conn.query(
      "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint, "
      "(pg_current_wal_lsn() - restart_lsn)::bigint FROM pg_replication_slots "
      "WHERE slot_name = $1",
      {pg.slot});
  for (const auto& [key, column] :
       {std::pair{"lag_bytes", 0}, std::pair{"retained_wal_bytes", 1}}) {
    const auto value = first_value(sizes, column);
    out[key] = value ? std::stoll(*value) : 0;
  }
  // The walsender's measure: time from a WAL flush on the server to our confirmation of
  // it; NULL when there is nothing to confirm.
  const auto lag = conn.query(
      "SELECT extract(epoch FROM r.flush_lag)::text FROM pg_stat_replication r "
      "JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1",
      {pg.slot});
  const auto seconds = first_value(lag, 0);
  out["lag_seconds"] = seconds ? nlohmann::json(std::stod(*seconds)) : nlohmann::json(0);
  return out;
}

// MySQL: the committed position is state_dir's; the server tells whether its file still
// exists, how far the binlog has moved on, and whether a replica with our server id is
// connected.
nlohmann::json mysql_status(const config::ConnectorConfig& config, SourceHealth& health) {
  const auto& my = config.source.mysql;
  nlohmann::json out = {{"source", "mysql"}, {"server_id", my.server_id}};
  const auto file = mysql::BinlogPositionFile::in(config.state_dir);
  const auto committed = file.load();
  auto conn = mysql::MysqlConnection::connect(mysql_connect_options(my));
  mysql::BinlogAdmin admin(conn);
  bool active = false;
  for (const auto& replica : admin.replica_hosts()) {
    active = active || replica.server_id == std::to_string(my.server_id);
  }
  out["active"] = active;
  if (!committed) {
    health = {SourceHealth::kBroken, "no committed position in " + file.path().string() +
                                         " yet (`run` stores one when it starts)"};
    return out;
  }
  out["committed_position"] = mysql::to_string(*committed);
  if (!committed->gtid_state.empty()) out["gtid_state"] = committed->gtid_state;
  // Bytes of binlog after the committed position: the rest of its file and every later one.
  uint64_t lag = 0;
  bool found = false;
  for (const auto& row : conn.query("SHOW BINARY LOGS").rows) {
    const std::string name = row.at(0).value_or("");
    const uint64_t size = std::stoull(row.at(1).value_or("0"));
    if (name == committed->file) {
      found = true;
      lag += size > committed->offset ? size - committed->offset : 0;
    } else if (found) {
      lag += size;
    }
  }
  out["lag_bytes"] = lag;
  if (!found) {
    health = {SourceHealth::kBroken, "binlog " + committed->file +
                                         " was purged from the server: resync (delete " +
                                         file.path().string() + ", `run`, then `resnapshot`)"};
  } else if (!active) {
    health = {SourceHealth::kNotStreaming,
              "no retainly-cdc is streaming as replica " + std::to_string(my.server_id)};
  }
  return out;
}

}  // namespace

SourceStatusReport read_source_status(const config::ConnectorConfig& config) {
  SourceStatusReport report;
  report.fields = config.source.type == config::SourceType::kPostgres
                      ? postgres_status(config, report.health)
                      : mysql_status(config, report.health);
  report.fields["dead_letters"] = count_dead_letters(config.sink.dead_letter_path);
  report.fields["last_sent_dir"] = last_sent_directory(config).string();
  // A store where it cannot live is named, not opened (every command that opens it refuses).
  if (auto problem = last_sent_location_problem(config)) {
    report.fields["last_sent_problem"] = *problem;
  } else {
    report.fields.update(last_sent_status(config));
  }
  report.fields["health"] = report.health.verdict;
  return report;
}

}  // namespace cdc::pipeline
