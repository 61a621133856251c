// Exponential backoff with full jitter for resending after 5xx, timeouts and connection
// errors ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015): the n-th wait
// is uniform in [0, min(max, initial * 2^(n-1))], which spreads the retries of many
// requests that failed together.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace cdc::sink {

// Uniform in [0, 1). Injectable so tests choose the jitter.
using UniformRandom = std::function<double()>;

// A generator seeded from std::random_device. Not thread-safe; one per user.
UniformRandom default_random();

// Not thread-safe.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, UniformRandom random);

  // The upper bound of the wait after the `attempt`-th failure (1-based).
  std::chrono::milliseconds ceiling(uint32_t attempt) const;
  // The wait after the `attempt`-th failure: a draw in [0, ceiling(attempt)].
  std::chrono::milliseconds delay(uint32_t attempt);

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  UniformRandom random_;
};

}  // namespace cdc::sink
