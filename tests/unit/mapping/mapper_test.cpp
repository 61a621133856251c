// map(): one change in, Retainly calls out.
#include <doctest/doctest.h>

#include <limits>
#include <optional>

#include "core/errors.h"
#include "mapping/change_mapper.h"
#include "mapping/time_zone.h"
#include "mapping_fixture.h"

using cdc::BinlogPosition;
using cdc::Json;
using cdc::Null;
using cdc::Operation;
using cdc::Row;
using cdc::RowChange;
using cdc::TableId;
using cdc::Unchanged;
using cdc::Value;
using cdc::retainly::CallKind;
using namespace cdc::mapping;
using namespace cdc::mapping::testing;

using Lines = std::vector<std::string>;

namespace {

const char* kUsers = R"(
table: public.users
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    plan: plan_code
    full_name: "{{first_name}} {{last_name}}"
    bio: bio
  on_delete: delete
events:
  - name: plan_changed
    on: update
    when: changed(plan_code)
    data: { old_plan: before.plan_code, new_plan: after.plan_code }
  - name: signed_up
    on: insert
    data: { email: email }
)";

// The customer part of kUsers alone: no events that need old images.
const char* kUsersCustomer = R"(
table: public.users
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    plan: plan_code
    full_name: "{{first_name}} {{last_name}}"
    bio: bio
)";

const auto kUsersSchema =
    make_schema("public.users", {"id", "email", "first_name", "last_name", "plan_code", "bio"});

Row user(Value id, Value email, Value plan = "free", Value bio = "hi") {
  return Row{id, email, "Ada", Null{}, plan, bio};
}

const char* kOrders = R"(
table: public.orders
where: status != 'draft'
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: total, status: status }
events:
  - { name: order_placed, on: insert, data: { amount: total } }
  - name: order_cancelled
    on: delete
    data: { amount: total }
)";

const auto kOrdersSchema = make_schema("public.orders", {"id", "user_id", "total", "status"});

Row order(Value id, Value user_id, Value status) {
  return Row{id, user_id, cdc::Decimal{"9.90"}, status};
}

}  // namespace

TEST_CASE("mapper: an insert upserts the customer and fires insert events") {
  const Mapper mapper = mapper_from(kUsers);
  const auto out = map_one(mapper, insert_of(kUsersSchema, user(42, "Ada@Example.com")));
  CHECK(
      describe(out) ==
      Lines{"upsert 42 {\"email\":\"ada@example.com\",\"plan\":\"free\",\"full_name\":\"Ada \","
            "\"bio\":\"hi\"}",
            "event 42 signed_up {\"email\":\"Ada@Example.com\",\"event_key\":\"pg:0/1000:0:1\"}"});
  for (const auto& call : out.calls) {
    CHECK(call.sequence == 0);
    CHECK(call.origin.table == "public.users");
    CHECK(call.origin.key == "id=42");
    CHECK(call.origin.position == "pg:0/1000:0");
  }
}

TEST_CASE("mapper: calls built in spent attribute lists carry nothing of the calls before") {
  const Mapper mapper = mapper_from(kUsers);
  cdc::retainly::CallMemory memory;
  std::vector<std::vector<cdc::retainly::Attribute>> spent(
      2, {{"stale", "\"from an answered call\""}, {"email", "\"old@example.com\""}});
  memory.reclaim(spent);
  MappingOutput out;
  out.memory = &memory;
  mapper.map(insert_of(kUsersSchema, user(42, "Ada@Example.com")), out);
  CHECK(memory.kept() == 0);  // the upsert and the event took one each
  CHECK(describe(out) ==
        Lines{"upsert 42 {\"email\":\"ada@example.com\",\"plan\":\"free\",\"full_name\":"
              "\"Ada \",\"bio\":\"hi\"}",
              "event 42 signed_up {\"email\":\"Ada@Example.com\",\"event_key\":\"pg:0/"
              "1000:0:1\"}"});
}

