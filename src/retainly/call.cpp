#include "retainly/call.h"

#include "retainly/lane.h"

namespace cdc::retainly {

const char* to_string(CallKind kind) {
  switch (kind) {
    case CallKind::kCustomerUpsert:
      return "customer_upsert";
    case CallKind::kCustomerDelete:
      return "customer_delete";
    case CallKind::kArrayUpsert:
      return "array_upsert";
    case CallKind::kArrayDelete:
      return "array_delete";
    case CallKind::kEvent:
      return "event";
  }
  return "unknown";
}

std::string_view lane_view(std::string_view id) {
  if (id.size() >= 2 && id.front() == '"' && id.back() == '"') {
    // Escapes are kept as written: two ids that differ only in escaping are rare enough
    // that sharing a lane is not needed for correctness.
    return id.substr(1, id.size() - 2);
  }
  return id;
}

std::string lane_key(std::string_view id) { return std::string(lane_view(id)); }

}  // namespace cdc::retainly
