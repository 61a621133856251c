// The adaptive concurrency limit, driven by a fake clock: every answer time and overload
// is chosen by the test.
#include "sink/concurrency_limit.h"

#include <doctest/doctest.h>

using namespace cdc::sink;
using namespace std::chrono_literals;

namespace {

// Feeds the limit one round trip: `limit()` answers that each took `latency`, all sent
// together with the whole limit in use, and moves the clock past them.
void round_trip(ConcurrencyLimit& limit, ManualClock& clock, std::chrono::milliseconds latency) {
  const Clock::TimePoint started = clock.now();
  const size_t in_flight = limit.limit();
  for (size_t i = 1; i <= in_flight; ++i) limit.on_send(started, i);
  clock.advance(latency);
  for (size_t i = 0; i < in_flight; ++i) limit.on_answer(started, clock.now());
}

}  // namespace

TEST_CASE("concurrency limit: starts at 8 and doubles each round trip while answers are fast") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  CHECK(limit.limit() == 8);
  round_trip(limit, clock, 10ms);
  CHECK(limit.limit() == 16);
  round_trip(limit, clock, 10ms);
  CHECK(limit.limit() == 32);
}

TEST_CASE("concurrency limit: never exceeds the ceiling") {
  ManualClock clock;
  ConcurrencyLimit limit(100);
  for (int i = 0; i < 20; ++i) round_trip(limit, clock, 10ms);
  CHECK(limit.limit() == 100);
  ConcurrencyLimit small(3);
  CHECK(small.limit() == 3);
  round_trip(small, clock, 10ms);
  CHECK(small.limit() == 3);
}

TEST_CASE("concurrency limit: halves on an overload, once per episode, never below 1") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  for (int i = 0; i < 5; ++i) round_trip(limit, clock, 10ms);
  REQUIRE(limit.limit() == 256);
  const Clock::TimePoint sent = clock.now();
  clock.advance(10ms);
  CHECK(limit.on_overload(sent, clock.now()));
  CHECK(limit.limit() == 128);
  // The others of that round trip were sent at the old limit: no further cut.
  CHECK_FALSE(limit.on_overload(sent, clock.now()));
  CHECK(limit.limit() == 128);
  // A request sent after the cut that still meets an overload cuts again.
  for (int i = 0; i < 10; ++i) {
    const Clock::TimePoint later = clock.now();
    clock.advance(10ms);
    limit.on_overload(later, clock.now());
  }
  CHECK(limit.limit() == 1);
}

TEST_CASE("concurrency limit: after a cut it recovers by one per round trip") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  for (int i = 0; i < 3; ++i) round_trip(limit, clock, 10ms);
  REQUIRE(limit.limit() == 64);
  const Clock::TimePoint sent = clock.now();
  clock.advance(10ms);
  limit.on_overload(sent, clock.now());
  REQUIRE(limit.limit() == 32);
  for (int i = 0; i < 10; ++i) round_trip(limit, clock, 10ms);
  CHECK(limit.limit() >= 40);
  CHECK(limit.limit() <= 43);
}

TEST_CASE("concurrency limit: does not grow while answers queue up") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  round_trip(limit, clock, 10ms);
  REQUIRE(limit.limit() == 16);
  // Answers now take five times as long: the server is queueing. Once the smoothed time
  // has caught up (within the first such round trip) the limit holds.
  round_trip(limit, clock, 50ms);
  const size_t held = limit.limit();
  CHECK(held < 32);
  for (int i = 0; i < 20; ++i) round_trip(limit, clock, 50ms);
  CHECK(limit.limit() == held);
  // Once they are fast again it grows again.
  for (int i = 0; i < 20; ++i) round_trip(limit, clock, 10ms);
  CHECK(limit.limit() > held);
}

TEST_CASE("concurrency limit: a slower network becomes the new normal after a while") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  round_trip(limit, clock, 10ms);
  const Clock::TimePoint sent = clock.now();
  limit.on_overload(sent, clock.now());  // leave slow start: one per round trip from here
  const size_t before = limit.limit();
  // 50 ms answers for well past two windows: the least time seen moves up to 50 ms.
  for (int i = 0; i < 600; ++i) round_trip(limit, clock, 50ms);
  CHECK(limit.limit() > before);
}

TEST_CASE("concurrency limit: does not grow while it is not used") {
  ManualClock clock;
  ConcurrencyLimit limit(256);
  for (int i = 0; i < 10; ++i) {
    const Clock::TimePoint started = clock.now();
    limit.on_send(started, 1);
    limit.on_send(started, 2);
    clock.advance(10ms);
    limit.on_answer(started, clock.now());
    limit.on_answer(started, clock.now());
  }
  CHECK(limit.limit() == 8);
}
