#include "core/bounded_queue.h"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

namespace cdc {
namespace {

using namespace std::chrono_literals;

TEST_CASE("bounded queue: single pops and batch pops keep the order, within the capacity") {
  BoundedQueue<int> queue(3);
  int next_in = 0;
  int next_out = 0;
  // Single pops behind pushes, many times over, so taken items are dropped from the
  // front of the storage on the way.
  for (int round = 0; round < 20; ++round) {
    while (queue.size() < 3) REQUIRE(queue.push(int(next_in++), 0ms));
    CHECK_FALSE(queue.push(int(next_in), 0ms));  // full
    // Pushes go on once the queue has drained to half its capacity (one of three).
    for (int pop = 0; pop < 2; ++pop) {
      auto item = queue.pop(0ms);
      REQUIRE(item.has_value());
      CHECK(*item == next_out++);
    }
  }
  REQUIRE(queue.push(int(next_in++), 0ms));  // two queued
  std::vector<int> batch{-1};                // pop_all appends
  REQUIRE(queue.pop_all(batch, 0ms));
  REQUIRE(batch.size() == 3);
  CHECK(batch[0] == -1);
  CHECK(batch[1] == next_out++);
  CHECK(batch[2] == next_out++);
  CHECK(queue.size() == 0);
  CHECK_FALSE(queue.pop_all(batch, 0ms));  // empty
}

TEST_CASE("bounded queue: a producer that found it full waits until it drained to half") {
  BoundedQueue<int> queue(8);
  for (int i = 0; i < 8; ++i) REQUIRE(queue.push(int(i), 0ms));
  CHECK_FALSE(queue.push(8, 0ms));  // full
  std::vector<int> out;
  REQUIRE(queue.pop_all(out, 0ms, 3));  // five left: room, but above half
  CHECK_FALSE(queue.push(8, 0ms));
  std::vector<int> items{8, 9};
  CHECK(queue.push_some(items, 0ms) == 0);
  REQUIRE(queue.pop(0ms).has_value());  // four left: half
  CHECK(queue.push_some(items, 0ms) == 2);
  // Not full since: pushes go on up to the capacity.
  REQUIRE(queue.push(10, 0ms));
  REQUIRE(queue.push(11, 0ms));
  CHECK(queue.size() == 8);
  CHECK_FALSE(queue.push(12, 0ms));
  // A producer blocked on the full queue goes on when the consumer drains it to half.
  std::thread producer([&] { CHECK(queue.push(12, 10s)); });
  out.clear();
  REQUIRE(queue.pop_all(out, 0ms, 4));
  producer.join();
  out.clear();
  REQUIRE(queue.pop_all(out, 0ms));
  CHECK(out == std::vector<int>{8, 9, 10, 11, 12});
}

TEST_CASE("bounded queue: push_some takes what fits, pop_all swaps into an empty vector") {
  BoundedQueue<int> queue(4);
  std::vector<int> items{1, 2, 3, 4, 5, 6};
  CHECK(queue.push_some(items, 0ms) == 4);
  CHECK(queue.push_some(std::span<int>(items).subspan(4), 0ms) == 0);  // full
  std::vector<int> out;
  REQUIRE(queue.pop_all(out, 0ms));
  CHECK(out == std::vector<int>{1, 2, 3, 4});
  CHECK(queue.push_some(std::span<int>(items).subspan(4), 0ms) == 2);
  out.clear();
  REQUIRE(queue.pop_all(out, 0ms));
  CHECK(out == std::vector<int>{5, 6});
  queue.close();
  CHECK_FALSE(queue.push(7, 0ms));
  CHECK_FALSE(queue.pop(0ms).has_value());
}

TEST_CASE("bounded queue: pop_all takes at most `max`, oldest first") {
  BoundedQueue<int> queue(8);
  for (int i = 1; i <= 7; ++i) REQUIRE(queue.push(int(i), 0ms));
  std::vector<int> out;
  REQUIRE(queue.pop_all(out, 0ms, 3));
  CHECK(out == std::vector<int>{1, 2, 3});
  REQUIRE(queue.push(8, 0ms));
  REQUIRE(queue.pop_all(out, 0ms, 3));
  CHECK(out == std::vector<int>{1, 2, 3, 4, 5, 6});
  out.clear();
  REQUIRE(queue.pop_all(out, 0ms, 10));
  CHECK(out == std::vector<int>{7, 8});
  CHECK(queue.size() == 0);
}

}  // namespace
}  // namespace cdc
