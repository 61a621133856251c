#include "sink/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace cdc::sink {

UniformRandom default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 UniformRandom random)
    : initial_(std::max(initial, std::chrono::milliseconds{1})),
      max_(std::max(max, initial_)),
      random_(random ? std::move(random) : default_random()) {}

std::chrono::milliseconds Backoff::ceiling(uint32_t attempt) const {
  std::chrono::milliseconds bound = initial_;
  // Doubling stops at the cap, so no attempt count can overflow it.
  for (uint32_t i = 1; i < attempt && bound < max_; ++i) bound *= 2;
  return std::min(bound, max_);
}

std::chrono::milliseconds Backoff::delay(uint32_t attempt) {
  const double fraction = std::clamp(random_(), 0.0, 1.0);
  const auto bound = static_cast<double>(ceiling(attempt).count());
  return std::chrono::milliseconds{static_cast<int64_t>(bound * fraction)};
}

}  // namespace cdc::sink
