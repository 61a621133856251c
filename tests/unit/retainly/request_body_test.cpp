#include "retainly/request_body.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "retainly/record_parser.h"

using namespace cdc::retainly;

namespace {

Call make(CallKind kind, std::string id, std::vector<Attribute> attributes = {}) {
  Call call;
  call.kind = kind;
  call.customer_id = std::move(id);
  call.attributes = std::move(attributes);
  return call;
}

Call item(CallKind kind, std::string id, std::string field, std::string item_id,
          std::vector<Attribute> attributes = {}) {
  Call call = make(kind, std::move(id), std::move(attributes));
  call.field = std::move(field);
  call.item_id = std::move(item_id);
  return call;
}

std::string body_of(const std::vector<Call>& calls, std::vector<size_t>* starts = nullptr) {
  std::vector<const Call*> pointers;
  for (const Call& call : calls) pointers.push_back(&call);
  std::string out = "left over from the previous request";
  write_request_body(pointers, out, starts);
  return out;
}

}  // namespace

TEST_CASE("request body: customer upserts, attribute JSON pasted as is, names escaped") {
  std::vector<Call> calls = {
      make(CallKind::kCustomerUpsert, "1",
           {{"email", "\"a@x.io\""}, {"tags", "[\"a\",\"b\"]"}, {"na\"me", "null"}}),
      make(CallKind::kCustomerUpsert, "\"abc\"", {{"n", "1.5"}})};
  std::vector<size_t> starts;
  CHECK(body_of(calls, &starts) ==
        R"({"customers":[{"id":1,"email":"a@x.io","tags":["a","b"],"na\"me":null},)"
        R"({"id":"abc","n":1.5}]})");
  CHECK(starts == std::vector<size_t>{0, 1});
}

TEST_CASE("request body: an interned name that needs escapes is escaped") {
  // Interned names (a mapping's fields) answer json_plain() from what they worked out
  // once; the body must still escape those that need it.
  std::vector<Call> calls = {
      make(CallKind::kCustomerUpsert, "1",
           {{Name::interned("say \"hi\""), "1"}, {Name::interned("plain"), "2"}})};
  CHECK(body_of(calls) == R"({"customers":[{"id":1,"say \"hi\"":1,"plain":2}]})");
}

TEST_CASE("request body: many customer upserts, each written in one piece, parse back whole") {
  // Records are written through a pointer into room made for each: the body grows past
  // every capacity on the way, and a record whose name needs escapes sits in between.
  std::vector<Call> calls;
  for (int i = 0; i < 1000; ++i) {
    std::vector<Attribute> attributes;
    for (int f = 0; f < 5; ++f) {
      attributes.push_back({"field_" + std::to_string(f), "\"" + std::string(i % 40, 'v') + "\""});
    }
    if (i == 500) attributes.push_back({"tab\there", "true"});
    calls.push_back(make(CallKind::kCustomerUpsert, std::to_string(i), std::move(attributes)));
  }
  const auto body = nlohmann::json::parse(body_of(calls));
  REQUIRE(body.at("customers").size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    const auto& record = body.at("customers").at(static_cast<size_t>(i));
    CHECK(record.at("id") == i);
    CHECK(record.size() == (i == 500 ? 7u : 6u));
    CHECK(record.at("field_4") == std::string(static_cast<size_t>(i % 40), 'v'));
  }
  CHECK(body.at("customers").at(500).at("tab\there") == true);
}

TEST_CASE("request body: customer deletes") {
  std::vector<Call> calls = {make(CallKind::kCustomerDelete, "1"),
                             make(CallKind::kCustomerDelete, "\"x\"")};
  CHECK(body_of(calls) == R"({"customers_ids":[1,"x"]})");
}

