// Time as the sink sees it, injectable so tests drive backoff and flush intervals
// without sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace cdc::sink {

// Implementations are thread-safe.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic: deadlines, backoff, flush intervals.
  virtual TimePoint now() const = 0;
  // Calendar time: Retry-After dates, dead-letter timestamps.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
};

// Time that moves only when advance() is called; both readings move together. For tests.
class ManualClock final : public Clock {
 public:
  // Starts at an arbitrary but fixed wall time, 2024-01-01T00:00:00Z.
  ManualClock();

  TimePoint now() const override;
  std::chrono::system_clock::time_point wall_now() const override;
  void advance(std::chrono::nanoseconds by);

 private:
  std::atomic<int64_t> elapsed_ns_{0};
  const std::chrono::system_clock::time_point wall_start_;
};

}  // namespace cdc::sink
