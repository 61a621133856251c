// The five Retainly API endpoints as functions of a request body: parse, validate, apply
// to the Store when valid, and the documented answer (retainly-api-docs.txt). No HTTP,
// auth or faults here; MockServer puts those around it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock/store.h"

namespace cdc::mock {

enum class ApiEndpoint {
  kUpsertCustomers,  // POST /customers
  kUpsertArrays,     // POST /arrays
  kDeleteCustomers,  // DELETE /customers
  kDeleteArrays,     // DELETE /arrays
  kCreateEvent,      // POST /events
};

// "POST /customers" and so on: the method and path, as /_stats names them.
const char* to_string(ApiEndpoint endpoint);

// The endpoint a method and path name, if any.
std::optional<ApiEndpoint> api_endpoint_for(std::string_view method, std::string_view path);

struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Records applied to the store: customers, array records, ids, or 1 event.
  size_t applied = 0;
};

// Serves an authorized request that no fault intercepted. All-or-nothing: the store
// changes only when the whole body is valid (200); otherwise 422 (400 for an events body
// that is not JSON) and nothing is applied. String values equal to `refuse_value` (when
// not empty) are refused like invalid ones (mock/refused_values.h).
Answer handle_api_request(ApiEndpoint endpoint, std::string_view body, Store& store,
                          std::string_view refuse_value = {});

// Serves an authorized request in count-only mode: the success answer the validating mode
// gives, with `applied` the number of records in the body, counted without parsing or
// validating it (mock/record_count.h) and without touching any store. A body whose
// record list cannot be found answers 422 (400 for events), so a broken request still
// shows. Events count 1 each and are not looked at.
Answer count_only_answer(ApiEndpoint endpoint, std::string_view body);

// The answer to a request whose credentials are missing or wrong: 403
// {"message":"forbidden"}, except POST /events, which answers 422 with
// {"errors":{"authentication":["Incorrect authentication parameters"]}} (the API text
// lists "incorrect authentication parameters" among its 422 validation errors).
Answer unauthorized_answer(ApiEndpoint endpoint);

// The answer an endpoint gives with `status` when it does not come from validation:
// 403 {"message":"forbidden"}, 429 with Retry-After: 1, 500, 503, or a forced status.
// Nothing is applied.
Answer status_answer(ApiEndpoint endpoint, int status);

}  // namespace cdc::mock
