#include "mock/api_handler.h"

#include <doctest/doctest.h>

#include <string>

using namespace cdc::mock;
using nlohmann::json;

TEST_CASE("api: a valid customers request is applied and answered 200") {
  Store store;
  Answer answer = handle_api_request(ApiEndpoint::kUpsertCustomers,
                                     R"({"customers": [{"id": 1}, {"id": 2}]})", store);
  CHECK(answer.status == 200);
  CHECK(answer.applied == 2);
  CHECK(store.customer_count() == 2);
}

TEST_CASE("api: a request with one invalid record applies nothing") {
  Store store;
  std::string body = R"({"customers": [{"id": 1, "a": "ok"}, {"id": 2, "bad": {"x": 1}},
                                       {"id": 3}, {"nope": 1}]})";
  Answer answer = handle_api_request(ApiEndpoint::kUpsertCustomers, body, store);
  CHECK(answer.status == 422);
  CHECK(answer.applied == 0);
  CHECK(store.customer_count() == 0);
  json detail = json::parse(answer.body)["detail"];
  REQUIRE(detail.size() == 2);
  CHECK(detail[0]["loc"] == json::parse(R"(["body", "customers", 1, "bad"])"));
  CHECK(detail[1]["loc"] == json::parse(R"(["body", "customers", 3, "id"])"));
}

TEST_CASE("api: invalid JSON answers 422 in the detail shape, except events: 400") {
  Store store;
  for (auto endpoint : {ApiEndpoint::kUpsertCustomers, ApiEndpoint::kUpsertArrays,
                        ApiEndpoint::kDeleteCustomers, ApiEndpoint::kDeleteArrays}) {
    CAPTURE(to_string(endpoint));
    Answer answer = handle_api_request(endpoint, R"({"customers": [)", store);
    CHECK(answer.status == 422);
    CHECK(json::parse(answer.body)["detail"][0]["type"] == "value_error.jsondecode");
  }
  Answer event = handle_api_request(ApiEndpoint::kCreateEvent, "{nope", store);
  CHECK(event.status == 400);
  CHECK(json::parse(event.body).is_string());
}

TEST_CASE("api: arrays and deletes are applied through the store") {
  Store store;
  CHECK(handle_api_request(ApiEndpoint::kUpsertArrays,
                           R"({"records": [{"customer_id": 1, "field": "p",
                                            "data": [{"id": 1}, {"id": 2}]}]})",
                           store)
            .status == 200);
  CHECK(handle_api_request(ApiEndpoint::kDeleteArrays,
                           R"({"records": [{"customer_id": "1", "field": "p", "ids": [1]}]})",
                           store)
            .status == 200);
  CHECK(store.customer(1)["p"] == json::parse(R"([{"id": 2}])"));
  Answer deleted =
      handle_api_request(ApiEndpoint::kDeleteCustomers, R"({"customers_ids": [1, 99]})", store);
  CHECK(deleted.status == 200);
  CHECK(deleted.applied == 2);
  CHECK(store.customer_count() == 0);
}

TEST_CASE("api: an event is recorded and answered 200 with no body; invalid ones 422") {
  Store store;
  Answer ok = handle_api_request(ApiEndpoint::kCreateEvent,
                                 R"({"customer_id": 1, "event": "signed_up"})", store);
  CHECK(ok.status == 200);
  CHECK(ok.body.empty());
  CHECK(store.event_count() == 1);

  Answer bad = handle_api_request(ApiEndpoint::kCreateEvent, R"({"customer_id": 1})", store);
  CHECK(bad.status == 422);
  CHECK(json::parse(bad.body)["errors"]["event"].size() == 1);
  CHECK(store.event_count() == 1);
}

TEST_CASE("api: status answers carry the documented bodies") {
  CHECK(json::parse(status_answer(ApiEndpoint::kUpsertCustomers, 403).body) ==
        json::parse(R"({"message": "forbidden"})"));
  Answer limited = status_answer(ApiEndpoint::kUpsertArrays, 429);
  CHECK(limited.status == 429);
  REQUIRE(limited.headers.size() == 1);
  CHECK(limited.headers[0] == std::pair<std::string, std::string>("Retry-After", "1"));
  CHECK(status_answer(ApiEndpoint::kDeleteArrays, 503).status == 503);
  CHECK(json::parse(status_answer(ApiEndpoint::kCreateEvent, 422).body).contains("errors"));
  CHECK(json::parse(status_answer(ApiEndpoint::kUpsertCustomers, 422).body).contains("detail"));
  CHECK(status_answer(ApiEndpoint::kUpsertCustomers, 200).applied == 0);
}

TEST_CASE("api: 10000 customers with 20 fields each parse and apply in one request") {
  json customers = json::array();
  for (int i = 0; i < 10000; ++i) {
    json customer = {{"id", i}, {"email", "user" + std::to_string(i) + "@example.com"}};
    for (int f = 0; f < 18; ++f) customer["field_" + std::to_string(f)] = f;
    customers.push_back(std::move(customer));
  }
  Store store;
  Answer answer = handle_api_request(ApiEndpoint::kUpsertCustomers,
                                     json{{"customers", customers}}.dump(), store);
  CHECK(answer.status == 200);
  CHECK(store.customer_count() == 10000);
}

TEST_CASE("api: a value the workspace refuses fails its record with 422, others are valid") {
  Store store;
  const std::string body =
      R"({"customers": [{"id": 1, "a": "ok"}, {"id": 2, "b": "REFUSED"}, {"id": "REFUSED"}]})";
  Answer answer = handle_api_request(ApiEndpoint::kUpsertCustomers, body, store, "REFUSED");
  CHECK(answer.status == 422);
  CHECK(store.customer_count() == 0);
  json detail = json::parse(answer.body)["detail"];
  REQUIRE(detail.size() == 1);  // ids are not attribute values
  CHECK(detail[0]["loc"] == json::parse(R"(["body", "customers", 1, "b"])"));
  CHECK(detail[0]["type"] == "value_error.workspace");

  const std::string arrays =
      R"({"records": [{"customer_id": 1, "field": "p", "data": [{"id": 1, "s": "REFUSED"}]}]})";
  CHECK(handle_api_request(ApiEndpoint::kUpsertArrays, arrays, store, "REFUSED").status == 422);
  const std::string event = R"({"customer_id": 1, "event": "e", "data": {"k": "REFUSED"}})";
  Answer refused_event = handle_api_request(ApiEndpoint::kCreateEvent, event, store, "REFUSED");
  CHECK(refused_event.status == 422);
  CHECK(json::parse(refused_event.body)["errors"].contains("data.k"));
  // Without the setting the same values are fine.
  CHECK(handle_api_request(ApiEndpoint::kUpsertCustomers, body, store).status == 200);
}
