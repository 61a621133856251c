#include "sink/ack_watermark.h"

#include <doctest/doctest.h>

#include <stdexcept>

using cdc::sink::AckWatermark;

TEST_CASE("watermark: starts at 0 and moves only over a gap-free settled prefix") {
  AckWatermark watermark;
  CHECK(watermark.watermark() == 0);
  for (uint64_t sequence = 1; sequence <= 4; ++sequence) watermark.add(sequence);
  CHECK(watermark.unsettled() == 4);

  watermark.settle(2);
  watermark.settle(4);
  CHECK(watermark.watermark() == 0);  // 1 is still out
  watermark.settle(1);
  CHECK(watermark.watermark() == 2);  // 3 is still out
  watermark.settle(3);
  CHECK(watermark.watermark() == 4);
  CHECK(watermark.unsettled() == 0);
}

TEST_CASE("watermark: settling twice or settling an unknown sequence changes nothing") {
  AckWatermark watermark;
  watermark.add(1);
  watermark.add(2);
  watermark.settle(2);
  watermark.settle(2);
  watermark.settle(7);
  CHECK(watermark.unsettled() == 1);
  CHECK(watermark.watermark() == 0);
}

TEST_CASE("watermark: sequences must follow each other without gaps") {
  AckWatermark watermark;
  CHECK_THROWS_AS(watermark.add(2), std::invalid_argument);
  watermark.add(1);
  CHECK_THROWS_AS(watermark.add(1), std::invalid_argument);
  CHECK(watermark.last_added() == 1);
}
