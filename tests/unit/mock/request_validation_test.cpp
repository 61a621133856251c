#include "mock/request_validation.h"

#include <doctest/doctest.h>

#include <string>

using namespace cdc::mock;
using nlohmann::json;

namespace {

json customers_body(size_t count) {
  json customers = json::array();
  for (size_t i = 0; i < count; ++i) customers.push_back({{"id", i}});
  return {{"customers", customers}};
}

// A customer with `fields` keys in all, "id" included.
json customer_with_fields(size_t fields) {
  json customer = {{"id", 7}};
  for (size_t i = 1; i < fields; ++i) customer["f" + std::to_string(i)] = i;
  return customer;
}

json customer_with_arrays(size_t arrays) {
  json customer = {{"id", 7}};
  for (size_t i = 0; i < arrays; ++i) customer["a" + std::to_string(i)] = json::array({i});
  return customer;
}

json single(const json& customer) { return {{"customers", json::array({customer})}}; }

json array_record(const json& data) {
  return {{"customer_id", 1}, {"field", "purchases"}, {"data", data}};
}

json event_data_with_fields(size_t fields) {
  json data = json::object();
  for (size_t i = 0; i < fields; ++i) data["p" + std::to_string(i)] = i;
  return data;
}

}  // namespace

TEST_CASE("POST /customers: 1 and 10000 customers pass, 0 and 10001 are refused") {
  CHECK(validate_customers(customers_body(1)).empty());
  CHECK(validate_customers(customers_body(10000)).empty());

  auto empty = validate_customers(customers_body(0));
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].loc == json::parse(R"(["body", "customers"])"));
  CHECK(empty[0].type == "value_error.list.min_items");

  auto too_many = validate_customers(customers_body(10001));
  REQUIRE(too_many.size() == 1);
  CHECK(too_many[0].type == "value_error.list.max_items");
}

TEST_CASE("POST /customers: a body without a customers array is refused as a whole") {
  CHECK(validate_customers(json::object())[0].type == "value_error.missing");
  CHECK(validate_customers(json{{"customers", "x"}})[0].type == "type_error.list");
  CHECK(validate_customers(json::array())[0].loc == json::array({"body"}));
}

TEST_CASE("POST /customers: every customer needs an id, a number or a non-empty string") {
  CHECK(validate_customers(single({{"id", 1}})).empty());
  CHECK(validate_customers(single({{"id", "abc"}})).empty());
  CHECK(validate_customers(single({{"id", 12345678901234567890ull}})).empty());

  auto missing = validate_customers(single({{"email", "a@b"}}));
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].loc == json::parse(R"(["body", "customers", 0, "id"])"));
  CHECK(missing[0].type == "value_error.missing");

  for (const json& bad : {json(""), json(true), json(nullptr), json::array({1})}) {
    CAPTURE(bad);
    CHECK(validate_customers(single({{"id", bad}}))[0].type == "type_error.id");
  }
}

TEST_CASE("POST /customers: 500 fields pass, 501 are refused") {
  CHECK(validate_customers(single(customer_with_fields(500))).empty());
  auto errors = validate_customers(single(customer_with_fields(501)));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].loc == json::parse(R"(["body", "customers", 0])"));
  CHECK(errors[0].type == "value_error.too_many_fields");
}

TEST_CASE("POST /customers: 15 array attributes pass, 16 are refused") {
  CHECK(validate_customers(single(customer_with_arrays(15))).empty());
  auto errors = validate_customers(single(customer_with_arrays(16)));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].type == "value_error.too_many_arrays");
}

TEST_CASE("POST /customers: value rules apply to every field, located by name") {
  auto object = validate_customers(single({{"id", 1}, {"address", {{"city", "x"}}}}));
  REQUIRE(object.size() == 1);
  CHECK(object[0].loc == json::parse(R"(["body", "customers", 0, "address"])"));
  CHECK(object[0].type == "type_error.associative_array");

  auto long_id = validate_customers(single({{"id", std::string(1001, 'x')}}));
  REQUIRE(long_id.size() == 1);
  CHECK(long_id[0].type == "value_error.any_str.max_length");
}

TEST_CASE("POST /customers: one error per invalid customer, with its index") {
  json body = {{"customers", json::array({{{"id", 1}},
                                          {{"id", 2}, {"email", std::string(1001, 'e')}},
                                          {{"id", 3}},
                                          {{"name", "no id"}},
                                          {{"id", 5}, {"a", {{"b", 1}}}, {"c", json::object()}}})}};
  auto errors = validate_customers(body);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].loc == json::parse(R"(["body", "customers", 1, "email"])"));
  CHECK(errors[1].loc == json::parse(R"(["body", "customers", 3, "id"])"));
  CHECK(errors[2].loc[2] == 4);
  CHECK(detail_body(errors)["detail"].size() == 3);
  CHECK(detail_body(errors)["detail"][0]["msg"].is_string());
}

TEST_CASE("POST /arrays: records need customer_id, a field name and a data array of objects") {
  CHECK(
      validate_array_upserts({{"records", {array_record(json::parse(R"([{"id": 1}])"))}}}).empty());

  json bad = {{"records",
               {{{"field", "f"}, {"data", json::array()}},
                {{"customer_id", 1}, {"field", ""}, {"data", json::array()}},
                {{"customer_id", 1}, {"field", "f"}},
                array_record(json::array({1})),
                array_record(json::parse(R"([{"id": true}])")),
                array_record(json::parse(R"([{"id": 1}, {"p": [{"q": [1]}]}])"))}}};
  auto errors = validate_array_upserts(bad);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].loc == json::parse(R"(["body", "records", 0, "customer_id"])"));
  CHECK(errors[1].loc == json::parse(R"(["body", "records", 1, "field"])"));
  CHECK(errors[2].loc == json::parse(R"(["body", "records", 2, "data"])"));
  CHECK(errors[3].loc == json::parse(R"(["body", "records", 3, "data", 0])"));
  CHECK(errors[4].loc == json::parse(R"(["body", "records", 4, "data", 0, "id"])"));
  CHECK(errors[5].loc == json::parse(R"(["body", "records", 5, "data", 1, "p", 0, "q"])"));
  CHECK(errors[5].type == "value_error.nesting");
}

