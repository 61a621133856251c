// The lanes' open-addressing table: lookups, erasure without tombstones, pooled values.
#include "core/lane_table.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>

using cdc::LaneTable;

TEST_CASE("lane table: the same key finds the same value; another key another one") {
  LaneTable<int> table;
  auto a = table.find_or_add("42");
  CHECK(a.inserted);
  *a.value = 7;
  auto again = table.find_or_add("42");
  CHECK_FALSE(again.inserted);
  CHECK(again.value == a.value);
  CHECK(*again.value == 7);
  auto b = table.find_or_add("43");
  CHECK(b.inserted);
  CHECK(b.value != a.value);
  CHECK(table.size() == 2);
}

TEST_CASE("lane table: erased keys are gone, others stay findable; values are reused") {
  LaneTable<int> table;
  auto a = table.find_or_add("a");
  table.find_or_add("b");
  int* const pooled = a.value;
  table.erase(a.slot);
  CHECK(table.size() == 1);
  CHECK_FALSE(table.find_or_add("b").inserted);
  auto fresh = table.find_or_add("c");
  CHECK(fresh.inserted);
  CHECK(fresh.value == pooled);  // from the pool
  CHECK(table.find_or_add("a").inserted);
}

TEST_CASE("lane table: agrees with std::map over random inserts and erases") {
  LaneTable<int> table;
  std::map<std::string, std::pair<uint32_t, int*>> model;
  std::mt19937 random(17);
  for (int step = 0; step < 200000; ++step) {
    const std::string key = std::to_string(random() % 5000);
    auto found = model.find(key);
    if (found != model.end() && random() % 2 == 0) {
      table.erase(found->second.first);
      model.erase(found);
      continue;
    }
    auto entry = table.find_or_add(key);
    if (found == model.end()) {
      REQUIRE(entry.inserted);
      *entry.value = step;
      model[key] = {entry.slot, entry.value};
    } else {
      REQUIRE_FALSE(entry.inserted);
      REQUIRE(entry.value == found->second.second);
    }
    REQUIRE(table.size() == model.size());
  }
}

TEST_CASE("lane table: find does not add, and finds what find_or_add added until erased") {
  LaneTable<int> table;
  CHECK(table.find("7").value == nullptr);
  CHECK(table.size() == 0);
  auto added = table.find_or_add("7");
  *added.value = 3;
  auto found = table.find("7");
  REQUIRE(found.value != nullptr);
  CHECK(found.value == added.value);
  CHECK(found.slot == added.slot);
  table.erase(found.slot);
  CHECK(table.find("7").value == nullptr);
}
