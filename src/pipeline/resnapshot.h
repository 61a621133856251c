// Re-snapshot of one table while the daemon streams (after a mapping change), without a
// stale snapshot row overwriting a newer streamed change. It follows DBLog's watermark
// chunks (Andreakis and Papapanagiotou, "DBLog: A Watermark Based Change-Data-Capture
// Framework", 2020):
//
//   1. write a low watermark L into the source log (PostgreSQL: a transactional
//      pg_logical_emit_message),
//   2. read the next chunk of rows after the last key, in a snapshot of its own,
//   3. write a high watermark H,
//   4. while the stream goes from L to H, note the keys of the table's changes; at H,
//      drop the chunk rows whose key changed in between (the stream already carried a
//      version at least as new) and hand the others to the pipeline right there.
//
// Every chunk row that survives is the row as it was somewhere between L and H with no
// change to it in that window, so it is current at H; whatever changes it later comes
// after H in the stream. Requests are files in state_dir/resnapshot/, written by
// `retainly-cdc resnapshot`; each records the last key and rows done after every chunk,
// so a restart continues the request (a chunk interrupted mid-window is read again).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/row_change.h"
#include "core/table_reader.h"

namespace cdc::pipeline {

struct ResnapshotHooks {
  // A reader of `table` with a fresh snapshot, continuing after `after` when given.
  std::function<std::unique_ptr<TableReader>(const TableId& table,
                                             const std::optional<std::vector<std::string>>& after)>
      open_chunk;
  // Writes a watermark into the source log (committed before it returns).
  std::function<void(const std::string& watermark)> emit_watermark;
};

// Asks the daemon using `state_dir` to re-snapshot `table`; replaces an earlier request.
void request_resnapshot(const std::filesystem::path& state_dir, const TableId& table);

// Owned and called by the pipeline's thread only.
class Resnapshot {
 public:
  Resnapshot(std::filesystem::path state_dir, ResnapshotHooks hooks, size_t chunk_rows);

  // Starts the next chunk when no window is open and a request waits. Cheap otherwise.
  void poll();
  // Every change of the stream, in order, before it is mapped.
  void observe(const RowChange& change);
  // A watermark from the stream. At this chunk's high watermark, returns the chunk rows
  // to send (snapshot reads); nothing otherwise.
  std::vector<RowChange> on_watermark(const std::string& watermark);

 private:
  struct Request {
    std::filesystem::path file;
    TableId table;
    std::optional<std::vector<std::string>> last_key;
    uint64_t rows = 0;
  };
  struct Window {
    std::string id;
    bool low_seen = false;
    std::vector<RowChange> chunk;
    std::vector<int> key_indexes;  // of the chunk schema's key columns
    std::vector<std::string> key_names;
    std::optional<std::vector<std::string>> chunk_last_key;
    bool last_chunk = false;
    // Keys changed in the window: bucketed by their printed form, compared exactly.
    std::unordered_multimap<std::string, std::vector<Value>> changed;
  };

  std::optional<Request> next_request();
  void start_chunk();
  bool key_of(const RowChange& change, const Row& row, std::vector<Value>& key) const;
  void save(const Request& request) const;

  std::filesystem::path dir_;
  ResnapshotHooks hooks_;
  size_t chunk_rows_;
  std::optional<Request> request_;
  std::optional<Window> window_;
  std::chrono::steady_clock::time_point last_scan_{};
  uint64_t next_id_ = 0;
};

}  // namespace cdc::pipeline
