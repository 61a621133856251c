#include "mock/store.h"

#include <doctest/doctest.h>

using cdc::mock::Store;
using nlohmann::json;

namespace {

json customers(const char* text) { return json::parse(text); }

json array_upsert(const json& customer_id, const char* field, const char* data) {
  return json::array(
      {{{"customer_id", customer_id}, {"field", field}, {"data", json::parse(data)}}});
}

json array_delete(const json& customer_id, const char* field, const json& ids) {
  return json::array({{{"customer_id", customer_id}, {"field", field}, {"ids", ids}}});
}

}  // namespace

TEST_CASE("store: a customer upsert creates the customer") {
  Store store;
  CHECK(store.upsert_customers(customers(R"([{"id": 1, "email": "a@x"}, {"id": "b"}])")) == 2);
  CHECK(store.customer(1) == json::parse(R"({"id": 1, "email": "a@x"})"));
  CHECK(store.customer("b") == json::parse(R"({"id": "b"})"));
  CHECK(store.customer_count() == 2);
}

TEST_CASE("store: an upsert merges fields; a partial update keeps the others") {
  Store store;
  store.upsert_customers(customers(R"([{"id": 1, "email": "a@x", "plan": "free"}])"));
  store.upsert_customers(customers(R"([{"id": 1, "plan": "pro", "seats": null}])"));
  CHECK(store.customer(1) ==
        json::parse(R"({"id": 1, "email": "a@x", "plan": "pro", "seats": null})"));
}

TEST_CASE("store: 1 and \"1\" are one customer, shown with the id first sent") {
  Store store;
  store.upsert_customers(customers(R"([{"id": 1, "a": 1}])"));
  store.upsert_customers(customers(R"([{"id": "1", "b": 2}])"));
  CHECK(store.customer_count() == 1);
  CHECK(store.customer("1") == json::parse(R"({"id": 1, "a": 1, "b": 2})"));
  CHECK(store.snapshot()["customers"].contains("1"));

  store.delete_customers(json::array({"1"}));
  CHECK(store.customer_count() == 0);
}

TEST_CASE("store: \"01\" and 1 stay different customers") {
  Store store;
  store.upsert_customers(customers(R"([{"id": 1}, {"id": "01"}])"));
  CHECK(store.customer_count() == 2);
}

TEST_CASE("store: deleting a missing customer is a no-op") {
  Store store;
  store.upsert_customers(customers(R"([{"id": 1}])"));
  CHECK(store.delete_customers(json::array({2, "x"})) == 2);
  CHECK(store.customer_count() == 1);
}

TEST_CASE("store: array items with an id replace the item with that id, or append") {
  Store store;
  store.upsert_array_items(
      array_upsert(1, "purchases", R"([{"id": 1, "amount": 10}, {"id": 2, "amount": 20}])"));
  store.upsert_array_items(
      array_upsert(1, "purchases", R"([{"id": "1", "amount": 11}, {"id": 3, "amount": 30}])"));
  CHECK(store.customer(1)["purchases"] == json::parse(R"([
    {"id": "1", "amount": 11}, {"id": 2, "amount": 20}, {"id": 3, "amount": 30}])"));
}

TEST_CASE("store: array items without an id are appended every time") {
  Store store;
  store.upsert_array_items(array_upsert(1, "booking", R"([{"n": 1}])"));
  store.upsert_array_items(array_upsert(1, "booking", R"([{"n": 1}])"));
  CHECK(store.customer(1)["booking"].size() == 2);
}

TEST_CASE("store: an array upsert creates the missing customer and keeps its other fields") {
  Store store;
  store.upsert_array_items(array_upsert("c-9", "purchases", R"([{"id": 1}])"));
  CHECK(store.customer("c-9") == json::parse(R"({"id": "c-9", "purchases": [{"id": 1}]})"));

  store.upsert_customers(customers(R"([{"id": 5, "email": "e"}])"));
  store.upsert_array_items(array_upsert(5, "purchases", R"([{"id": 1}])"));
  CHECK(store.customer(5)["email"] == "e");
}

TEST_CASE("store: duplicate ids within one batch keep the last item") {
  Store store;
  store.upsert_array_items(array_upsert(1, "p", R"([{"id": 1, "v": "a"}, {"id": 1, "v": "b"}])"));
  CHECK(store.customer(1)["p"] == json::parse(R"([{"id": 1, "v": "b"}])"));
}

TEST_CASE("store: array item deletes remove items by id, 1 matching \"1\"") {
  Store store;
  store.upsert_array_items(
      array_upsert(1, "p", R"([{"id": 1}, {"id": "2"}, {"id": 3}, {"x": 0}])"));
  CHECK(store.delete_array_items(array_delete(1, "p", json::array({"1", 2}))) == 1);
  CHECK(store.customer(1)["p"] == json::parse(R"([{"id": 3}, {"x": 0}])"));
}

TEST_CASE("store: array deletes of missing customers, fields or items are no-ops") {
  Store store;
  store.upsert_array_items(array_upsert(1, "p", R"([{"id": 1}])"));
  store.delete_array_items(array_delete(2, "p", json::array({1})));
  store.delete_array_items(array_delete(1, "q", json::array({1})));
  store.delete_array_items(array_delete(1, "p", json::array({99})));
  CHECK(store.customer(1)["p"] == json::parse(R"([{"id": 1}])"));
  CHECK(store.customer_count() == 1);
}

TEST_CASE("store: events are kept in arrival order and leave customers alone") {
  Store store;
  store.add_event(json::parse(R"({"customer_id": 1, "event": "a", "data": {"k": "v"}})"));
  store.add_event(json::parse(R"({"customer_id": "2", "event": "b"})"));
  CHECK(store.customer_count() == 0);
  CHECK(store.snapshot()["events"] == json::parse(R"([
    {"customer_id": 1, "event": "a", "data": {"k": "v"}},
    {"customer_id": "2", "event": "b", "data": {}}])"));
}

TEST_CASE("store: clear empties customers and events") {
  Store store;
  store.upsert_customers(customers(R"([{"id": 1}])"));
  store.add_event(json::parse(R"({"customer_id": 1, "event": "a"})"));
  store.clear();
  CHECK(store.snapshot() == json::parse(R"({"customers": {}, "events": []})"));
}
