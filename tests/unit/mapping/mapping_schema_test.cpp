// schema/mapping.schema.json and the mapping loader agree on every object's keys, both
// ways (see tests/unit/config/config_schema_test.cpp for why). The loader's list comes
// from its "unknown key" error.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/errors.h"
#include "mapping/mapping_loader.h"
#include "support/schema_keys.h"

using cdc::test::allowed_keys;
using cdc::test::schema_keys;
using nlohmann::json;

namespace {

json load_schema() {
  std::ifstream in(std::string(CDC_SOURCE_DIR) + "/schema/mapping.schema.json");
  REQUIRE(in.good());
  return json::parse(in);
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
  return allowed_keys(error);
}

}  // namespace

TEST_CASE("mapping schema: each object's keys are the loader's") {
  const json schema = load_schema();
  const json& top = schema.at("properties");
  const std::string customer = "table: public.t\ncustomer:\n  id: id\n";
  CHECK(loader_keys(customer + "not_a_key_anywhere: 1\n") == schema_keys(schema));
  CHECK(loader_keys(customer + "  not_a_key_anywhere: 1\n") == schema_keys(top.at("customer")));
  CHECK(loader_keys(customer + "  on_delete: { set: { a: 1 }, not_a_key_anywhere: 1 }\n") ==
        schema_keys(top.at("customer").at("properties").at("on_delete").at("anyOf").at(1)));
  CHECK(loader_keys(customer + "  fields: { x: { column: x, not_a_key_anywhere: 1 } }\n") ==
        schema_keys(schema.at("$defs").at("field_object")));
  CHECK(loader_keys("table: public.t\narray: { customer_id: u, field: f, item_id: id, "
                    "not_a_key_anywhere: 1 }\n") == schema_keys(top.at("array")));
  CHECK(loader_keys("table: public.t\nevents:\n  - { name: e, on: insert, customer_id: u, "
                    "not_a_key_anywhere: 1 }\n") == schema_keys(top.at("events").at("items")));
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
