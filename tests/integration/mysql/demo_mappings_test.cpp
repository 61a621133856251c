// The shipped mappings (mappings/) work unchanged on MySQL/MariaDB: the demo schema in a
// database named `public` (examples/mysql/schema.sql) and in PostgreSQL
// (examples/postgres/schema.sql), the same workload on both, one connector each into its
// own mock. The mocks end up holding the same customers, arrays and events.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_twin";
constexpr const char* kPgDatabase = "cdc_twin";

std::string read_source_file(const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(CDC_SOURCE_DIR) / relative;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::map<std::string, std::string> shipped_mappings() {
  std::map<std::string, std::string> mappings;
  for (const char* name : {"users.yaml", "orders.yaml", "subscriptions.yaml"}) {
    mappings[name] = read_source_file(std::string("mappings/") + name);
  }
  return mappings;
}

// One statement per transaction, written so both databases read it alike; `at` turns a
// UTC time into each one's literal.
std::vector<std::string> workload(bool pg) {
  auto at = [pg](const char* utc) { return std::string("'") + utc + (pg ? "+00'" : "'"); };
  return {
      "INSERT INTO public.users (id, email, first_name, last_name, plan_code, created_at) "
      "VALUES (1, 'Ada@Example.com ', 'Ada', 'Lovelace', 'FREE', " +
          at("2024-01-02 03:04:05.123456") + "), (2, 'grace@example.com', 'Grace', 'Hopper', " +
          "'PRO', " + at("2024-02-29 23:59:59") + "), (3, 'alan@example.com', 'Alan', " +
          "'Turing', 'FREE', " + at("1999-12-31 12:00:00.5") + ")",
      "UPDATE public.users SET plan_code = 'PRO' WHERE id = 1",
      "UPDATE public.users SET last_name = 'King' WHERE id = 1",
      "INSERT INTO public.orders (id, user_id, total, status, created_at) VALUES "
      "(10, 1, 42.50, 'draft', " +
          at("2024-03-01 10:00:00") + ")",
      "UPDATE public.orders SET status = 'placed' WHERE id = 10",
      "INSERT INTO public.orders (id, user_id, total, status, created_at) VALUES "
      "(11, 2, 19.99, 'placed', " +
          at("2024-03-02 11:30:00.25") + ")",
      "UPDATE public.orders SET status = 'shipped' WHERE id = 11",
      "INSERT INTO public.orders (id, user_id, total, status, created_at) VALUES "
      "(12, 3, 5.00, 'draft', " +
          at("2024-03-03 09:00:00") + ")",
      "DELETE FROM public.orders WHERE id = 12",
      "INSERT INTO public.subscriptions (id, user_id, plan, renews_on, active) VALUES "
      "(20, 2, 'team', '2025-01-31', TRUE), (21, 1, 'solo', NULL, TRUE)",
      "UPDATE public.subscriptions SET active = FALSE WHERE id = 21",
      "DELETE FROM public.subscriptions WHERE id = 20",
      "DELETE FROM public.users WHERE id = 3",
  };
}

// Events in a stable order and without their position-derived keys (which name
// different sources); each must have had one.
nlohmann::json comparable_state(const MockServer& mock) {
  auto state = mock.state();
  auto& events = state.at("events");
  for (auto& event : events) {
    auto& data = event.at("data");
    if (!data.contains("event_key")) return nullptr;
    data.erase("event_key");
  }
  std::sort(events.begin(), events.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a.dump() < b.dump(); });
  return state;
}

}  // namespace

TEST_CASE("mysql: the shipped mappings give the same customers and events as on PostgreSQL") {
  PgTestDb admin;
  admin.drop_replication_objects(kSlot);
  admin.exec(std::string("DROP DATABASE IF EXISTS ") + kPgDatabase);
  admin.exec(std::string("CREATE DATABASE ") + kPgDatabase);
  std::string dsn = test_env("CDC_TEST_PG_DSN");
  const auto dbname = dsn.find("dbname=");
  REQUIRE(dbname != std::string::npos);
  dsn.replace(dbname, dsn.find(' ', dbname) - dbname, std::string("dbname=") + kPgDatabase);
  PgTestDb pg(dsn);
  pg.exec(read_source_file("examples/postgres/schema.sql"));
  MysqlTestDb my;
  my.exec(read_source_file("examples/mysql/schema.sql"));

  MockServer pg_mock;
  MockServer my_mock;
  ConnectorRun pg_connector(pg_mock, {.slot = kSlot, .mappings = shipped_mappings(), .dsn = dsn});
  ConnectorRun my_connector(
      my_mock, {.slot = "twin", .mappings = shipped_mappings(), .mysql_server_id = 5501});
  pg_connector.start();
  my_connector.start();
  for (const auto& statement : workload(true)) pg.exec(statement);
  for (const auto& statement : workload(false)) my.exec(statement);

  // signed_up x3, plan_changed, order_placed x2, order_shipped; then ada and grace.
  nlohmann::json from_pg;
  nlohmann::json from_mysql;
  const bool same = poll_until(
      [&] {
        from_pg = comparable_state(pg_mock);
        from_mysql = comparable_state(my_mock);
        return from_pg != nullptr && from_pg.at("events").size() == 7 &&
               from_pg.at("customers").size() == 2 && from_pg == from_mysql;
      },
      60s);
  INFO("from PostgreSQL: " << from_pg.dump());
  INFO("from MariaDB:    " << from_mysql.dump());
  CHECK(same);
  const auto& ada = from_mysql.at("customers").at("1");
  CHECK(ada.at("email") == "ada@example.com");
  CHECK(ada.at("plan") == "pro");
  CHECK(ada.at("subscription_active") == false);
  CHECK(ada.at("purchases").size() == 1);
  CHECK(from_mysql.at("customers").at("2").at("subscription_plan").is_null());

  CHECK(pg_connector.terminate() == 0);
  CHECK(my_connector.terminate() == 0);
  admin.drop_replication_objects(kSlot);
}
