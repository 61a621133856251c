// Polling with a deadline: the way tests wait for something another process or thread
// does, instead of sleeping for a guessed time.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

namespace cdc::test {

// Calls `predicate` until it returns true or `timeout` has passed; true if it did. Polls
// often at first (most waits are short) and then every 100 ms.
template <typename Predicate>
bool poll_until(Predicate&& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

// Like poll_until, but fails the running test case with "timed out after N ms waiting for
// <what>" when the deadline passes. The predicate runs once more after the deadline, so a
// condition reached just in time still counts.
template <typename Predicate>
void wait_until(Predicate&& predicate, std::chrono::milliseconds timeout, std::string_view what) {
  if (poll_until(predicate, timeout) || predicate()) return;
  FAIL("timed out after " << timeout.count() << " ms waiting for " << what);
}

}  // namespace cdc::test
