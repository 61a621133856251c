// What mapping one change produces: calls for the sink, and rejections for the
// dead-letter file (values Retainly would refuse, missing columns or images).
#pragma once

#include <string>
#include <vector>

#include "retainly/call.h"

namespace cdc::mapping {

struct Rejection {
  std::string reason;
  // JSON text of the change as the mapping saw it: {"op":..,"before":{..},"after":{..}}.
  std::string payload;
  retainly::Provenance origin;
};

// Reused across changes by the caller: map() only appends.
struct MappingOutput {
  std::vector<retainly::Call> calls;
  std::vector<Rejection> rejections;
};

}  // namespace cdc::mapping
