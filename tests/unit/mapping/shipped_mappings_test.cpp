// The mapping files the demo ships load, and do what their comments say.
#include <doctest/doctest.h>

#include "core/errors.h"
#include "mapping_fixture.h"

using cdc::Decimal;
using cdc::Null;
using cdc::Row;
using cdc::Timestamp;
using namespace cdc::mapping;
using namespace cdc::mapping::testing;

namespace {

Mapper shipped() {
  return Mapper(load_mapping_dir(std::filesystem::path(CDC_SOURCE_DIR) / "mappings", {}));
}

}  // namespace

TEST_CASE("shipped mappings: every file in mappings/ loads") {
  const Mapper mapper = shipped();
  CHECK(mapper.tables() == std::vector<cdc::TableId>{{"public", "orders"},
                                                     {"public", "subscriptions"},
                                                     {"public", "users"}});
  // schema.sql gives every demo table REPLICA IDENTITY FULL because of these.
  const auto reqs = requirements(mapper);
  REQUIRE(reqs.size() == 3);
  CHECK_FALSE(reqs[0].old_row_reads.empty());  // orders: the where filter, with events
  CHECK_FALSE(reqs[2].old_row_reads.empty());  // users: changed(plan_code)
  // subscriptions: its customer id, user_id, is not the table's key.
  CHECK(reqs[1].old_image_columns == std::vector<std::string>{"user_id"});
}

TEST_CASE("shipped mappings: users, orders and subscriptions map the demo workload") {
  const Mapper mapper = shipped();
  const auto users = make_schema(
      "public.users", {"id", "email", "first_name", "last_name", "plan_code", "created_at"});
  const Timestamp created{1'714'564'800'000'000};
  CHECK(describe(map_one(mapper, insert_of(users, {1, " Ada@Example.com", "Ada", "Lovelace", "FREE",
                                                   created}))) ==
        std::vector<std::string>{
            "upsert 1 {\"email\":\"ada@example.com\",\"first_name\":\"Ada\",\"last_name\":"
            "\"Lovelace\",\"plan\":\"free\",\"signed_up_at\":\"2024-05-01T12:00:00.000Z\","
            "\"full_name\":\"Ada Lovelace\"}",
            "event 1 signed_up {\"email\":\"ada@example.com\",\"plan\":\"free\",\"event_key\":"
            "\"pg:0/1000:0:0\"}"});
  const auto plan = map_one(mapper, update_of(users, {1, "a@x", "Ada", Null{}, "FREE", created},
                                              {1, "a@x", "Ada", Null{}, "PRO", created}));
  REQUIRE(plan.calls.size() == 2);
  CHECK(describe(plan.calls[1]) ==
        "event 1 plan_changed {\"old_plan\":\"free\",\"new_plan\":\"pro\",\"event_key\":"
        "\"pg:0/2000:0:1\"}");

  const auto orders =
      make_schema("public.orders", {"id", "user_id", "total", "status", "created_at"});
  const auto placed = map_one(mapper, update_of(orders, {9, 1, Decimal{"42.50"}, "draft", created},
                                                {9, 1, Decimal{"42.50"}, "placed", created}));
  CHECK(
      describe(placed) ==
      std::vector<std::string>{
          "array_upsert 1 purchases 9 {\"amount\":42.5,\"status\":\"placed\",\"ordered_at\":"
          "\"2024-05-01T12:00:00.000Z\"}",
          "event 1 order_placed {\"order_id\":9,\"amount\":42.5,\"event_key\":\"pg:0/2000:0:0\"}"});
  const auto shipped_order =
      map_one(mapper, update_of(orders, {9, 1, Decimal{"42.50"}, "placed", created},
                                {9, 1, Decimal{"42.50"}, "shipped", created}));
  REQUIRE(shipped_order.calls.size() == 2);
  CHECK(describe(shipped_order.calls[1]) ==
        "event 1 order_shipped {\"order_id\":9,\"amount\":42.5,\"event_key\":\"pg:0/2000:0:1\"}");

  const auto subscriptions =
      make_schema("public.subscriptions", {"id", "user_id", "plan", "renews_on", "active"});
  CHECK(describe(map_one(
            mapper, insert_of(subscriptions, {3, 1, "pro-monthly", cdc::Date{22006}, true}))) ==
        std::vector<std::string>{"upsert 1 {\"subscription_plan\":\"pro-monthly\",\"renews_on\":"
                                 "\"2030-04-02\",\"subscription_active\":true}"});
  CHECK(describe(map_one(
            mapper, delete_of(subscriptions, {3, 1, "pro-monthly", cdc::Date{22006}, true}))) ==
        std::vector<std::string>{
            "upsert 1 {\"subscription_active\":false,\"subscription_plan\":null}"});
}
