#include "core/fifo.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using cdc::Fifo;

TEST_CASE("fifo: elements come out in the order they went in, across compactions") {
  Fifo<std::string> fifo;
  CHECK(fifo.empty());
  // Never empty for long, as calls in flight: the taken front is compacted away.
  uint64_t next_in = 0;
  uint64_t next_out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 300; ++i) fifo.push_back(std::to_string(next_in++));
    for (int i = 0; i < 250; ++i) {
      REQUIRE_FALSE(fifo.empty());
      CHECK(fifo.front() == std::to_string(next_out));
      CHECK(fifo.take_front() == std::to_string(next_out++));
    }
    CHECK(fifo.size() == next_in - next_out);
  }
  std::vector<std::string> rest(fifo.begin(), fifo.end());
  REQUIRE(rest.size() == next_in - next_out);
  CHECK(rest.front() == std::to_string(next_out));
  CHECK(rest.back() == std::to_string(next_in - 1));
  while (!fifo.empty()) CHECK(fifo.take_front() == std::to_string(next_out++));
  CHECK(next_out == next_in);
  fifo.push_back("again");  // usable once drained
  CHECK(fifo.size() == 1);
  CHECK(fifo.front() == "again");
}

TEST_CASE("fifo: dropping a run from the front keeps the order, across compactions") {
  Fifo<uint64_t> fifo;
  uint64_t next_in = 0;
  uint64_t next_out = 0;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 700; ++i) fifo.push_back(next_in++);
    // Runs of different lengths, one of them none at all.
    const size_t drop = static_cast<size_t>(round % 5) * 150;
    fifo.drop_front(drop);
    next_out += drop;
    REQUIRE(fifo.size() == next_in - next_out);
    CHECK(fifo.front() == next_out);
    CHECK(fifo.back() == next_in - 1);
    CHECK(fifo.take_front() == next_out++);
  }
  fifo.drop_front(fifo.size());  // the whole queue
  CHECK(fifo.empty());
  fifo.push_back(7);
  CHECK(fifo.front() == 7);
  CHECK(fifo.size() == 1);
}
