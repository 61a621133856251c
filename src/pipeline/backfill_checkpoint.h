// Where a backfill of one table stands, so `backfill --resume` continues instead of
// starting over: the key of the last row whose calls Retainly acknowledged (or
// dead-lettered), the rows done, and whether the table is finished.
//
// Kept in the last-sent store, committed in the same transaction as the stamps of the
// calls it counts (ChangedFilter::save_progress): one commit per page, and after a crash
// the checkpoint and the stamps are never out of step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/table_schema.h"
#include "state/last_sent_store.h"

namespace cdc::pipeline {

struct BackfillCheckpoint {
  std::optional<std::vector<std::string>> last_key;  // nullopt: nothing done yet
  uint64_t rows = 0;
  bool done = false;
};

// The checkpoint's name among the store's progress entries.
std::string checkpoint_name(const TableId& table);
std::string encode_checkpoint(const TableId& table, const BackfillCheckpoint& checkpoint);

// nullopt when there is none. Throws std::runtime_error naming the table when what is
// there is not a checkpoint.
std::optional<BackfillCheckpoint> load_checkpoint(state::LastSentStore& store,
                                                  const TableId& table);

// Every table's checkpoint in the store (`status`), by the table's qualified name, in
// name order. Throws as load_checkpoint() does.
std::vector<std::pair<std::string, BackfillCheckpoint>> stored_checkpoints(
    state::LastSentStore& store);

// Drops every table's checkpoint, so that `backfill --resume` starts each table over;
// returns how many there were.
uint64_t forget_checkpoints(state::LastSentStore& store);

// Before the store kept them, checkpoints were files: state_dir/backfill/<schema.table>.json.
// A resume still reads one when the store has none; it goes once the store has its own.
std::filesystem::path legacy_checkpoint_path(const std::filesystem::path& state_dir,
                                             const TableId& table);
std::optional<BackfillCheckpoint> load_legacy_checkpoint(const std::filesystem::path& path);

}  // namespace cdc::pipeline
