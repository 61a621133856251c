// Updates whose new row lacks values PostgreSQL did not resend (unchanged TOASTed columns,
// default replica identity): the connector reads those rows again by key before mapping
// them (issue 19 items 1 and 3). Retainly (the mock) must end equal to what the mappings
// say the current rows imply, computed here by SQL from the tables.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "support/connector_run.h"
#include "support/health_probe.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

// Large enough to be stored out of line (over 2 kB), and kept uncompressed there by
// STORAGE EXTERNAL, so that an update leaving it alone sends it as unchanged ('u').
// Retainly's 1000-character limit cuts what is sent (string_policy: truncate).
constexpr const char* kLargeText = "repeat(md5(random()::text), 80)";

// What Retainly holds of a large text column.
std::string sent(const std::string& column) { return "left(" + column + ", 1000)"; }

// The mock's array `field` of customer `id`, sorted by item id.
nlohmann::json items_of(const MockServer& mock, const std::string& id, const std::string& field) {
  auto items = customers_by_id(mock).at(id).at(field);
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.at("id") < b.at("id"); });
  return items;
}

// A fresh `schema` holding `table` (`columns`), whose `large` column stays out of line.
void create_table(PgTestDb& db, const std::string& schema, const std::string& table,
                  const std::string& columns, const std::string& large) {
  db.fresh_schema(schema);
  const std::string name = schema + "." + table;
  db.exec("CREATE TABLE " + name + " (" + columns + ")");
  db.exec("ALTER TABLE " + name + " ALTER COLUMN " + large + " SET STORAGE EXTERNAL");
}

constexpr const char* kOrdersColumns =
    "user_id bigint, id bigint, status text, details text, PRIMARY KEY (user_id, id)";
constexpr const char* kUsersColumns = "id bigint PRIMARY KEY, email text, bio text";

// The orders of `schema` as the customers' `orders` array, large details included.
std::string orders_mapping(const std::string& schema) {
  return "table: " + schema +
         ".orders\narray:\n  customer_id: user_id\n  field: orders\n  item_id: id\n  fields: { "
         "status: status, details: details }\n";
}

nlohmann::json json_of(PgTestDb& db, const std::string& sql) {
  return nlohmann::json::parse(db.query_value(sql).value_or("null"));
}

}  // namespace

