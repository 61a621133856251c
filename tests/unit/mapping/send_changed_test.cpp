// `send: changed`, the part the change itself proves: an update with an old image leaves
// out of the customer upsert what the old image maps to the same JSON, and skips array
// items that are equal whole (mappings/README.md, "Sending only what changed").
#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>

#include "core/errors.h"
#include "mapping/compiled_mapping.h"
#include "mapping_fixture.h"

using cdc::Json;
using cdc::Null;
using cdc::Row;
using cdc::Unchanged;
using cdc::Value;
using cdc::retainly::CallKind;
using namespace cdc::mapping;
using namespace cdc::mapping::testing;

using Lines = std::vector<std::string>;

namespace {

// Five mapped fields (a column, a transform, a template, a constant, a typed column) and
// an unmapped column, updated_at.
const char* kPeople = R"(
table: public.people
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    plan: plan
    full_name: "{{first}} {{last}}"
    source: { value: crm }
    score: { column: score, type: number }
  on_delete: delete
)";

const auto kPeopleSchema =
    make_schema("public.people", {"id", "email", "first", "last", "plan", "score", "updated_at"});

Row person(Value email = "a@x", Value plan = "free", Value score = 5, Value updated = "t1") {
  return Row{42, email, "Ada", "L", plan, score, updated};
}

const char* kOrders = R"(
table: public.orders
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: total, status: status }
)";

const auto kOrdersSchema =
    make_schema("public.orders", {"id", "user_id", "total", "status", "updated_at"});

Row order(Value user_id, Value status, Value updated = "t1") {
  return Row{7, user_id, cdc::Decimal{"9.90"}, status, updated};
}

const Lines kAllPeopleFields = {"skip whole upsert 42 [email,plan,full_name,source,score]"};

}  // namespace

TEST_CASE("send changed: an update to an unmapped column makes no call, reported as a skip") {
  const Mapper mapper = mapper_from(kPeople);
  const auto out = map_one(mapper, update_of(kPeopleSchema, person("a@x", "free", 5, "t1"),
                                             person("a@x", "free", 5, "t2")));
  CHECK(out.calls.empty());
  CHECK(out.rejections.empty());
  CHECK(describe_skips(out) == kAllPeopleFields);
  REQUIRE(out.skips.size() == 1);
  CHECK(out.skips[0].reason == SkipReason::kOldImage);
  CHECK(std::string(to_string(out.skips[0].reason)) == "unchanged in this change's old image");
  CHECK(out.skips[0].kind == CallKind::kCustomerUpsert);
  CHECK(out.skips[0].origin.table == "public.people");
  CHECK(out.skips[0].origin.key == "id=42");
  CHECK(out.skips[0].origin.position == "pg:0/2000:0");
}

namespace {

// The last-sent store as the mapping sees it: knows the customers listed, and says who
// was asked.
struct ListedCustomers final : KnownCustomers {
  std::vector<std::string> known;
  std::vector<std::string> asked;
  bool knows(std::string_view customer_id) override {
    asked.emplace_back(customer_id);
    return std::find(known.begin(), known.end(), customer_id) != known.end();
  }
};

MappingOutput map_with(const Mapper& mapper, const cdc::RowChange& change, KnownCustomers& known) {
  MappingOutput out;
  out.known_customers = &known;
  mapper.map(change, out);
  return out;
}

}  // namespace

TEST_CASE("send changed: a customer the store knows is sent whole, for the store to judge") {
  const Mapper mapper = mapper_from(kPeople);
  const auto change = update_of(kPeopleSchema, person("a@x", "free"), person("a@x", "pro"));
  ListedCustomers store;
  store.known = {"42"};
  auto out = map_with(mapper, change, store);
  CHECK(store.asked == std::vector<std::string>{"42"});
  CHECK(out.skips.empty());
  CHECK(describe(out) ==
        Lines{"upsert 42 {\"email\":\"a@x\",\"plan\":\"pro\",\"full_name\":\"Ada L\","
              "\"source\":\"crm\",\"score\":5}"});

  // Unknown to the store: the old image decides, as without one.
  store.known.clear();
  out = map_with(mapper, change, store);
  CHECK(describe(out) == Lines{"upsert 42 {\"plan\":\"pro\"}"});
  CHECK(describe_skips(out) == Lines{"skip upsert 42 [email,full_name,source,score]"});

  // Not asked where there is nothing to diff: an insert, or a customer id that changed.
  store.asked.clear();
  map_with(mapper, insert_of(kPeopleSchema, person()), store);
  Row moved = person("a@x", "pro");
  moved[0] = 43;
  out = map_with(mapper, update_of(kPeopleSchema, person(), moved), store);
  CHECK(store.asked.empty());
}