TEST_CASE("request body: array upserts group adjacent items of one customer and field") {
  std::vector<Call> calls = {
      item(CallKind::kArrayUpsert, "1", "purchases", "10", {{"amount", "5"}}),
      item(CallKind::kArrayUpsert, "1", "purchases", "11"),
      item(CallKind::kArrayUpsert, "1", "bookings", "3"),
      item(CallKind::kArrayUpsert, "2", "bookings", "\"b-1\"", {{"seats", "2"}})};
  std::vector<size_t> starts;
  CHECK(
      body_of(calls, &starts) ==
      R"({"records":[{"customer_id":1,"field":"purchases","data":[{"id":10,"amount":5},{"id":11}]},)"
      R"({"customer_id":1,"field":"bookings","data":[{"id":3}]},)"
      R"({"customer_id":2,"field":"bookings","data":[{"id":"b-1","seats":2}]}]})");
  CHECK(starts == std::vector<size_t>{0, 2, 3});
}

TEST_CASE("request body: array deletes") {
  std::vector<Call> calls = {item(CallKind::kArrayDelete, "1", "purchases", "10"),
                             item(CallKind::kArrayDelete, "1", "purchases", "11")};
  CHECK(body_of(calls) == R"({"records":[{"customer_id":1,"field":"purchases","ids":[10,11]}]})");
}

TEST_CASE("request body: an event, with and without data") {
  Call with = make(CallKind::kEvent, "\"u-1\"", {{"amount", "12"}, {"sku", "\"A\\nB\""}});
  with.event_name = "order_placed";
  CHECK(body_of({with}) ==
        R"({"customer_id":"u-1","event":"order_placed","data":{"amount":12,"sku":"A\nB"}})");
  Call without = make(CallKind::kEvent, "7");
  without.event_name = "ping";
  CHECK(body_of({without}) == R"({"customer_id":7,"event":"ping","data":{}})");
}

TEST_CASE("request body: every body is valid JSON") {
  std::vector<Call> calls = {make(CallKind::kCustomerUpsert, "1", {{"a\x01\tb", "\"\""}})};
  auto parsed = nlohmann::json::parse(body_of(calls));
  CHECK(parsed["customers"][0].contains("a\u0001\tb"));
}

TEST_CASE("request body: single_call_request names method and path") {
  Call call = item(CallKind::kArrayDelete, "1", "purchases", "10");
  auto request = single_call_request(call);
  CHECK(std::string(request.method) == "DELETE");
  CHECK(std::string(request.path) == "/arrays");
  CHECK(request.body == R"({"records":[{"customer_id":1,"field":"purchases","ids":[10]}]})");
  CHECK(std::string(endpoint_of(CallKind::kCustomerDelete).method) == "DELETE");
  CHECK(std::string(endpoint_of(CallKind::kEvent).path) == "/events");
}

TEST_CASE("record: append_record and parse_record are inverses for every kind") {
  Call event = make(CallKind::kEvent, "\"u\"", {{"a", "[1,2]"}});
  event.event_name = "e";
  const std::vector<Call> calls = {
      make(CallKind::kCustomerUpsert, "1", {{"z", "1"}, {"a", "\"x\""}}),
      make(CallKind::kCustomerDelete, "\"9\""),
      item(CallKind::kArrayUpsert, "1", "purchases", "10", {{"amount", "5"}}),
      item(CallKind::kArrayDelete, "2", "purchases", "\"k\""), event};
  for (const Call& call : calls) {
    std::string record;
    append_record(call, record);
    std::string error;
    auto back = parse_record(call.kind, record, error);
    REQUIRE_MESSAGE(back.has_value(), error);
    CHECK(*back == call);
  }
}

TEST_CASE("record: parse_record refuses what is not a record of the kind") {
  std::string error;
  CHECK_FALSE(parse_record(CallKind::kCustomerUpsert, "{\"email\":1}", error));
  CHECK(error.find("id") != std::string::npos);
  CHECK_FALSE(parse_record(CallKind::kArrayUpsert, "{\"customer_id\":1}", error));
  CHECK_FALSE(parse_record(CallKind::kEvent, "not json", error));
}

TEST_CASE("json string: escapes quotes, backslashes and control characters only") {
  std::string out;
  cdc::append_json_string(out, "a\"b\\c\n\x1f é");
  CHECK(out == "\"a\\\"b\\\\c\\n\\u001f é\"");
}
