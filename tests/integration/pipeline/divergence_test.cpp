// Mappings that stay right without full old images (issue 19): transaction sequences on
// real PostgreSQL and retainly-mock after which Retainly must hold what the mappings say
// the current rows imply, computed here by SQL from the tables.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kUsersMapping = R"yaml(table: pgit_div_cascade.users
customer:
  id: id
  fields: { email: email }
  on_delete: delete
)yaml";

// A child table whose deletes mark the customer: `set` is an upsert, and upserts create.
constexpr const char* kSubscriptionsMapping = R"yaml(table: pgit_div_cascade.subscriptions
customer:
  id: user_id
  fields: { plan: plan }
  on_delete:
    set: { plan: null }
)yaml";

// Runs `marker_sql` (a transaction after everything the test then checks) and returns
// once the slot confirms a position past the WAL as it was before it: only once every
// call of the earlier transactions was acknowledged by the mock (or dead-lettered). The
// marker customer's arrival alone proved nothing of the other customers': their calls go
// in lanes of their own, and under load one was still in flight (seen failing in CI).
void run_marker_and_wait_acknowledged(PgTestDb& db, const char* slot,
                                      const std::string& marker_sql) {
  const std::string before = *db.query_value("SELECT pg_current_wal_lsn()::text");
  db.exec(marker_sql);
  wait_until(
      [&] {
        return db.query_value("SELECT (confirmed_flush_lsn >= '" + before +
                              "')::text FROM pg_replication_slots WHERE slot_name = '" + slot +
                              "'") == "true";
      },
      60s, "the slot to confirm the marker");
}

}  // namespace

TEST_CASE(
    "divergence: a child's on_delete set in a later transaction does not re-create a "
    "deleted customer") {
  constexpr const char* kSlot = "cdc_it_div_cascade";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_cascade");
  db.exec("CREATE TABLE pgit_div_cascade.users (id bigint PRIMARY KEY, email text)");
  db.exec(
      "CREATE TABLE pgit_div_cascade.subscriptions (user_id bigint, id bigint, plan text, "
      "PRIMARY KEY (user_id, id))");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"users.yaml", kUsersMapping},
                                             {"subscriptions.yaml", kSubscriptionsMapping}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_cascade.users VALUES (1, 'a@x'), (2, 'b@x')");
  db.exec("INSERT INTO pgit_div_cascade.subscriptions VALUES (1, 10, 'pro'), (2, 20, 'free')");
  wait_until([&] { return customers_by_id(mock).size() == 2; }, 60s, "both customers");

  db.exec("DELETE FROM pgit_div_cascade.users WHERE id = 1");
  wait_until([&] { return !customers_by_id(mock).contains("1"); }, 60s, "the delete");
  // Another transaction: the application cleans up the child rows afterwards.
  db.exec("DELETE FROM pgit_div_cascade.subscriptions WHERE user_id = 1");
  db.exec("DELETE FROM pgit_div_cascade.subscriptions WHERE user_id = 2");  // user 2 stays
  run_marker_and_wait_acknowledged(db, kSlot,
                                   "INSERT INTO pgit_div_cascade.users VALUES (3, 'c@x')");

  // What the rows imply: the users that exist, with the plan their subscription gives (a
  // deleted subscription set it to null).
  const auto expected = db.rows_by_id(
      "SELECT u.id, u.email, s.plan "
      "FROM pgit_div_cascade.users u LEFT JOIN pgit_div_cascade.subscriptions s "
      "ON s.user_id = u.id");
  auto actual = customers_by_id(mock);
  // User 3 never had a subscription: the mock has no plan for it at all.
  actual["3"]["plan"] = nullptr;
  CHECK(actual == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE(
    "divergence: an order after a user's delete re-creates the customer; a child's on_delete "
    "set then reaches it") {
  // POST /arrays creates a missing customer: once an order of a deleted user lands, the
  // customer exists again, and the set a later subscription delete makes belongs on it.
  constexpr const char* kSlot = "cdc_it_div_recreated";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_recreated");
  db.exec("CREATE TABLE pgit_div_recreated.users (id bigint PRIMARY KEY, email text)");
  db.exec("CREATE TABLE pgit_div_recreated.subscriptions (user_id bigint PRIMARY KEY, plan text)");
  db.exec(
      "CREATE TABLE pgit_div_recreated.orders (user_id bigint, id bigint, total int, "
      "PRIMARY KEY (user_id, id))");
  const std::string users = R"yaml(table: pgit_div_recreated.users
customer: { id: id, fields: { email: email }, on_delete: delete }
)yaml";
  const std::string subscriptions = R"yaml(table: pgit_div_recreated.subscriptions
customer:
  id: user_id
  fields: { plan: plan }
  on_delete: { set: { cancelled: true } }
)yaml";
  const std::string orders = R"yaml(table: pgit_div_recreated.orders