TEST_CASE("send changed: an update changing one of five mapped fields sends that field only") {
  const Mapper mapper = mapper_from(kPeople);
  const auto out =
      map_one(mapper, update_of(kPeopleSchema, person("a@x", "free"), person("a@x", "pro")));
  CHECK(describe(out) == Lines{"upsert 42 {\"plan\":\"pro\"}"});
  CHECK(describe_skips(out) == Lines{"skip upsert 42 [email,full_name,source,score]"});
  REQUIRE(out.calls.size() == 1);
  REQUIRE(out.skips.size() == 1);
  // The left-out attributes keep their JSON, for a filter that must put one back.
  CHECK(out.skips[0].fields[0] == cdc::retainly::Attribute{"email", "\"a@x\""});
  CHECK(out.calls[0].origin.key == "id=42");
  CHECK(out.skips[0].origin == out.calls[0].origin);
}

TEST_CASE("send changed: values compare as mapped JSON, after transforms and types") {
  const Mapper mapper = mapper_from(kPeople);
  // A@X lowers to the a@x Retainly has; 5 and "5" both map to the number 5.
  CHECK(describe(map_one(mapper, update_of(kPeopleSchema, person("a@x", "free", "5"),
                                           person("A@X", "free", 5))))
            .empty());
  // NULL -> a value and a value -> NULL are changes.
  CHECK(describe(map_one(mapper,
                         update_of(kPeopleSchema, person("a@x", Null{}), person("a@x", "pro")))) ==
        Lines{"upsert 42 {\"plan\":\"pro\"}"});
  CHECK(describe(map_one(mapper,
                         update_of(kPeopleSchema, person("a@x", "pro"), person("a@x", Null{})))) ==
        Lines{"upsert 42 {\"plan\":null}"});
}

TEST_CASE("send changed: an old value the source did not send is unknown, so the field is sent") {
  const Mapper mapper = mapper_from(kPeople);
  // No old image at all (REPLICA IDENTITY DEFAULT, binlog_row_image MINIMAL): no diff.
  const auto none = map_one(mapper, update_of(kPeopleSchema, {}, person()));
  CHECK(describe(none) == Lines{"upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"full_name\":"
                                "\"Ada L\",\"source\":\"crm\",\"score\":5}"});
  CHECK(none.skips.empty());
  // A key-only old image: only what it has is compared (the constant is known).
  const auto key_only = map_one(mapper, update_of(kPeopleSchema,
                                                  Row{42, Unchanged{}, Unchanged{}, Unchanged{},
                                                      Unchanged{}, Unchanged{}, Unchanged{}},
                                                  person()));
  CHECK(describe(key_only) == Lines{"upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"full_name\":"
                                    "\"Ada L\",\"score\":5}"});
  CHECK(describe_skips(key_only) == Lines{"skip upsert 42 [source]"});
  // An old image with an unchanged TOAST value in it: that field is sent.
  Row old_toast = person();
  old_toast[4] = Unchanged{};
  CHECK(describe(map_one(mapper, update_of(kPeopleSchema, old_toast, person()))) ==
        Lines{"upsert 42 {\"plan\":\"free\"}"});
}

TEST_CASE("send changed: an unchanged TOAST value of the new image equals the old image's") {
  const Mapper mapper = mapper_from(kPeople);
  Row after = person("b@x");
  after[4] = Unchanged{};
  const auto out = map_one(mapper, update_of(kPeopleSchema, person("a@x"), after));
  CHECK(describe(out) == Lines{"upsert 42 {\"email\":\"b@x\"}"});
  CHECK(describe_skips(out) == Lines{"skip upsert 42 [plan,full_name,source,score]"});
}

