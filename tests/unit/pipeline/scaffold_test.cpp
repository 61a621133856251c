// The pure part of `retainly-cdc scaffold`: how each column type is sent, ids from
// primary keys, the customer id of arrays and events, limits, and the row-image note.
#include "pipeline/scaffold.h"

#include <doctest/doctest.h>

#include "core/errors.h"
#include "mapping/mapper.h"

using namespace cdc::pipeline;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ScaffoldTable orders() {
  ScaffoldTable t;
  t.table = {"shop", "orders"};
  t.columns = {{"user_id", "int8", "", {}},
               {"id", "int8", "", {}},
               {"total", "numeric", "", {}},
               {"photo", "bytea", "", {}}};
  t.primary_key = {"user_id", "id"};
  t.identity_columns = t.primary_key;
  t.row_image = "d";
  return t;
}

}  // namespace

TEST_CASE("scaffold: column types as the connector sends them, or left out with the reason") {
  const auto pg = [](const char* type, std::optional<int64_t> chars = {}) {
    return plan_column(ScaffoldSource::kPostgres, {"c", type, "", chars});
  };
  CHECK(pg("int4").type == "number");
  CHECK(pg("timestamptz").type == "date_time");
  CHECK(pg("_int4").type == "array");
  CHECK(pg("jsonb").type == "json");
  CHECK(pg("uuid").type == "string");
  CHECK(pg("varchar", 1000).type == "string");
  CHECK(has(pg("varchar", 1001).reason, "holds up to 1001 characters"));
  CHECK(has(pg("bytea").reason, "binary"));
  CHECK(has(pg("polygon").reason, "geometry"));
  const auto my = [](const char* type, const char* column_type) {
    return plan_column(ScaffoldSource::kMysql, {"c", type, column_type, {}});
  };
  CHECK(my("tinyint", "tinyint(1)").type == "boolean");
  CHECK(my("tinyint", "tinyint(4)").type == "number");
  CHECK(my("bit", "bit(1)").type == "boolean");
  CHECK(my("set", "set('a','b')").type == "array");
  CHECK(has(my("varbinary", "varbinary(10)").reason, "binary"));
  CHECK(has(my("point", "point").reason, "geometry"));
}

TEST_CASE("scaffold: a customer per row, a composite key as a template, and it loads") {
  const std::string text = scaffold_mapping(orders(), {ScaffoldKind::kCustomer, ""});
  CHECK(has(text, "customer:\n  id: \"{{user_id}}-{{id}}\"\n"));
  CHECK(has(text, "    total: { column: total, type: number }\n"));
  CHECK(has(text, "    # photo: { column: photo }  # left out: binary"));
  CHECK(has(text, "  on_delete: ignore\n"));
  CHECK_NOTHROW(cdc::mapping::parse_mapping(text, "orders.yaml", {}));
}

TEST_CASE("scaffold: an array item per row, its customer from a column, ids in the key") {
  const std::string text = scaffold_mapping(orders(), {ScaffoldKind::kArray, ""});
  // user_id is guessed by its name; the item id is the rest of the key.
  CHECK(has(text, "array:\n  customer_id: user_id\n  field: orders\n  item_id: id\n"));
  CHECK_FALSE(has(text, "    user_id:"));
  CHECK(has(text, "# Old rows: the replica identity (the primary key) logs"));
  CHECK_NOTHROW(cdc::mapping::parse_mapping(text, "orders.yaml", {}));

  ScaffoldTable no_owner = orders();
  no_owner.columns[0].name = "owner";
  no_owner.primary_key = {"id"};
  CHECK_THROWS_WITH_AS(scaffold_mapping(no_owner, {ScaffoldKind::kArray, ""}),
                       doctest::Contains("--customer-id"), cdc::ConfigError);
  no_owner.foreign_keys = {"owner"};
  CHECK(has(scaffold_mapping(no_owner, {ScaffoldKind::kArray, ""}), "customer_id: owner\n"));
  // The customer id outside the logged key: deletes need it from old rows.
  CHECK(has(scaffold_mapping(no_owner, {ScaffoldKind::kArray, ""}),
            "NEEDS ALTER TABLE shop.orders REPLICA IDENTITY FULL: this mapping reads"));
}

TEST_CASE("scaffold: without a primary key a customer mapping cannot be written") {
  ScaffoldTable keyless = orders();
  keyless.primary_key.clear();
  CHECK_THROWS_WITH_AS(scaffold_mapping(keyless, {ScaffoldKind::kCustomer, ""}),
                       doctest::Contains("has no primary key"), cdc::ConfigError);
}

TEST_CASE("scaffold: Retainly's limits comment out what would exceed them") {
  ScaffoldTable wide;
  wide.table = {"s", "wide"};
  wide.primary_key = {"id"};
  wide.row_image = "FULL";
  wide.source = ScaffoldSource::kMysql;
  wide.columns.push_back({"id", "bigint", "bigint", {}});
  wide.columns.push_back({"user_id", "bigint", "bigint", {}});
  for (int i = 0; i < 60; ++i) wide.columns.push_back({"c" + std::to_string(i), "int", "int", {}});
  const std::string events = scaffold_mapping(wide, {ScaffoldKind::kEvents, ""});
  CHECK(has(events, "      c47: { column: c47, type: number }\n"));
  CHECK(has(events, "# c48: { column: c48 }  # left out: Retainly allows 49 fields here"));
  CHECK_NOTHROW(cdc::mapping::parse_mapping(events, "wide.yaml", {}));
}
