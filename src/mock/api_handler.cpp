#include "mock/api_handler.h"

#include <nlohmann/json.hpp>

#include "mock/record_count.h"
#include "mock/refused_values.h"
#include "mock/request_validation.h"

namespace cdc::mock {
namespace {

using nlohmann::json;

// Success bodies: the API text gives "string" for customers and no body for events.
constexpr std::string_view kOkBody = R"("OK")";
constexpr std::string_view kEventSyntaxError =
    R"("Invalid JSON data in request body: Syntax error")";

Answer json_answer(int status, const json& body) {
  Answer answer;
  answer.status = status;
  answer.body = body.dump();
  return answer;
}

Answer ok(size_t applied, std::string_view body = kOkBody) {
  Answer answer;
  answer.body = std::string(body);
  answer.applied = applied;
  return answer;
}

Answer message(int status, std::string_view text) {
  return json_answer(status, json{{"message", text}});
}

Answer handle_event(std::string_view body, Store& store, std::string_view refuse_value) {
  json event = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) {
    Answer answer;
    answer.status = 400;
    answer.body = std::string(kEventSyntaxError);
    return answer;
  }
  EventErrors errors = validate_event(event);
  if (errors.empty()) errors = refused_event_values(event, refuse_value);
  if (!errors.empty()) return json_answer(422, errors_body(errors));
  store.add_event(std::move(event));
  return ok(1, "");
}

}  // namespace

const char* to_string(ApiEndpoint endpoint) {
  switch (endpoint) {
    case ApiEndpoint::kUpsertCustomers:
      return "POST /customers";
    case ApiEndpoint::kUpsertArrays:
      return "POST /arrays";
    case ApiEndpoint::kDeleteCustomers:
      return "DELETE /customers";
    case ApiEndpoint::kDeleteArrays:
      return "DELETE /arrays";
    case ApiEndpoint::kCreateEvent:
      return "POST /events";
  }
  return "unknown";
}

std::optional<ApiEndpoint> api_endpoint_for(std::string_view method, std::string_view path) {
  for (auto endpoint :
       {ApiEndpoint::kUpsertCustomers, ApiEndpoint::kUpsertArrays, ApiEndpoint::kDeleteCustomers,
        ApiEndpoint::kDeleteArrays, ApiEndpoint::kCreateEvent}) {
    std::string_view name = to_string(endpoint);
    auto space = name.find(' ');
    if (name.substr(0, space) == method && name.substr(space + 1) == path) return endpoint;
  }
  return std::nullopt;
}

Answer handle_api_request(ApiEndpoint endpoint, std::string_view body, Store& store,
                          std::string_view refuse_value) {
  if (endpoint == ApiEndpoint::kCreateEvent) return handle_event(body, store, refuse_value);

  json request;
  try {
    request = json::parse(body);
  } catch (const json::parse_error& error) {
    // FastAPI reports undecodable JSON as a validation error at the failing byte.
    return json_answer(422, detail_body({DetailError{json::array({"body", error.byte}),
                                                     error.what(), "value_error.jsondecode"}}));
  }

  std::vector<DetailError> errors;
  switch (endpoint) {
    case ApiEndpoint::kUpsertCustomers:
      errors = validate_customers(request);
      if (errors.empty()) errors = refused_values(request, refuse_value);
      if (errors.empty()) return ok(store.upsert_customers(std::move(request["customers"])));
      break;
    case ApiEndpoint::kUpsertArrays:
      errors = validate_array_upserts(request);
      if (errors.empty()) errors = refused_values(request, refuse_value);
      if (errors.empty()) return ok(store.upsert_array_items(std::move(request["records"])));
      break;
    case ApiEndpoint::kDeleteCustomers:
      errors = validate_customer_deletes(request);
      if (errors.empty()) return ok(store.delete_customers(request["customers_ids"]));
      break;
    case ApiEndpoint::kDeleteArrays:
      errors = validate_array_deletes(request);
      if (errors.empty()) return ok(store.delete_array_items(request["records"]));
      break;
    case ApiEndpoint::kCreateEvent:
      break;
  }
  return json_answer(422, detail_body(errors));
}

Answer count_only_answer(ApiEndpoint endpoint, std::string_view body) {
  const char* key = nullptr;
  switch (endpoint) {
    case ApiEndpoint::kUpsertCustomers:
      key = "customers";
      break;
    case ApiEndpoint::kDeleteCustomers:
      key = "customers_ids";
      break;
    case ApiEndpoint::kUpsertArrays:
    case ApiEndpoint::kDeleteArrays:
      key = "records";
      break;
    case ApiEndpoint::kCreateEvent:
      return ok(1, "");
  }
  if (auto count = count_array_elements(body, key)) return ok(*count);
  return json_answer(
      422,
      detail_body({DetailError{json::array({"body", key}),
                               std::string("count-only mode: no \"") + key + "\" array in the body",
                               "value_error.count_only"}}));
}

Answer unauthorized_answer(ApiEndpoint endpoint) {
  if (endpoint == ApiEndpoint::kCreateEvent) {
    return json_answer(422,
                       errors_body({{"authentication", {"Incorrect authentication parameters"}}}));
  }
  return message(403, "forbidden");
}

Answer status_answer(ApiEndpoint endpoint, int status) {
  const bool events = endpoint == ApiEndpoint::kCreateEvent;
  switch (status) {
    case 403:
      return message(403, "forbidden");
    case 429: {
      Answer answer = message(429, "too many requests");
      answer.headers.emplace_back("Retry-After", "1");
      return answer;
    }
    case 500:
      return message(500, "internal server error");
    case 503:
      return message(503, "service unavailable");
    case 400:
      if (events) {
        Answer answer;
        answer.status = 400;
        answer.body = std::string(kEventSyntaxError);
        return answer;
      }
      return message(400, "bad request");
    case 422:
      if (events) return json_answer(422, errors_body({{"forced", {"forced validation error"}}}));
      return json_answer(422,
                         detail_body({DetailError{json::array({"body"}), "forced validation error",
                                                  "value_error.forced"}}));
    default:
      break;
  }
  if (status >= 200 && status < 300) {
    Answer answer = ok(0, events ? "" : kOkBody);
    answer.status = status;
    return answer;
  }
  return message(status, "forced status " + std::to_string(status));
}

}  // namespace cdc::mock
