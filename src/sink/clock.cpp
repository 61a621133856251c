#include "sink/clock.h"

namespace cdc::sink {

ManualClock::ManualClock() : wall_start_(std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}) {}

Clock::TimePoint ManualClock::now() const {
  return TimePoint{} + std::chrono::nanoseconds{elapsed_ns_.load()};
}

std::chrono::system_clock::time_point ManualClock::wall_now() const {
  return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           std::chrono::nanoseconds{elapsed_ns_.load()});
}

void ManualClock::advance(std::chrono::nanoseconds by) { elapsed_ns_ += by.count(); }

}  // namespace cdc::sink
