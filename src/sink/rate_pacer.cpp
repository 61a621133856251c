#include "sink/rate_pacer.h"

#include <algorithm>
#include <cmath>

namespace cdc::sink {
namespace {

int64_t bucket_index(Clock::TimePoint now, std::chrono::milliseconds width) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) / width;
}

double seconds(Clock::TimePoint from, Clock::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

void RatePacer::on_accepted(Clock::TimePoint now) {
  const int64_t bucket = bucket_index(now, kBucket);
  const size_t slot = static_cast<size_t>(bucket) % accepted_.size();
  if (bucket_of_[slot] != bucket) {
    bucket_of_[slot] = bucket;
    accepted_[slot] = 0;
  }
  ++accepted_[slot];
}

uint64_t RatePacer::accepted_last_second(Clock::TimePoint now) const {
  const int64_t newest = bucket_index(now, kBucket);
  uint64_t total = 0;
  for (size_t slot = 0; slot < accepted_.size(); ++slot) {
    if (newest - bucket_of_[slot] < static_cast<int64_t>(accepted_.size())) {
      total += accepted_[slot];
    }
  }
  return total;
}

bool RatePacer::on_rate_limited(Clock::TimePoint started, Clock::TimePoint now) {
  if (last_set_ && started < *last_set_) return false;
  last_set_ = now;
  const uint64_t accepted = accepted_last_second(now);
  // Few accepted requests say little about the limit (a burst, or a quota shared with
  // someone else): the Retry-After pause and the concurrency limit's cut handle those,
  // and a pace this low would throttle the recovery for minutes.
  if (accepted < kMinAccepted) return false;
  learnt_ = static_cast<double>(accepted) * kBackoff;
  rate_ = learnt_;
  tokens_ = 0;
  updated_ = now;
  return true;
}

void RatePacer::advance(Clock::TimePoint now) {
  if (!rate_ || now <= updated_) return;
  const double elapsed = seconds(updated_, now);
  updated_ = now;
  tokens_ += elapsed * *rate_;
  *rate_ *= 1 + kProbe * elapsed;
  const double burst = std::max(1.0, *rate_ * std::chrono::duration<double>(kBurst).count());
  tokens_ = std::min(tokens_, burst);
  if (*rate_ > learnt_ * kRelease) rate_.reset();
}

bool RatePacer::try_take(Clock::TimePoint now) {
  advance(now);
  if (!rate_) return true;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

std::optional<Clock::TimePoint> RatePacer::next_token(Clock::TimePoint now) const {
  if (!rate_) return std::nullopt;
  // Tokens are known as of updated_; a time before it (a resend due earlier) counts from
  // there, or the answer would lie in the past while try_take(now) still finds none.
  const Clock::TimePoint from = std::max(now, updated_);
  const double missing = 1 - (tokens_ + seconds(updated_, from) * *rate_);
  if (missing <= 0) return from;
  // Rounded up, so that try_take at that time finds the whole token.
  return from +
         std::chrono::ceil<Clock::TimePoint::duration>(
             std::chrono::duration<double>(missing / *rate_)) +
         std::chrono::microseconds{1};
}

}  // namespace cdc::sink