array: { customer_id: user_id, field: orders, item_id: id, fields: { total: total } }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"users.yaml", users},
                                             {"subscriptions.yaml", subscriptions},
                                             {"orders.yaml", orders}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_recreated.users VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')");
  db.exec("INSERT INTO pgit_div_recreated.subscriptions VALUES (1, 'pro'), (2, 'pro'), (3, 'pro')");
  wait_until([&] { return customers_by_id(mock).size() == 3; }, 60s, "three customers");

  // 1: deleted, then an order in a later transaction, then the subscription's delete.
  db.exec("DELETE FROM pgit_div_recreated.users WHERE id = 1");
  db.exec("INSERT INTO pgit_div_recreated.orders VALUES (1, 100, 5)");
  db.exec("DELETE FROM pgit_div_recreated.subscriptions WHERE user_id = 1");
  // 2: the same in one transaction. 3: no order: it stays deleted.
  db.exec(
      "BEGIN; DELETE FROM pgit_div_recreated.users WHERE id = 2; "
      "INSERT INTO pgit_div_recreated.orders VALUES (2, 200, 7); "
      "DELETE FROM pgit_div_recreated.subscriptions WHERE user_id = 2; COMMIT");
  db.exec("DELETE FROM pgit_div_recreated.users WHERE id = 3");
  db.exec("DELETE FROM pgit_div_recreated.subscriptions WHERE user_id = 3");
  run_marker_and_wait_acknowledged(db, kSlot,
                                   "INSERT INTO pgit_div_recreated.users VALUES (9, 'm@x')");

  const auto customers = customers_by_id(mock);
  for (const std::string id : {"1", "2"}) {
    CAPTURE(id);
    REQUIRE(customers.contains(id));
    CHECK(customers.at(id).value("cancelled", nlohmann::json()) == true);
    CHECK_FALSE(customers.at(id).contains("email"));
  }
  CHECK_FALSE(customers.contains("3"));
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("divergence: TRUNCATE deletes what the table's rows would have deleted") {
  constexpr const char* kSlot = "cdc_it_div_truncate";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_truncate");
  db.exec("CREATE TABLE pgit_div_truncate.users (id bigint PRIMARY KEY, email text)");
  db.exec(
      "CREATE TABLE pgit_div_truncate.orders (user_id bigint, id bigint, total int, "
      "PRIMARY KEY (user_id, id))");
  db.exec("CREATE TABLE pgit_div_truncate.profiles (user_id bigint PRIMARY KEY, bio text)");
  const std::string users = R"yaml(table: pgit_div_truncate.users
customer:
  id: id
  fields: { email: email }
  on_delete: delete
)yaml";
  const std::string orders = R"yaml(table: pgit_div_truncate.orders
array:
  customer_id: user_id
  field: orders
  item_id: id
  fields: { total: total }
)yaml";
  // on_delete: ignore (the default): deleting a row keeps the customer, and so does a
  // truncate.
  const std::string profiles = R"yaml(table: pgit_div_truncate.profiles
