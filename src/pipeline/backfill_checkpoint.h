// Where a backfill of one table stands, kept in the state folder so `backfill --resume`
// continues instead of starting over: the key of the last row whose calls Retainly
// acknowledged (or dead-lettered), the rows done, and whether the table is finished.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/background_job.h"
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

// Saves one table's checkpoints on a thread of its own: each costs two fsyncs, which the
// table's worker otherwise waited for once a page (a fifth of a 1M-row backfill's time).
// While one is written the newest waits, superseding older ones: a checkpoint only ever
// names rows already done, so a later one is always as safe to write.
class CheckpointWriter {
 public:
  CheckpointWriter(std::filesystem::path path, TableId table);
  // Writes what waits; a write that fails then is dropped (a resumed run re-reads more).
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Written once the write in progress, if any, is done. Rethrows what an earlier write
  // threw.
  void save(BackfillCheckpoint checkpoint);
  // Waits until everything saved is written; rethrows what a write threw.
  void flush();

 private:
  // Starts writing what waits, if the job is free.
  void start_waiting();

  const std::filesystem::path path_;
  const TableId table_;
  std::optional<BackfillCheckpoint> waiting_;
  BackfillCheckpoint writing_;  // the job's while it runs
  BackgroundJob job_;           // last: destroyed first, it waits for a running write
};

}  // namespace cdc::pipeline
