#include "core/reader_thread.h"

namespace cdc {

void ReaderThread::prepare() {
  if (thread_.joinable()) thread_.join();
  queue_.reopen();
  taken_.clear();
  taken_count_.store(0);
  {
    std::lock_guard lock(error_mutex_);
    error_ = nullptr;
  }
  stopping_.store(false);
}

void ReaderThread::launch(std::function<void()> loop) {
  thread_ = std::thread([this, loop = std::move(loop)] {
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

std::optional<SourceItem> ReaderThread::next(std::chrono::milliseconds timeout) {
  if (taken_.empty() && !queue_.pop_all(taken_, timeout)) {
    std::lock_guard lock(error_mutex_);
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
  }
  std::optional<SourceItem> item(std::move(taken_.front()));
  taken_.pop_front();
  taken_count_.store(taken_.size(), std::memory_order_relaxed);
  return item;
}

bool ReaderThread::stop(const std::function<void()>& interrupt) {
  if (stopping_.exchange(true)) return false;
  queue_.close();
  if (interrupt) interrupt();
  if (thread_.joinable()) thread_.join();
  return true;
}

}  // namespace cdc