customer:
  id: user_id
  fields: { bio: bio }
)yaml";
  MockServer mock;
  ConnectorRun connector(
      mock,
      {.slot = kSlot,
       .mappings = {{"users.yaml", users}, {"orders.yaml", orders}, {"profiles.yaml", profiles}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_truncate.users SELECT g, 'u' || g FROM generate_series(1, 50) g");
  db.exec(
      "INSERT INTO pgit_div_truncate.orders SELECT g % 5 + 100, g, g FROM "
      "generate_series(1, 40) g");
  db.exec("INSERT INTO pgit_div_truncate.profiles VALUES (200, 'kept')");
  // Customers 100..104 exist through their orders only (POST /arrays creates them).
  wait_until([&] { return customers_by_id(mock).size() == 56; }, 60s, "every customer");
  REQUIRE(customers_by_id(mock).at("100").at("orders").size() == 8);

  // In one transaction with a row inserted before it, which is pending when the truncate
  // is read: it must go too.
  db.exec(
      "BEGIN; INSERT INTO pgit_div_truncate.users VALUES (51, 'late'); "
      "TRUNCATE pgit_div_truncate.users, pgit_div_truncate.orders; COMMIT");
  run_marker_and_wait_acknowledged(db, kSlot,
                                   "INSERT INTO pgit_div_truncate.profiles VALUES (201, 'marker')");
  const auto left = customers_by_id(mock);
  // What the rows imply: no user and no order; the profiles' customers stay. The order
  // customers keep an empty array (Retainly deletes items, not the customers they made).
  CHECK(left.contains("200"));
  for (int id = 1; id <= 51; ++id) CHECK_FALSE(left.contains(std::to_string(id)));
  for (int id = 100; id <= 104; ++id) {
    CAPTURE(id);
    const auto it = left.find(std::to_string(id));
    if (it != left.end()) CHECK(it->second.value("orders", nlohmann::json::array()).empty());
  }
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("divergence: an order whose user_id becomes NULL leaves the customer's array (FULL)") {
  constexpr const char* kSlot = "cdc_it_div_null_id";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_null_id");
  db.exec(
      "CREATE TABLE pgit_div_null_id.orders (id bigint PRIMARY KEY, user_id bigint, "
      "total int)");
  db.exec("ALTER TABLE pgit_div_null_id.orders REPLICA IDENTITY FULL");
  const std::string orders = R"yaml(table: pgit_div_null_id.orders
array:
  customer_id: user_id
  field: orders
  item_id: id
  fields: { total: total }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"orders.yaml", orders}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_null_id.orders VALUES (1, 42, 10), (2, 42, 20)");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("42") && customers.at("42").at("orders").size() == 2;
      },
      60s, "both orders");
  db.exec("UPDATE pgit_div_null_id.orders SET user_id = NULL WHERE id = 1");
  // What the rows imply: customer 42 holds order 2 only.
  wait_until([&] { return customers_by_id(mock).at("42").at("orders").size() == 1; }, 60s,
             "order 1 off customer 42");
  CHECK(customers_by_id(mock).at("42").at("orders").at(0).at("id") == 2);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE(
    "divergence: an order leaving the where without an old image leaves the array "
    "(default identity, ids in the key)") {
  constexpr const char* kSlot = "cdc_it_div_where_exit";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_where_exit");
  db.exec(
      "CREATE TABLE pgit_div_where_exit.orders (user_id bigint, id bigint, status text, "
      "PRIMARY KEY (user_id, id))");
  const std::string orders = R"yaml(table: pgit_div_where_exit.orders
where: status != 'draft'
array:
  customer_id: user_id
  field: orders
  item_id: id
  fields: { status: status }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"orders.yaml", orders}}});
  connector.start();
  db.exec(
      "INSERT INTO pgit_div_where_exit.orders SELECT 42, g, 'placed' FROM "
      "generate_series(1, 4) g");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("42") && customers.at("42").at("orders").size() == 4;
      },
      60s, "four orders");
  // Leaves the filter (no old tuple: the key did not change), re-enters, leaves for good.
  db.exec("UPDATE pgit_div_where_exit.orders SET status = 'draft' WHERE id IN (1, 2)");
  db.exec("UPDATE pgit_div_where_exit.orders SET status = 'shipped' WHERE id = 2");
  db.exec("UPDATE pgit_div_where_exit.orders SET status = 'draft' WHERE id = 3");
  run_marker_and_wait_acknowledged(
      db, kSlot, "INSERT INTO pgit_div_where_exit.orders VALUES (43, 9, 'placed')");
  // What the rows imply: the customer's items are its orders that are not drafts.
  const auto expected = nlohmann::json::parse(*db.query_value(
      "SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'status', status) ORDER BY id), "
      "'[]') FROM pgit_div_where_exit.orders WHERE user_id = 42 AND status != 'draft'"));
  auto items = customers_by_id(mock).at("42").at("orders");
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.at("id") < b.at("id"); });
  CHECK(items == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE(
    "divergence: a row delete the where cannot decide neither creates nor deletes a customer "
    "the table never sent (default identity)") {
  constexpr const char* kSlot = "cdc_it_div_undecided";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_undecided");
  db.exec("CREATE TABLE pgit_div_undecided.accounts (id bigint PRIMARY KEY, name text)");
  db.exec(
      "CREATE TABLE pgit_div_undecided.members (id bigint PRIMARY KEY, plan text, "
      "active boolean)");
  db.exec("CREATE TABLE pgit_div_undecided.staff (id bigint PRIMARY KEY, active boolean)");
  const std::string accounts = R"yaml(table: pgit_div_undecided.accounts
customer: { id: id, fields: { name: name } }
)yaml";
  // Members who leave keep their customer, marked.
  const std::string members = R"yaml(table: pgit_div_undecided.members
where: active
customer:
  id: id
  fields: { plan: plan }
  on_delete: { set: { member: false } }
)yaml";
  const std::string staff = R"yaml(table: pgit_div_undecided.staff
