#include "retainly/record_parser.h"

#include <nlohmann/json.hpp>

namespace cdc::retainly {
namespace {

using Json = nlohmann::ordered_json;

bool is_id(const Json& value) { return value.is_string() || value.is_number(); }

// Every member of `object` except the one named `skip` (none if null), as attributes.
void take_attributes(const Json& object, const char* skip, Call& call) {
  for (const auto& [name, value] : object.items()) {
    if (skip != nullptr && name == skip) continue;
    call.attributes.push_back({name, value.dump()});
  }
}

std::optional<Call> fail(std::string& error, std::string message) {
  error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<Call> parse_record(CallKind kind, std::string_view record, std::string& error) {
  Json json = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return fail(error, "the payload is not valid JSON");

  Call call;
  call.kind = kind;
  switch (kind) {
    case CallKind::kCustomerDelete:
      if (!is_id(json)) return fail(error, "a customer delete payload must be an id");
      call.customer_id = json.dump();
      return call;
    case CallKind::kCustomerUpsert: {
      if (!json.is_object() || !json.contains("id") || !is_id(json["id"])) {
        return fail(error, "a customer payload must be an object with an \"id\"");
      }
      call.customer_id = json["id"].dump();
      take_attributes(json, "id", call);
      return call;
    }
    case CallKind::kArrayUpsert:
    case CallKind::kArrayDelete: {
      const char* list = kind == CallKind::kArrayUpsert ? "data" : "ids";
      if (!json.is_object() || !json.contains("customer_id") || !is_id(json["customer_id"]) ||
          !json.contains("field") || !json["field"].is_string() || !json.contains(list) ||
          !json[list].is_array() || json[list].size() != 1) {
        return fail(error, std::string("an array payload must hold customer_id, field and one "
                                       "entry in \"") +
                               list + "\"");
      }
      call.customer_id = json["customer_id"].dump();
      call.field = json["field"].get<std::string>();
      const Json& entry = json[list][0];
      if (kind == CallKind::kArrayDelete) {
        if (!is_id(entry)) return fail(error, "an array delete entry must be an id");
        call.item_id = entry.dump();
        return call;
      }
      if (!entry.is_object() || !entry.contains("id") || !is_id(entry["id"])) {
        return fail(error, "an array item must be an object with an \"id\"");
      }
      call.item_id = entry["id"].dump();
      take_attributes(entry, "id", call);
      return call;
    }
    case CallKind::kEvent: {
      if (!json.is_object() || !json.contains("customer_id") || !is_id(json["customer_id"]) ||
          !json.contains("event") || !json["event"].is_string()) {
        return fail(error, "an event payload must hold customer_id and event");
      }
      call.customer_id = json["customer_id"].dump();
      call.event_name = json["event"].get<std::string>();
      if (json.contains("data")) {
        if (!json["data"].is_object()) return fail(error, "event data must be an object");
        take_attributes(json["data"], nullptr, call);
      }
      return call;
    }
  }
  return fail(error, "unknown call kind");
}

}  // namespace cdc::retainly
