// What to do with a request Retainly answered 422 (or 400): which of its records the
// answer names, so they go to the dead-letter file, and which must be sent again.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "retainly/response_class.h"

namespace cdc::sink {

struct InvalidSplit {
  struct Pinned {
    size_t unit;                // index in the request
    const std::string* detail;  // the answer's entry about it; points into the Verdict
  };
  // Units the answer names one by one: refused for good.
  std::vector<Pinned> pinned;
  // Units of a named record of several items, told apart by sending them again.
  std::vector<size_t> suspects;
  // Units the answer does not name: delivered by sending them again.
  std::vector<size_t> clear;
  // The answer names nothing usable (or every unit without pinning one): halve instead.
  bool bisect = false;
};

// `units` units were sent as records starting at `record_starts` (write_request_body's
// output); `invalid` is what the answer named. Indexes out of range are ignored.
InvalidSplit split_invalid(size_t units, std::span<const size_t> record_starts,
                           const std::vector<retainly::InvalidRecord>& invalid);

}  // namespace cdc::sink