TEST_CASE("send changed: inserts, snapshot reads and deletes are never diffed") {
  const Mapper mapper = mapper_from(kPeople);
  const auto inserted = map_one(mapper, insert_of(kPeopleSchema, person()));
  CHECK(inserted.calls.size() == 1);
  CHECK(inserted.calls[0].attributes.size() == 5);
  CHECK(map_one(mapper, snapshot_of(kPeopleSchema, person())).calls[0].attributes.size() == 5);
  const auto deleted = map_one(mapper, delete_of(kPeopleSchema, person()));
  CHECK(describe(deleted) == Lines{"delete 42"});
  CHECK(deleted.skips.empty());
  // on_delete: set is an upsert made by a delete: sent whole.
  const Mapper set = mapper_from(
      "table: public.people\ncustomer:\n  id: id\n  fields: { plan: plan }\n"
      "  on_delete: { set: { plan: gone } }\n");
  CHECK(describe(map_one(set, delete_of(kPeopleSchema, person()))) ==
        Lines{"upsert 42 {\"plan\":\"gone\"}"});
}

TEST_CASE("send changed: an update that changes the customer id sends the new customer whole") {
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer: { id: email, fields: { n: n, m: m }, on_delete: delete }\n");
  const auto schema = make_schema("public.t", {"id", "email", "n", "m"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, "a@x", 5, 6}, {1, "b@x", 5, 6}))) ==
        Lines{"delete \"a@x\"", "upsert \"b@x\" {\"n\":5,\"m\":6}"});
  // An old id the image does not carry may be another customer: sent whole too.
  const auto unknown = map_one(mapper, update_of(schema, {1, Unchanged{}, 5, 6}, {1, "b@x", 5, 6}));
  CHECK(describe(unknown) == Lines{"upsert \"b@x\" {\"n\":5,\"m\":6}"});
  CHECK(unknown.skips.empty());
}

TEST_CASE("send changed: events are never skipped; their when decides") {
  const Mapper mapper = mapper_from(std::string(kPeople) + R"(
events:
  - { name: touched, on: update, data: { plan: plan } }
)");
  const auto out = map_one(mapper, update_of(kPeopleSchema, person("a@x", "free", 5, "t1"),
                                             person("a@x", "free", 5, "t2")));
  CHECK(describe(out) ==
        Lines{"event 42 touched {\"plan\":\"free\",\"event_key\":\"pg:0/2000:0:0\"}"});
  CHECK(describe_skips(out) == kAllPeopleFields);
}

TEST_CASE("send changed: an array item with one field changed is sent whole") {
  const Mapper mapper = mapper_from(kOrders);
  const auto out =
      map_one(mapper, update_of(kOrdersSchema, order(42, "placed"), order(42, "shipped")));
  CHECK(describe(out) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"shipped\"}"});
  CHECK(out.skips.empty());
}

TEST_CASE("send changed: an unchanged array item makes no call, reported as a whole skip") {
  const Mapper mapper = mapper_from(kOrders);
  const auto out = map_one(
      mapper, update_of(kOrdersSchema, order(42, "placed", "t1"), order(42, "placed", "t2")));
  CHECK(out.calls.empty());
  CHECK(describe_skips(out) == Lines{"skip whole array_upsert 42 purchases 7 [amount,status]"});
  REQUIRE(out.skips.size() == 1);
  CHECK(out.skips[0].kind == CallKind::kArrayUpsert);
  CHECK(out.skips[0].origin.key == "id=7");
}

