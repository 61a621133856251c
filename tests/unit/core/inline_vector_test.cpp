#include "core/inline_vector.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using cdc::InlineVector;

struct Pair {
  uint32_t a = 0;
  uint64_t b = 0;
};

std::vector<uint64_t> values(const InlineVector<Pair, 3>& v) {
  std::vector<uint64_t> out;
  for (const Pair& p : v) out.push_back(p.b);
  return out;
}

}  // namespace

TEST_CASE("inline vector: holds N inside, moves to the heap in order past them, and back") {
  InlineVector<Pair, 3> v;
  CHECK(v.empty());
  for (uint64_t i = 1; i <= 3; ++i) v.emplace_back().b = i;
  CHECK_FALSE(v.on_heap());
  CHECK(values(v) == std::vector<uint64_t>{1, 2, 3});
  const Pair* inside = v.data();
  CHECK(static_cast<const void*>(inside) >= static_cast<const void*>(&v));
  CHECK(static_cast<const void*>(inside) < static_cast<const void*>(&v + 1));

  v.push_back({4, 4});
  v.push_back({5, 5});
  CHECK(v.on_heap());
  CHECK(v.size() == 5);
  CHECK(values(v) == std::vector<uint64_t>{1, 2, 3, 4, 5});
  CHECK(v[3].a == 4);

  v.clear();
  CHECK(v.empty());
  CHECK_FALSE(v.on_heap());
  CHECK(v.emplace_back().b == 0);  // value-initialised, not the 1 left there
  CHECK(v.data() == inside);
}

TEST_CASE("inline vector: resize shrinks and grows with value-initialised elements") {
  InlineVector<Pair, 3> v;
  for (uint64_t i = 1; i <= 3; ++i) v.emplace_back().b = i;
  v.resize(1);
  CHECK(values(v) == std::vector<uint64_t>{1});
  v.resize(2);
  CHECK(values(v) == std::vector<uint64_t>{1, 0});
  v.resize(4);  // past N: to the heap, order kept
  CHECK(v.on_heap());
  CHECK(values(v) == std::vector<uint64_t>{1, 0, 0, 0});
  v.resize(1);
  CHECK(values(v) == std::vector<uint64_t>{1});
}

TEST_CASE("inline vector: reserve past N moves at once; the span sees what the vector holds") {
  InlineVector<Pair, 3> v;
  v.emplace_back().b = 7;
  v.reserve(2);
  CHECK_FALSE(v.on_heap());
  v.reserve(4);
  CHECK(v.on_heap());
  const Pair* heap = v.data();
  for (uint64_t i = 8; i <= 10; ++i) v.emplace_back().b = i;
  CHECK(v.data() == heap);  // no move after the reserve
  const std::span<const Pair> view = v;
  REQUIRE(view.size() == 4);
  CHECK(std::all_of(view.begin(), view.end(), [](const Pair& p) { return p.b >= 7; }));
  CHECK(view.back().b == 10);
}

TEST_CASE("inline vector: grow hands out a run of new last elements, inside or on the heap") {
  InlineVector<Pair, 3> v;
  v.emplace_back().b = 1;
  Pair* run = v.grow(2);  // fits inside
  CHECK_FALSE(v.on_heap());
  CHECK(run == v.data() + 1);
  run[0].b = 2;
  run[1].b = 3;
  CHECK(values(v) == std::vector<uint64_t>{1, 2, 3});

  run = v.grow(2);  // past N: the three move to the heap first, in order
  CHECK(v.on_heap());
  CHECK(run == v.data() + 3);
  run[0].b = 4;
  run[1].b = 5;
  CHECK(values(v) == std::vector<uint64_t>{1, 2, 3, 4, 5});

  CHECK(v.grow(0) == v.data() + 5);  // nothing to add, nothing changed
  CHECK(v.size() == 5);

  v.clear();
  run = v.grow(3);  // back inside, where the first elements were
  CHECK_FALSE(v.on_heap());
  CHECK(run == v.data());
  CHECK(v.size() == 3);
}
