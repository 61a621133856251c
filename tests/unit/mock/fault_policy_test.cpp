#include "mock/fault_policy.h"

#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <stdexcept>

using namespace cdc::mock;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// A random source that replays given draws, then fails the test if asked for more.
struct ScriptedRandom {
  std::shared_ptr<std::deque<double>> draws = std::make_shared<std::deque<double>>();
  FaultPolicy::Random source() {
    return [queue = draws] {
      REQUIRE_FALSE(queue->empty());
      double next = queue->front();
      queue->pop_front();
      return next;
    };
  }
};

struct ManualClock {
  std::shared_ptr<steady_clock::time_point> now = std::make_shared<steady_clock::time_point>(
      steady_clock::time_point{} + std::chrono::hours(1));
  FaultPolicy::Clock source() {
    return [time = now] { return *time; };
  }
  void advance(milliseconds by) { *now += by; }
};

FaultSettings with(double fail_rate, double drop_rate) {
  FaultSettings settings;
  settings.fail_rate = fail_rate;
  settings.drop_rate = drop_rate;
  return settings;
}

}  // namespace

TEST_CASE("faults: with nothing set every request is served and no randomness is used") {
  ScriptedRandom random;
  ManualClock clock;
  FaultPolicy policy(FaultSettings{}, random.source(), clock.source());
  for (int i = 0; i < 100; ++i) CHECK(policy.decide().kind == FaultKind::kNone);
}

TEST_CASE("faults: a draw below fail_rate fails the request with 500 or 503") {
  ScriptedRandom random;
  ManualClock clock;
  FaultPolicy policy(with(0.2, 0), random.source(), clock.source());
  *random.draws = {0.1, 0.3, 0.19, 0.7, 0.2};
  FaultDecision first = policy.decide();
  CHECK(first.kind == FaultKind::kFailed);
  CHECK(first.status == 500);
  FaultDecision second = policy.decide();
  CHECK(second.kind == FaultKind::kFailed);
  CHECK(second.status == 503);
  CHECK(policy.decide().kind == FaultKind::kNone);  // 0.2 is not below 0.2
}

TEST_CASE("faults: a draw below drop_rate drops the connection") {
  ScriptedRandom random;
  ManualClock clock;
  FaultPolicy policy(with(0, 0.5), random.source(), clock.source());
  *random.draws = {0.49, 0.5};
  CHECK(policy.decide().kind == FaultKind::kDropped);
  CHECK(policy.decide().kind == FaultKind::kNone);
}

TEST_CASE("faults: the rate limit allows N requests per 1-second window, then 429") {
  ScriptedRandom random;
  ManualClock clock;
  FaultSettings settings;
  settings.rate_limit = 3;
  FaultPolicy policy(settings, random.source(), clock.source());
  for (int i = 0; i < 3; ++i) CHECK(policy.decide().kind == FaultKind::kNone);
  FaultDecision limited = policy.decide();
  CHECK(limited.kind == FaultKind::kRateLimited);
  CHECK(limited.status == 429);
  clock.advance(milliseconds(999));
  CHECK(policy.decide().kind == FaultKind::kRateLimited);
  clock.advance(milliseconds(1));
  for (int i = 0; i < 3; ++i) CHECK(policy.decide().kind == FaultKind::kNone);
  CHECK(policy.decide().kind == FaultKind::kRateLimited);
}

TEST_CASE("faults: a forced status answers every request, before any other fault") {
  ScriptedRandom random;
  ManualClock clock;
  FaultSettings settings = with(1, 1);
  settings.force_status = 503;
  settings.rate_limit = 1;
  FaultPolicy policy(settings, random.source(), clock.source());
  for (int i = 0; i < 5; ++i) {
    FaultDecision decision = policy.decide();
    CHECK(decision.kind == FaultKind::kForced);
    CHECK(decision.status == 503);
  }
  settings.force_status = 0;
  settings.fail_rate = 0;
  settings.drop_rate = 0;
  policy.set_settings(settings);
  CHECK(policy.decide().kind == FaultKind::kNone);
}

