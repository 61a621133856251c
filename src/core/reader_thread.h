// The thread every ChangeSource reads its database on: the source's read loop runs on it
// and hands items to the pipeline through a bounded queue, so a slow consumer holds the
// reader back and memory stays flat; an error that ends the loop reaches the pipeline
// through next().
//
// Threading: prepare(), launch(), next() and stop() from the pipeline's thread; push()
// and stopping() from the read loop; queued() from either.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/row_change.h"

namespace cdc {

class ReaderThread {
 public:
  // At most `capacity` items wait between the loop and the pipeline: half in the queue,
  // the rest in the batch next() took from it.
  explicit ReaderThread(size_t capacity) : queue_((capacity + 1) / 2) {}
  // Stops the loop (without an interrupt: a source whose loop blocks on a read must call
  // stop() itself first).
  ~ReaderThread() { stop(); }
  ReaderThread(const ReaderThread&) = delete;
  ReaderThread& operator=(const ReaderThread&) = delete;

  // Before a (re)start: joins a loop that ended, empties the queue and forgets its error.
  void prepare();
  // Runs `loop` on a new thread. What it throws ends it: kept for next() unless stop()
  // was asked for first (then it is the stop's own doing, a read cut short).
  // REQUIRES: prepare() since the last loop.
  void launch(std::function<void()> loop);

  // From the loop: hands `item` over, waiting while the queue is full and calling
  // `while_full` every `wait` meanwhile (PostgreSQL answers its server then). False when
  // stop() was asked for: the loop should return.
  bool push(SourceItem item, std::chrono::milliseconds wait,
            const std::function<void()>& while_full = {});
  // The same for every item of `items`, in order, handed over as many at a time as fit:
  // one lock and at most one wake-up per batch instead of per item. The items are moved
  // from; false when stop() was asked for.
  bool push_all(std::span<SourceItem> items, std::chrono::milliseconds wait,
                const std::function<void()>& while_full = {});
  bool stopping() const { return stopping_.load(); }
  // Items handed over and not yet returned by next().
  size_t queued() const { return queue_.size() + taken_count_.load(std::memory_order_relaxed); }

  // The next item, or nullptr when none came within `timeout`. Once the queue is empty,
  // rethrows what ended the loop. Takes up to kBatch queued items at once and hands them
  // out from a pipeline-side batch, so most calls take no lock; small batches keep the
  // two threads close, so the rows are still in the shared cache when the pipeline reads
  // them and recycled rows come back while the loop still decodes. The item is handed
  // out where it lies in that batch, valid until the next call (ChangeSource::next()).
  SourceItem* next(std::chrono::milliseconds timeout);

  // From the pipeline: `item`'s rows, for the loop to reuse through take_spare_row().
  // Rows holding about kMaxSpareBytes wait at most (twice that while the loop works
  // through what it took); values holding more than
  // kMaxKeptValueBytes are dropped from them first, so a recycled row never pins a large
  // document.
  void recycle(SourceItem&& item);
  // From the loop: moves a recycled row (values still in it, to be overwritten) into
  // `row`, or leaves `row` alone when none is waiting.
  void take_spare_row(Row& row);
  // From the loop: moves the buffer of a recycled change's binlog file name into `text`
  // (to be overwritten), or leaves `text` alone when none is waiting. recycle() keeps
  // only names too long for std::string's inline buffer (RDS's
  // "mysql-bin-changelog.000001"): each change carries a copy, which otherwise was one
  // allocation per row on the loop's thread and one free on the pipeline's. Call it only
  // for such a name, since it takes a lock whenever none is at hand.
  void take_spare_text(std::string& text);

  // Asks the loop to end: closes the queue, calls `interrupt` (to wake a read the loop
  // blocks on) and joins. False when it was stopped already. Idempotent.
  bool stop(const std::function<void()>& interrupt = {});

 private:
  BoundedQueue<SourceItem> queue_;
  // Taken from queue_ by next(), returned from taken_[taken_next_] on; the pipeline's
  // thread only.
  static constexpr size_t kBatch = 256;
  std::vector<SourceItem> taken_;
  size_t taken_next_ = 0;
  std::atomic<size_t> taken_count_{0};  // taken_.size(), for queued() from the loop

  // Enough for the rows of a few batches of narrow changes.
  static constexpr size_t kMaxSpareBytes = 4u << 20;
  static constexpr size_t kSpareBatch = 64;
  static constexpr size_t kMaxKeptValueBytes = 256;
  struct Spare {
    Row row;
    size_t bytes = 0;  // the row's storage and what its values hold
  };
  std::vector<Spare> returning_;  // the pipeline's thread: rows not yet handed back
  std::mutex spare_mutex_;
  std::vector<Spare> spare_;        // handed back, waiting for the loop
  size_t spare_bytes_ = 0;          // of spare_
  std::vector<Spare> spare_local_;  // the loop's thread: taken from spare_
  // The same for binlog file names (take_spare_text), at most kMaxSpareTexts waiting.
  static constexpr size_t kMaxSpareTexts = 4096;
  std::vector<std::string> returning_texts_;
  std::vector<std::string> spare_texts_;  // under spare_mutex_
  std::vector<std::string> spare_texts_local_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace cdc
