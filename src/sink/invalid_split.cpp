#include "sink/invalid_split.h"

#include <cstdint>

namespace cdc::sink {

InvalidSplit split_invalid(size_t units, std::span<const size_t> record_starts,
                           const std::vector<retainly::InvalidRecord>& invalid) {
  enum : uint8_t { kClear, kPinned, kSuspect };
  std::vector<uint8_t> state(units, kClear);
  std::vector<const std::string*> details(units, nullptr);
  for (const retainly::InvalidRecord& record : invalid) {
    if (record.record >= record_starts.size()) continue;
    const size_t begin = record_starts[record.record];
    const size_t end =
        record.record + 1 < record_starts.size() ? record_starts[record.record + 1] : units;
    if (begin >= end || end > units) continue;
    // An item index pins one unit; so does a record that holds a single one.
    size_t pinned = units;
    if (record.item && *record.item < end - begin) pinned = begin + *record.item;
    if (end - begin == 1) pinned = begin;
    if (pinned < units) {
      state[pinned] = kPinned;
      details[pinned] = &record.detail;
      continue;
    }
    for (size_t i = begin; i < end; ++i) {
      if (state[i] == kClear) state[i] = kSuspect;
    }
  }

  InvalidSplit split;
  for (size_t i = 0; i < units; ++i) {
    switch (state[i]) {
      case kPinned:
        split.pinned.push_back({i, details[i]});
        break;
      case kSuspect:
        split.suspects.push_back(i);
        break;
      default:
        split.clear.push_back(i);
        break;
    }
  }
  split.bisect = split.pinned.empty() && (split.suspects.empty() || split.clear.empty());
  return split;
}

}  // namespace cdc::sink
