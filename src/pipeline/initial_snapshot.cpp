#include "pipeline/initial_snapshot.h"

#include <nlohmann/json.hpp>

#include "ops/log.h"
#include "pipeline/resnapshot_files.h"
#include "pipeline/source_factory.h"
#include "state/atomic_file.h"

namespace cdc::pipeline {
namespace {

using nlohmann::json;

// What snapshot.json calls the stream start: the slot, or the MySQL replica.
std::string stream_start_name(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) return config.source.postgres.slot;
  return "mysql:" + std::to_string(config.source.mysql.server_id);
}

}  // namespace

bool initial_snapshot_due(config::SnapshotMode mode, bool stream_start_exists,
                          SnapshotRecord record) {
  switch (mode) {
    case config::SnapshotMode::kNever:
      return false;
    case config::SnapshotMode::kAlways:
      return true;
    case config::SnapshotMode::kInitial:
      return !stream_start_exists || record == SnapshotRecord::kUnfinished;
  }
  return false;
}

SnapshotRecord read_snapshot_record(const std::filesystem::path& file, const std::string& slot) {
  const auto text = state::read_file(file);
  if (!text) return SnapshotRecord::kNone;
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("slot", "") != slot) return SnapshotRecord::kNone;
  if (doc.value("requested", false) || doc.value("done", false)) return SnapshotRecord::kRequested;
  return SnapshotRecord::kUnfinished;
}

void request_initial_snapshot(const config::ConnectorConfig& config,
                              const std::vector<TableId>& tables) {
  const auto mode = config.source.snapshot;
  if (mode == config::SnapshotMode::kNever) return;
  if (config.source.type == config::SourceType::kMysql && config.source.mysql.snapshot_lock) {
    log::info("source.snapshot_lock is ignored: snapshots no longer take a global read lock");
  }
  const auto file = config.state_dir / "snapshot.json";
  const std::string slot = stream_start_name(config);
  const SnapshotRecord record = read_snapshot_record(file, slot);
  const bool start_exists = stream_start_exists(config);
  if (!initial_snapshot_due(mode, start_exists, record)) return;
  if (record == SnapshotRecord::kUnfinished && start_exists) {
    log::warn(
        "the initial snapshot for {} did not finish under an earlier version; requesting "
        "it again, beside the stream (the slot or position is kept)",
        slot);
  }
  // Requests first, the record after: a crash in between requests them again, which
  // only starts the tables over.
  for (const auto& table : tables) {
    request_resnapshot(config.state_dir, table, ResnapshotOrigin::kInitialSnapshot);
  }
  state::write_file_atomically(file, json{{"slot", slot}, {"requested", true}}.dump() + "\n");
  log::info(
      "initial snapshot of {} table(s) requested{}: read in watermark chunks of {} rows "
      "beside the stream",
      tables.size(), mode == config::SnapshotMode::kAlways ? " (source.snapshot: always)" : "",
      config.backfill.page_rows);
}

}  // namespace cdc::pipeline