TEST_CASE("mapper: every call a field writes names it by one shared copy of the name") {
  // Longer than std::string's inline buffer: a copy per call was an allocation on the
  // mapping's thread and a free on the sink's.
  const Mapper mapper = mapper_from(R"(
table: public.t
customer:
  id: id
  fields: { lifetime_visit_count: a }
)");
  const auto schema = make_schema("public.t", {"id", "a", "b"});
  const auto first = map_one(mapper, insert_of(schema, {Value(1), Value(10), Value(0)}));
  const auto second = map_one(mapper, insert_of(schema, {Value(2), Value(20), Value(0)}));
  REQUIRE(first.calls.size() == 1);
  REQUIRE(second.calls.size() == 1);
  const auto& a = first.calls[0].attributes.at(0).name;
  const auto& b = second.calls[0].attributes.at(0).name;
  CHECK(a == "lifetime_visit_count");
  CHECK(&a.str() == &b.str());
}

TEST_CASE("mapper: every call of a table names it by one shared copy of the table's name") {
  // "public.customers" is longer than std::string's inline buffer: a copy per call was an
  // allocation on the mapping's thread and a free on the sink's.
  const Mapper mapper = mapper_from(R"(
table: public.customers
customer:
  id: id
  fields: { a: a }
)");
  const auto schema = make_schema("public.customers", {"id", "a"});
  const auto first = map_one(mapper, insert_of(schema, {Value(1), Value(10)}));
  const auto second = map_one(mapper, insert_of(schema, {Value(2), Value(20)}));
  REQUIRE(first.calls.size() == 1);
  REQUIRE(second.calls.size() == 1);
  CHECK(first.calls[0].origin.table == "public.customers");
  CHECK(&first.calls[0].origin.table.str() == &second.calls[0].origin.table.str());
}

TEST_CASE("mapper: a call's origin names the row by its key columns, integers exactly") {
  std::string error;
  const auto utc = TimeZone::load("UTC", error);
  REQUIRE(utc != nullptr);
  const auto schema = make_schema("public.pairs", {"a", "note", "b"}, {"a", "b"});
  auto key_of = [&](Value a, Value b) {
    return provenance_key(insert_of(schema, {std::move(a), "x", std::move(b)}),
                          key_columns(*schema), *utc);
  };
  CHECK(key_of(int64_t{42}, "k") == "a=42,b=k");
  CHECK(key_of(std::numeric_limits<int64_t>::min(), int64_t{0}) == "a=-9223372036854775808,b=0");
  CHECK(key_of(std::numeric_limits<uint64_t>::max(), Null{}) == "a=18446744073709551615,b=");
  CHECK(key_of(Unchanged{}, int64_t{-7}) == "a=?,b=-7");
  CHECK(key_of(int64_t{42}, int64_t{-7}) == "a=42,b=-7");
  // Integer keys too long for the short path's buffer come out the same.
  const std::string name(60, 'k');
  const auto long_names =
      make_schema("public.long", {name, "note", name + "2"}, {name, name + "2"});
  CHECK(provenance_key(insert_of(long_names, {int64_t{5}, "x", int64_t{6}}),
                       key_columns(*long_names), *utc) == name + "=5," + name + "2=6");
}

TEST_CASE("mapper: a mapped call's origin names its row by the schema's key columns") {
  // The mapper takes the key columns once per schema: keys among other columns, in
  // column order; another schema of the table with another key.
  const Mapper mapper = mapper_from(R"(
table: public.pairs
customer:
  id: note
  fields: { a: a }
)");
  const auto schema = make_schema("public.pairs", {"a", "note", "b"}, {"a", "b"});
  const auto out = map_one(mapper, insert_of(schema, {int64_t{42}, "x", "k"}));
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].origin.key == "a=42,b=k");
  const auto rekeyed = make_schema("public.pairs", {"a", "note", "b"}, {"note"});
  const auto again = map_one(mapper, insert_of(rekeyed, {int64_t{42}, "x", "k"}));
  REQUIRE(again.calls.size() == 1);
  CHECK(again.calls[0].origin.key == "note=x");
}

