// `retainly-cdc status`: where the connector stands, read from the source and the state
// folder, without a running daemon's help, for operators, scripts and probes.
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"

namespace cdc::cli {
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

struct Health {
  int exit_code = kExitOk;
  std::string verdict = "healthy";
};

// Unhealthy, from the worst: the slot is gone or lost its WAL (a resync is needed), or
// no daemon streams from it, or the server may soon remove WAL it still needs.
Health judge(const std::optional<pg::SlotState>& slot) {
  if (!slot) return {kExitSource, "the replication slot does not exist (run `run` to create it)"};
  if (slot->wal_status == "lost") {
    return {kExitSource,
            "the slot lost WAL it needed: resync (drop the slot, `run`, then `backfill`)"};
  }
  if (!slot->active) return {kExitFailure, "no retainly-cdc is streaming from the slot"};
  if (slot->wal_status == "unreserved") {
    return {kExitFailure, "the slot is past max_wal_size: WAL it needs may be removed soon"};
  }
  return {};
}

nlohmann::json postgres_status(const config::ConnectorConfig& config, Health& health) {
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

void print_text(const nlohmann::json& status) {
  for (const auto& [key, value] : status.items()) {
    std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  }
}

}  // namespace

int status_command(const StatusArgs& args) {
  try {
    const auto config = load_config(args.config);
    if (config.source.type != config::SourceType::kPostgres) {
      throw ConfigError(config.file.string() +
                        ": source.type: status supports PostgreSQL sources only for now");
    }
    Health health;
    nlohmann::json status = postgres_status(config, health);
    status["dead_letters"] = count_dead_letters(config.sink.dead_letter_path);
    status["health"] = health.verdict;
    if (args.json) {
      std::cout << status.dump() << "\n";
    } else {
      print_text(status);
    }
    return health.exit_code;
  } catch (...) {
    return report_current_exception("status");
  }
}

}  // namespace cdc::cli
