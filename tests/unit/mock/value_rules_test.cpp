#include "mock/value_rules.h"

#include <doctest/doctest.h>

#include <string>

using cdc::mock::check_array_item;
using cdc::mock::check_attribute_value;
using cdc::mock::count_code_points;
using nlohmann::json;

namespace {

std::string repeat(const std::string& piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

}  // namespace

TEST_CASE("value rules: code points, not bytes, are counted") {
  CHECK(count_code_points("") == 0);
  CHECK(count_code_points("abc") == 3);
  CHECK(count_code_points("\xC3\xA9t\xC3\xA9") == 3);         // été
  CHECK(count_code_points("\xF0\x9F\x98\x80!") == 2);         // emoji, 4 bytes
  CHECK(count_code_points("\xE6\x97\xA5\xE6\x9C\xAC") == 2);  // 日本
}

TEST_CASE("value rules: strings may hold 1000 characters, not 1001") {
  CHECK_FALSE(check_attribute_value(json(repeat("a", 1000))));
  auto problem = check_attribute_value(json(repeat("a", 1001)));
  REQUIRE(problem);
  CHECK(problem->type == "value_error.any_str.max_length");
  CHECK(problem->path == json::array());
}

TEST_CASE("value rules: multibyte strings are limited by characters") {
  CHECK_FALSE(check_attribute_value(json(repeat("\xC3\xA9", 1000))));          // 2000 bytes
  CHECK_FALSE(check_attribute_value(json(repeat("\xF0\x9F\x98\x80", 1000))));  // 4000 bytes
  CHECK(check_attribute_value(json(repeat("\xC3\xA9", 1001))));
  CHECK(check_attribute_value(json(repeat("\xF0\x9F\x98\x80", 1001))));
}

TEST_CASE("value rules: scalars and arrays of scalars are accepted") {
  CHECK_FALSE(check_attribute_value(json(1)));
  CHECK_FALSE(check_attribute_value(json(-2.5)));
  CHECK_FALSE(check_attribute_value(json(true)));
  CHECK_FALSE(check_attribute_value(json(nullptr)));
  CHECK_FALSE(check_attribute_value(json::parse(R"(["one", 2, false, null])")));
  CHECK_FALSE(check_attribute_value(json::array()));
}

TEST_CASE("value rules: an object as a value is an associative array and refused") {
  auto problem = check_attribute_value(json::parse(R"({"a": 1})"));
  REQUIRE(problem);
  CHECK(problem->type == "type_error.associative_array");
}

TEST_CASE("value rules: objects in an array may hold one nesting layer of arrays") {
  // The API text's own example: purchases[].products[] of flat objects.
  json one_layer = json::parse(R"([
    {"id": 1, "amount": 123, "products": [{"name": "apple"}, {"name": "banana"}]},
    {"id": 2, "tags": ["x", "y"]}
  ])");
  CHECK_FALSE(check_attribute_value(one_layer));
}

TEST_CASE("value rules: a second nesting layer is refused, with its path") {
  json two_layers = json::parse(R"([
    {"id": 1},
    {"id": 2, "products": [{"name": "apple", "parts": [{"name": "core"}]}]}
  ])");
  auto problem = check_attribute_value(two_layers);
  REQUIRE(problem);
  CHECK(problem->type == "value_error.nesting");
  CHECK(problem->path == json::parse(R"([1, "products", 0, "parts"])"));

  json array_in_nested_array = json::parse(R"([{"products": [["a"]]}])");
  auto nested = check_attribute_value(array_in_nested_array);
  REQUIRE(nested);
  CHECK(nested->type == "value_error.nesting");
}

TEST_CASE("value rules: arrays of arrays are refused") {
  auto problem = check_attribute_value(json::parse(R"([["a", "b"]])"));
  REQUIRE(problem);
  CHECK(problem->type == "type_error.nested_array");
  CHECK(problem->path == json::array({0}));
}

TEST_CASE("value rules: objects inside array items are refused at any depth") {
  auto in_item = check_attribute_value(json::parse(R"([{"address": {"city": "x"}}])"));
  REQUIRE(in_item);
  CHECK(in_item->type == "type_error.associative_array");
  CHECK(in_item->path == json::parse(R"([0, "address"])"));

  auto in_nested = check_attribute_value(json::parse(R"([{"p": [{"q": {"r": 1}}]}])"));
  REQUIRE(in_nested);
  CHECK(in_nested->type == "type_error.associative_array");
}

TEST_CASE("value rules: long strings are found at any depth") {
  json deep = json::array({json{{"p", json::array({json{{"name", repeat("x", 1001)}}})}}});
  auto problem = check_attribute_value(deep);
  REQUIRE(problem);
  CHECK(problem->type == "value_error.any_str.max_length");
  CHECK(problem->path == json::parse(R"([0, "p", 0, "name"])"));
}

TEST_CASE("value rules: an array item must be an object and follows the same rules") {
  CHECK_FALSE(check_array_item(json::parse(R"({"id": 1, "products": [{"name": "a"}]})")));
  CHECK(check_array_item(json(1)));
  CHECK(check_array_item(json::parse(R"({"id": 1, "meta": {"a": 1}})")));
  CHECK(check_array_item(json::parse(R"({"products": [{"parts": [1]}]})")));
}
