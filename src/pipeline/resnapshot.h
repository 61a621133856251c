// Snapshots beside the stream: the initial snapshot and `retainly-cdc resnapshot` send a
// table's current rows while the daemon streams, without a stale snapshot row ever
// overwriting a newer streamed change, and without a long transaction or a second slot.
// It follows DBLog's watermark chunks (Andreakis and Papapanagiotou, "DBLog: A Watermark
// Based Change-Data-Capture Framework", 2020):
//
//   1. write a low watermark L into the source log (PostgreSQL: a transactional
//      pg_logical_emit_message; MySQL: a row of source.watermark_table),
//   2. read the next chunk of rows after the last key, in a snapshot of its own,
//   3. write a high watermark H,
//   4. while the stream goes from L to H, note the keys of the table's changes; at H,
//      drop the chunk rows whose key changed in between (the stream already carried a
//      version at least as new) and hand the others to the pipeline right there, inside
//      H's transaction.
//
// Every chunk row that survives is the row as it was somewhere between L and H with no
// change to it in that window, so it is current at H; whatever changes it later comes
// after H in the stream.
//
// That holds only if the chunk's read saw every transaction the log orders before L.
// PostgreSQL logs a commit, and logical decoding hands it on, a moment before other
// sessions' snapshots see it (longer under synchronous replication, which waits in
// between): a chunk read after L committed can still miss a transaction logged before L,
// and would then overwrite at H what the stream delivered before L. So the chunk keeps
// the transactions its snapshot saw as running (TableReader::running_transactions()), and
// when the stream reaches L, ResnapshotHooks::delivered_before says whether one of them
// came before it. Such a chunk is dropped at H and read again, after a pause that grows
// while it keeps happening, once the transaction is visible.
//
// Progress (the last key and the rows done, per table; resnapshot_files.h) moves only when
// every call of the chunk is acknowledged or dead-lettered, which the pipeline reports
// through chunk_submitted() and acknowledged(). A restart therefore reads again any chunk
// Retainly had not acknowledged; the stream, which restarts from its own acknowledged
// position, carries every change since. A request for a table that is being read starts
// it over from the first row.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/row_change.h"
#include "core/table_reader.h"
#include "pipeline/pipeline_status.h"
#include "pipeline/resnapshot_files.h"

namespace cdc::pipeline {

struct ResnapshotHooks {
  // A reader of `table` with a fresh snapshot, continuing after `after` when given.
  std::function<std::unique_ptr<TableReader>(const TableId& table,
                                             const std::optional<std::vector<std::string>>& after)>
      open_chunk;
  // Writes a watermark into the source log (committed before it returns).
  std::function<void(const std::string& watermark)> emit_watermark;
  // Whether the stream delivered, before `low` (the position of a low watermark's
  // transaction), one of the transactions `running` names (a chunk reader's
  // running_transactions()). Unset: never, for sources that make commits visible in the
  // order they log them before a later one returns (MySQL, MariaDB).
  std::function<bool(const std::vector<uint64_t>& running, const Position& low)> delivered_before;
};

// How often Resnapshot looks for new requests, and how long a chunk that failed to start
// waits before the next attempt. Tests and simulations pass zeros.
struct ResnapshotTiming {
  std::chrono::milliseconds scan_interval{1000};
  std::chrono::milliseconds retry_pause{5000};
};

// Owned and called by the pipeline's thread only, except progress().
class Resnapshot {
 public:
  // Requests and progress live in `state_dir`/resnapshot; chunks have `chunk_rows` rows.
  Resnapshot(std::filesystem::path state_dir, ResnapshotHooks hooks, size_t chunk_rows,
             ResnapshotTiming timing = {});

