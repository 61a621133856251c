#include "sink/backoff.h"

#include <doctest/doctest.h>

using cdc::sink::Backoff;
using std::chrono::milliseconds;

TEST_CASE("backoff: the ceiling doubles from the initial wait up to the maximum") {
  Backoff backoff(milliseconds{200}, milliseconds{1000}, [] { return 0.0; });
  CHECK(backoff.ceiling(1) == milliseconds{200});
  CHECK(backoff.ceiling(2) == milliseconds{400});
  CHECK(backoff.ceiling(3) == milliseconds{800});
  CHECK(backoff.ceiling(4) == milliseconds{1000});
  CHECK(backoff.ceiling(4000000000u) == milliseconds{1000});
}

TEST_CASE("backoff: full jitter draws the wait uniformly below the ceiling") {
  double draw = 0.0;
  Backoff backoff(milliseconds{200}, milliseconds{1000}, [&] { return draw; });
  CHECK(backoff.delay(3) == milliseconds{0});
  draw = 0.5;
  CHECK(backoff.delay(3) == milliseconds{400});
  draw = 0.999;
  CHECK(backoff.delay(3) == milliseconds{799});
  CHECK(backoff.delay(10) == milliseconds{999});
}
