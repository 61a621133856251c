// Where a backfill of one table stands, kept in the state folder so `backfill --resume`
// continues instead of starting over: the key of the last row whose calls Retainly
// acknowledged (or dead-lettered), the rows done, and whether the table is finished.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/table_schema.h"

namespace cdc::pipeline {

struct BackfillCheckpoint {
  std::optional<std::vector<std::string>> last_key;  // nullopt: nothing done yet
  uint64_t rows = 0;
  bool done = false;
};

// state_dir/backfill/<schema>.<table>.json
std::filesystem::path checkpoint_path(const std::filesystem::path& state_dir, const TableId& table);

// nullopt when there is no checkpoint. Throws std::runtime_error naming the file when it
// is not one.
std::optional<BackfillCheckpoint> load_checkpoint(const std::filesystem::path& path);

// Atomically (temp file, fsync, rename, fsync the folder).
void save_checkpoint(const std::filesystem::path& path, const TableId& table,
                     const BackfillCheckpoint& checkpoint);

}  // namespace cdc::pipeline