TEST_CASE("mapper: a thread that maps with several mappers gets each one's mapping") {
  // Each thread keeps its last schema lookup: it must tell mappers apart, also a new one
  // made where an old one was.
  const auto schema = make_schema("public.t", {"id", "a", "b"});
  const Mapper a = mapper_from("table: public.t\ncustomer: { id: id, fields: { a: a } }\n");
  const Mapper b = mapper_from("table: public.t\ncustomer: { id: id, fields: { b: b } }\n");
  for (int round = 0; round < 2; ++round) {
    CHECK(describe(map_one(a, insert_of(schema, {1, "x", "y"}))) ==
          Lines{"upsert 1 {\"a\":\"x\"}"});
    CHECK(describe(map_one(b, insert_of(schema, {1, "x", "y"}))) ==
          Lines{"upsert 1 {\"b\":\"y\"}"});
  }
  std::optional<Mapper> in_place;
  in_place.emplace(mapper_from("table: public.t\ncustomer: { id: id, fields: { a: a } }\n"));
  CHECK(describe(map_one(*in_place, insert_of(schema, {1, "x", "y"}))) ==
        Lines{"upsert 1 {\"a\":\"x\"}"});
  in_place.reset();
  in_place.emplace(mapper_from("table: public.t\ncustomer: { id: id, fields: { b: b } }\n"));
  CHECK(describe(map_one(*in_place, insert_of(schema, {1, "x", "y"}))) ==
        Lines{"upsert 1 {\"b\":\"y\"}"});
}

TEST_CASE("mapper: a snapshot read upserts like an insert but fires no insert events") {
  const Mapper mapper = mapper_from(kUsers);
  const auto out = map_one(mapper, snapshot_of(kUsersSchema, user(42, "a@x")));
  CHECK(
      describe(out) ==
      Lines{
          "upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"full_name\":\"Ada \",\"bio\":\"hi\"}"});
}

TEST_CASE("mapper: text customer ids are strings, numbers stay numbers, NULL is rejected") {
  const Mapper mapper = mapper_from("table: public.t\ncustomer: { id: code }\n");
  const auto schema = make_schema("public.t", {"code"}, {});
  CHECK(describe(map_one(mapper, insert_of(schema, {"abc"}))) == Lines{"upsert \"abc\" {}"});
  CHECK(describe(map_one(mapper, insert_of(schema, {uint64_t{18446744073709551615ull}}))) ==
        Lines{"upsert 18446744073709551615 {}"});
  CHECK(describe(map_one(mapper, insert_of(schema, {cdc::Decimal{"77"}}))) ==
        Lines{"upsert 77 {}"});
  const auto rejected = map_one(mapper, insert_of(schema, {Null{}}));
  CHECK(describe(rejected) == Lines{"REJECTED: customer id code is NULL"});
  CHECK(rejected.rejections[0].payload == "{\"op\":\"insert\",\"after\":{\"code\":null}}");
  CHECK(rejected.rejections[0].origin.position == "pg:0/1000:0");
  // Without key columns the provenance key is the customer id.
  CHECK(map_one(mapper, insert_of(schema, {"abc"})).calls[0].origin.key == "abc");
}

TEST_CASE("mapper: customer ids from templates are strings") {
  const Mapper mapper = mapper_from("table: public.t\ncustomer: { id: \"{{region}}-{{id}}\" }\n");
  const auto schema = make_schema("public.t", {"id", "region"});
  CHECK(describe(map_one(mapper, insert_of(schema, {7, "eu"})))[0] == "upsert \"eu-7\" {}");
}

