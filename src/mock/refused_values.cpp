#include "mock/refused_values.h"

#include <optional>
#include <string>

namespace cdc::mock {
namespace {

using nlohmann::json;

constexpr const char* kMessage = "value refused by the workspace's field settings";

bool is_marker(const json& value, std::string_view marker) {
  return value.is_string() && value.get_ref<const std::string&>() == marker;
}

// The key of the first attribute of `object` (other than the id) holding the marker.
std::optional<std::string> refused_key(const json& object, std::string_view marker) {
  if (!object.is_object()) return std::nullopt;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() != "id" && is_marker(it.value(), marker)) return it.key();
  }
  return std::nullopt;
}

}  // namespace

std::vector<DetailError> refused_values(const json& body, std::string_view marker) {
  std::vector<DetailError> errors;
  if (marker.empty()) return errors;
  if (auto customers = body.find("customers"); customers != body.end()) {
    for (size_t i = 0; i < customers->size(); ++i) {
      if (const auto key = refused_key((*customers)[i], marker)) {
        errors.push_back(
            {json::array({"body", "customers", i, *key}), kMessage, "value_error.workspace"});
      }
    }
  }
  if (auto records = body.find("records"); records != body.end()) {
    for (size_t i = 0; i < records->size(); ++i) {
      const json& data = (*records)[i].value("data", json::array());
      for (size_t j = 0; j < data.size(); ++j) {
        if (const auto key = refused_key(data[j], marker)) {
          errors.push_back({json::array({"body", "records", i, "data", j, *key}), kMessage,
                            "value_error.workspace"});
          break;
        }
      }
    }
  }
  return errors;
}

EventErrors refused_event_values(const json& event, std::string_view marker) {
  EventErrors errors;
  if (marker.empty()) return errors;
  if (const auto key = refused_key(event.value("data", json::object()), marker)) {
    errors["data." + *key].push_back(kMessage);
  }
  return errors;
}

}  // namespace cdc::mock
