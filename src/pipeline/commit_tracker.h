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
  void transaction_ended(uint64_t last_sequence, Position position) {
    pending_.push_back({last_sequence, std::move(position)});
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

 private:
  struct Pending {
    uint64_t last_sequence;
    Position position;
  };
  std::deque<Pending> pending_;
};

}  // namespace cdc::pipeline
