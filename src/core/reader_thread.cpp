#include "core/reader_thread.h"

#include "core/thread_name.h"

namespace cdc {

void ReaderThread::prepare() {
  if (thread_.joinable()) thread_.join();
  queue_.reopen();
  taken_.clear();
  taken_next_ = 0;
  taken_count_.store(0);
  {
    std::lock_guard lock(error_mutex_);
    error_ = nullptr;
  }
  stopping_.store(false);
}

void ReaderThread::launch(std::function<void()> loop) {
  thread_ = std::thread([this, loop = std::move(loop)] {
    name_this_thread("cdc-reader");
    try {
      loop();
    } catch (...) {
      if (!stopping_.load()) {
        std::lock_guard lock(error_mutex_);
        error_ = std::current_exception();
      }
    }
    queue_.close();
  });
}

bool ReaderThread::push(SourceItem item, std::chrono::milliseconds wait,
                        const std::function<void()>& while_full) {
  // BoundedQueue::push moves the item only when it takes it.
  while (!queue_.push(std::move(item), wait)) {
    if (stopping_.load()) return false;
    if (while_full) while_full();
  }
  return true;
}

bool ReaderThread::push_all(std::span<SourceItem> items, std::chrono::milliseconds wait,
                            const std::function<void()>& while_full) {
  while (!items.empty()) {
    const size_t taken = queue_.push_some(items, wait);
    items = items.subspan(taken);
    if (taken != 0) continue;
    if (stopping_.load()) return false;
    if (while_full) while_full();
  }
  return true;
}

SourceItem* ReaderThread::next(std::chrono::milliseconds timeout) {
  if (taken_next_ == taken_.size()) {
    // Cleared, not freed: the vector goes back to the queue at the next swap.
    taken_.clear();
    taken_next_ = 0;
    if (!queue_.pop_all(taken_, timeout, kBatch)) {
      std::lock_guard lock(error_mutex_);
      if (error_) std::rethrow_exception(error_);
      return nullptr;
    }
  }
  SourceItem* item = &taken_[taken_next_++];
  taken_count_.store(taken_.size() - taken_next_, std::memory_order_relaxed);
  return item;
}

namespace {

// What a std::string holds without allocating (15 characters in libstdc++).
const size_t kInlineChars = std::string().capacity();

}  // namespace

void ReaderThread::recycle(SourceItem&& item) {
  auto* change = std::get_if<RowChange>(&item);
  if (change == nullptr) return;
  if (auto* binlog = std::get_if<BinlogPosition>(&change->position);
      binlog != nullptr && binlog->file.capacity() > kInlineChars) {
    returning_texts_.push_back(std::move(binlog->file));
  }
  for (Row* row : {&change->before, &change->after}) {
    if (row->capacity() == 0) continue;
    size_t bytes = row->capacity() * sizeof(Value);
    for (Value& value : *row) {
      const size_t held = held_bytes(value);
      if (held > kMaxKeptValueBytes) {
        value = Unchanged{};
      } else {
        bytes += held;
      }
    }
    returning_.push_back(Spare{std::move(*row), bytes});
  }
  if (returning_.size() < kSpareBatch && returning_texts_.size() < kSpareBatch) return;
  {
    std::lock_guard lock(spare_mutex_);
    for (Spare& spare : returning_) {
      if (spare_bytes_ + spare.bytes > kMaxSpareBytes) break;
      spare_bytes_ += spare.bytes;
      spare_.push_back(std::move(spare));
    }
    for (std::string& text : returning_texts_) {
      if (spare_texts_.size() >= kMaxSpareTexts) break;
      spare_texts_.push_back(std::move(text));
    }
  }
  // Rows and names beyond the bounds are freed here, as they would have been without
  // recycling.
  returning_.clear();
  returning_texts_.clear();
}

void ReaderThread::take_spare_row(Row& row) {
  if (spare_local_.empty()) {
    std::lock_guard lock(spare_mutex_);
    spare_local_.swap(spare_);
    spare_bytes_ = 0;  // what the loop took is used up before it takes more
  }
  if (spare_local_.empty()) return;
  row = std::move(spare_local_.back().row);
  spare_local_.pop_back();
}

void ReaderThread::take_spare_text(std::string& text) {
  if (spare_texts_local_.empty()) {
    std::lock_guard lock(spare_mutex_);
    spare_texts_local_.swap(spare_texts_);
  }
  if (spare_texts_local_.empty()) return;
  text = std::move(spare_texts_local_.back());
  spare_texts_local_.pop_back();
}

bool ReaderThread::stop(const std::function<void()>& interrupt) {
  if (stopping_.exchange(true)) return false;
  queue_.close();
  if (interrupt) interrupt();
  if (thread_.joinable()) thread_.join();
  return true;
}

}  // namespace cdc
