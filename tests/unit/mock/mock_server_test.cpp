// retainly-mock over real HTTP: an in-process MockServer on a free port, a cpp-httplib
// client, and the control endpoints to look at the outcome.
#include "mock/mock_server.h"

#include <httplib.h>
#include <signal.h>

#include <doctest/doctest.h>

#include <string>

using namespace cdc::mock;
using nlohmann::json;

namespace {

MockOptions test_options() {
  MockOptions options;
  options.key = "K";
  options.secret = "S";
  options.seed = 7;
  options.threads = 8;
  return options;
}

// A started server and a client for it.
struct Running {
  explicit Running(MockOptions options = test_options()) : server(std::move(options)) {
    // A dropped connection makes the server's write fail; it must not kill the test.
    signal(SIGPIPE, SIG_IGN);
    port = server.start();
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
  }

  httplib::Result post(const char* path, const std::string& body,
                       const httplib::Headers& headers = {{"key", "K"}, {"secret", "S"}}) {
    return client->Post(path, headers, body, "application/json");
  }
  httplib::Result del(const char* path, const std::string& body) {
    return client->Delete(path, {{"key", "K"}, {"secret", "S"}}, body, "application/json");
  }
  json get_json(const char* path) {
    auto result = client->Get(path);
    REQUIRE(result);
    REQUIRE(result->status == 200);
    return json::parse(result->body);
  }
  void set_faults(const json& faults) {
    auto result = client->Post("/_faults", faults.dump(), "application/json");
    REQUIRE(result);
    REQUIRE(result->status == 200);
  }

  MockServer server;
  int port = 0;
  std::unique_ptr<httplib::Client> client;
};

const char* kOneCustomer = R"({"customers": [{"id": 1, "email": "a@x"}]})";

}  // namespace

TEST_CASE("mock server: the five endpoints change /_state as the API describes") {
  Running mock;
  auto upsert =
      mock.post("/customers", R"({"customers": [{"id": 1, "email": "a@x", "plan": "free"}]})");
  REQUIRE(upsert);
  CHECK(upsert->status == 200);
  CHECK(mock.post("/customers", R"({"customers": [{"id": "1", "plan": "pro"}]})")->status == 200);
  CHECK(mock.post("/arrays", R"({"records": [{"customer_id": 1, "field": "purchases",
                                               "data": [{"id": 1, "amount": 5}, {"id": 2}]}]})")
            ->status == 200);
  CHECK(
      mock.del("/arrays", R"({"records": [{"customer_id": 1, "field": "purchases", "ids": [2]}]})")
          ->status == 200);
  auto event =
      mock.post("/events", R"({"customer_id": 1, "event": "signed_up", "data": {"k": "v"}})");
  REQUIRE(event);
  CHECK(event->status == 200);

  json state = mock.get_json("/_state");
  CHECK(state["customers"]["1"] == json::parse(R"({"id": 1, "email": "a@x", "plan": "pro",
                                                   "purchases": [{"id": 1, "amount": 5}]})"));
  CHECK(state["events"] == json::parse(R"([{"customer_id": 1, "event": "signed_up",
                                           "data": {"k": "v"}}])"));

  CHECK(mock.del("/customers", R"({"customers_ids": ["1", 2]})")->status == 200);
  CHECK(mock.get_json("/_state")["customers"].empty());
}

TEST_CASE(
    "mock server: auth comes first: an empty batch is 403 with bad credentials, 422 with good") {
  Running mock;
  const std::string empty = R"({"customers": []})";
  auto bad = mock.post("/customers", empty, {{"key", "K"}, {"secret", "wrong"}});
  REQUIRE(bad);
  CHECK(bad->status == 403);
  CHECK(json::parse(bad->body) == json::parse(R"({"message": "forbidden"})"));
  CHECK(mock.post("/customers", empty, {{"key", "K"}})->status == 403);
  CHECK(mock.post("/customers", empty, {{"api-key", "K"}, {"api-secret", "S"}})->status == 403);

  auto good = mock.post("/customers", empty);
  REQUIRE(good);
  CHECK(good->status == 422);
  CHECK(json::parse(good->body)["detail"][0]["loc"] == json::parse(R"(["body", "customers"])"));
  CHECK(mock.get_json("/_state")["customers"].empty());
}

TEST_CASE(
    "mock server: /events answers bad credentials with 422 about authentication, as the API "
    "text says") {
  Running mock;
  const std::string event = R"({"customer_id": 1, "event": "signed_up"})";
  auto bad = mock.post("/events", event, {{"key", "K"}, {"secret", "wrong"}});
  REQUIRE(bad);
  CHECK(bad->status == 422);
  const json body = json::parse(bad->body);
  REQUIRE(body["errors"].contains("authentication"));
  CHECK(body["errors"]["authentication"][0] == "Incorrect authentication parameters");
  CHECK(mock.post("/events", event, {{"key", "K"}})->status == 422);
  CHECK(mock.post("/customers", kOneCustomer, {{"key", "K"}})->status == 403);
  CHECK(mock.get_json("/_state")["events"].empty());
  CHECK(mock.post("/events", event)->status == 200);
}

