#include "cli/initial_snapshot.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/backfill_progress.h"
#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/binlog_position_file.h"
#include "connectors/mysql/mysql_table_reader.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_exported_snapshot.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/backfill.h"
#include "pipeline/source_factory.h"
#include "state/atomic_file.h"

namespace cdc::cli {
namespace {

using nlohmann::json;

// The recorded state for `slot`: nullopt without a record (or one of another slot).
std::optional<bool> recorded_done(const std::filesystem::path& file, const std::string& slot) {
  const auto text = state::read_file(file);
  if (!text) return std::nullopt;
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("slot", "") != slot) return std::nullopt;
  return doc.value("done", false);
}

void record(const std::filesystem::path& file, const std::string& slot, bool done) {
  state::write_file_atomically(file, json{{"slot", slot}, {"done", done}}.dump() + "\n");
}

}  // namespace

void SnapshotBoard::update(const std::vector<const pipeline::BackfillProgress*>& tables) {
  std::vector<pipeline::SnapshotTableProgress> copy;
  for (const auto* table : tables) {
    copy.push_back(
        {table->table, table->rows.load(), table->estimated_rows, table->finished.load()});
  }
  std::lock_guard lock(mutex_);
  tables_ = std::move(copy);
}

std::vector<pipeline::SnapshotTableProgress> SnapshotBoard::tables() const {
  std::lock_guard lock(mutex_);
  return tables_;
}

namespace {

// Reads the tables through `backfill` with progress on the terminal or in the log (and
// on `board`). False when `stop` interrupted it.
bool read_snapshot(pipeline::Backfill& backfill, const std::vector<TableId>& tables,
                   const std::atomic<bool>& stop, SnapshotBoard* board) {
  ProgressReport terminal_or_log(::isatty(STDERR_FILENO) == 1);
  auto report = [&](const std::vector<const pipeline::BackfillProgress*>& progress) {
    terminal_or_log(progress);
    if (board != nullptr) board->update(progress);
  };
  pipeline::BackfillSummary summary;
  try {
    summary = backfill.run(tables, stop, report);
  } catch (const std::runtime_error&) {
    if (!stop.load()) throw;
    log::info("initial snapshot interrupted; the next start takes it again");
    return false;
  }
  log::info("initial snapshot done: {} rows, {} calls, {} dead letters, {} s", summary.rows,
            summary.calls, summary.dead_letters + summary.rejections,
            summary.elapsed.count() / 1000.0);
  return true;
}

// MySQL/MariaDB: one connection in one consistent snapshot reads the tables one after the
// other (a snapshot cannot be shared across connections), and the binlog position that
// matches the snapshot becomes the stored position streaming starts from. A position
// stored without a finished snapshot record means the connector streamed before (or
// was set up with snapshot: never): `initial` leaves it alone.
void take_mysql_snapshot(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                         sink::Sink& sink, const std::atomic<bool>& stop, SnapshotBoard* board) {
  const auto& my = config.source.mysql;
  const auto file = config.state_dir / "snapshot.json";
  const std::string key = "mysql:" + std::to_string(my.server_id);
  const mysql::BinlogPositionFile positions(config.state_dir / "mysql_position.json");
  const auto done = recorded_done(file, key);
  if (config.source.snapshot == config::SnapshotMode::kInitial && positions.load()) {
    if (done.value_or(true)) return;
    log::warn("the initial snapshot did not finish last time; taking it again");
  }
  record(file, key, false);
  auto conn = std::make_shared<mysql::MysqlConnection>(
      mysql::MysqlConnection::connect(pipeline::mysql_connect_options(my)));
  mysql::BinlogAdmin admin(*conn);
  admin.require_row_binlog();
  const mysql::ResumePoint at = admin.start_consistent_snapshot(my.snapshot_lock);
  log::info("initial snapshot of {} table(s) at binlog {}:{}{}", mapper.tables().size(), at.file,
            at.offset, at.gtid_state.empty() ? "" : " (GTID " + at.gtid_state + ")");
  pipeline::Backfill backfill(mapper, sink,
                              [conn](const TableId& table) {
                                return std::make_unique<mysql::MysqlTableReader>(conn, table);
                              },
                              {.page_rows = config.backfill.page_rows,
                               .connections = 1,
                               .resume = false,
                               .state_dir = config.state_dir / "snapshot"});
  if (!read_snapshot(backfill, mapper.tables(), stop, board)) return;
  conn->exec("COMMIT");
  positions.store(at);
  record(file, key, true);
}

}  // namespace

void take_initial_snapshot(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                           sink::Sink& sink, const std::atomic<bool>& stop, SnapshotBoard* board) {
  if (config.source.snapshot == config::SnapshotMode::kNever) return;
  if (config.source.type == config::SourceType::kMysql) {
    take_mysql_snapshot(config, mapper, sink, stop, board);
    return;
  }
  const auto& pg = config.source.postgres;
  const auto file = config.state_dir / "snapshot.json";
  auto conn = pg::PgConnection::connect(pg.dsn, pg::PgConnection::Mode::kNormal);
  pg::PgAdmin admin(conn);
  const bool slot_exists = admin.slot(pg.slot).has_value();
  const auto done = recorded_done(file, pg.slot);
  if (config.source.snapshot == config::SnapshotMode::kInitial && slot_exists) {
    if (done.value_or(true)) return;  // taken before, or a slot that predates snapshots
    log::warn("the initial snapshot on slot {} did not finish last time; taking it again", pg.slot);
  }
  if (!pg.create_slot) {
    throw ConfigError(config.file.string() +
                      ": source.snapshot needs a new slot, but source.create_slot is false");
  }
  admin.require_logical_wal();
  // Before the slot: changes are decoded with the publication as it was at their LSN.
  admin.ensure_publication(pg.publication, mapper.tables(), pg.create_publication);
  if (slot_exists) {
    log::info("dropping slot {} to take the snapshot again", pg.slot);
    conn.query("SELECT pg_drop_replication_slot($1)", {pg.slot});
  }
  record(file, pg.slot, false);
  pg::ExportedSnapshot exported(pg.dsn, pg.slot);
  log::info("initial snapshot of {} table(s) at {} (snapshot {})", mapper.tables().size(),
            exported.consistent_point().to_string(), exported.name());
  pipeline::Backfill backfill(mapper, sink,
                              [&](const TableId& table) {
                                return std::make_unique<pg::PgBackfillReader>(pg.dsn, table,
                                                                              exported.name());
                              },
                              {.page_rows = config.backfill.page_rows,
                               .connections = config.backfill.connections,
                               .resume = false,
                               .state_dir = config.state_dir / "snapshot"});
  if (!read_snapshot(backfill, mapper.tables(), stop, board)) return;
  record(file, pg.slot, true);
}

}  // namespace cdc::cli
