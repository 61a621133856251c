// schema/mapping.schema.json and the mapping loader agree on every object's keys, both
// ways (see tests/unit/config/config_schema_test.cpp for why). The loader's list comes
// from its "unknown key" error.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "core/errors.h"
#include "mapping/mapping_loader.h"

using nlohmann::json;

namespace {

json load_schema() {
  std::ifstream in(std::string(CDC_SOURCE_DIR) + "/schema/mapping.schema.json");
  REQUIRE(in.good());
  return json::parse(in);
}

std::set<std::string> keys_of(const json& object_schema) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object_schema.at("properties").items()) keys.insert(key);
  return keys;
}

// The keys the loader allows where `yaml` puts `not_a_key_anywhere`.
std::set<std::string> loader_keys(const std::string& yaml) {
  std::string error;
  try {
    cdc::mapping::parse_mapping(yaml, "t.yaml", {});
  } catch (const cdc::ConfigError& e) {
    error = e.what();
  }
  REQUIRE_MESSAGE(error.find("not_a_key_anywhere") != std::string::npos, yaml << ": " << error);
  std::smatch match;
  REQUIRE_MESSAGE(std::regex_search(error, match, std::regex("unknown key; expected one of (.*)$")),
                  error);
  std::set<std::string> keys;
  const std::string list = match[1];
  for (size_t at = 0; at <= list.size();) {
    const auto comma = list.find(", ", at);
    keys.insert(list.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 2;
  }
  return keys;
}

}  // namespace

TEST_CASE("mapping schema: each object's keys are the loader's") {
  const json schema = load_schema();
  const json& top = schema.at("properties");
  const std::string customer = "table: public.t\ncustomer:\n  id: id\n";
  CHECK(loader_keys(customer + "not_a_key_anywhere: 1\n") == keys_of(schema));
  CHECK(loader_keys(customer + "  not_a_key_anywhere: 1\n") == keys_of(top.at("customer")));
  CHECK(loader_keys(customer + "  on_delete: { set: { a: 1 }, not_a_key_anywhere: 1 }\n") ==
        keys_of(top.at("customer").at("properties").at("on_delete").at("anyOf").at(1)));
  CHECK(loader_keys(customer + "  fields: { x: { column: x, not_a_key_anywhere: 1 } }\n") ==
        keys_of(schema.at("$defs").at("field_object")));
  CHECK(loader_keys("table: public.t\narray: { customer_id: u, field: f, item_id: id, "
                    "not_a_key_anywhere: 1 }\n") == keys_of(top.at("array")));
  CHECK(loader_keys("table: public.t\nevents:\n  - { name: e, on: insert, customer_id: u, "
                    "not_a_key_anywhere: 1 }\n") == keys_of(top.at("events").at("items")));
}

TEST_CASE("mapping schema: field types and transforms are the loader's") {
  const json schema = load_schema();
  const json& field = schema.at("$defs").at("field_object").at("properties");
  for (const std::string type : field.at("type").at("enum")) {
    CAPTURE(type);
    CHECK_NOTHROW(cdc::mapping::parse_mapping(
        "table: public.t\ncustomer:\n  id: id\n  fields: { x: { column: x, type: " + type +
            " } }\n",
        "t.yaml", {}));
  }
  for (const std::string transform : field.at("transform").at("anyOf").at(0).at("enum")) {
    CAPTURE(transform);
    CHECK_NOTHROW(cdc::mapping::parse_mapping(
        "table: public.t\ncustomer:\n  id: id\n  fields: { x: { column: x, transform: " +
            transform + " } }\n",
        "t.yaml", {}));
  }
  // And a name the schema does not list is refused by the loader too.
  CHECK_THROWS_AS(cdc::mapping::parse_mapping(
                      "table: public.t\ncustomer:\n  id: id\n  fields: { x: { column: x, type: "
                      "text } }\n",
                      "t.yaml", {}),
                  cdc::ConfigError);
}
