// The initial snapshot of `run` (source.snapshot: initial | always | never), PostgreSQL:
// the slot is created with an exported snapshot, the mapped tables are read in that
// snapshot through the backfill machinery into the sink, and streaming then starts at
// the slot's consistent point: nothing is lost or repeated across the handoff, and the
// snapshot's calls are handed to the sink before any streamed one, so each customer sees
// them in that order.
//
// state_dir/snapshot.json records {"slot", "done"}. A snapshot that did not finish
// (crash, SIGTERM) leaves done=false; the next start drops the slot it made (nothing was
// acknowledged from it) and takes the snapshot again, so the slot never holds WAL for a
// snapshot that is not coming. A slot found without that file belongs to a connector
// that streamed before snapshots existed or was set up by hand: it is used as it is.
//
// MySQL/MariaDB: one connection starts a consistent snapshot and learns the binlog
// position that matches it (MariaDB without a lock; MySQL with a brief FLUSH TABLES WITH
// READ LOCK, only when source.snapshot_lock allows), reads the tables one after the other
// in it, and stores that position as the committed one once every call is settled, so
// streaming starts exactly where the snapshot ends. snapshot.json records
// {"slot": "mysql:<server_id>", "done"}; a stored position without it is used as it is.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "config/connector_config.h"
#include "mapping/mapper.h"
#include "pipeline/backfill.h"
#include "pipeline/pipeline_status.h"
#include "sink/sink.h"

namespace cdc::cli {

// The snapshot's per-table progress, written by the snapshot's thread about once a
// second and read by /metrics. Thread-safe.
class SnapshotBoard {
 public:
  void update(const std::vector<const pipeline::BackfillProgress*>& tables);
  std::vector<pipeline::SnapshotTableProgress> tables() const;

 private:
  mutable std::mutex mutex_;
  std::vector<pipeline::SnapshotTableProgress> tables_;
};

// Takes the snapshot when the mode and state call for it. Throws like Backfill::run and
// SourceError.
// `board`, when given, follows the progress.
void take_initial_snapshot(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                           sink::Sink& sink, const std::atomic<bool>& stop,
                           SnapshotBoard* board = nullptr);

}  // namespace cdc::cli
