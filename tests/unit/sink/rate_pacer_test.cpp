// The pace learnt from 429s, driven by a fake clock.
#include "sink/rate_pacer.h"

#include <doctest/doctest.h>

using namespace cdc::sink;
using namespace std::chrono_literals;

namespace {

// Starts every request the pacer allows for `span`, each accepted at once; returns how
// many started.
int run_for(RatePacer& pacer, ManualClock& clock, std::chrono::milliseconds span) {
  int started = 0;
  for (auto end = clock.now() + span; clock.now() < end; clock.advance(1ms)) {
    while (pacer.try_take(clock.now())) {
      pacer.on_accepted(clock.now());
      ++started;
      if (started > 1000000) return started;  // unpaced: stop counting
    }
  }
  return started;
}

}  // namespace

TEST_CASE("rate pacer: unpaced until a 429") {
  ManualClock clock;
  RatePacer pacer;
  CHECK(pacer.try_take(clock.now()));
  CHECK(pacer.try_take(clock.now()));
  CHECK(pacer.next_token(clock.now()) == std::nullopt);
  CHECK_FALSE(pacer.rate().has_value());
}

TEST_CASE("rate pacer: a 429 paces just under the rate accepted in the last second") {
  ManualClock clock;
  RatePacer pacer;
  // 2,000 accepted over the last second, then a 429.
  for (int i = 0; i < 2000; ++i) {
    pacer.on_accepted(clock.now());
    clock.advance(500us);
  }
  const Clock::TimePoint sent = clock.now();
  clock.advance(10ms);
  CHECK(pacer.on_rate_limited(sent, clock.now()));
  REQUIRE(pacer.rate().has_value());
  // 95 % of the 2,000 (counted in 100 ms buckets, so the oldest may fall out).
  CHECK(*pacer.rate() >= 1800);
  CHECK(*pacer.rate() <= 1900);
  // The others of that episode change nothing.
  CHECK_FALSE(pacer.on_rate_limited(sent, clock.now()));
  // Over the next ten seconds: about 1,900 a second, a little more as it probes.
  const int started = run_for(pacer, clock, 10s);
  CHECK(started >= 18000);
  CHECK(started <= 19800);
}

TEST_CASE("rate pacer: next_token says when the next request may go") {
  ManualClock clock;
  RatePacer pacer;
  for (int i = 0; i < 100; ++i) pacer.on_accepted(clock.now());
  REQUIRE(pacer.on_rate_limited(clock.now(), clock.now()));  // 95 per second
  CHECK_FALSE(pacer.try_take(clock.now()));
  const auto next = pacer.next_token(clock.now());
  REQUIRE(next.has_value());
  CHECK(*next > clock.now());
  CHECK(*next - clock.now() <= 11ms);
  clock.advance(*next - clock.now());
  CHECK(pacer.try_take(clock.now()));
}

TEST_CASE("rate pacer: asked about an earlier time, the next token is never before it is there") {
  ManualClock clock;
  RatePacer pacer;
  for (int i = 0; i < 100; ++i) pacer.on_accepted(clock.now());
  const Clock::TimePoint earlier = clock.now();
  REQUIRE(pacer.on_rate_limited(earlier, earlier));
  clock.advance(5ms);
  CHECK_FALSE(pacer.try_take(clock.now()));  // half a token so far
  // A resend that was due at `earlier`: its token comes after now, not before.
  const auto next = pacer.next_token(earlier);
  REQUIRE(next.has_value());
  CHECK(*next > clock.now());
  clock.advance(*next - clock.now());
  CHECK(pacer.try_take(clock.now()));
}

TEST_CASE("rate pacer: a 429 after few accepted requests sets no pace") {
  ManualClock clock;
  RatePacer pacer;
  for (int i = 0; i < 10; ++i) pacer.on_accepted(clock.now());
  CHECK_FALSE(pacer.on_rate_limited(clock.now(), clock.now()));
  CHECK_FALSE(pacer.rate().has_value());
  CHECK(pacer.try_take(clock.now()));
}

TEST_CASE("rate pacer: lets go once the probe is far above the learnt rate") {
  ManualClock clock;
  RatePacer pacer;
  for (int i = 0; i < 100; ++i) pacer.on_accepted(clock.now());
  pacer.on_rate_limited(clock.now(), clock.now());
  run_for(pacer, clock, 10s);
  CHECK(pacer.rate().has_value());
  // +0.5 % per second doubles in about 140 s.
  clock.advance(200s);
  CHECK(pacer.try_take(clock.now()));
  CHECK_FALSE(pacer.rate().has_value());
}
