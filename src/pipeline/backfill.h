// Backfill: the current rows of mapped tables through the same mapping and sink as
// streaming, so a row produces the same calls either way (as snapshot reads: no insert
// events). Tables run in parallel, one reader each. Within a table a thread reads and maps
// pages ahead while the table's worker hands the next page to the sink, which delivers up
// to pages_in_flight pages, and a page's last key is checkpointed, in the last-sent store with
// the stamps of its calls, once every call it made (and every call before) is acknowledged
// or dead-lettered and the store has committed them. So memory is bounded by a few pages
// per table, the sink's pending calls and the store's commit batches, and a resumed backfill
// re-reads at most the pages that were in flight or not yet committed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/table_reader.h"
#include "mapping/mapper.h"
#include "pipeline/backfill_mirror.h"
#include "pipeline/changed_filter.h"
#include "sink/sink.h"

namespace cdc::pipeline {

struct BackfillPage;

struct BackfillOptions {
  size_t page_rows = 5000;
  // Pages of one table sent and not all answered, at most. The next page is read and
  // mapped meanwhile, and answered pages are committed to the store (with their
  // checkpoint) meanwhile too. A resumed backfill reads again, and sends again, these
  // and what the store had not committed yet: at most two of the filter's commit
  // batches (ChangedFilterOptions::max_batch), and in practice the one being committed.
  // Two: with one, every page's answers held up the next page's filtering and sending
  // while the cores had room, and a 1M-row backfill took 12 to 15% longer (PostgreSQL
  // and MySQL, docs/benchmarks.md).
  size_t pages_in_flight = 2;
  // Pages of one table read and waiting to be mapped and sent.
  size_t pages_read_ahead = 2;
  // Tables read at once, each on a connection of its own.
  size_t connections = 2;
  // Continue each table after its checkpoint instead of starting over.
  bool resume = false;
  std::filesystem::path state_dir;
  // Send only what changed (changed_filter.h); its store keeps the checkpoints. Needed
  // unless dry_run (nullptr then: no store to read, every field counts). Not owned.
  ChangedFilter* filter = nullptr;
  // --full: every field of every row is sent, whatever the store holds, and the store is
  // refreshed from what Retainly acknowledges (after Retainly was edited by hand).
  bool full = false;
  // --mirror (needs `filter`): once a table is read whole, delete what the store holds
  // from it that no row maps to any more (backfill_mirror.h).
  bool mirror = false;
  MirrorLimits mirror_limits;
  // Read and map, count what would be sent, skipped and mirrored; send and write nothing.
  bool dry_run = false;
};

// Counts of one table, updated while it runs.
struct BackfillProgress {
  std::string table;
  uint64_t estimated_rows = 0;     // from statistics; 0 unknown
  std::atomic<uint64_t> rows{0};   // rows done, checkpointed rows included on resume
  std::atomic<uint64_t> calls{0};  // sent (with --dry-run: that would be)
  std::atomic<bool> finished{false};
  std::atomic<bool> skipped{false};  // already done by an earlier run (--resume)
};

struct BackfillSummary {
  uint64_t rows = 0;            // read in this run
  uint64_t calls = 0;           // sent in this run (with --dry-run: that would be sent)
  uint64_t calls_skipped = 0;   // Retainly already holds all they carry
  uint64_t fields_skipped = 0;  // left out of calls that were sent, or skipped whole
  // --mirror: one per table, without the calls (counts and why nothing was deleted).
  std::vector<MirrorPlan> mirrors;
  uint64_t rejections = 0;
  uint64_t dead_letters = 0;  // refused by Retainly during this run
  std::chrono::milliseconds elapsed{0};
};

// Opens a reader for one table (a connection and a snapshot of its own).
using TableReaderFactory = std::function<std::unique_ptr<TableReader>(const TableId&)>;

class Backfill {
 public:
  Backfill(const mapping::Mapper& mapper, sink::Sink& sink, TableReaderFactory open,
           BackfillOptions options);

  // Backfills `tables` and waits until every call is settled. `report` is called about
  // once a second from the calling thread with the tables' progress. Throws
  // cdc::AuthError when Retainly refuses the credentials, cdc::SinkError when the
  // sink fails otherwise, cdc::Interrupted when `stop` interrupts it (also while it
  // waits for room in a sink that Retainly does not empty), and what a reader throws.
  BackfillSummary run(
      const std::vector<TableId>& tables, const std::atomic<bool>& stop,
      const std::function<void(const std::vector<const BackfillProgress*>&)>& report);

 private:
  // Runs on a worker thread; returns early, without checkpointing further, on `halt`.
  void backfill_table(const TableId& table, BackfillProgress& progress,
                      const std::atomic<bool>& halt);
  // Maps the page's rows into its output, its calls' attribute lists from `memory`, then
  // lets the rows go. Runs on the page's reading thread, which alone uses `memory`.
  void map_page(BackfillPage& page, retainly::CallMemory& memory) const;
  // Writes the rows the mapping refused to the dead-letter file.
  void dead_letter_rejections(const mapping::MappingOutput& output);
  // A progress entry of the store (ChangedFilter::save_progress); no name: none.
  struct Saved {
    std::string_view name;
    std::string_view value;
  };
  // Hands the calls to the sink (through the filter) and flushes, then saves `saved` with
  // the last of them; returns the last sequence used. `calls` is the sink's afterwards:
  // it comes back emptied, or (a dry run) as it was. Throws cdc::Interrupted when `halt`
  // ends a wait for room in the sink.
  uint64_t submit(std::vector<retainly::Call>& calls, BackfillProgress& progress,
                  const std::atomic<bool>& halt, const Saved& saved = {});
  void wait_settled(uint64_t sequence, const std::atomic<bool>& halt);
  enum class Commit {
    kIfDue,   // when the store's interval says so
    kNow,     // at once, and wait
    kDurable  // at once, synced
  };
  // Hands the sink's settled calls to the filter and commits its store as `commit` says;
  // returns how far calls, and the checkpoints saved with them, are committed.
  uint64_t commit_settled(Commit commit);
  // --mirror, after `table` was read whole.
  void mirror_table(const TableId& table, const MirrorSeen& seen, uint64_t rejections,
                    BackfillProgress& progress, const std::atomic<bool>& halt);

  const mapping::Mapper& mapper_;
  sink::Sink& sink_;
  TableReaderFactory open_;
  BackfillOptions options_;
  // The sink takes calls from one producer at a time; the filter and its store are used
  // under it too.
  std::mutex submit_mutex_;
  uint64_t last_sequence_ = 0;
  std::vector<uint64_t> dead_lettered_;  // reused by settled_through
  std::atomic<uint64_t> calls_skipped_{0};
  std::atomic<uint64_t> fields_skipped_{0};
  std::mutex mirrors_mutex_;
  std::vector<MirrorPlan> mirrors_;
  std::atomic<uint64_t> rows_read_{0};
  std::atomic<uint64_t> rejections_{0};
};

}  // namespace cdc::pipeline
