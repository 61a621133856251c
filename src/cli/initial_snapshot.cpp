#include "cli/initial_snapshot.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/backfill_progress.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_exported_snapshot.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/backfill.h"
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

void take_initial_snapshot(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                           sink::Sink& sink, const std::atomic<bool>& stop, SnapshotBoard* board) {
  if (config.source.snapshot == config::SnapshotMode::kNever) return;
  if (config.source.type != config::SourceType::kPostgres) {
    log::warn("source.snapshot: initial snapshots of MySQL sources are not built yet");
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
  ProgressReport terminal_or_log(::isatty(STDERR_FILENO) == 1);
  auto report = [&](const std::vector<const pipeline::BackfillProgress*>& tables) {
    terminal_or_log(tables);
    if (board != nullptr) board->update(tables);
  };
  pipeline::BackfillSummary summary;
  try {
    summary = backfill.run(mapper.tables(), stop, report);
  } catch (const std::runtime_error&) {
    if (!stop.load()) throw;
    log::info("initial snapshot interrupted; the next start takes it again");
    return;
  }
  record(file, pg.slot, true);
  log::info("initial snapshot done: {} rows, {} calls, {} dead letters, {} s", summary.rows,
            summary.calls, summary.dead_letters + summary.rejections,
            summary.elapsed.count() / 1000.0);
}

}  // namespace cdc::cli
