#include "sink/invalid_split.h"

#include <doctest/doctest.h>

using cdc::retainly::InvalidRecord;
using cdc::sink::split_invalid;

TEST_CASE("invalid split: named single-unit records are pinned, the rest is clear") {
  const std::vector<size_t> starts = {0, 1, 2, 3};
  // Named: the pins point into the records' details.
  const std::vector<InvalidRecord> invalid = {InvalidRecord{1, {}, "a"}, InvalidRecord{3, {}, "b"}};
  auto split = split_invalid(4, starts, invalid);
  REQUIRE(split.pinned.size() == 2);
  CHECK(split.pinned[0].unit == 1);
  CHECK(*split.pinned[0].detail == "a");
  CHECK(split.pinned[1].unit == 3);
  CHECK(split.clear == std::vector<size_t>{0, 2});
  CHECK(split.suspects.empty());
  CHECK_FALSE(split.bisect);
}

TEST_CASE("invalid split: an item index pins one item of a multi-item record") {
  const std::vector<size_t> starts = {0, 3};  // record 0: units 0-2, record 1: unit 3
  auto split = split_invalid(4, starts, {InvalidRecord{0, 2, "x"}});
  REQUIRE(split.pinned.size() == 1);
  CHECK(split.pinned[0].unit == 2);
  CHECK(split.clear == std::vector<size_t>{0, 1, 3});
}

TEST_CASE("invalid split: a record named without its item makes its items suspects") {
  const std::vector<size_t> starts = {0, 3};
  auto split = split_invalid(4, starts, {InvalidRecord{0, {}, "x"}});
  CHECK(split.pinned.empty());
  CHECK(split.suspects == std::vector<size_t>{0, 1, 2});
  CHECK(split.clear == std::vector<size_t>{3});
  CHECK_FALSE(split.bisect);
}

TEST_CASE("invalid split: nothing usable named means bisect") {
  const std::vector<size_t> starts = {0, 1};
  CHECK(split_invalid(2, starts, {}).bisect);
  CHECK(split_invalid(2, starts, {InvalidRecord{7, {}, "out of range"}}).bisect);
  const std::vector<size_t> one_record = {0};
  CHECK(split_invalid(3, one_record, {InvalidRecord{0, {}, "all suspects"}}).bisect);
  CHECK(split_invalid(3, one_record, {InvalidRecord{0, 9, "item out of range"}}).bisect);
}
