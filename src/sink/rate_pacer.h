// A pace for one endpoint, learnt from 429s. The concurrency limit alone cannot settle
// under a rate limit: its answers stay fast, so it grows until the limit is hit, and
// every hit costs a whole Retry-After pause with the requests in flight refused. So at a
// 429 the pacer takes the rate Retainly accepted over the last second, spaces requests at
// kBackoff of it (a token bucket with a small burst), and probes upward by kProbe per
// second, as AIMD does in rate terms: throughput settles just under the limit, with a
// few 429s each time the probe finds it again. Far above the last learnt rate (kRelease
// times) the pacer lets go, so a lifted limit is not paced forever.
//
// Pure and clock-free: times are passed in, so tests drive it with a fake clock.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "sink/clock.h"

namespace cdc::sink {

// Not thread-safe.
class RatePacer {
 public:
  static constexpr double kBackoff = 0.95;
  static constexpr double kProbe = 0.005;  // +0.5 % per second
  static constexpr double kRelease = 2.0;
  static constexpr std::chrono::milliseconds kBurst{20};  // tokens held at most
  // A 429 sets a pace only if at least this many requests were accepted in the second
  // before it.
  static constexpr uint64_t kMinAccepted = 50;

  // A request was accepted (2xx) at `now`.
  void on_accepted(Clock::TimePoint now);
  // A request started at `started` was answered 429 at `now`. Sets the pace once per
  // episode (requests started before the last one set it say nothing new), and only after
  // at least kMinAccepted accepted in the last second; true if it set one.
  bool on_rate_limited(Clock::TimePoint started, Clock::TimePoint now);

  // Whether a request may start at `now`; if so it takes a token.
  bool try_take(Clock::TimePoint now);
  // When try_take can next succeed; nullopt when unpaced (always).
  std::optional<Clock::TimePoint> next_token(Clock::TimePoint now) const;

  // Requests per second, nullopt when unpaced.
  std::optional<double> rate() const { return rate_; }

 private:
  // The pace and tokens as of `now`.
  void advance(Clock::TimePoint now);
  uint64_t accepted_last_second(Clock::TimePoint now) const;

  static constexpr std::chrono::milliseconds kBucket{100};
  // Accepted requests per kBucket of the last second (and the current bucket), and the
  // bucket each slot holds.
  std::array<uint64_t, 11> accepted_{};
  std::array<int64_t, 11> bucket_of_{};

  std::optional<double> rate_;
  double learnt_ = 0;
  double tokens_ = 0;
  Clock::TimePoint updated_{};
  std::optional<Clock::TimePoint> last_set_;
};

}  // namespace cdc::sink
