// What the running pipeline publishes for /metrics, /readyz and logs: counts since the
// start, where the source stands, and whether it is streaming. Plain data, copied out.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/change_source.h"
#include "core/row_change.h"

namespace cdc::pipeline {

inline constexpr size_t kOperationCount = 5;  // cdc::Operation's values

// One table of a running or finished initial snapshot.
struct SnapshotTableProgress {
  std::string table;
  uint64_t rows = 0;
  uint64_t estimated_rows = 0;  // 0: unknown
  bool done = false;
};

// What "send only what changed" left out, for one table.
struct SkipCounts {
  uint64_t fields_old_image = 0;  // unchanged in the change's own old image
  uint64_t calls_old_image = 0;
  uint64_t fields_last_sent = 0;  // equal to what Retainly holds from us (the store)
  uint64_t calls_last_sent = 0;
};

// Rows of updates read again because they left out values the mapping needs
// (RowFetcher), for one table.
struct ReselectCounts {
  uint64_t rows = 0;     // read and filled in
  uint64_t gone = 0;     // no row had the key any more: mapped as sent
  uint64_t queries = 0;  // statements run
};

// The last-sent store's size.
struct LastSentSize {
  uint64_t bytes = 0;  // on disk
  uint64_t customers = 0;
  uint64_t items = 0;
};

struct PipelineStatus {
  // Changes read per table ("public.users") and cdc::Operation.
  std::map<std::string, std::array<uint64_t, kOperationCount>> changes;
  uint64_t transactions = 0;
  uint64_t calls = 0;  // calls handed to the sink
  // The same per table ("public.users") of the change that made them.
  std::map<std::string, uint64_t> calls_per_table;
  // Fields and calls left out because Retainly already holds them, per table.
  std::map<std::string, SkipCounts> skipped_per_table;
  std::optional<LastSentSize> last_sent;  // without a store: none
  // Rows read again per table (set_row_fetcher).
  std::map<std::string, ReselectCounts> reselected_per_table;
  // Calls that got fields back the old image called unchanged, because Retainly does not
  // hold them from us (an earlier call was dead-lettered).
  uint64_t restored_after_dead_letter = 0;
  uint64_t rejections = 0;  // changes the mapping dead-lettered
  // Upserts of `on_delete: set` dropped because their transaction, or an earlier one
  // (the last-sent store's tombstone), deleted the customer.
  uint64_t dropped_after_delete = 0;
  // Customer deletes / on_delete sets of rows that may never have passed the `where`, for
  // customers the table never sent (Call::only_if_sent).
  uint64_t dropped_not_sent = 0;
  SourceStatus source;
  // Commit time of the oldest transaction read but not yet acknowledged (Unix micros),
  // 0 when everything read is acknowledged.
  int64_t oldest_unacknowledged_commit_micros = 0;
  // The source is started and reading; false before, while reconnecting and after.
  bool streaming = false;
  // Waiting as a standby while another instance holds the instance lock.
  bool standby = false;
  // Mapping reloads (SIGHUP) applied and failed since the start, and why the latest
  // failed (empty once a later one applies, or when none failed).
  uint64_t reloads_applied = 0;
  uint64_t reloads_failed = 0;
  std::string reload_error;
};

}  // namespace cdc::pipeline