where: active
customer: { id: id, fields: { staff: active }, on_delete: delete }
)yaml";
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot,
             .mappings = {
                 {"accounts.yaml", accounts}, {"members.yaml", members}, {"staff.yaml", staff}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_undecided.accounts VALUES (2, 'acct two')");
  db.exec(
      "INSERT INTO pgit_div_undecided.members VALUES (1, 'pro', true), (2, 'free', false), "
      "(3, 'free', false)");
  db.exec("INSERT INTO pgit_div_undecided.staff VALUES (2, false), (5, true)");
  wait_until([&] { return customers_by_id(mock).size() == 3; }, 60s, "customers 1, 2 and 5");
  // Key-only old images: whether rows 2 and 3 passed `where` is not known from the change.
  db.exec("DELETE FROM pgit_div_undecided.members WHERE id IN (1, 2, 3)");
  db.exec("DELETE FROM pgit_div_undecided.staff WHERE id IN (2, 5)");
  run_marker_and_wait_acknowledged(db, kSlot,
                                   "INSERT INTO pgit_div_undecided.accounts VALUES (9, 'marker')");
  const auto customers = customers_by_id(mock);
  // Member 1 was sent: its set applies. Members 2 and 3 never passed the filter: no
  // customer 3, and customer 2 (the account's) without a member field. Staff 2 never passed
  // it either: the account's customer 2 stays. Staff 5 was sent: its customer is deleted.
  REQUIRE(customers.contains("1"));
  CHECK(customers.at("1").value("member", nlohmann::json()) == false);
  CHECK_FALSE(customers.contains("3"));
  REQUIRE(customers.contains("2"));
  CHECK(customers.at("2") == nlohmann::json{{"id", 2}, {"name", "acct two"}});
  CHECK_FALSE(customers.contains("5"));
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("divergence: keys a flattened json column lost are cleared (default and FULL identity)") {
  for (const char* identity : {"DEFAULT", "FULL"}) {
    CAPTURE(identity);
    constexpr const char* kSlot = "cdc_it_div_flatten";
    PgTestDb db;
    db.drop_replication_objects(kSlot);
    db.fresh_schema("pgit_div_flatten");
    db.exec("CREATE TABLE pgit_div_flatten.people (id bigint PRIMARY KEY, address jsonb)");
    db.exec(std::string("ALTER TABLE pgit_div_flatten.people REPLICA IDENTITY ") + identity);
    const std::string people = R"yaml(table: pgit_div_flatten.people
customer:
  id: id
  fields: { addr: { column: address, flatten: addr } }
)yaml";
    MockServer mock;
    ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"people.yaml", people}}});
    connector.start();
    db.exec(
        "INSERT INTO pgit_div_flatten.people VALUES (1, '{\"city\": \"A\", \"zip\": \"1\"}'), "
        "(2, '{\"city\": \"B\", \"geo\": {\"lat\": 5}}'), (3, '{\"city\": \"C\"}')");
    wait_until([&] { return customers_by_id(mock).size() == 3; }, 60s, "three customers");
    db.exec("UPDATE pgit_div_flatten.people SET address = '{\"city\": \"A\"}' WHERE id = 1");
    db.exec("UPDATE pgit_div_flatten.people SET address = NULL WHERE id = 2");
    db.exec("UPDATE pgit_div_flatten.people SET address = '{\"zip\": \"3\"}' WHERE id = 3");
    run_marker_and_wait_acknowledged(db, kSlot,
                                     "INSERT INTO pgit_div_flatten.people VALUES (9, NULL)");
    // What the rows imply: one field per key of the current json (nested keys joined).
    const auto expected = db.rows_by_id(
        "SELECT id, addr_city, addr_zip, addr_geo_lat FROM (SELECT id, address->>'city' AS "
        "addr_city, address->>'zip' AS addr_zip, (address->'geo'->>'lat')::int AS addr_geo_lat "
        "FROM pgit_div_flatten.people) p");
    auto actual = customers_by_id(mock);
    for (auto& [id, customer] : actual) {
      // A field sent as null is a cleared field; one never sent is absent: both are null.
      for (const char* name : {"addr_city", "addr_zip", "addr_geo_lat"}) {
        if (!customer.contains(name)) customer[name] = nullptr;
      }
    }
    CHECK(actual == expected);
    CHECK(connector.terminate() == 0);
    db.drop_replication_objects(kSlot);
  }
}

