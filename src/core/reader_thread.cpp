#include "core/reader_thread.h"

namespace cdc {

void ReaderThread::prepare() {
  if (thread_.joinable()) thread_.join();
  queue_.reopen();
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

std::optional<SourceItem> ReaderThread::next(std::chrono::milliseconds timeout) {
  auto item = queue_.pop(timeout);
  if (!item) {
    std::lock_guard lock(error_mutex_);
    if (error_) std::rethrow_exception(error_);
  }
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