TEST_CASE(
    "reselect: an array item keeps a large unchanged column after an update of another "
    "(default identity)") {
  constexpr const char* kSlot = "cdc_it_reselect_item";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_table(db, "pgit_reselect_item", "orders", kOrdersColumns, "details");
  const std::string orders = orders_mapping("pgit_reselect_item");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"orders.yaml", orders}}});
  connector.start();
  db.exec(std::string("INSERT INTO pgit_reselect_item.orders SELECT 42, g, 'placed', ") +
          kLargeText + " FROM generate_series(1, 3) g");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("42") && customers.at("42").at("orders").size() == 3;
      },
      60s, "three orders");
  db.exec("UPDATE pgit_reselect_item.orders SET status = 'shipped' WHERE id IN (1, 2)");
  // A marker on the same customer, whose calls keep their order.
  db.exec("INSERT INTO pgit_reselect_item.orders VALUES (42, 9, 'placed', 'marker')");
  wait_until([&] { return items_of(mock, "42", "orders").size() == 4; }, 60s, "the marker");
  // What the rows imply: every order of customer 42 with its status and its details.
  const auto expected = json_of(
      db, "SELECT jsonb_agg(jsonb_build_object('id', id, 'status', status, 'details', " +
              sent("details") + ") ORDER BY id) FROM pgit_reselect_item.orders WHERE user_id = 42");
  CHECK(items_of(mock, "42", "orders") == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE(
    "reselect: a customer id change creates the new customer with its large unchanged "
    "columns (id: id, on_delete: delete, default identity)") {
  constexpr const char* kSlot = "cdc_it_reselect_id";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_table(db, "pgit_reselect_id", "users", kUsersColumns, "bio");
  const std::string users = R"yaml(table: pgit_reselect_id.users
customer:
  id: id
  fields: { email: email, bio: bio }
  on_delete: delete
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", users}}});
  connector.start();
  db.exec(std::string("INSERT INTO pgit_reselect_id.users VALUES (3, 'a@x', ") + kLargeText + ")");
  wait_until([&] { return customers_by_id(mock).contains("3"); }, 60s, "customer 3");
  db.exec("UPDATE pgit_reselect_id.users SET id = 2, email = 'b@x' WHERE id = 3");
  const auto expected =
      db.rows_by_id("SELECT id, email, " + sent("bio") + " AS bio FROM pgit_reselect_id.users");
  poll_until([&] { return customers_by_id(mock) == expected; }, 30s);
  CHECK(customers_by_id(mock) == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE(
    "reselect: a customer id read from a non-key column: the new customer gets its large "
    "unchanged columns (id: email, on_delete: ignore, default identity)") {
  constexpr const char* kSlot = "cdc_it_reselect_email";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_table(db, "pgit_reselect_email", "users", kUsersColumns, "bio");
  const std::string users = R"yaml(table: pgit_reselect_email.users
customer:
  id: email
  fields: { user_id: id, bio: bio }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", users}}});
  connector.start();
  db.exec(std::string("INSERT INTO pgit_reselect_email.users VALUES (3, 'a@x', ") + kLargeText +
          "), (4, 'c@x', " + kLargeText + ")");
  wait_until([&] { return customers_by_id(mock).size() == 2; }, 60s, "customers a@x and c@x");
  // The key changes (an old key is sent) and, on the other row, it does not (none is).
  db.exec("UPDATE pgit_reselect_email.users SET id = 2, email = 'b@x' WHERE id = 3");
  db.exec("UPDATE pgit_reselect_email.users SET email = 'd@x' WHERE id = 4");
  // on_delete: ignore keeps the old customers; the new ones are what their rows imply.
  const auto expected =
      json_of(db,
              "SELECT jsonb_object_agg(email, jsonb_build_object('id', email, 'user_id', id, "
              "'bio', " +
                  sent("bio") +
                  ")) FROM pgit_reselect_email.users "
                  "WHERE email IN ('b@x', 'd@x')");
  auto new_customers = [&] {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [id, customer] : customers_by_id(mock)) {
      if (id == "b@x" || id == "d@x") out[id] = customer;
    }
    return out;
  };
  poll_until([&] { return new_customers() == expected; }, 30s);
  CHECK(new_customers() == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("reselect: 3000 updated rows of one transaction are read again in a few statements") {
  constexpr const char* kSlot = "cdc_it_reselect_many";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_table(db, "pgit_reselect_many", "orders", kOrdersColumns, "details");
  const std::string orders = orders_mapping("pgit_reselect_many");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"orders.yaml", orders}},
                                .extra_config = "metrics: 127.0.0.1:0\n"});
  connector.start();
  const int port = connector.metrics_port();
  db.exec(
      "INSERT INTO pgit_reselect_many.orders SELECT g % 30, g, 'placed', "
      "repeat(md5(g::text), 80) FROM generate_series(1, 3000) g");
  db.exec("UPDATE pgit_reselect_many.orders SET status = 'shipped'");
  const auto expected =
      json_of(db,
              "SELECT jsonb_object_agg(user_id, items) FROM (SELECT user_id, "
              "jsonb_agg(jsonb_build_object('id', id, 'status', status, 'details', " +
                  sent("details") +
                  ") ORDER BY id) AS items FROM pgit_reselect_many.orders "
                  "GROUP BY user_id) o");
  auto actual = [&] {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [id, customer] : customers_by_id(mock)) {
      auto items = customer.value("orders", nlohmann::json::array());
      std::sort(items.begin(), items.end(),
                [](const auto& a, const auto& b) { return a.at("id") < b.at("id"); });
      out[id] = items;
    }
    return out;
  };
  poll_until([&] { return actual() == expected; }, 60s);
  // Counted, not printed: the items are megabytes.
  size_t differing = 0;
  const auto now = actual();
  for (const auto& [id, items] : expected.items()) {
    if (!now.contains(id) || now.at(id) != items) ++differing;
  }
  CHECK(now.size() == expected.size());
  CHECK(differing == 0);
  const std::string table = "{table=\"pgit_reselect_many.orders\"}";
  const double reselected = metric(port, "retainly_cdc_rows_reselected_total" + table);
  const double queries = metric(port, "retainly_cdc_reselect_queries_total" + table);
  CHECK(reselected == 3000);
  // At most 1000 changes are held at once and each SELECT names up to 500 keys.
  CHECK(queries >= 6);
  CHECK(queries <= 12);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}
