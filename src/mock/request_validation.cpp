#include "mock/request_validation.h"

#include <optional>
#include <string_view>
#include <utility>

#include "mock/mixed_id.h"
#include "mock/value_rules.h"

namespace cdc::mock {
namespace {

using nlohmann::json;

ValueProblem problem(std::string msg, std::string type) {
  return ValueProblem{json::array(), std::move(msg), std::move(type)};
}

std::optional<ValueProblem> under(const json& step, std::optional<ValueProblem> found) {
  if (found) found->path.insert(found->path.begin(), step);
  return found;
}

DetailError whole_request(json loc, std::string msg, std::string type) {
  return DetailError{std::move(loc), std::move(msg), std::move(type)};
}

// A required mixed id (customer_id, id) inside `record`, reported under `key`.
std::optional<ValueProblem> check_id_field(const json& record, const char* key) {
  auto it = record.find(key);
  if (it == record.end()) return under(key, problem("field required", "value_error.missing"));
  if (!is_valid_id(*it)) {
    return under(key, problem("id must be a number or a non-empty string", "type_error.id"));
  }
  return under(key, check_string_length(*it));
}

std::optional<ValueProblem> check_field_name(const json& record) {
  auto it = record.find("field");
  if (it == record.end()) return under("field", problem("field required", "value_error.missing"));
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return under("field", problem("field must be a non-empty string", "type_error.str"));
  }
  return under("field", check_string_length(*it));
}

// Checks the list `body[list_key]` (present, an array, 1..kMaxRecords entries), then
// each entry with `check`, collecting one DetailError per invalid entry.
template <typename Check>
std::vector<DetailError> validate_list(const json& body, const char* list_key, Check&& check) {
  if (!body.is_object()) {
    return {whole_request(json::array({"body"}), "value is not a valid dict", "type_error.dict")};
  }
  const json loc = json::array({"body", list_key});
  auto it = body.find(list_key);
  if (it == body.end()) return {whole_request(loc, "field required", "value_error.missing")};
  if (!it->is_array()) return {whole_request(loc, "value is not a valid list", "type_error.list")};
  if (it->empty()) {
    return {
        whole_request(loc, "ensure this value has at least 1 items", "value_error.list.min_items")};
  }
  if (it->size() > kMaxRecords) {
    return {whole_request(loc, "ensure this value has at most 10000 items",
                          "value_error.list.max_items")};
  }
  std::vector<DetailError> errors;
  size_t index = 0;
  for (const json& record : *it) {
    if (std::optional<ValueProblem> found = check(record)) {
      json record_loc = loc;
      record_loc.push_back(index);
      for (json& step : found->path) record_loc.push_back(std::move(step));
      errors.push_back(
          DetailError{std::move(record_loc), std::move(found->msg), std::move(found->type)});
    }
    ++index;
  }
  return errors;
}

std::optional<ValueProblem> check_customer(const json& customer) {
  if (!customer.is_object()) return problem("value is not a valid dict", "type_error.dict");
  if (auto found = check_id_field(customer, "id")) return found;
  if (customer.size() > kMaxCustomerFields) {
    return problem("customer can have a maximum of 500 customer fields",
                   "value_error.too_many_fields");
  }
  size_t arrays = 0;
  for (const auto& [key, value] : customer.items()) {
    if (value.is_array()) ++arrays;
  }
  if (arrays > kMaxArrayAttributes) {
    return problem("customer can't have more than 15 attributes with type array",
                   "value_error.too_many_arrays");
  }
  for (const auto& [key, value] : customer.items()) {
    if (key == "id") continue;
    if (auto found = check_attribute_value(value)) return under(key, std::move(found));
  }
  return std::nullopt;
}

std::optional<ValueProblem> check_array_upsert(const json& record) {
  if (!record.is_object()) return problem("value is not a valid dict", "type_error.dict");
  if (auto found = check_id_field(record, "customer_id")) return found;
  if (auto found = check_field_name(record)) return found;
  auto data = record.find("data");
  if (data == record.end()) return under("data", problem("field required", "value_error.missing"));
  if (!data->is_array()) {
    return under("data", problem("value is not a valid list", "type_error.list"));
  }
  size_t index = 0;
  for (const json& item : *data) {
    std::optional<ValueProblem> found = check_array_item(item);
    if (!found && item.contains("id")) found = check_id_field(item, "id");
    if (found) return under("data", under(index, std::move(found)));
    ++index;
  }
  return std::nullopt;
}

std::optional<ValueProblem> check_id(const json& id) {
  if (!is_valid_id(id))
    return problem("id must be a number or a non-empty string", "type_error.id");
  return check_string_length(id);
}

std::optional<ValueProblem> check_array_delete(const json& record) {
  if (!record.is_object()) return problem("value is not a valid dict", "type_error.dict");
  if (auto found = check_id_field(record, "customer_id")) return found;
  if (auto found = check_field_name(record)) return found;
  auto ids = record.find("ids");
  if (ids == record.end()) return under("ids", problem("field required", "value_error.missing"));
  if (!ids->is_array())
    return under("ids", problem("value is not a valid list", "type_error.list"));
  size_t index = 0;
  for (const json& id : *ids) {
    if (auto found = check_id(id)) return under("ids", under(index, std::move(found)));
    ++index;
  }
  return std::nullopt;
}

// Laravel's dotted name for a value inside the event data: "data.items.0.name".
std::string dotted(const json& path) {
  std::string name = "data";
  for (const json& step : path) {
    name += '.';
    name += step.is_string() ? step.get<std::string>() : step.dump();
  }
  return name;
}

void check_event_data(const json& body, EventErrors& errors) {
  auto data = body.find("data");
  if (data == body.end()) return;
  if (!data->is_object()) {
    errors["data"].push_back("The data must be an object.");
    return;
  }
  if (data->size() > kMaxEventDataFields) {
    errors["data"].push_back("The data may not have more than 50 fields.");
  }
  for (const auto& [key, value] : data->items()) {
    if (auto found = check_attribute_value(value)) {
      found->path.insert(found->path.begin(), key);
      errors[dotted(found->path)].push_back("The " + dotted(found->path) +
                                            " is invalid: " + found->msg + ".");
    }
  }
}

}  // namespace