TEST_CASE("divergence: keys a flattened json column lost are cleared (MariaDB FULL row image)") {
  MysqlTestDb db;
  db.fresh_database("myit_div_flatten");
  // MariaDB's JSON is text underneath: `type: json` reads it as a document.
  db.exec("CREATE TABLE myit_div_flatten.people (id BIGINT PRIMARY KEY, address JSON)");
  const std::string people = R"yaml(table: myit_div_flatten.people
customer:
  id: id
  fields: { addr: { column: address, type: json, flatten: addr } }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"people.yaml", people}}, .mysql_server_id = 6631});
  connector.start();
  db.exec(
      "INSERT INTO myit_div_flatten.people VALUES (1, '{\"city\": \"A\", \"zip\": \"1\"}'), "
      "(2, '{\"city\": \"B\"}')");
  wait_until([&] { return customers_by_id(mock).size() == 2; }, 60s, "two customers");
  db.exec("UPDATE myit_div_flatten.people SET address = '{\"city\": \"A\"}' WHERE id = 1");
  db.exec("UPDATE myit_div_flatten.people SET address = NULL WHERE id = 2");
  const nlohmann::json expected_1{{"id", 1}, {"addr_city", "A"}, {"addr_zip", nullptr}};
  const nlohmann::json expected_2{{"id", 2}, {"addr_city", nullptr}};
  // Each customer's calls keep their order, two customers' need not (a marker customer's
  // arrival proves nothing of the others'): polled until both hold what their rows imply.
  poll_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.at("1") == expected_1 &&
               customers.contains("2") && customers.at("2") == expected_2;
      },
      60s);
  const auto customers = customers_by_id(mock);
  CHECK(customers.at("1") == expected_1);
  CHECK(customers.at("2") == expected_2);
  CHECK(connector.terminate() == 0);
}
