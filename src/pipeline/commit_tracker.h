// Turns the sink's watermark (a call sequence number) into the source position that may
// be acknowledged: the position of the last transaction all of whose calls are done.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <optional>

#include "core/position.h"

namespace cdc::pipeline {

// Not thread-safe; owned by the pipeline thread.
class CommitTracker {
 public:
  // A transaction ended; every call it produced has a sequence <= last_sequence.
  void transaction_ended(uint64_t last_sequence, Position position,
                         int64_t commit_time_micros = 0) {
    pending_.push_back({last_sequence, std::move(position), commit_time_micros});
  }

  // The newest position whose transaction is wholly at or below `watermark`, if it moved
  // since the last call.
  std::optional<Position> advance(uint64_t watermark) {
    std::optional<Position> latest;
    while (!pending_.empty() && pending_.front().last_sequence <= watermark) {
      latest = std::move(pending_.front().position);
      pending_.pop_front();
    }
    return latest;
  }

  size_t pending() const { return pending_.size(); }

  // A transaction not yet acknowledged: the last sequence of its calls and its position.
  struct End {
    uint64_t last_sequence;
    Position position;
    int64_t commit_time_micros;
  };
  // For the last-sent store, which records the position of the transactions its commits
  // complete: the newest pending end at or below `sequence`, and the oldest whose position
  // lies past `position` (every end when there is none); nullptr when there is none.
  // (Transactions that made no call end at the same sequence as the one before them, so
  // it is their positions that tell them apart.)
  const End* newest_through(uint64_t sequence) const {
    const auto above =
        std::upper_bound(pending_.begin(), pending_.end(), sequence,
                         [](uint64_t s, const End& end) { return s < end.last_sequence; });
    return above == pending_.begin() ? nullptr : &*std::prev(above);
  }
  const End* oldest_past(const std::optional<Position>& position) const {
    if (!position) return pending_.empty() ? nullptr : &pending_.front();
    const auto past =
        std::upper_bound(pending_.begin(), pending_.end(), *position,
                         [](const Position& p, const End& end) { return p < end.position; });
    return past == pending_.end() ? nullptr : &*past;
  }
  // Commit time (Unix microseconds) of the oldest transaction not yet acknowledged; 0
  // when none is pending or the source gave no time.
  int64_t oldest_pending_commit_micros() const {
    return pending_.empty() ? 0 : pending_.front().commit_time_micros;
  }

 private:
  std::deque<End> pending_;  // in the stream's order: sequences and positions ascend
};

}  // namespace cdc::pipeline