TEST_CASE("POST /arrays: 10000 records pass, 10001 and none are refused") {
  json records = json::array();
  for (int i = 0; i < 10000; ++i) records.push_back(array_record(json::array()));
  CHECK(validate_array_upserts({{"records", records}}).empty());
  records.push_back(array_record(json::array()));
  CHECK(validate_array_upserts({{"records", records}})[0].type == "value_error.list.max_items");
  CHECK(validate_array_upserts({{"records", json::array()}})[0].type ==
        "value_error.list.min_items");
}

TEST_CASE("DELETE /customers: 1..10000 ids, each a number or a non-empty string") {
  json ids = json::array();
  for (int i = 0; i < 10000; ++i) ids.push_back(i);
  CHECK(validate_customer_deletes({{"customers_ids", ids}}).empty());
  ids.push_back(1);
  CHECK(validate_customer_deletes({{"customers_ids", ids}})[0].type ==
        "value_error.list.max_items");
  CHECK(validate_customer_deletes({{"customers_ids", json::array()}})[0].type ==
        "value_error.list.min_items");

  auto errors = validate_customer_deletes({{"customers_ids", {1, "", "x", nullptr}}});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].loc == json::parse(R"(["body", "customers_ids", 1])"));
  CHECK(errors[1].loc == json::parse(R"(["body", "customers_ids", 3])"));
}

TEST_CASE("DELETE /arrays: records need customer_id, field and an ids array") {
  json good = {{"customer_id", "1"}, {"field", "purchases"}, {"ids", {1, "2"}}};
  CHECK(validate_array_deletes({{"records", {good}}}).empty());
  CHECK(validate_array_deletes({{"records", json::array()}})[0].type ==
        "value_error.list.min_items");

  json records = json::array();
  for (int i = 0; i < 10001; ++i) records.push_back(good);
  CHECK(validate_array_deletes({{"records", records}})[0].type == "value_error.list.max_items");

  json bad = {{"records",
               {{{"customer_id", 1}, {"field", "f"}},
                {{"customer_id", 1}, {"field", "f"}, {"ids", {1, false}}}}}};
  auto errors = validate_array_deletes(bad);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].loc == json::parse(R"(["body", "records", 0, "ids"])"));
  CHECK(errors[1].loc == json::parse(R"(["body", "records", 1, "ids", 1])"));
}

TEST_CASE("POST /events: customer_id and event are required") {
  CHECK(validate_event({{"customer_id", 1}, {"event", "signed_up"}}).empty());
  CHECK(validate_event({{"customer_id", "u-1"}, {"event", "x"}, {"data", json::object()}}).empty());

  auto errors = validate_event(json::object());
  CHECK(errors.at("customer_id").size() == 1);
  CHECK(errors.at("event").size() == 1);
  CHECK(validate_event({{"customer_id", 1}, {"event", ""}}).contains("event"));
  CHECK(validate_event({{"customer_id", 1}, {"event", 5}}).contains("event"));
  CHECK(validate_event({{"customer_id", true}, {"event", "x"}}).contains("customer_id"));
  CHECK(validate_event(json::array()).contains("event"));
}

TEST_CASE("POST /events: event names hold 50 characters, not 51") {
  CHECK(validate_event({{"customer_id", 1}, {"event", std::string(50, 'e')}}).empty());
  std::string fifty_multibyte;
  for (int i = 0; i < 50; ++i) fifty_multibyte += "\xC3\xA9";
  CHECK(validate_event({{"customer_id", 1}, {"event", fifty_multibyte}}).empty());

  auto errors = validate_event({{"customer_id", 1}, {"event", std::string(51, 'e')}});
  REQUIRE(errors.contains("event"));
  CHECK(errors_body(errors) ==
        json::parse(
            R"({"errors": {"event": ["The event may not be greater than 50 characters."]}})"));
}

TEST_CASE("POST /events: data holds 50 fields, not 51, and follows the value rules") {
  CHECK(validate_event({{"customer_id", 1}, {"event", "e"}, {"data", event_data_with_fields(50)}})
            .empty());
  CHECK(validate_event({{"customer_id", 1}, {"event", "e"}, {"data", event_data_with_fields(51)}})
            .contains("data"));
  CHECK(validate_event({{"customer_id", 1}, {"event", "e"}, {"data", "x"}}).contains("data"));

  // The API text's own example: an array of flat objects in the data.
  json example = json::parse(R"({"customer_id": "unique customer id", "event": "event",
    "data": {"param1": "value1", "nested_event_array_param": [{"nested_array_param1": "v"}]}})");
  CHECK(validate_event(example).empty());

  auto object = validate_event({{"customer_id", 1}, {"event", "e"}, {"data", {{"o", {{"a", 1}}}}}});
  CHECK(object.contains("data.o"));
  auto long_string = validate_event({{"customer_id", 1},
                                     {"event", "e"},
                                     {"data", {{"l", json::array({std::string(1001, 'x')})}}}});
  CHECK(long_string.contains("data.l.0"));
}
