#include "core/slot_ring.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using cdc::SlotRing;

TEST_CASE("slot ring: slots keep their place and value until the front passes them") {
  SlotRing<std::string, 4> ring;
  CHECK(ring.empty());
  std::vector<const std::string*> places;
  // Handed out by index, across chunks; the front follows behind.
  for (uint64_t i = 0; i < 10; ++i) {
    ring.back() = "slot " + std::to_string(i);
    places.push_back(&ring.back());
    ring.push();
  }
  CHECK(ring.size() == 10);
  CHECK(ring.begin() == 0);
  CHECK(ring.end() == 10);
  for (uint64_t i = 0; i < 10; ++i) {
    CHECK(&ring[i] == places[i]);
    CHECK(ring[i] == "slot " + std::to_string(i));
  }
  ring.pop_until(6);
  CHECK(ring.begin() == 6);
  CHECK(ring.size() == 4);
  // More chunks added meanwhile: the slots still in use stay where they were.
  for (uint64_t i = 10; i < 30; ++i) {
    ring.back() = "slot " + std::to_string(i);
    ring.push();
  }
  for (uint64_t i = 6; i < 10; ++i) CHECK(&ring[i] == places[i]);
  CHECK(ring[29] == "slot 29");
}

TEST_CASE("slot ring: a chunk the front passed comes back at the back as it was left") {
  SlotRing<std::string, 4> ring;
  for (int i = 0; i < 4; ++i) {
    ring.back() = "old " + std::to_string(i);
    ring.push();
  }
  const std::string* first = &ring[0];
  ring.pop_until(4);
  CHECK(ring.empty());
  // The next chunk needed is the one just left: its slots hold what they held (a caller
  // overwrites them, keeping their capacity).
  std::string& reused = ring.back();
  CHECK(&reused == first);
  CHECK(reused == "old 0");
}

TEST_CASE("slot ring: a view reads its range while more slots are handed out") {
  SlotRing<int, 4> ring;
  for (int i = 0; i < 7; ++i) {
    ring.back() = i;
    ring.push();
  }
  SlotRing<int, 4>::View view;
  ring.view(2, 7, view);
  // Chunks added after the view was taken do not move what it sees.
  for (int i = 7; i < 40; ++i) {
    ring.back() = i;
    ring.push();
  }
  for (uint64_t i = 2; i < 7; ++i) CHECK(view[i] == static_cast<int>(i));
  ring.view(5, 5, view);  // empty
  ring.pop_until(5);
  ring.view(5, 40, view);
  CHECK(view[5] == 5);
  CHECK(view[39] == 39);
}