TEST_CASE("mock server: /_faults revoke_credentials refuses the right key until it is unset") {
  Running mock;
  const std::string event = R"({"customer_id": 1, "event": "signed_up"})";
  mock.set_faults({{"revoke_credentials", true}});
  CHECK(mock.post("/customers", kOneCustomer)->status == 403);
  auto refused = mock.post("/events", event);
  REQUIRE(refused);
  CHECK(refused->status == 422);
  CHECK(json::parse(refused->body)["errors"].contains("authentication"));
  CHECK(mock.get_json("/_state")["customers"].empty());

  mock.set_faults({{"revoke_credentials", false}});
  CHECK(mock.post("/customers", kOneCustomer)->status == 200);
  CHECK(mock.post("/events", event)->status == 200);
}

TEST_CASE("mock server: the auth header names are configurable") {
  MockOptions options = test_options();
  options.key_header = "api-key";
  options.secret_header = "api-secret";
  Running mock(options);
  CHECK(mock.post("/customers", kOneCustomer)->status == 403);
  CHECK(mock.post("/customers", kOneCustomer, {{"api-key", "K"}, {"api-secret", "S"}})->status ==
        200);
}

TEST_CASE("mock server: validation errors answer 422 in the documented shapes") {
  Running mock;
  auto customers =
      mock.post("/customers", R"({"customers": [{"id": 1}, {"id": 2, "o": {"a": 1}}]})");
  REQUIRE(customers);
  CHECK(customers->status == 422);
  CHECK(json::parse(customers->body)["detail"][0]["loc"] ==
        json::parse(R"(["body", "customers", 1, "o"])"));
  CHECK(mock.get_json("/_state")["customers"].empty());

  auto event = mock.post("/events", R"({"customer_id": 1, "event": ""})");
  REQUIRE(event);
  CHECK(event->status == 422);
  CHECK(json::parse(event->body)["errors"].contains("event"));

  auto not_json = mock.post("/events", "{");
  REQUIRE(not_json);
  CHECK(not_json->status == 400);
  CHECK(mock.post("/arrays", "{")->status == 422);
}

TEST_CASE("mock server: a body over max_body_bytes answers 413") {
  MockOptions options = test_options();
  options.max_body_bytes = 1000;
  Running mock(options);
  std::string big = json{{"customers", {{{"id", 1}, {"bio", std::string(1000, 'x')}}}}}.dump();
  auto result = mock.post("/customers", big);
  REQUIRE(result);
  CHECK(result->status == 413);
  CHECK(json::parse(result->body) == json::parse(R"({"message": "payload too large"})"));
  CHECK(mock.get_json("/_stats")["requests"]["POST /customers"]["413"] == 1);
  CHECK(mock.post("/customers", kOneCustomer)->status == 200);
}

TEST_CASE("mock server: /_faults force_status starts and ends an outage") {
  Running mock;
  mock.set_faults({{"force_status", 503}});
  for (const char* path : {"/customers", "/arrays", "/events"}) {
    auto result = mock.post(path, kOneCustomer);
    REQUIRE(result);
    CHECK(result->status == 503);
  }
  CHECK(mock.get_json("/_state")["customers"].empty());

  mock.set_faults({{"force_status", 403}});
  auto forbidden = mock.post("/customers", kOneCustomer);
  REQUIRE(forbidden);
  CHECK(json::parse(forbidden->body) == json::parse(R"({"message": "forbidden"})"));

  mock.set_faults({{"force_status", 0}});
  CHECK(mock.post("/customers", kOneCustomer)->status == 200);
  CHECK(mock.get_json("/_state")["customers"].size() == 1);
}

TEST_CASE("mock server: fail_rate 1 answers 500 or 503 and applies nothing") {
  Running mock;
  mock.set_faults({{"fail_rate", 1}});
  for (int i = 0; i < 10; ++i) {
    auto result = mock.post("/customers", kOneCustomer);
    REQUIRE(result);
    CHECK((result->status == 500 || result->status == 503));
  }
  CHECK(mock.get_json("/_state")["customers"].empty());
}

TEST_CASE("mock server: beyond the rate limit requests answer 429 with Retry-After: 1") {
  Running mock;
  mock.set_faults({{"rate_limit", 2}});
  // Two requests per second pass; sending 20 at once must meet the limit.
  std::string retry_after;
  bool limited = false;
  int served = 0;
  for (int i = 0; i < 20 && !limited; ++i) {
    auto result = mock.post("/customers", kOneCustomer);
    REQUIRE(result);
    if (result->status == 429) {
      limited = true;
      retry_after = result->get_header_value("Retry-After");
    } else {
      CHECK(result->status == 200);
      ++served;
    }
  }
  REQUIRE(limited);
  CHECK(retry_after == "1");
  CHECK(served >= 2);
}

