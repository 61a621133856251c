#include <doctest/doctest.h>

#include "pipeline/commit_tracker.h"

using cdc::PgLsn;
using cdc::PgPosition;
using cdc::Position;
using cdc::pipeline::CommitTracker;

namespace {
Position commit_at(uint64_t lsn) { return PgPosition{PgLsn{lsn}, 0}; }
}  // namespace

TEST_CASE("commit tracker: a transaction is acknowledged only when all its calls are done") {
  CommitTracker tracker;
  tracker.transaction_ended(3, commit_at(100));  // calls 1..3
  tracker.transaction_ended(7, commit_at(200));  // calls 4..7
  CHECK_FALSE(tracker.advance(2).has_value());
  CHECK(tracker.advance(3) == commit_at(100));
  CHECK_FALSE(tracker.advance(6).has_value());
  CHECK(tracker.advance(7) == commit_at(200));
  CHECK(tracker.pending() == 0);
}

TEST_CASE("commit tracker: transactions without calls follow the ones before them") {
  CommitTracker tracker;
  tracker.transaction_ended(0, commit_at(50));   // nothing mapped, nothing before
  tracker.transaction_ended(2, commit_at(100));  // calls 1..2
  tracker.transaction_ended(2, commit_at(150));  // nothing mapped
  CHECK(tracker.advance(0) == commit_at(50));
  CHECK_FALSE(tracker.advance(1).has_value());
  CHECK(tracker.advance(2) == commit_at(150));
}

TEST_CASE(
    "commit tracker: the store finds the newest end a commit completes and the oldest it lacks") {
  CommitTracker tracker;
  CHECK(tracker.newest_through(10) == nullptr);
  CHECK(tracker.oldest_past(std::nullopt) == nullptr);
  tracker.transaction_ended(2, commit_at(100));
  tracker.transaction_ended(2, commit_at(150));  // nothing mapped: the same last sequence
  tracker.transaction_ended(5, commit_at(200));
  CHECK(tracker.newest_through(1) == nullptr);
  REQUIRE(tracker.newest_through(2) != nullptr);
  CHECK(tracker.newest_through(2)->position == commit_at(150));
  CHECK(tracker.newest_through(9)->position == commit_at(200));
  CHECK(tracker.oldest_past(std::nullopt)->position == commit_at(100));
  CHECK(tracker.oldest_past(commit_at(100))->position == commit_at(150));
  CHECK(tracker.oldest_past(commit_at(120))->position == commit_at(150));
  CHECK(tracker.oldest_past(commit_at(150))->position == commit_at(200));
  CHECK(tracker.oldest_past(commit_at(200)) == nullptr);
}