TEST_CASE("send changed: an array item with an unknown old value is sent whole") {
  const Mapper mapper = mapper_from(kOrders);
  Row before = order(42, "placed");
  before[2] = Unchanged{};
  CHECK(describe(map_one(mapper, update_of(kOrdersSchema, before, order(42, "placed")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
}

TEST_CASE("send changed: an item moved to another customer or id is new to Retainly") {
  const Mapper mapper = mapper_from(kOrders);
  CHECK(describe(
            map_one(mapper, update_of(kOrdersSchema, order(42, "placed"), order(43, "placed")))) ==
        Lines{"array_delete 42 purchases 7",
              "array_upsert 43 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
  Row renumbered = order(42, "placed");
  renumbered[0] = 8;
  CHECK(describe(map_one(mapper, update_of(kOrdersSchema, order(42, "placed"), renumbered))) ==
        Lines{"array_delete 42 purchases 7",
              "array_upsert 42 purchases 8 {\"amount\":9.9,\"status\":\"placed\"}"});
}

TEST_CASE("send changed: a row entering the where is new to Retainly; a row in it is diffed") {
  const Mapper mapper = mapper_from(std::string(kOrders) + "where: status != 'draft'\n");
  CHECK(describe(
            map_one(mapper, update_of(kOrdersSchema, order(42, "draft"), order(42, "placed")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
  CHECK(describe(map_one(mapper, update_of(kOrdersSchema, order(42, "placed", "t1"),
                                           order(42, "placed", "t2"))))
            .empty());
  // The old image cannot be tested against the where: it may be entering it.
  Row before = order(42, "placed");
  before[3] = Unchanged{};
  const auto uncertain = map_one(mapper, update_of(kOrdersSchema, before, order(42, "placed")));
  CHECK(describe(uncertain) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
  CHECK(uncertain.skips.empty());
}

TEST_CASE("send changed: flattened json compares per produced attribute") {
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer: { id: id, fields: { addr: { column: v, flatten: a } } }\n");
  const auto schema = make_schema("public.t", {"id", "v"});
  const auto out = map_one(mapper, update_of(schema, {1, Json{R"({"zip": "1", "city": "B"})"}},
                                             {1, Json{R"({"zip": "2", "city": "B", "x": 0})"}}));
  CHECK(describe(out) == Lines{"upsert 1 {\"a_x\":0,\"a_zip\":\"2\"}"});
  CHECK(describe_skips(out) == Lines{"skip upsert 1 [a_city]"});
}

TEST_CASE("send changed: flattened keys the new value lost are sent as null (issue 19 item 2)") {
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer: { id: id, fields: { addr: { column: v, flatten: a } }, "
      "on_delete: delete }\n");
  const auto schema = make_schema("public.t", {"id", "v"});
  const Json before{R"({"zip": "1", "city": "B"})"};
  CHECK(describe(map_one(mapper, update_of(schema, {1, before}, {1, Json{R"({"city": "C"})"}}))) ==
        Lines{"upsert 1 {\"a_city\":\"C\",\"a_zip\":null}"});
  // Set to NULL: every key goes; an unchanged key is left out as before.
  CHECK(describe(map_one(mapper, update_of(schema, {1, before}, {1, Null{}}))) ==
        Lines{"upsert 1 {\"a_city\":null,\"a_zip\":null}"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, before}, {1, Json{R"({"city": "B"})"}}))) ==
        Lines{"upsert 1 {\"a_zip\":null}"});
  // A new customer id is a new customer: it never had the old keys.
  CHECK(describe(map_one(mapper, update_of(schema, {1, before}, {2, Json{R"({"city": "B"})"}}))) ==
        Lines{"delete 1", "upsert 2 {\"a_city\":\"B\"}"});
  // No old image: the mapping cannot know the old keys (the last-sent store does).
  CHECK(describe(map_one(mapper, update_of(schema, {}, {1, Null{}}))) == Lines{"upsert 1 {}"});
}

TEST_CASE("send changed: a flattened item that lost a key is sent whole") {
  const Mapper mapper = mapper_from(
      "table: public.t\narray: { customer_id: u, field: f, item_id: id, "
      "fields: { m: { column: v, flatten: m } } }\n");
  const auto schema = make_schema("public.t", {"id", "u", "v"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, 9, Json{R"({"a": 1, "b": 2})"}},
                                           {1, 9, Json{R"({"a": 1})"}}))) ==
        Lines{"array_upsert 9 f 1 {\"m_a\":1}"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, 9, Json{R"({"a": 1, "b": 2})"}},
                                           {1, 9, Json{R"({"b": 2, "a": 1})"}})))
            .empty());
}

TEST_CASE("send changed: fields that name an image themselves are always sent") {
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer:\n  id: id\n  fields:\n    prev: before.p\n    now: after.p\n"
      "    both: \"{{before.p}}-{{p}}\"\n    p: p\n");
  const auto schema = make_schema("public.t", {"id", "p", "q"});
  const auto out = map_one(mapper, update_of(schema, {1, "x", 1}, {1, "x", 2}));
  CHECK(describe(out) == Lines{"upsert 1 {\"prev\":\"x\",\"now\":\"x\",\"both\":\"x-x\"}"});
  CHECK(describe_skips(out) == Lines{"skip upsert 1 [p]"});
}

TEST_CASE("send changed: an old value Retainly would refuse is unknown, not a rejection") {
  MappingOptions options;
  options.string_policy = StringPolicy::kDeadLetter;
  const Mapper mapper = mapper_from(kPeople, options);
  const auto out =
      map_one(mapper, update_of(kPeopleSchema, person(std::string(1001, 'a')), person("a@x")));
  CHECK(describe(out) == Lines{"upsert 42 {\"email\":\"a@x\"}"});
}

TEST_CASE("send all: every mapped field is sent, by the mapping or the connector default") {
  const Row before = person("a@x", "free", 5, "t1");
  const Row after = person("a@x", "free", 5, "t2");
  const std::string all_fields =
      "upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"full_name\":\"Ada L\",\"source\":\"crm\","
      "\"score\":5}";
  const Mapper all = mapper_from(std::string("send: all\n") + kPeople);
  const auto out = map_one(all, update_of(kPeopleSchema, before, after));
  CHECK(describe(out) == Lines{all_fields});
  CHECK(out.skips.empty());

  MappingOptions options;
  options.send_changed = false;
  CHECK(describe(map_one(mapper_from(kPeople, options), update_of(kPeopleSchema, before, after))) ==
        Lines{all_fields});
  // The file's own key wins over the default.
  CHECK(describe(map_one(mapper_from(std::string("send: changed\n") + kPeople, options),
                         update_of(kPeopleSchema, before, after)))
            .empty());
  const Mapper items = mapper_from(std::string("send: all\n") + kOrders);
  CHECK(describe(map_one(items, update_of(kOrdersSchema, order(42, "placed", "t1"),
                                          order(42, "placed", "t2")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
}

TEST_CASE("send: loaded into the compiled table, unknown values refused with file and line") {
  CHECK(parse_mapping(kPeople, "p.yaml", {}).compiled().send_changed);
  CHECK_FALSE(
      parse_mapping(std::string("send: all\n") + kPeople, "p.yaml", {}).compiled().send_changed);
  std::string error;
  try {
    parse_mapping("table: public.t\nsend: everything\ncustomer: { id: id }\n", "p.yaml", {});
  } catch (const cdc::ConfigError& e) {
    error = e.what();
  }
  CHECK(error == "p.yaml:2:7: send: expected changed or all, found \"everything\"");
}

TEST_CASE("send: the mapper finds a table's flag by its qualified name") {
  std::vector<TableMapping> mappings;
  mappings.push_back(parse_mapping(std::string("send: all\n") + kPeople, "p.yaml", {}));
  mappings.push_back(parse_mapping(kOrders, "o.yaml", {}));
  const Mapper mapper(std::move(mappings));
  CHECK_FALSE(mapper.sends_changed("public.people"));
  CHECK(mapper.sends_changed("public.orders"));
  CHECK_FALSE(mapper.sends_changed("public.other"));
  REQUIRE(mapper.compiled("public.orders") != nullptr);
  CHECK(mapper.compiled("public.orders")->file == "o.yaml");
  CHECK(mapper.compiled("public") == nullptr);
}

TEST_CASE("send changed: a reused output is emptied by clear(), skips included") {
  const Mapper mapper = mapper_from(kPeople);
  MappingOutput out;
  mapper.map(update_of(kPeopleSchema, person(), person()), out);
  mapper.map(update_of(kPeopleSchema, person(), person()), out);
  CHECK(out.skips.size() == 2);
  out.clear();
  CHECK(out.skips.empty());
  CHECK(out.calls.empty());
}

TEST_CASE("send changed: values identical to the bit are unchanged without a second mapping") {
  const Mapper mapper = mapper_from("table: public.t\ncustomer: { id: id, fields: { f: v } }\n");
  const auto schema = make_schema("public.t", {"id", "v"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, 0.5}, {1, 0.5}))).empty());
  // -0.0 == 0.0 as doubles, but they are not the same value to send.
  CHECK(describe(map_one(mapper, update_of(schema, {1, 0.0}, {1, -0.0}))) ==
        Lines{"upsert 1 {\"f\":" + field_json(Value(-0.0)) + "}"});
}
