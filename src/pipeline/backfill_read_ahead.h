// Reads a table's pages on a thread of its own, a few pages ahead of the backfill that
// sends them, and maps each page there too: reading and mapping overlap delivery instead
// of alternating with it. (The mapping is most of a row's work; on the backfill's thread
// it set the pace while the reading thread idled half the time.)
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/row_change.h"
#include "core/table_reader.h"
#include "mapping/mapping_output.h"

namespace cdc::pipeline {

// One page as the reader handed it out, with the key to checkpoint once it is delivered.
struct BackfillPage {
  std::vector<RowChange> rows;        // for the step; handed back to the reader after it
  size_t row_count = 0;               // rows read, whatever a step did with `rows`
  std::vector<std::string> last_key;  // the reader's last_key() after this page
  mapping::MappingOutput output;      // what a step made of the rows
};

// Run on the read thread for every page before it is queued: a pure transformation
// (mapping) of the page, so that the consumer gets it ready to send.
using BackfillPageStep = std::function<void(BackfillPage&)>;

// Threading: the constructor starts the read thread, which alone uses `reader` and `step`
// until the destructor has joined it; next() from one consumer thread. Memory: at most `ahead`
// pages wait in the queue, plus the one being read.
class BackfillReadAhead {
 public:
  // REQUIRES: `reader` outlives this object and is not used by anyone else meanwhile;
  // page_rows > 0, ahead > 0. What `step` throws ends the reading as the reader's
  // errors do.
  BackfillReadAhead(TableReader& reader, size_t page_rows, size_t ahead, BackfillPageStep step);
  // Stops reading: a read in progress finishes first (it is not interrupted).
  ~BackfillReadAhead();
  BackfillReadAhead(const BackfillReadAhead&) = delete;
  BackfillReadAhead& operator=(const BackfillReadAhead&) = delete;

  // The next page, waiting for it; nullopt after the last one. Rethrows what the reader
  // threw, once the pages read before it are taken.
  std::optional<BackfillPage> next();

 private:
  void read_all(TableReader& reader, size_t page_rows, const BackfillPageStep& step);

  BoundedQueue<BackfillPage> queue_;
  std::atomic<bool> reader_done_{false};    // read_all() ended; set before closing
  std::atomic<bool> consumer_gone_{false};  // the destructor runs
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace cdc::pipeline