  // Takes new requests (every timing.scan_interval) and starts the next chunk when no
  // window is open, fewer than two chunks wait for their acknowledgement, and a table
  // waits. A chunk that fails to start (SourceError from a
  // hook) is logged and tried again after timing.retry_pause. Cheap otherwise.
  void poll();
  // Every change of the stream, in order, before it is mapped. True when the change falls
  // in a chunk's window, of its table: the chunk then drops its row for this change,
  // which must therefore be mapped whole (Mapper::map's `whole`), not as a difference
  // to an old image Retainly may not hold yet.
  bool observe(const RowChange& change);
  // A watermark from the stream, with its transaction's position. At this chunk's high
  // watermark, returns the chunk rows to send (snapshot reads); nothing otherwise, nor
  // when the chunk's read missed a transaction the stream delivered before its low one.
  std::vector<RowChange> on_watermark(const std::string& watermark, const Position& position);
  // The rows on_watermark() just returned were handed to the sink: every call made from
  // them has a sequence <= `last_sequence`.
  void chunk_submitted(uint64_t last_sequence);
  // Every call with a sequence <= `settled` is acknowledged or dead-lettered: stores the
  // progress of the chunks that are wholly settled, and finishes tables whose last chunk
  // is.
  void acknowledged(uint64_t settled);

  // Rows acknowledged per table read in this process, and whether it is done, for
  // /metrics. Thread-safe.
  std::vector<SnapshotTableProgress> progress() const;

 private:
  struct Task {
    ResnapshotProgress stored;  // as last stored: acknowledged
    // Where the next chunk starts and the rows read so far, ahead of `stored`.
    std::optional<std::vector<std::string>> read_key;
    uint64_t rows_read = 0;
    bool all_read = false;
    uint64_t generation = 0;  // a new request for the table makes a new one
    uint64_t estimated_rows = 0;
    std::chrono::steady_clock::time_point last_report{};
  };
  struct Window {
    std::string id;
    std::string task;  // tasks_ key
    TableId table;
    uint64_t generation = 0;
    bool low_seen = false;
    std::vector<RowChange> chunk;
    std::vector<int> key_indexes;  // of the chunk schema's key columns
    std::vector<std::string> key_names;
    std::optional<std::vector<std::string>> chunk_last_key;
    bool last_chunk = false;
    // The transactions the chunk's read did not see, and whether the stream delivered one
    // before the low watermark (the chunk is then read again).
    std::vector<uint64_t> running;
    bool missed = false;
    // Keys changed in the window: bucketed by their printed form, compared exactly.
    std::unordered_multimap<std::string, std::vector<Value>> changed;
  };
  // A chunk handed out at its high watermark, waiting for its calls to settle.
  struct SentChunk {
    uint64_t last_sequence = 0;
    std::string task;
    uint64_t generation = 0;
    std::optional<std::vector<std::string>> last_key;
    uint64_t rows = 0;
    bool last_chunk = false;
  };

  void take_requests();
  Task* next_task();
  void start_chunk(Task& task);
  void finish(std::map<std::string, Task>::iterator task);
  bool key_of(const RowChange& change, const Row& row, std::vector<Value>& key) const;
  void publish(const Task& task, bool done);

  ResnapshotFiles files_;
  ResnapshotHooks hooks_;
  size_t chunk_rows_;
  ResnapshotTiming timing_;
  bool loaded_ = false;
  std::map<std::string, Task> tasks_;  // by qualified table name
  std::string active_;                 // the task chunks are read for; empty: none
  std::optional<Window> window_;
  std::optional<SentChunk> unsubmitted_;
  std::deque<SentChunk> unacknowledged_;
  std::chrono::steady_clock::time_point last_scan_{};
  std::chrono::steady_clock::time_point retry_at_{};
  int missed_in_a_row_ = 0;  // chunks read again since the last one sent
  uint64_t next_id_ = 0;
  uint64_t next_generation_ = 0;
  uint64_t initial_rows_ = 0;  // rows of the initial snapshot's tables finished in this process

  mutable std::mutex board_mutex_;
  std::map<std::string, SnapshotTableProgress> board_;
};

}  // namespace cdc::pipeline
