// The initial snapshot of `run` (source.snapshot: initial | always | never): the mapped
// tables' current rows, sent beside the stream as snapshot requests that Resnapshot
// serves in watermark chunks (resnapshot.h). The slot (PostgreSQL) or the stored binlog
// position (MySQL/MariaDB: the end of the binlog at the first start) is taken once and
// never dropped or moved for a snapshot, so every change after it streams, deletes
// included, whatever stops the process when; progress per table moves only with
// Retainly's acknowledgements.
//
//   initial  requested when streaming has no start point yet (no slot, no stored
//            position): the first start, or after a resync removed it. A slot or
//            position found without a request (set up by hand, or streamed with
//            `never`) is used as it is.
//   always   requested at every start; a table still being read starts over.
//   never    not requested; `retainly-cdc backfill` or `resnapshot` send rows on demand.
//
// state_dir/snapshot.json records {"slot", "requested": true} once the requests are
// written ("slot" is "mysql:<server_id>" for MySQL/MariaDB). A record {"done": false}
// left by a version that read the snapshot in one transaction means that snapshot did
// not finish: the tables are requested again and the slot is kept.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/connector_config.h"
#include "core/table_schema.h"

namespace cdc::pipeline {

// What snapshot.json says about the stream start it names.
enum class SnapshotRecord {
  kNone,        // no record for this slot or server
  kRequested,   // the tables were requested (or, by an older version, read to the end)
  kUnfinished,  // an older version's one-transaction snapshot that did not finish
};

// Pure: whether to request every mapped table now.
bool initial_snapshot_due(config::SnapshotMode mode, bool stream_start_exists,
                          SnapshotRecord record);

// The record in `file` for `slot`.
SnapshotRecord read_snapshot_record(const std::filesystem::path& file, const std::string& slot);

// Requests the snapshot of `tables` when initial_snapshot_due says so, then records it.
// Called before the source first starts, by the holder of the instance lock. Throws
// SourceError when the source cannot be asked, std::system_error when state_dir cannot
// be written.
void request_initial_snapshot(const config::ConnectorConfig& config,
                              const std::vector<TableId>& tables);

}  // namespace cdc::pipeline
