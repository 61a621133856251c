// Which faults retainly-mock injects into API requests, and the decision for each one.
//
// Order of decisions for one request: a forced status wins; then the rate limit (every
// request that gets past it counts in the current 1-second window); then a dropped
// connection (drop_rate); then a 500/503 (fail_rate). Latency applies to every API
// answer, faulty or not. A request answered by a fault is never applied.
//
// Randomness and time are injected so tests are reproducible and never sleep.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace cdc::mock {

struct FaultSettings {
  double fail_rate = 0;  // fraction of requests answered 500 or 503, in [0, 1]
  int rate_limit = 0;    // requests per second before 429; 0 = unlimited
  int latency_ms = 0;    // added before every API answer
  double drop_rate = 0;  // fraction of connections closed without an answer, in [0, 1]
  int force_status = 0;  // answer every API request with this status; 0 = off
  // A string value the workspace refuses (mock/refused_values.h); empty = none.
  std::string refuse_value;
  // The key was revoked: every request is answered as one with wrong credentials (403,
  // or 422 about authentication from /events) until this is unset.
  bool revoke_credentials = false;
  friend bool operator==(const FaultSettings&, const FaultSettings&) = default;
};

// Applies a POST /_faults body: keys fail_rate, rate_limit, latency_ms, drop_rate,
// force_status, refuse_value, revoke_credentials; absent keys keep their value. Throws
// std::invalid_argument naming the key for an unknown key, a wrong type or a value out of range
// (nothing is changed then).
FaultSettings patch_fault_settings(FaultSettings current, const nlohmann::json& patch);

// Throws std::invalid_argument if a setting is out of range.
void check_fault_settings(const FaultSettings& settings);

nlohmann::json to_json(const FaultSettings& settings);

enum class FaultKind {
  kNone,         // serve the request
  kForced,       // answer `status` (force_status)
  kRateLimited,  // answer 429 with Retry-After: 1
  kDropped,      // close the connection without an answer
  kFailed,       // answer `status`, 500 or 503
};

struct FaultDecision {
  FaultKind kind = FaultKind::kNone;
  int status = 0;
  std::chrono::milliseconds latency{0};
};

class FaultPolicy {
 public:
  using Random = std::function<double()>;  // uniform in [0, 1)
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // REQUIRES: check_fault_settings(settings) passes.
  FaultPolicy(FaultSettings settings, Random random, Clock clock);

  // A Random drawing from a Mersenne Twister seeded with `seed`. Not thread-safe by
  // itself; FaultPolicy serializes its calls.
  static Random seeded_random(uint64_t seed);

  // The fate of one API request arriving now. Thread-safe.
  FaultDecision decide();

  FaultSettings settings() const;
  void set_settings(const FaultSettings& settings);

 private:
  mutable std::mutex mutex_;
  FaultSettings settings_;
  Random random_;
  Clock clock_;
  std::chrono::steady_clock::time_point window_start_{};
  int window_count_ = 0;
};

}  // namespace cdc::mock
