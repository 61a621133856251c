// Reads a table's pages on a thread of its own, a few pages ahead of the backfill that
// maps and sends them, so reading overlaps mapping and delivery instead of alternating
// with them.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/row_change.h"
#include "core/table_reader.h"

namespace cdc::pipeline {

// One page as the reader handed it out, with the key to checkpoint once it is delivered.
struct BackfillPage {
  std::vector<RowChange> rows;
  std::vector<std::string> last_key;  // the reader's last_key() after this page
};

// Threading: the constructor starts the read thread, which alone uses `reader` until the
// destructor has joined it; next() from one consumer thread. Memory: at most `ahead`
// pages wait in the queue, plus the one being read.
class BackfillReadAhead {
 public:
  // REQUIRES: `reader` outlives this object and is not used by anyone else meanwhile;
  // page_rows > 0, ahead > 0.
  BackfillReadAhead(TableReader& reader, size_t page_rows, size_t ahead);
  // Stops reading: a read in progress finishes first (it is not interrupted).
  ~BackfillReadAhead();
  BackfillReadAhead(const BackfillReadAhead&) = delete;
  BackfillReadAhead& operator=(const BackfillReadAhead&) = delete;

  // The next page, waiting for it; nullopt after the last one. Rethrows what the reader
  // threw, once the pages read before it are taken.
  std::optional<BackfillPage> next();

 private:
  void read_all(TableReader& reader, size_t page_rows);

  BoundedQueue<BackfillPage> queue_;
  std::atomic<bool> reader_done_{false};    // read_all() ended; set before closing
  std::atomic<bool> consumer_gone_{false};  // the destructor runs
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace cdc::pipeline
