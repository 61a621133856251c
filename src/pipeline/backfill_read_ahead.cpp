#include "pipeline/backfill_read_ahead.h"

#include <chrono>

#include "core/thread_name.h"

namespace cdc::pipeline {

namespace {
// BoundedQueue waits take a timeout; the read thread and the consumer wait without one
// (close() ends either wait), so this only bounds one wait's slice.
constexpr std::chrono::milliseconds kWaitSlice{1000};
}  // namespace

BackfillReadAhead::BackfillReadAhead(TableReader& reader, size_t page_rows, size_t ahead,
                                     BackfillPageStep step)
    : queue_(ahead) {
  thread_ = std::thread([this, &reader, page_rows, step = std::move(step)] {
    name_this_thread("cdc-read-ahead");
    read_all(reader, page_rows, step);
  });
}

BackfillReadAhead::~BackfillReadAhead() {
  consumer_gone_.store(true);
  queue_.close();
  thread_.join();
}

void BackfillReadAhead::read_all(TableReader& reader, size_t page_rows,
                                 const BackfillPageStep& step) {
  try {
    // The rows' vector, handed from page to page: emptied (recycled) before each is queued.
    std::vector<RowChange> rows;
    for (;;) {
      BackfillPage page;
      page.rows = std::move(rows);
      page.rows.reserve(page_rows);
      page.row_count = reader.next_batch(page_rows, page.rows);
      if (page.row_count == 0) break;
      page.last_key = *reader.last_key();
      step(page);
      reader.recycle(page.rows);
      rows = std::move(page.rows);
      // push() gives up only when the queue is closed (the consumer is gone) or the wait
      // slice passed with the queue full: then try again.
      for (;;) {
        if (queue_.push(std::move(page), kWaitSlice)) break;
        if (consumer_gone_.load()) return;
      }
    }
  } catch (...) {
    std::lock_guard lock(error_mutex_);
    error_ = std::current_exception();
  }
  reader_done_.store(true);
  queue_.close();  // the consumer drains what is queued, then sees the end (or the error)
}

std::optional<BackfillPage> BackfillReadAhead::next() {
  for (;;) {
    if (auto page = queue_.pop(kWaitSlice)) return page;
    // The reader sets reader_done_ before it closes the queue, and a closed queue that
    // pops nothing is drained.
    if (reader_done_.load() && queue_.size() == 0) break;
  }
  std::lock_guard lock(error_mutex_);
  if (error_) std::rethrow_exception(error_);
  return std::nullopt;
}

}  // namespace cdc::pipeline
