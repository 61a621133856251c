// How many requests the sink keeps in flight at once, learnt from Retainly's answers the
// way TCP learns its congestion window: grow while answers come back fast and clean, cut
// in half when Retainly says it is overloaded. The configured `sink.concurrency` is the
// ceiling, so users need not tune it.
//
// The choice: additive increase / multiplicative decrease (TCP Reno, RFC 5681) on the
// explicit overload signals (429, 5xx, timeouts, connection errors), with a latency
// brake taken from TCP Vegas and Netflix's concurrency-limits (Gradient2): while the
// smoothed answer time is well above the least seen recently, the limit stops growing.
// Latency only ever stops growth and never cuts the limit, because a request's time
// also grows with its batch (10,000 records take longer than one) and a cut on that
// would starve exactly the large batches that carry load; an overloaded server says so
// with 429 or 5xx, and those cut.
//
// Pure and clock-free: times are passed in, so tests drive it with a fake clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "sink/clock.h"

namespace cdc::sink {

// Not thread-safe.
class ConcurrencyLimit {
 public:
  // The limit starts at min(ceiling, kInitial) and doubles every round trip (slow start)
  // until the first overload; after that it grows by one per round trip.
  static constexpr size_t kInitial = 8;
  // Growth stops while the smoothed answer time exceeds kLatencyTolerance times the
  // least answer time of the last kMinWindow to 2 * kMinWindow, plus kLatencySlack (so
  // that sub-millisecond jitter on a fast network does not count as queueing).
  static constexpr double kLatencyTolerance = 2.0;
  static constexpr std::chrono::milliseconds kLatencySlack{5};
  static constexpr std::chrono::seconds kMinWindow{10};

  // `ceiling` below 1 counts as 1.
  explicit ConcurrencyLimit(size_t ceiling);

  // The number of requests that may be in flight now, in [1, ceiling].
  size_t limit() const { return static_cast<size_t>(limit_); }
  size_t ceiling() const { return ceiling_; }

  // A request was sent at `now`, making `in_flight` requests in flight. The limit grows
  // only while it is used (at least half of it at the peak of the last round trip or
  // two), as TCP grows its window only while the window is what holds it back.
  void on_send(Clock::TimePoint now, size_t in_flight);

  // A request started at `started` got an answer at `now` that is not an overload signal
  // (2xx, or a 4xx about the records).
  void on_answer(Clock::TimePoint started, Clock::TimePoint now);

  // A request started at `started` met an overload signal at `now`. Halves the limit once
  // per episode: requests that started before the last cut were sent at the old limit,
  // and their failures say nothing new. Returns true if the limit was cut.
  bool on_overload(Clock::TimePoint started, Clock::TimePoint now);

 private:
  void observe_latency(std::chrono::nanoseconds latency, Clock::TimePoint now);
  bool queueing() const;

  size_t ceiling_;
  double limit_;
  bool slow_start_ = true;
  std::optional<Clock::TimePoint> last_cut_;

  // Smoothed answer time (EWMA, weight 1/8 as TCP's SRTT) and the least answer time in
  // the current and the previous window of kMinWindow.
  std::optional<std::chrono::nanoseconds> smoothed_;
  std::optional<std::chrono::nanoseconds> min_current_;
  std::optional<std::chrono::nanoseconds> min_previous_;
  Clock::TimePoint window_start_{};

  // The most requests in flight in the current and the previous round trip (by smoothed_).
  size_t peak_current_ = 0;
  size_t peak_previous_ = 0;
  Clock::TimePoint peak_start_{};
};

}  // namespace cdc::sink