TEST_CASE("mapper: on_delete deletes, ignores or sets fields") {
  const auto schema = make_schema("public.t", {"id", "name"});
  const auto gone = delete_of(schema, {5, "x"});
  CHECK(describe(map_one(mapper_from("table: public.t\ncustomer: { id: id, on_delete: delete }\n"),
                         gone)) == Lines{"delete 5"});
  CHECK(describe(map_one(mapper_from("table: public.t\ncustomer: { id: id }\n"), gone)).empty());
  CHECK(describe(map_one(
            mapper_from("table: public.t\ncustomer:\n  id: id\n  on_delete:\n    set: { deleted: "
                        "true, reason: gone, old_name: { column: name } }\n"),
            gone)) == Lines{"upsert 5 {\"deleted\":true,\"reason\":\"gone\",\"old_name\":\"x\"}"});
}

TEST_CASE("mapper: only the upserts of on_delete set are marked as following a row delete") {
  const auto schema = make_schema("public.t", {"id", "name"});
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer:\n  id: id\n  fields: { name: name }\n"
      "  on_delete:\n    set: { deleted: true }\n");
  const auto set_on_delete = map_one(mapper, delete_of(schema, {5, "x"}));
  REQUIRE(set_on_delete.calls.size() == 1);
  CHECK(set_on_delete.calls[0].follows_row_delete);
  const auto inserted = map_one(mapper, insert_of(schema, {5, "x"}));
  REQUIRE(inserted.calls.size() == 1);
  CHECK_FALSE(inserted.calls[0].follows_row_delete);
}

TEST_CASE("mapper: unchanged values are left out of the upsert, never sent as null") {
  const Mapper mapper = mapper_from(kUsersCustomer);
  // PostgreSQL, REPLICA IDENTITY DEFAULT: no old image, bio is an unchanged TOAST value.
  const auto out =
      map_one(mapper, update_of(kUsersSchema, {}, Row{42, "a@x", "Ada", "L", "free", Unchanged{}}));
  REQUIRE(out.calls.size() == 1);
  CHECK(describe(out.calls[0]) ==
        "upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"full_name\":\"Ada L\"}");
  CHECK(out.rejections.empty());
}

TEST_CASE("mapper: an unchanged value known from the old image is that value") {
  // send: all, so that the old image's values are not left out as unchanged.
  const Mapper mapper = mapper_from(std::string("send: all\n") + kUsers);
  const auto out =
      map_one(mapper, update_of(kUsersSchema, Row{42, "a@x", "Ada", "L", "free", "long bio"},
                                Row{42, "b@x", "Ada", "L", "free", Unchanged{}}));
  CHECK(describe(out) ==
        Lines{"upsert 42 {\"email\":\"b@x\",\"plan\":\"free\",\"full_name\":\"Ada L\",\"bio\":"
              "\"long bio\"}"});
}

TEST_CASE("mapper: templates with an unsent column leave the field out") {
  const Mapper mapper = mapper_from(kUsersCustomer);
  const auto out =
      map_one(mapper, update_of(kUsersSchema, {}, Row{42, "a@x", "Ada", Unchanged{}, "free", "b"}));
  CHECK(describe(out) == Lines{"upsert 42 {\"email\":\"a@x\",\"plan\":\"free\",\"bio\":\"b\"}"});
}

TEST_CASE("mapper: events with when, changed(), before and after") {
  const Mapper mapper = mapper_from(kUsers);
  const auto changed =
      map_one(mapper, update_of(kUsersSchema, user(42, "a@x", "free"), user(42, "a@x", "pro")));
  // The upsert carries only what the old image shows changed; events are never skipped.
  CHECK(describe(changed) ==
        Lines{"upsert 42 {\"plan\":\"pro\"}",
              "event 42 plan_changed {\"old_plan\":\"free\",\"new_plan\":\"pro\",\"event_key\":"
              "\"pg:0/2000:0:0\"}"});
  const auto same =
      map_one(mapper, update_of(kUsersSchema, user(42, "a@x", "pro"), user(42, "b@x", "pro")));
  CHECK(same.calls.size() == 1);
}

