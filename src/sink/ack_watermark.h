// The acknowledgement watermark: the highest sequence S such that every call with a
// sequence <= S is settled (acknowledged or dead-lettered), while calls settle in any
// order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace cdc::sink {

// Not thread-safe. Memory: one byte per call between the watermark and the newest.
class AckWatermark {
 public:
  // Registers the next call. Throws std::invalid_argument unless `sequence` is
  // last_added() + 1 (sequences start at 1).
  void add(uint64_t sequence);
  // Marks a registered call settled. Settling one twice, or one never added, is ignored.
  void settle(uint64_t sequence);

  uint64_t watermark() const { return watermark_; }
  uint64_t last_added() const { return watermark_ + settled_.size(); }
  // Calls added and not yet settled.
  size_t unsettled() const { return unsettled_; }

 private:
  uint64_t watermark_ = 0;
  // settled_[i] is the state of sequence watermark_ + 1 + i.
  std::deque<bool> settled_;
  size_t unsettled_ = 0;
};

}  // namespace cdc::sink
