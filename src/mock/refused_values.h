// A stand-in for Retainly's workspace field settings, which the API text mentions but a
// mapping cannot see: a value the workspace refuses (a field set up as a date receiving
// text, say) fails its record with 422 while the other records of the request are valid.
// The mock refuses every string attribute value equal to a configured marker, so tests
// can make chosen records invalid after the mapping passed them.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock/request_validation.h"

namespace cdc::mock {

// Refusals for a POST /customers or POST /arrays body (one per record holding the
// marker, at its first such value). Empty when `marker` is empty.
std::vector<DetailError> refused_values(const nlohmann::json& body, std::string_view marker);

// The same for a POST /events body, as the events endpoint reports errors.
EventErrors refused_event_values(const nlohmann::json& event, std::string_view marker);

}  // namespace cdc::mock