TEST_CASE("faults: latency comes with every decision") {
  ScriptedRandom random;
  ManualClock clock;
  FaultSettings settings;
  settings.latency_ms = 10;
  settings.force_status = 403;
  FaultPolicy policy(settings, random.source(), clock.source());
  CHECK(policy.decide().latency == milliseconds(10));
}

TEST_CASE("faults: the same seed gives the same faults") {
  ManualClock clock;
  FaultPolicy a(with(0.3, 0.1), FaultPolicy::seeded_random(42), clock.source());
  FaultPolicy b(with(0.3, 0.1), FaultPolicy::seeded_random(42), clock.source());
  int faults = 0;
  for (int i = 0; i < 1000; ++i) {
    FaultDecision x = a.decide();
    FaultDecision y = b.decide();
    CHECK(x.kind == y.kind);
    CHECK(x.status == y.status);
    if (x.kind != FaultKind::kNone) ++faults;
  }
  // About 37% of requests (0.1 + 0.9 * 0.3); a loose band that a broken draw would miss.
  CHECK(faults > 250);
  CHECK(faults < 500);
}

TEST_CASE("faults: a /_faults body changes only the keys it names") {
  FaultSettings current = with(0.1, 0.2);
  current.latency_ms = 5;
  FaultSettings patched = patch_fault_settings(current, json::parse(R"({"force_status": 503})"));
  CHECK(patched.force_status == 503);
  CHECK(patched.fail_rate == 0.1);
  CHECK(patched.drop_rate == 0.2);
  CHECK(patched.latency_ms == 5);

  patched = patch_fault_settings(
      patched,
      json::parse(
          R"({"fail_rate": 0, "rate_limit": 7, "latency_ms": 0, "drop_rate": 1, "force_status": 0})"));
  CHECK(patched.fail_rate == 0);
  CHECK(patched.rate_limit == 7);
  CHECK(patched.drop_rate == 1);
  CHECK(patched.force_status == 0);
  CHECK(to_json(patched)["rate_limit"] == 7);

  patched = patch_fault_settings(patched, json::parse(R"({"refuse_value": "BAD"})"));
  CHECK(patched.refuse_value == "BAD");
  CHECK(to_json(patched)["refuse_value"] == "BAD");
  CHECK_THROWS_AS(patch_fault_settings(patched, json::parse(R"({"refuse_value": 1})")),
                  std::invalid_argument);

  patched = patch_fault_settings(patched, json::parse(R"({"revoke_credentials": true})"));
  CHECK(patched.revoke_credentials);
  CHECK(to_json(patched)["revoke_credentials"] == true);
  CHECK_THROWS_AS(patch_fault_settings(patched, json::parse(R"({"revoke_credentials": 1})")),
                  std::invalid_argument);
}

TEST_CASE("faults: a /_faults body with an unknown key or a bad value is refused") {
  FaultSettings current;
  CHECK_THROWS_AS(patch_fault_settings(current, json::parse(R"({"fail": 1})")),
                  std::invalid_argument);
  CHECK_THROWS_AS(patch_fault_settings(current, json::parse(R"({"fail_rate": 1.5})")),
                  std::invalid_argument);
  CHECK_THROWS_AS(patch_fault_settings(current, json::parse(R"({"rate_limit": -1})")),
                  std::invalid_argument);
  CHECK_THROWS_AS(patch_fault_settings(current, json::parse(R"({"latency_ms": "10"})")),
                  std::invalid_argument);
  CHECK_THROWS_AS(patch_fault_settings(current, json::parse(R"({"force_status": 42})")),
                  std::invalid_argument);
  CHECK_THROWS_AS(patch_fault_settings(current, json::array()), std::invalid_argument);
}
