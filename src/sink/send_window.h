// When the sink may start requests: a window of (real, steady) time that someone else
// moves, such as the high-availability lease (pipeline/lock_lease.h), which opens it a
// while after the instance lock is taken and keeps pushing its end out while the lock is
// confirmed. The sink never starts a request outside it. Thread-safe, lock-free.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cdc::sink {

class SendWindow {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts closed.
  SendWindow() = default;

  // Open from `from` until `until` (exclusive).
  void set(Clock::time_point from, Clock::time_point until) {
    from_.store(ticks(from), std::memory_order_relaxed);
    until_.store(ticks(until), std::memory_order_release);
  }
  // Moves the end out to `until` if that is later; never reopens a closed window.
  void extend_until(Clock::time_point until) {
    int64_t current = until_.load(std::memory_order_acquire);
    const int64_t wanted = ticks(until);
    while (current != kClosed && wanted > current &&
           !until_.compare_exchange_weak(current, wanted, std::memory_order_acq_rel)) {
    }
  }
  void close() { until_.store(kClosed, std::memory_order_release); }
  // Closed by close(), as when the lock is lost: another instance may send now. A window
  // that merely ran out (a confirmation is late) is not closed: it may be extended again.
  bool closed() const { return until_.load(std::memory_order_acquire) == kClosed; }

  bool open(Clock::time_point now = Clock::now()) const {
    const int64_t t = ticks(now);
    return t >= from_.load(std::memory_order_relaxed) && t < until_.load(std::memory_order_acquire);
  }

 private:
  static constexpr int64_t kClosed = INT64_MIN;
  static int64_t ticks(Clock::time_point t) { return t.time_since_epoch().count(); }

  std::atomic<int64_t> from_{0};
  std::atomic<int64_t> until_{kClosed};
};

}  // namespace cdc::sink