TEST_CASE("mapper: changed() without an old image is a rejection naming REPLICA IDENTITY FULL") {
  const Mapper mapper = mapper_from(kUsers);
  const auto out = map_one(mapper, update_of(kUsersSchema, {}, user(42, "a@x", "pro")));
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].kind == CallKind::kCustomerUpsert);
  REQUIRE(out.rejections.size() == 1);
  CHECK(
      out.rejections[0].reason.starts_with("event plan_changed: when (changed(plan_code)) needs"));
  CHECK(out.rejections[0].reason.find("REPLICA IDENTITY FULL") != std::string::npos);
  CHECK(out.rejections[0].origin.key == "id=42");
}

TEST_CASE("mapper: event keys are stable: the change's position and the event's index") {
  const Mapper mapper = mapper_from(kUsers);
  auto change = update_of(kUsersSchema, user(42, "a@x", "free"), user(42, "a@x", "pro"),
                          BinlogPosition{"mysql-bin.000007", 1234, "0-1-9", 3});
  const auto first = map_one(mapper, change);
  const auto again = map_one(mapper, change);
  REQUIRE(first.calls.size() == 2);
  CHECK(first.calls[1].attributes.back().name == "event_key");
  CHECK(first.calls[1].attributes.back().json == "\"mysql:mysql-bin.000007:1234:3:0\"");
  CHECK(first.calls == again.calls);
}

TEST_CASE("mapper: the key field is configurable globally and per event, or off") {
  MappingOptions options;
  options.event_key_field = "dedup";
  const char* yaml = R"(
table: public.t
events:
  - { name: a, on: insert, customer_id: id }
  - { name: b, on: insert, customer_id: id, key_field: k }
  - { name: c, on: insert, customer_id: id, key_field: none }
)";
  const auto out =
      map_one(mapper_from(yaml, options), insert_of(make_schema("public.t", {"id"}), {1},
                                                    cdc::mapping::testing::pg_at(0x16B374D848, 3)));
  CHECK(describe(out) == Lines{"event 1 a {\"dedup\":\"pg:16/B374D848:3:0\"}",
                               "event 1 b {\"k\":\"pg:16/B374D848:3:1\"}", "event 1 c {}"});
}