TEST_CASE("mock server: drop_rate 1 closes connections without an answer") {
  Running mock;
  mock.set_faults({{"drop_rate", 1}});
  auto dropped = mock.post("/customers", kOneCustomer);
  CHECK_FALSE(dropped);
  CHECK(mock.get_json("/_state")["customers"].empty());
  CHECK(mock.get_json("/_stats")["requests"]["POST /customers"] ==
        json::parse(R"({"dropped": 1})"));

  mock.set_faults({{"drop_rate", 0}});
  auto served = mock.post("/customers", kOneCustomer);
  REQUIRE(served);
  CHECK(served->status == 200);
}

TEST_CASE("mock server: latency is applied and reported by GET /_faults") {
  Running mock;
  mock.set_faults({{"latency_ms", 20}});
  CHECK(mock.get_json("/_faults")["latency_ms"] == 20);
  CHECK(mock.post("/customers", kOneCustomer)->status == 200);
}

TEST_CASE("mock server: /_faults refuses unknown keys and keeps the settings") {
  Running mock;
  auto result = mock.client->Post("/_faults", R"({"fail_rat": 1})", "application/json");
  REQUIRE(result);
  CHECK(result->status == 400);
  CHECK(mock.get_json("/_faults")["fail_rate"] == 0);
}

TEST_CASE("mock server: /_stats counts requests by status and records applied; /_reset clears") {
  Running mock;
  mock.post("/customers", R"({"customers": [{"id": 1}, {"id": 2}]})");
  mock.post("/customers", R"({"customers": []})");
  mock.post("/customers", R"({"customers": []})", {});
  json stats = mock.get_json("/_stats");
  CHECK(stats["requests"]["POST /customers"] == json::parse(R"({"200": 1, "403": 1, "422": 1})"));
  CHECK(stats["records_applied"]["POST /customers"] == 2);

  auto reset = mock.client->Post("/_reset");
  REQUIRE(reset);
  CHECK(reset->status == 200);
  CHECK(mock.get_json("/_stats")["requests"].empty());
  CHECK(mock.get_json("/_state")["customers"].empty());
}

TEST_CASE("mock server: count-only answers as the API does, counts records, stores nothing") {
  MockOptions options = test_options();
  options.count_only = true;
  Running mock(options);
  // Values the validating mode refuses (no id) are not looked at.
  auto upsert = mock.post("/customers", R"({"customers": [{"id": 1}, {"name": "no id"}]})");
  REQUIRE(upsert);
  CHECK(upsert->status == 200);
  CHECK(upsert->body == R"("OK")");
  CHECK(mock.post("/arrays", R"({"records": [{"customer_id": 1}]})")->status == 200);
  CHECK(mock.del("/customers", R"({"customers_ids": [1, 2, 3]})")->status == 200);
  auto event = mock.post("/events", R"({"customer_id": 1, "event": "e"})");
  REQUIRE(event);
  CHECK(event->status == 200);
  CHECK(event->body.empty());

  json stats = mock.get_json("/_stats");
  CHECK(stats["records_applied"] == json::parse(R"({"POST /customers": 2, "POST /arrays": 1,
                                                    "DELETE /customers": 3, "POST /events": 1})"));
  CHECK(mock.get_json("/_state")["customers"].empty());
  CHECK(mock.get_json("/_state")["events"].empty());
}

TEST_CASE("mock server: count-only still checks credentials, faults and the body's shape") {
  MockOptions options = test_options();
  options.count_only = true;
  Running mock(options);
  CHECK(mock.post("/customers", R"({"customers": [{"id": 1}]})", {})->status == 403);
  CHECK(mock.post("/customers", R"({"records": [{"id": 1}]})")->status == 422);
  mock.set_faults({{"rate_limit", 1}});
  bool limited = false;
  for (int i = 0; i < 20 && !limited; ++i) {
    auto result = mock.post("/customers", R"({"customers": [{"id": 1}]})");
    REQUIRE(result);
    limited = result->status == 429;
  }
  CHECK(limited);
  json stats = mock.get_json("/_stats");
  CHECK(stats["requests"]["POST /customers"]["403"] == 1);
  CHECK(stats["requests"]["POST /customers"]["422"] == 1);
}

TEST_CASE("mock server: stop closes the port and may be called twice") {
  Running mock;
  CHECK(mock.post("/customers", kOneCustomer)->status == 200);
  mock.server.stop();
  mock.server.stop();
  CHECK_FALSE(mock.client->Get("/_state"));
}

TEST_CASE("mock server: a port already in use is an error, not a silent second server") {
  Running first;
  MockOptions options = test_options();
  options.port = first.port;
  MockServer second(options);
  CHECK_THROWS_AS(second.start(), std::runtime_error);
}
