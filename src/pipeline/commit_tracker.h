// Turns the sink's watermark (a call sequence number) into the source position that may
// be acknowledged: the position of the last transaction all of whose calls are done.
#pragma once

#include <cstdint>
#include <deque>
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
  // Commit time (Unix microseconds) of the oldest transaction not yet acknowledged; 0
  // when none is pending or the source gave no time.
  int64_t oldest_pending_commit_micros() const {
    return pending_.empty() ? 0 : pending_.front().commit_time_micros;
  }

 private:
  struct Pending {
    uint64_t last_sequence;
    Position position;
    int64_t commit_time_micros;
  };
  std::deque<Pending> pending_;
};

}  // namespace cdc::pipeline