std::vector<DetailError> validate_customers(const json& body) {
  return validate_list(body, "customers", check_customer);
}

std::vector<DetailError> validate_array_upserts(const json& body) {
  return validate_list(body, "records", check_array_upsert);
}

std::vector<DetailError> validate_customer_deletes(const json& body) {
  return validate_list(body, "customers_ids", check_id);
}

std::vector<DetailError> validate_array_deletes(const json& body) {
  return validate_list(body, "records", check_array_delete);
}

EventErrors validate_event(const json& body) {
  static const json kEmpty = json::object();
  // A body that is not an object is judged as an empty one: every required field missing.
  const json& fields = body.is_object() ? body : kEmpty;
  EventErrors errors;

  auto customer_id = fields.find("customer_id");
  if (customer_id == fields.end() || customer_id->is_null()) {
    errors["customer_id"].push_back("The customer id field is required.");
  } else if (!is_valid_id(*customer_id)) {
    errors["customer_id"].push_back("The customer id must be a number or a non-empty string.");
  } else if (check_string_length(*customer_id)) {
    errors["customer_id"].push_back("The customer id may not be greater than 1000 characters.");
  }

  auto event = fields.find("event");
  if (event == fields.end() || event->is_null() ||
      (event->is_string() && event->get_ref<const std::string&>().empty())) {
    errors["event"].push_back("The event field is required.");
  } else if (!event->is_string()) {
    errors["event"].push_back("The event must be a string.");
  } else if (count_code_points(event->get_ref<const std::string&>()) > kMaxEventNameChars) {
    errors["event"].push_back("The event may not be greater than 50 characters.");
  }

  check_event_data(fields, errors);
  return errors;
}

json detail_body(const std::vector<DetailError>& errors) {
  json detail = json::array();
  for (const DetailError& error : errors) {
    detail.push_back({{"loc", error.loc}, {"msg", error.msg}, {"type", error.type}});
  }
  return {{"detail", std::move(detail)}};
}

json errors_body(const EventErrors& errors) {
  json fields = json::object();
  for (const auto& [name, messages] : errors) fields[name] = messages;
  return {{"errors", std::move(fields)}};
}

}  // namespace cdc::mock
