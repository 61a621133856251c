// Loading mapping files: every offline-checkable mistake is a ConfigError that names the
// file, line, column and key.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/errors.h"
#include "mapping/compiled_mapping.h"
#include "mapping_fixture.h"
#include "support/temp_dir.h"

using cdc::ConfigError;
using namespace cdc::mapping;

namespace {

// The message of the ConfigError loading `yaml` throws, or "" when it loads.
std::string load_error(const std::string& yaml, const MappingOptions& options = {}) {
  try {
    parse_mapping(yaml, "users.yaml", options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string many_fields(size_t n, std::string_view spec, std::string_view indent = "    ") {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += std::string(indent) + "f" + std::to_string(i) + ": " + std::string(spec) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("loader: the PRODUCT.md examples load") {
  CHECK(load_error(R"(
table: public.users
customer:
  id: id
  fields:
    email: email
    plan: { column: plan_code, transform: lower }
    signed_up_at: { column: created_at, type: date_time }
    full_name: "{{first_name}} {{last_name}}"
  on_delete: delete
events:
  - name: plan_changed
    on: update
    when: changed(plan_code)
    data: { old_plan: before.plan_code, new_plan: plan_code }
)") == "");
  CHECK(load_error(R"(
table: public.orders
where: status != 'draft'
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: total, status: status, ordered_at: { column: created_at, type: date_time } }
events:
  - { name: order_placed, on: insert, customer_id: user_id, data: { amount: total } }
)") == "");
}

TEST_CASE("loader: unknown keys are errors that list the allowed ones") {
  CHECK(load_error("table: public.users\ncustmer:\n  id: id\n") ==
        "users.yaml:2:1: custmer: unknown key; expected one of table, where, customer, array, "
        "events, string_policy, decimal_as_string, timezone, event_key_field, send, "
        "allow_partial");
  CHECK(load_error("table: public.users\ncustomer:\n  id: id\n  fields:\n"
                   "    plan: { column: plan_code, transfrom: lower }\n") ==
        "users.yaml:5:32: customer.fields.plan.transfrom: unknown key; expected one of column, "
        "template, value, type, transform, flatten, as, default");
  CHECK(load_error("table: public.users\nevents:\n  - name: x\n    on: insert\n"
                   "    customer_id: id\n    data: {}\n    wen: changed(a)\n") ==
        "users.yaml:7:5: events[0].wen: unknown key; expected one of name, on, when, "
        "customer_id, data, key_field");
}

TEST_CASE("loader: bad expressions point into the expression") {
  CHECK(load_error("table: public.orders\nwhere: status != and total > 1\n"
                   "array: { customer_id: u, field: p, item_id: id }\n") ==
        "users.yaml:2:18: where: expected a column or a value, found the keyword and (at "
        "character 11 of \"status != and total > 1\")");
  CHECK(load_error("table: public.orders\nwhere: \"status == 'a\"\n"
                   "array: { customer_id: u, field: p, item_id: id }\n") ==
        "users.yaml:2:19: where: unterminated string; close it with ' (at character 11 of "
        "\"status == 'a\")");
  CHECK(load_error("table: public.orders\nwhere: changed(status)\n"
                   "array: { customer_id: u, field: p, item_id: id }\n")
            .starts_with("users.yaml:2:8: where: changed() compares old and new images"));
  CHECK(
      load_error("table: public.users\ncustomer: { id: id }\nevents:\n  - name: e\n    on: update\n"
                 "    when: changed(plan) and\n") ==
      "users.yaml:6:28: events.e.when: expected a column or a value, found the end of the "
      "condition (at character 18 of \"changed(plan) and\")");
}

TEST_CASE("loader: wrong shapes and missing keys") {
  CHECK(load_error("table: public.users\ncustomer: [id]\n") ==
        "users.yaml:2:11: customer: expected a mapping with keys id, fields, on_delete");
  CHECK(load_error("table: public.users\ncustomer:\n  fields: { a: b }\n") ==
        "users.yaml:3:3: customer: missing key id");
  CHECK(load_error("customer: { id: id }\n") == "users.yaml:1:1: missing key table");
  CHECK(load_error("table: users\ncustomer: { id: id }\n") ==
        "users.yaml:1:8: table: expected schema.table (for MySQL, database.table), found "
        "\"users\"");
  CHECK(load_error("table: public.users\n") ==
        "users.yaml:1:1: nothing to map: add customer, array or events");
  CHECK(load_error("") == "users.yaml: the mapping file is empty");
  CHECK(load_error("table: public.users\ncustomer: { id: id\n")
            .starts_with("users.yaml:3:1: invalid YAML"));
  CHECK(load_error("table: public.users\ncustomer: { id: id }\ntable: public.x\n") ==
        "users.yaml:3:1: table: duplicate key");
}

TEST_CASE("loader: field specs are checked") {
  const std::string head = "table: public.users\ncustomer:\n  id: id\n  fields:\n";
  CHECK(load_error(head + "    n: { column: n, type: integer }\n") ==
        "users.yaml:5:27: customer.fields.n.type: unknown type \"integer\"; expected string, "
        "number, boolean, date, date_time, array or json");
  CHECK(load_error(head + "    n: { column: n, template: x }\n") ==
        "users.yaml:5:8: customer.fields.n: expected exactly one of column, template or value");
  CHECK(load_error(head + "    n: { column: n, type: number, transform: lower }\n") ==
        "users.yaml:5:46: customer.fields.n.transform: transforms apply to text; this field has "
        "type number");
  CHECK(load_error(head + "    n: { column: n, transform: title }\n") ==
        "users.yaml:5:32: customer.fields.n.transform: unknown transform \"title\"; expected "
        "lower, upper or trim");
  CHECK(load_error(head + "    id: email\n") ==
        "users.yaml:5:5: customer.fields.id: \"id\" is sent by the call itself; choose another "
        "field name");
  CHECK(load_error(head + "    full: \"{{first_name} {{last_name}}\"\n") ==
        "users.yaml:5:12: customer.fields.full: expected a column name between {{ and }}");
  CHECK(load_error(head + "    full: \"x {{first_name\"\n") ==
        "users.yaml:5:14: customer.fields.full: '{{' is not closed with '}}'");
  CHECK(load_error(head + "    n: { value: \"" + std::string(1001, 'x') + "\" }\n")
            .starts_with("users.yaml:5:17: customer.fields.n.value: a string of 1001 characters"));
  CHECK(load_error(head + "    n: { column: n, type: number, flatten: p }\n") ==
        "users.yaml:5:44: customer.fields.n.flatten: flatten applies to json values (type json "
        "or none)");
  CHECK(load_error(head + "    n: { column: n, as: text }\n") ==
        "users.yaml:5:25: customer.fields.n.as: expected string (the only form `as` takes)");
}

TEST_CASE("loader: on_delete takes delete, ignore or set") {
  CHECK(load_error("table: public.users\ncustomer:\n  id: id\n  on_delete: remove\n") ==
        "users.yaml:4:14: customer.on_delete: expected delete, ignore or { set: {...} }, found "
        "\"remove\"");
  CHECK(load_error("table: public.users\ncustomer:\n  id: id\n  on_delete: { set: {} }\n") ==
        "users.yaml:4:21: customer.on_delete.set: expected at least one field to set");
  CHECK(
      load_error(
          "table: public.users\ncustomer:\n  id: id\n  on_delete: { set: { deleted: true } }\n") ==
      "");
}

TEST_CASE("loader: Retainly's static limits") {
  const std::string head = "table: public.users\ncustomer:\n  id: id\n  fields:\n";
  CHECK(load_error(head + many_fields(499, "c")) == "");
  CHECK(load_error(head + many_fields(500, "c")) ==
        "users.yaml:5:5: customer.fields: 500 fields plus the id; Retainly allows 500 customer "
        "fields");
  CHECK(load_error(head + many_fields(15, "{ column: c, type: array }")) == "");
  CHECK(load_error(head + many_fields(16, "{ column: c, type: array }")) ==
        "users.yaml:5:5: customer.fields: 16 fields of type array; Retainly allows 15");

  const std::string event = "table: public.users\ncustomer: { id: id }\nevents:\n  - name: ";
  CHECK(load_error(event + std::string(50, 'e') + "\n    on: insert\n") == "");
  CHECK(load_error(event + std::string(51, 'e') + "\n    on: insert\n") ==
        "users.yaml:4:11: events[0].name: expected an event name of 1 to 50 characters");
  CHECK(load_error(event + "e\n    on: insert\n    data:\n" + many_fields(49, "c", "      ")) ==
        "");
  CHECK(load_error(event + "e\n    on: insert\n    data:\n" + many_fields(50, "c", "      ")) ==
        "users.yaml:7:7: events.e.data: 51 fields with the key field; Retainly allows 50");
  CHECK(load_error(event + "e\n    on: insert\n    key_field: none\n    data:\n" +
                   many_fields(50, "c", "      ")) == "");
}

TEST_CASE("loader: events need a customer and valid operations") {
  CHECK(load_error("table: public.audit\nevents:\n  - { name: e, on: insert }\n") ==
        "users.yaml:3:5: events.e: missing key customer_id (needed when the file maps no "
        "customer or array)");
  CHECK(load_error("table: public.audit\nevents:\n  - { name: e, on: upsert, customer_id: u }\n") ==
        "users.yaml:3:20: events.e.on: expected insert, update or delete, found \"upsert\"");
  CHECK(load_error("table: public.audit\nevents:\n  - { name: e, on: [insert, insert], "
                   "customer_id: u }\n") ==
        "users.yaml:3:29: events.e.on: \"insert\" is listed twice");
  CHECK(load_error("table: public.audit\nevents:\n  - { name: e, on: insert, customer_id: u, data: "
                   "{ event_key: k } }\n") ==
        "users.yaml:3:52: events.e.data.event_key: \"event_key\" is sent by the call itself; "
        "choose another field name");
}

TEST_CASE("loader: time zones are checked at load, per file or by option") {
  CHECK(load_error("table: public.users\ntimezone: Mars/Base\ncustomer: { id: id }\n")
            .starts_with("users.yaml:2:11: timezone: unknown time zone \"Mars/Base\""));
  MappingOptions options;
  options.timezone = "Nowhere/Town";
  CHECK(load_error("table: public.users\ncustomer: { id: id }\n", options)
            .starts_with("users.yaml: timezone: unknown time zone \"Nowhere/Town\""));
  CHECK(load_error("table: public.users\ntimezone: \"+02:00\"\ncustomer: { id: id }\n") == "");
}

TEST_CASE("loader: a folder loads in file name order; one file per table") {
  const cdc::test::TempDir dir("mapping");
  dir.write_file("b.yaml", "table: public.b\ncustomer: { id: id }\n");
  dir.write_file("a.yml", "table: public.a\ncustomer: { id: id }\n");
  dir.write_file("notes.txt", "not a mapping");
  auto mappings = load_mapping_dir(dir.path(), {});
  REQUIRE(mappings.size() == 2);
  CHECK(mappings[0].table().qualified() == "public.a");
  CHECK(mappings[1].table().qualified() == "public.b");

  dir.write_file("c.yaml", "table: public.a\narray: { customer_id: u, field: f, item_id: id }\n");
  try {
    load_mapping_dir(dir.path(), {});
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == (dir.path() / "c.yaml").string() +
                                       ": table: public.a is already mapped by " +
                                       (dir.path() / "a.yml").string() + "; one file per table");
  }
  CHECK_THROWS_AS(load_mapping_dir(dir.path() / "missing", {}), ConfigError);
}

TEST_CASE("loader: array fields across files count toward Retainly's 15") {
  const cdc::test::TempDir dir("mapping");
  for (int i = 0; i < 16; ++i) {
    dir.write_file("t" + std::to_string(i + 10) + ".yaml",
                   "table: public.t" + std::to_string(i) +
                       "\narray: { customer_id: u, field: list" + std::to_string(i) +
                       ", item_id: id }\n");
  }
  try {
    load_mapping_dir(dir.path(), {});
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("together write 16 array fields; Retainly allows 15") !=
          std::string::npos);
  }
}

TEST_CASE("loader: allow_partial is a boolean, false by default") {
  const std::string customer = "table: public.users\ncustomer: { id: email, on_delete: delete }\n";
  CHECK(
      parse_mapping(customer + "allow_partial: true\n", "users.yaml", {}).compiled().allow_partial);
  CHECK_FALSE(parse_mapping(customer + "allow_partial: false\n", "users.yaml", {})
                  .compiled()
                  .allow_partial);
  CHECK_FALSE(parse_mapping(customer, "users.yaml", {}).compiled().allow_partial);
  CHECK(load_error(customer + "allow_partial: yes please\n") ==
        "users.yaml:3:16: allow_partial: expected true or false, found \"yes please\"");
  CHECK(load_error(customer + "allow_partial: [true]\n")
            .starts_with("users.yaml:3:16: allow_partial:"));
}

TEST_CASE("loader: requirements list columns, types and old-image needs") {
  const Mapper mapper = cdc::mapping::testing::mapper_from(R"(
table: public.orders
where: status != 'draft'
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: { column: total, type: number }, at: { column: created_at, type: date_time } }
)");
  const auto reqs = requirements(mapper);
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].table.qualified() == "public.orders");
  CHECK(reqs[0].columns ==
        std::vector<std::string>{"created_at", "id", "status", "total", "user_id"});
  CHECK(reqs[0].old_image_columns == std::vector<std::string>{"id", "status", "user_id"});
  // No events: the where needs no old row; the ids are in the rule's list.
  CHECK(reqs[0].old_row_reads.size() == 2);
  CHECK(reqs[0].declared_types == std::vector<std::pair<std::string, std::string>>{
                                      {"total", "number"}, {"created_at", "date_time"}});
  CHECK(reqs[0].where == "status != 'draft'");

  const Mapper by_key = cdc::mapping::testing::mapper_from(
      "table: public.users\ncustomer: { id: id, fields: { e: email }, on_delete: delete }\n");
  CHECK(requirements(by_key)[0].old_row_reads.size() == 1);  // the id, on_delete: delete
  CHECK(requirements(by_key)[0].old_image_columns == std::vector<std::string>{"id"});
}
