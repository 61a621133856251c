// A blocking FIFO with a capacity: the seam between a reader thread and the pipeline.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace cdc {

// Multi-producer, multi-consumer. push() blocks while the queue is full (that is the
// backpressure that keeps memory flat); close() wakes everyone and makes push() fail and
// pop() drain what is left, then return nullopt.
//
// Waiters are woken only when the queue leaves the state they wait on, and push_some() /
// pop_all() move many items under one lock: a reader and a pipeline that run at the same
// pace then hand over items without a system call per item. A producer that found the
// queue full waits until it has drained to half its capacity, not just until there is
// room again: woken at every pop of a full queue, a reader faster than the pipeline
// preempted it there on a two-core machine, once per batch the pipeline took (the
// pipeline's thread switched out 3,000 times in a 500k-row MySQL stream, 600 with this;
// docs/benchmarks.md). Items live in a vector that pop_all() swaps with the consumer's, so
// in a steady stream the two threads pass the same two buffers back and forth instead of
// allocating.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity), resume_level_(capacity / 2) {}

  // False if the queue was closed, or if `timeout` passed while full; `item` is moved
  // from only on success, so the caller may retry with it.
  bool push(T&& item, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!wait_for_room(lock, timeout)) return false;
    const bool was_empty = size_locked() == 0;
    items_.push_back(std::move(item));
    if (was_empty) not_empty_.notify_all();
    return true;
  }

  // Moves the leading items of `items` in, as many as there is room for, waiting up to
  // `timeout` for room for the first. Returns how many it took (moved from, in order):
  // 0 when closed or when `timeout` passed while full.
  size_t push_some(std::span<T> items, std::chrono::milliseconds timeout) {
    if (items.empty()) return 0;
    std::unique_lock lock(mutex_);
    if (!wait_for_room(lock, timeout)) return 0;
    const bool was_empty = size_locked() == 0;
    size_t taken = 0;
    while (taken < items.size() && size_locked() < capacity_) {
      items_.push_back(std::move(items[taken++]));
    }
    if (was_empty) not_empty_.notify_all();
    return taken;
  }

  // The oldest item, or nullopt after `timeout` or once closed and drained.
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!wait_for_items(lock, timeout)) return std::nullopt;
    T item = std::move(items_[head_++]);
    drop_taken();
    resume_producers();
    return item;
  }

  // Moves the oldest queued items, at most `max`, to the back of `out`, waiting up to
  // `timeout` for the first. False (nothing moved) after `timeout` or once closed and
  // drained. When it takes everything into an empty `out`, the vectors are swapped:
  // `out`'s capacity becomes the queue's.
  bool pop_all(std::vector<T>& out, std::chrono::milliseconds timeout,
               size_t max = std::numeric_limits<size_t>::max()) {
    std::unique_lock lock(mutex_);
    if (!wait_for_items(lock, timeout)) return false;
    if (out.empty() && head_ == 0 && items_.size() <= max) {
      out.swap(items_);
    } else {
      const size_t end = head_ + std::min(max, size_locked());
      for (size_t i = head_; i < end; ++i) out.push_back(std::move(items_[i]));
      head_ = end;
      drop_taken();
    }
    resume_producers();
    return true;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  // Empties the queue and takes items again after close().
  void reopen() {
    std::lock_guard lock(mutex_);
    items_.clear();
    head_ = 0;
    closed_ = false;
    throttled_ = false;
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return size_locked();
  }

 private:
  size_t size_locked() const { return items_.size() - head_; }
  // Taken items are dropped from the front when none is left and now and then besides,
  // so the vector stays within about twice the capacity.
  void drop_taken() {
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= capacity_) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  // After a pop: producers that found the queue full go on once it has drained to the
  // resume level.
  void resume_producers() {
    if (!throttled_ || size_locked() > resume_level_) return;
    throttled_ = false;
    not_full_.notify_all();
  }
  // The predicate is tested before waiting: wait_for reads the clock even when it need
  // not wait, and these are called once per hand-over.
  bool wait_for_room(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout) {
    if (size_locked() >= capacity_) throttled_ = true;
    // Throttled implies more than the resume level queued, so the consumer has items.
    auto room = [&] { return closed_ || !throttled_; };
    if (!room() && !not_full_.wait_for(lock, timeout, room)) return false;
    return !closed_;
  }
  bool wait_for_items(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout) {
    auto ready = [&] { return closed_ || size_locked() != 0; };
    if (!ready() && !not_empty_.wait_for(lock, timeout, ready)) return false;
    return size_locked() != 0;
  }

  const size_t capacity_;
  const size_t resume_level_;  // half the capacity
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::vector<T> items_;  // queued: items_[head_..]
  size_t head_ = 0;
  bool closed_ = false;
  // A producer found the queue full: none may push until pops drained it to the resume
  // level.
  bool throttled_ = false;
};

}  // namespace cdc
