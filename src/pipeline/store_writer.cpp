#include "pipeline/store_writer.h"

namespace cdc::pipeline {
namespace {

// Batches waiting at most: a few hundred milliseconds of settled calls.
constexpr size_t kMaxQueued = 4;

}  // namespace

StoreWriter::StoreWriter(state::LastSentStore& store) : store_(store), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void StoreWriter::rethrow_failure() {
  if (failure_) std::rethrow_exception(failure_);
}

void StoreWriter::write(state::LastSentBatch batch, uint64_t number) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kMaxQueued || failure_; });
  rethrow_failure();
  queue_.emplace_back(std::move(batch), number);
  changed_.notify_all();
}

uint64_t StoreWriter::visible() const {
  std::lock_guard lock(mutex_);
  return visible_;
}

uint64_t StoreWriter::durable() const {
  std::lock_guard lock(mutex_);
  return durable_;
}

void StoreWriter::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return (queue_.empty() && !busy_) || failure_; });
  rethrow_failure();
}

void StoreWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, with everything written
    auto [batch, number] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    bool written = false;
    bool synced = false;
    std::exception_ptr failure;
    try {
      store_.apply(batch);
      written = true;
      // A commit is durable once the next one returns (MDB_NOMETASYNC); with nothing more
      // to write, sync, so that what waits for durability does not wait for more changes.
      bool more = false;
      {
        std::lock_guard peek(mutex_);
        more = !queue_.empty();
      }
      if (!more) {
        store_.sync();
        synced = true;
      }
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (written) {
      // The previous batch is durable now; this one too when it was synced.
      durable_ = synced ? number : visible_;
      visible_ = number;
    }
    if (failure && !failure_) failure_ = failure;
    changed_.notify_all();
    if (failure_) {
      queue_.clear();
      return;
    }
  }
}

}  // namespace cdc::pipeline
