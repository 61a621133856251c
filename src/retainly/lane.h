// A call's lane key without a copy: lane_key() (call.h) as a view, for the hot paths that
// only compare or copy it into a buffer they keep.
#pragma once

#include <string_view>

namespace cdc::retainly {

// The customer id with JSON string quotes removed, as a view into `customer_id_json`.
std::string_view lane_view(std::string_view customer_id_json);

}  // namespace cdc::retainly