TEST_CASE("mapper: array rows become items; a delete removes the item") {
  const Mapper mapper = mapper_from(kOrders);
  CHECK(describe(map_one(mapper, insert_of(kOrdersSchema, order(7, 42, "placed")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}",
              "event 42 order_placed {\"amount\":9.9,\"event_key\":\"pg:0/1000:0:0\"}"});
  CHECK(describe(map_one(mapper, delete_of(kOrdersSchema, order(7, 42, "placed")))) ==
        Lines{"array_delete 42 purchases 7",
              "event 42 order_cancelled {\"amount\":9.9,\"event_key\":\"pg:0/3000:0:1\"}"});
}

TEST_CASE("mapper: an update that changes the customer moves the array item") {
  const Mapper mapper = mapper_from(kOrders);
  CHECK(describe(map_one(
            mapper, update_of(kOrdersSchema, order(7, 42, "placed"), order(7, 43, "placed")))) ==
        Lines{"array_delete 42 purchases 7",
              "array_upsert 43 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
}

TEST_CASE("mapper: where filters rows; leaving it deletes, entering it inserts") {
  const Mapper mapper = mapper_from(kOrders);
  CHECK(describe(map_one(mapper, insert_of(kOrdersSchema, order(7, 42, "draft")))).empty());
  CHECK(describe(
            map_one(mapper, update_of(kOrdersSchema, order(7, 42, "draft"), order(7, 42, "draft"))))
            .empty());
  CHECK(describe(map_one(mapper, delete_of(kOrdersSchema, order(7, 42, "draft")))).empty());
  // draft -> placed: new to Retainly, so insert events fire.
  CHECK(describe(map_one(
            mapper, update_of(kOrdersSchema, order(7, 42, "draft"), order(7, 42, "placed")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}",
              "event 42 order_placed {\"amount\":9.9,\"event_key\":\"pg:0/2000:0:0\"}"});
  // placed -> draft: gone from Retainly, so it is a delete.
  CHECK(describe(map_one(
            mapper, update_of(kOrdersSchema, order(7, 42, "placed"), order(7, 42, "draft")))) ==
        Lines{"array_delete 42 purchases 7",
              "event 42 order_cancelled {\"amount\":9.9,\"event_key\":\"pg:0/2000:0:1\"}"});
  CHECK(describe(map_one(
            mapper, update_of(kOrdersSchema, order(7, 42, "placed"), order(7, 42, "shipped")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"shipped\"}"});
}

TEST_CASE("mapper: where without the old image: idempotent removals go, events are rejected") {
  const Mapper mapper = mapper_from(kOrders);
  // A key-only old image (REPLICA IDENTITY DEFAULT) of a delete: status is not known.
  const auto out = map_one(mapper, delete_of(kOrdersSchema, Row{7, 42, Unchanged{}, Unchanged{}}));
  REQUIRE(out.calls.size() == 1);
  CHECK(describe(out.calls[0]) == "array_delete 42 purchases 7");
  REQUIRE(out.rejections.size() == 1);
  CHECK(out.rejections[0].reason.starts_with(
      "event order_cancelled: where (status != 'draft') could not be tested on the old row image"));
  // An update without an old image: the row may always have been in the filter.
  CHECK(describe(map_one(mapper, update_of(kOrdersSchema, {}, order(7, 42, "placed")))) ==
        Lines{"array_upsert 42 purchases 7 {\"amount\":9.9,\"status\":\"placed\"}"});
  // Without user_id in the old image the item cannot be found.
  // Without user_id in the old image neither the item nor the event's customer is known.
  const auto lost =
      map_one(mapper, delete_of(kOrdersSchema, Row{7, Unchanged{}, Unchanged{}, "placed"}));
  CHECK(lost.calls.empty());
  REQUIRE(lost.rejections.size() == 2);
  CHECK(lost.rejections[0].reason.starts_with(
      "array customer_id column user_id; the source did not"));
  CHECK(lost.rejections[1].reason.starts_with("event order_cancelled customer_id column user_id"));
}

TEST_CASE(
    "mapper: an update without an old image kept its key: leaving the where names the item "
    "from the new row's key columns") {
  // PostgreSQL sends no old tuple when the identity columns did not change (issue 19 item 4).
  const Mapper mapper = mapper_from(R"(
table: public.orders
where: status != 'draft'
array: { customer_id: user_id, field: purchases, item_id: id, fields: { status: status } }
)");
  const auto schema = make_schema("public.orders", {"user_id", "id", "status"}, {"user_id", "id"});
  CHECK(describe(map_one(mapper, update_of(schema, {}, {42, 7, "draft"}))) ==
        Lines{"array_delete 42 purchases 7"});
  // A non-key id is still unknown: nothing proves it did not change.
  const Mapper by_id = mapper_from(kOrders);
  const auto lost = map_one(by_id, update_of(kOrdersSchema, {}, order(7, 42, "draft")));
  CHECK(lost.calls.empty());
  REQUIRE_FALSE(lost.rejections.empty());
  CHECK(lost.rejections[0].reason.starts_with("array customer_id column user_id"));
}

TEST_CASE(
    "mapper: a row delete the where cannot decide removes only a customer the table sent "
    "(only_if_sent)") {
  const auto schema = make_schema("public.members", {"id", "plan", "active"});
  for (const char* on_delete : {"delete", "{ set: { member: false } }"}) {
    CAPTURE(on_delete);
    const Mapper mapper = mapper_from(
        std::string("table: public.members\nwhere: active\ncustomer: { id: id, fields: { plan: "
                    "plan }, on_delete: ") +
        on_delete + " }\n");
    // A key-only old image: whether the row was in the filter is not known.
    const auto undecided = map_one(mapper, delete_of(schema, Row{2, Unchanged{}, Unchanged{}}));
    REQUIRE(undecided.calls.size() == 1);
    CHECK(undecided.calls[0].only_if_sent);
    const auto decided = map_one(mapper, delete_of(schema, Row{1, "pro", true}));
    REQUIRE(decided.calls.size() == 1);
    CHECK_FALSE(decided.calls[0].only_if_sent);
    CHECK(map_one(mapper, delete_of(schema, Row{3, "pro", false})).calls.empty());
  }
}

TEST_CASE("mapper: an update entering the where still reads unchanged values from the old image") {
  const Mapper mapper = mapper_from(R"(
table: public.tickets
where: status != 'draft'
array: { customer_id: user_id, field: tickets, item_id: id, fields: { status: status, details: details } }
)");
  const auto schema = make_schema("public.tickets", {"id", "user_id", "status", "details"});
  // REPLICA IDENTITY FULL: the TOASTed details are left out of the new row, not the old.
  CHECK(describe(map_one(mapper, update_of(schema, {7, 42, "draft", "long text"},
                                           {7, 42, "open", Unchanged{}}))) ==
        Lines{"array_upsert 42 tickets 7 {\"status\":\"open\",\"details\":\"long text\"}"});
}

TEST_CASE("mapper: a customer id change deletes the old customer, then upserts the new") {
  const Mapper mapper = mapper_from(
      "table: public.t\ncustomer: { id: email, fields: { n: n }, on_delete: delete }\n");
  const auto schema = make_schema("public.t", {"id", "email", "n"});
  CHECK(describe(map_one(mapper, update_of(schema, {1, "a@x", 5}, {1, "b@x", 5}))) ==
        Lines{"delete \"a@x\"", "upsert \"b@x\" {\"n\":5}"});
}

TEST_CASE("mapper: items nest one json array layer, as the API allows") {
  const Mapper mapper = mapper_from(
      "table: public.orders\narray: { customer_id: u, field: purchases, item_id: id, fields: { "
      "products: items } }\n");
  const auto schema = make_schema("public.orders", {"id", "u", "items"});
  CHECK(describe(map_one(mapper, insert_of(schema, {1, 2, Json{"[{\"name\": \"apple\"}]"}}))) ==
        Lines{"array_upsert 2 purchases 1 {\"products\":[{\"name\":\"apple\"}]}"});
  const auto deep = map_one(
      mapper, insert_of(schema, {1, 2, Json{"[{\"name\": \"apple\", \"tags\": [\"x\"]}]"}}));
  REQUIRE(deep.rejections.size() == 1);
  CHECK(deep.rejections[0].reason ==
        "array item: field products: json value at [0].tags: arrays nest deeper than the one "
        "layer Retainly allows");
}

TEST_CASE(
    "mapper: a mapped column the schema lacks rejects the change; a new schema version is "
    "resolved again") {
  const Mapper mapper =
      mapper_from("table: public.t\ncustomer: { id: id, fields: { a: a, b: b } }\n");
  const auto old_schema = make_schema("public.t", {"id", "a"}, {"id"}, 1);
  const auto out = map_one(mapper, insert_of(old_schema, {1, "x"}));
  REQUIRE(out.rejections.size() == 1);
  CHECK(out.rejections[0].reason ==
        "the mapping test.yaml names column(s) b that table public.t does not have (schema "
        "version 1)");
  const auto new_schema = make_schema("public.t", {"b", "id", "a"}, {"id"}, 2);
  CHECK(describe(map_one(mapper, insert_of(new_schema, {"y", 1, "x"}))) ==
        Lines{"upsert 1 {\"a\":\"x\",\"b\":\"y\"}"});
}

TEST_CASE("mapper: truncates and unmapped tables give nothing") {
  const Mapper mapper = mapper_from(kUsers);
  RowChange truncate;
  truncate.op = Operation::kTruncate;
  truncate.table = kUsersSchema;
  CHECK(describe(map_one(mapper, truncate)).empty());
  CHECK(describe(map_one(mapper, insert_of(make_schema("public.other", {"id"}), {1}))).empty());
  CHECK(mapper.maps(TableId{"public", "users"}));
  CHECK_FALSE(mapper.maps(TableId{"public", "other"}));
  CHECK(mapper.tables() == std::vector<TableId>{TableId{"public", "users"}});
}

TEST_CASE("mapper: string_policy dead_letter in a mapping file rejects only that call") {
  const Mapper mapper = mapper_from(R"(
table: public.t
string_policy: dead_letter
customer: { id: id, fields: { bio: bio } }
events: [ { name: e, on: insert, key_field: none } ]
)");
  const auto out = map_one(
      mapper, insert_of(make_schema("public.t", {"id", "bio"}), {1, std::string(1001, 'x')}));
  CHECK(out.calls.size() == 1);
  CHECK(out.calls[0].kind == CallKind::kEvent);
  REQUIRE(out.rejections.size() == 1);
  CHECK(out.rejections[0].reason.starts_with("customer: field bio: a string of 1001 characters"));
  CHECK(out.rejections[0].payload.find(std::string(1001, 'x')) != std::string::npos);
}

TEST_CASE("mapper: two mappings of one table are refused") {
  std::vector<TableMapping> mappings;
  mappings.push_back(parse_mapping("table: public.t\ncustomer: { id: id }\n", "a.yaml", {}));
  mappings.push_back(parse_mapping("table: public.t\ncustomer: { id: id }\n", "b.yaml", {}));
  CHECK_THROWS_WITH_AS(Mapper(std::move(mappings)),
                       "b.yaml: table: public.t is already mapped by a.yaml", cdc::ConfigError);
}

TEST_CASE("mapper: an update entering the where counts as an insert: before.x reads NULL") {
  // mappings/README.md: it "counts as an insert", and an insert has no old image.
  const Mapper mapper = mapper_from(R"(
table: public.orders
where: status != 'draft'
events:
  - name: order_placed
    on: insert
    customer_id: user_id
    when: changed(status)
    data: { was: before.status, now: status }
)");
  CHECK(describe(map_one(
            mapper, update_of(kOrdersSchema, order(7, 42, "draft"), order(7, 42, "placed")))) ==
        Lines{"event 42 order_placed "
              "{\"was\":null,\"now\":\"placed\",\"event_key\":\"pg:0/2000:0:0\"}"});
}

TEST_CASE("mapper: an id that becomes NULL leaves its old customer, then is rejected") {
  // issue 19 item 7: UPDATE orders SET user_id = NULL must take the item off the old
  // customer; the row names no customer any more, which is refused as before.
  const Mapper orders = mapper_from(R"(
table: public.orders
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: total }
)");
  const auto out =
      map_one(orders, update_of(kOrdersSchema, order(7, 42, "placed"), order(7, Null{}, "placed")));
  CHECK(describe(out) ==
        Lines{"array_delete 42 purchases 7", "REJECTED: array customer_id user_id is NULL"});
  CHECK(out.rejections.size() == 1);
  // The same for a customer whose id column becomes NULL: on_delete applies to the old id.
  const Mapper users = mapper_from(kUsers);
  const auto gone = map_one(users, update_of(kUsersSchema, user(42, "a@x"), user(Null{}, "a@x")));
  CHECK(describe(gone) == Lines{"delete 42", "REJECTED: customer id id is NULL"});
  CHECK(gone.rejections.size() == 1);
}
