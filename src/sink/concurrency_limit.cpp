#include "sink/concurrency_limit.h"

#include <algorithm>
#include <cmath>

namespace cdc::sink {

ConcurrencyLimit::ConcurrencyLimit(size_t ceiling)
    : ceiling_(std::max<size_t>(1, ceiling)),
      limit_(static_cast<double>(std::min(ceiling_, kInitial))) {}

void ConcurrencyLimit::on_send(Clock::TimePoint now, size_t in_flight) {
  const auto round_trip = std::max<std::chrono::nanoseconds>(
      smoothed_.value_or(std::chrono::nanoseconds::zero()), std::chrono::milliseconds{1});
  if (now - peak_start_ >= round_trip) {
    peak_previous_ = peak_current_;
    peak_current_ = 0;
    peak_start_ = now;
  }
  peak_current_ = std::max(peak_current_, in_flight);
}

void ConcurrencyLimit::on_answer(Clock::TimePoint started, Clock::TimePoint now) {
  observe_latency(now - started, now);
  if (2 * std::max(peak_current_, peak_previous_) < limit() || queueing()) return;
  // Slow start adds one per answer, which doubles the limit each round trip; after it,
  // 1/limit per answer adds one per round trip.
  limit_ += slow_start_ ? 1.0 : 1.0 / limit_;
  limit_ = std::min(limit_, static_cast<double>(ceiling_));
}

bool ConcurrencyLimit::on_overload(Clock::TimePoint started, Clock::TimePoint now) {
  slow_start_ = false;
  if (last_cut_ && started < *last_cut_) return false;
  last_cut_ = now;
  limit_ = std::max(1.0, std::floor(limit_ / 2));
  return true;
}

void ConcurrencyLimit::observe_latency(std::chrono::nanoseconds latency, Clock::TimePoint now) {
  if (latency < std::chrono::nanoseconds::zero()) latency = std::chrono::nanoseconds::zero();
  smoothed_ = smoothed_ ? *smoothed_ + (latency - *smoothed_) / 8 : latency;
  if (now - window_start_ >= kMinWindow) {
    // A new window: the least time seen keeps following the network as it changes.
    min_previous_ = min_current_;
    min_current_.reset();
    window_start_ = now;
  }
  if (!min_current_ || latency < *min_current_) min_current_ = latency;
}

bool ConcurrencyLimit::queueing() const {
  std::chrono::nanoseconds least = *min_current_;
  if (min_previous_) least = std::min(least, *min_previous_);
  const auto allowed = std::chrono::duration_cast<std::chrono::nanoseconds>(
      least * kLatencyTolerance + kLatencySlack);
  return *smoothed_ > allowed;
}

}  // namespace cdc::sink
