#include "mock/fault_policy.h"

#include <memory>
#include <random>
#include <stdexcept>
#include <utility>

namespace cdc::mock {
namespace {

using nlohmann::json;

double rate_from(const json& value, const char* key) {
  if (!value.is_number()) throw std::invalid_argument(std::string(key) + " must be a number");
  return value.get<double>();
}

int count_from(const json& value, const char* key) {
  if (!value.is_number_integer()) {
    throw std::invalid_argument(std::string(key) + " must be an integer");
  }
  int64_t number = value.get<int64_t>();
  if (number < 0 || number > 1'000'000'000) {
    throw std::invalid_argument(std::string(key) + " is out of range");
  }
  return static_cast<int>(number);
}

}  // namespace

void check_fault_settings(const FaultSettings& settings) {
  if (!(settings.fail_rate >= 0 && settings.fail_rate <= 1)) {
    throw std::invalid_argument("fail_rate must be between 0 and 1");
  }
  if (!(settings.drop_rate >= 0 && settings.drop_rate <= 1)) {
    throw std::invalid_argument("drop_rate must be between 0 and 1");
  }
  if (settings.rate_limit < 0) throw std::invalid_argument("rate_limit must not be negative");
  if (settings.latency_ms < 0) throw std::invalid_argument("latency_ms must not be negative");
  if (settings.force_status != 0 && (settings.force_status < 100 || settings.force_status > 599)) {
    throw std::invalid_argument("force_status must be 0 (off) or an HTTP status (100-599)");
  }
}

FaultSettings patch_fault_settings(FaultSettings current, const json& patch) {
  if (!patch.is_object()) throw std::invalid_argument("faults must be a JSON object");
  for (const auto& [key, value] : patch.items()) {
    if (key == "fail_rate") {
      current.fail_rate = rate_from(value, "fail_rate");
    } else if (key == "drop_rate") {
      current.drop_rate = rate_from(value, "drop_rate");
    } else if (key == "rate_limit") {
      current.rate_limit = count_from(value, "rate_limit");
    } else if (key == "latency_ms") {
      current.latency_ms = count_from(value, "latency_ms");
    } else if (key == "force_status") {
      current.force_status = count_from(value, "force_status");
    } else if (key == "refuse_value") {
      if (!value.is_string()) throw std::invalid_argument("refuse_value must be a string");
      current.refuse_value = value.get<std::string>();
    } else if (key == "revoke_credentials") {
      if (!value.is_boolean()) throw std::invalid_argument("revoke_credentials must be a boolean");
      current.revoke_credentials = value.get<bool>();
    } else {
      throw std::invalid_argument("unknown fault \"" + key +
                                  "\" (known: fail_rate, rate_limit, latency_ms, drop_rate, "
                                  "force_status, refuse_value, revoke_credentials)");
    }
  }
  check_fault_settings(current);
  return current;
}

json to_json(const FaultSettings& settings) {
  return {{"fail_rate", settings.fail_rate},
          {"rate_limit", settings.rate_limit},
          {"latency_ms", settings.latency_ms},
          {"drop_rate", settings.drop_rate},
          {"force_status", settings.force_status},
          {"refuse_value", settings.refuse_value},
          {"revoke_credentials", settings.revoke_credentials}};
}

FaultPolicy::FaultPolicy(FaultSettings settings, Random random, Clock clock)
    : settings_(settings), random_(std::move(random)), clock_(std::move(clock)) {}

FaultPolicy::Random FaultPolicy::seeded_random(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

FaultDecision FaultPolicy::decide() {
  std::lock_guard lock(mutex_);
  FaultDecision decision;
  decision.latency = std::chrono::milliseconds(settings_.latency_ms);
  if (settings_.force_status != 0) {
    decision.kind = FaultKind::kForced;
    decision.status = settings_.force_status;
    return decision;
  }
  if (settings_.rate_limit > 0) {
    auto now = clock_();
    if (window_count_ == 0 || now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      window_count_ = 0;
    }
    if (window_count_ >= settings_.rate_limit) {
      decision.kind = FaultKind::kRateLimited;
      decision.status = 429;
      return decision;
    }
    ++window_count_;
  }
  // Draw only for faults that are on: with both rates at 0 the random source is never
  // consulted, and a seed replays the same faults for the same settings.
  if (settings_.drop_rate > 0 && random_() < settings_.drop_rate) {
    decision.kind = FaultKind::kDropped;
    return decision;
  }
  if (settings_.fail_rate > 0 && random_() < settings_.fail_rate) {
    decision.kind = FaultKind::kFailed;
    decision.status = random_() < 0.5 ? 500 : 503;
    return decision;
  }
  return decision;
}

FaultSettings FaultPolicy::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void FaultPolicy::set_settings(const FaultSettings& settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

}  // namespace cdc::mock
