// mappings/README.md, "Sending only what changed": with old images (PostgreSQL REPLICA
// IDENTITY FULL, MariaDB binlog_row_image=FULL as the test servers run), an update sends
// only the mapped fields it changed, an unchanged array item is not sent and a changed
// one is sent whole; `send: all` sends everything. The mock is reset once the rows are
// delivered, so what it holds afterwards is exactly what the updates sent.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <string>

#include "support/connector_run.h"
#include "support/health_probe.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// Five mapped fields and an unmapped `seen_at`.
std::string users_mapping(const std::string& schema) {
  return "table: " + schema + R"yaml(.users
customer:
  id: id
  fields: { email: email, name: name, plan: plan, city: city, score: score }
)yaml";
}

// Items of account 1000's `purchases`; `note` is not mapped.
std::string orders_mapping(const std::string& schema) {
  return "table: " + schema + R"yaml(.orders
array:
  customer_id: account
  field: purchases
  item_id: id
  fields: { amount: amount, status: status }
)yaml";
}

std::string everything_mapping(const std::string& schema) {
  return "table: " + schema + R"yaml(.everything
send: all
customer:
  id: id
  fields: { label: label }
)yaml";
}

std::map<std::string, std::string> mappings(const std::string& schema) {
  return {{"users.yaml", users_mapping(schema)},
          {"orders.yaml", orders_mapping(schema)},
          {"everything.yaml", everything_mapping(schema)}};
}

std::string inserts(const std::string& schema) {
  return "INSERT INTO " + schema +
         ".users VALUES (1, 'a@x.io', 'Ada', 'free', 'Oslo', 5, 'noon');"
         "INSERT INTO " +
         schema +
         ".orders VALUES (7, 1000, 10, 'placed', 'n'), (8, 1000, 20, 'placed', 'n');"
         "INSERT INTO " +
         schema + ".everything VALUES (2, 'two', 'noon')";
}

// In source order, each customer's changes in one lane: the last of each customer's
// changes arriving means the earlier ones were handled.
std::string updates(const std::string& schema) {
  return "UPDATE " + schema + ".users SET seen_at = 'one' WHERE id = 1;" +  //
         "UPDATE " + schema + ".orders SET note = 'seen' WHERE id = 7;" +   //
         "UPDATE " + schema + ".users SET plan = 'pro' WHERE id = 1;" +     //
         "UPDATE " + schema + ".orders SET status = 'shipped' WHERE id = 8;" + "UPDATE " + schema +
         ".everything SET seen_at = 'one' WHERE id = 2";
}

void check_only_changes_sent(MockServer& mock, const std::function<void(const std::string&)>& exec,
                             const std::string& schema) {
  exec(inserts(schema));
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.contains("2") && customers.contains("1000") &&
               customers.at("1000").contains("purchases") &&
               customers.at("1000").at("purchases").size() == 2;
      },
      60s, "the inserted rows in Retainly");
  mock.reset();

  exec(updates(schema));
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.contains("2") && customers.contains("1000");
      },
      60s, "the updates in Retainly");
  const auto customers = customers_by_id(mock);
  // The seen_at update sent nothing (else every field would be here); the plan update
  // sent plan alone.
  CHECK(customers.at("1") == json{{"id", 1}, {"plan", "pro"}});
  // Item 8 whole, item 7 (only its unmapped note changed) not at all.
  CHECK(customers.at("1000").at("purchases") ==
        json::array({{{"id", 8}, {"amount", 20}, {"status", "shipped"}}}));
  // send: all sends the unchanged label with the seen_at update.
  CHECK(customers.at("2") == json{{"id", 2}, {"label", "two"}});
  CHECK(records_applied(mock, "POST /customers") == 2);
  CHECK(records_applied(mock, "POST /arrays") == 1);
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO("stdout line: " << line);
    REQUIRE(json::accept(line));
    lines.push_back(json::parse(line));
  }
  return lines;
}

// A dry run's JSON lines, once it printed `count` of them and stopped on SIGTERM.
std::vector<json> lines_after_stop(ChildProcess& dry, size_t count) {
  wait_until([&] { return json_lines(dry.stdout_text()).size() >= count; }, 60s,
             std::to_string(count) + " dry-run lines");
  dry.signal(SIGTERM);
  CHECK(dry.wait_exit(60s) == 0);
  return json_lines(dry.stdout_text());
}

}  // namespace

TEST_CASE("send changed, PostgreSQL REPLICA IDENTITY FULL: only changed fields and items") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_sendchg");
  db.fresh_schema("pgit_sendchg");
  db.exec(
      "CREATE TABLE pgit_sendchg.users (id bigint PRIMARY KEY, email text, name text, "
      "plan text, city text, score int, seen_at text);"
      "CREATE TABLE pgit_sendchg.orders (id bigint PRIMARY KEY, account bigint, amount int, "
      "status text, note text);"
      "CREATE TABLE pgit_sendchg.everything (id bigint PRIMARY KEY, label text, seen_at text);"
      "ALTER TABLE pgit_sendchg.users REPLICA IDENTITY FULL;"
      "ALTER TABLE pgit_sendchg.orders REPLICA IDENTITY FULL;"
      "ALTER TABLE pgit_sendchg.everything REPLICA IDENTITY FULL");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_sendchg", .mappings = mappings("pgit_sendchg")});
  connector.start();
  check_only_changes_sent(
      mock, [&](const std::string& sql) { db.exec(sql); }, "pgit_sendchg");
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects("cdc_it_sendchg");
}

TEST_CASE("send changed, MariaDB binlog_row_image=FULL: only changed fields and items") {
  MysqlTestDb db;
  db.fresh_database("myit_sendchg");
  db.exec(
      "CREATE TABLE myit_sendchg.users (id BIGINT PRIMARY KEY, email TEXT, name TEXT, "
      "plan TEXT, city TEXT, score INT, seen_at TEXT)");
  db.exec(
      "CREATE TABLE myit_sendchg.orders (id BIGINT PRIMARY KEY, account BIGINT, amount INT, "
      "status TEXT, note TEXT)");
  db.exec("CREATE TABLE myit_sendchg.everything (id BIGINT PRIMARY KEY, label TEXT, seen_at TEXT)");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = mappings("myit_sendchg"), .mysql_server_id = 6611});
  connector.start();
  // One statement per call: the MySQL test connection runs one statement at a time.
  const auto exec = [&](const std::string& sql) {
    std::istringstream in(sql);
    for (std::string statement; std::getline(in, statement, ';');) {
      if (!statement.empty()) db.exec(statement);
    }
  };
  check_only_changes_sent(mock, exec, "myit_sendchg");
  CHECK(connector.terminate() == 0);
}

TEST_CASE("send changed: run --dry-run prints what the old image skips, and why") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_sendchg_dry");
  db.fresh_schema("pgit_sendchg_dry");
  db.exec(
      "CREATE TABLE pgit_sendchg_dry.users (id bigint PRIMARY KEY, email text, name text, "
      "plan text, city text, score int, seen_at text);"
      "ALTER TABLE pgit_sendchg_dry.users REPLICA IDENTITY FULL;"
      "INSERT INTO pgit_sendchg_dry.users VALUES (1, 'a@x.io', 'Ada', 'free', 'Oslo', 5, 'noon');"
      "CREATE PUBLICATION cdc_it_sendchg_dry FOR TABLE pgit_sendchg_dry.users");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_sendchg_dry",
                                .mappings = {{"users.yaml", users_mapping("pgit_sendchg_dry")}}});
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming from temporary slot", 60s);
  db.exec(
      "UPDATE pgit_sendchg_dry.users SET seen_at = 'one' WHERE id = 1;"
      "UPDATE pgit_sendchg_dry.users SET plan = 'pro' WHERE id = 1");
  const std::vector<json> lines = lines_after_stop(*dry, 3);
  REQUIRE(lines.size() == 3);
  const json all = {"email", "name", "plan", "city", "score"};
  CHECK(lines[0].at("skipped") == "unchanged in this change's old image");
  CHECK(lines[0].at("call") == "customer_upsert");
  CHECK(lines[0].at("customer_id") == 1);
  CHECK(lines[0].at("whole_call") == true);
  CHECK(lines[0].at("fields") == all);
  CHECK(lines[0].at("table") == "pgit_sendchg_dry.users");
  // REPLICA IDENTITY FULL makes every column part of the key PostgreSQL reports.
  CHECK(lines[0].at("key").get<std::string>().starts_with("id=1,"));
  CHECK(lines[1].at("body") == json{{"customers", {{{"id", 1}, {"plan", "pro"}}}}});
  CHECK(lines[2].at("skipped") == "unchanged in this change's old image");
  CHECK(lines[2].at("whole_call") == false);
  CHECK(lines[2].at("fields") == json{"email", "name", "city", "score"});
  CHECK(mock.stats().at("requests").empty());
  db.drop_replication_objects("cdc_it_sendchg_dry");
}

// With the last-sent store on (a state_dir, as always here), the old image is mapped only
// for customers the store does not know: for the others the store's stamps decide every
// field, and they give the same answer (mappings/README.md), so the update's old image
// costs nothing. What is sent is the same either way; /metrics says which rule skipped.
TEST_CASE("send changed: the old image decides only for customers the store does not know") {
  MysqlTestDb db;
  db.fresh_database("myit_oldstore");
  db.exec(
      "CREATE TABLE myit_oldstore.users (id BIGINT PRIMARY KEY, email TEXT, name TEXT, "
      "plan TEXT, city TEXT, score INT, seen_at TEXT)");
  // Written before the connector starts (it streams from the end, no snapshot): a row the
  // store has never seen.
  db.exec("INSERT INTO myit_oldstore.users VALUES (2, 'b@x.io', 'Bo', 'free', 'Rome', 6, 'noon')");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", users_mapping("myit_oldstore")}},
                                .extra_config = "metrics: 127.0.0.1:0\n",
                                .mysql_server_id = 6641});
  connector.start();
  const int port = connector.metrics_port();
  db.exec("INSERT INTO myit_oldstore.users VALUES (1, 'a@x.io', 'Ada', 'free', 'Oslo', 5, 'noon')");
  db.exec("UPDATE myit_oldstore.users SET plan = 'pro' WHERE id = 1");
  db.exec("UPDATE myit_oldstore.users SET plan = 'pro' WHERE id = 2");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.at("1").value("plan", "") == "pro" &&
               customers.contains("2");
      },
      60s, "both updates in Retainly");
  const auto customers = customers_by_id(mock);
  CHECK(customers.at("1") == json{{"id", 1},
                                  {"email", "a@x.io"},
                                  {"name", "Ada"},
                                  {"plan", "pro"},
                                  {"city", "Oslo"},
                                  {"score", 5}});
  CHECK(customers.at("2") == json{{"id", 2}, {"plan", "pro"}});
  const std::string skipped = "retainly_cdc_fields_skipped_total{table=\"myit_oldstore.users\",";
  // Customer 1's four unchanged fields by the store's stamps, customer 2's by its old image.
  wait_until([&] { return metric(port, skipped + "reason=\"last_sent\"}") == 4; }, 30s,
             "four fields skipped by the store");
  CHECK(metric(port, skipped + "reason=\"old_image\"}") == 4);
  CHECK(connector.terminate() == 0);
}

TEST_CASE(
    "send changed: after another table deleted the customer, an update sends every field, "
    "not what the old image calls changed") {
  // Retainly deleted the customer with all its fields; the store knows it (its tombstone),
  // the old image does not: the update re-creates the customer whole.
  MysqlTestDb db;
  db.fresh_database("myit_olddeleted");
  db.exec(
      "CREATE TABLE myit_olddeleted.users (id BIGINT PRIMARY KEY, email TEXT, name TEXT, "
      "plan TEXT, city TEXT, score INT, seen_at TEXT)");
  db.exec("CREATE TABLE myit_olddeleted.members (id BIGINT PRIMARY KEY, level TEXT)");
  const std::string members = R"yaml(table: myit_olddeleted.members
customer: { id: id, fields: { level: level }, on_delete: delete }
)yaml";
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", users_mapping("myit_olddeleted")},
                                             {"members.yaml", members}},
                                .mysql_server_id = 6642});
  connector.start();
  db.exec(
      "INSERT INTO myit_olddeleted.users VALUES (1, 'a@x.io', 'Ada', 'free', 'Oslo', 5, 'noon')");
  db.exec("INSERT INTO myit_olddeleted.members VALUES (1, 'gold')");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.at("1").value("level", "") == "gold";
      },
      60s, "the member");
  db.exec("DELETE FROM myit_olddeleted.members WHERE id = 1");
  wait_until([&] { return !customers_by_id(mock).contains("1"); }, 60s, "the delete");
  db.exec("UPDATE myit_olddeleted.users SET plan = 'pro' WHERE id = 1");
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "the update");
  CHECK(customers_by_id(mock).at("1") == json{{"id", 1},
                                              {"email", "a@x.io"},
                                              {"name", "Ada"},
                                              {"plan", "pro"},
                                              {"city", "Oslo"},
                                              {"score", 5}});
  CHECK(connector.terminate() == 0);
}

TEST_CASE("send changed: run --dry-run shows the store's skips for a customer it knows") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_sendchg_known");
  db.fresh_schema("pgit_sendchg_known");
  db.exec(
      "CREATE TABLE pgit_sendchg_known.users (id bigint PRIMARY KEY, email text, name text, "
      "plan text, city text, score int, seen_at text);"
      "ALTER TABLE pgit_sendchg_known.users REPLICA IDENTITY FULL");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_sendchg_known",
                                .mappings = {{"users.yaml", users_mapping("pgit_sendchg_known")}}});
  connector.start();
  db.exec(
      "INSERT INTO pgit_sendchg_known.users VALUES (1, 'a@x.io', 'Ada', 'free', 'Oslo', 5, 'n')");
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "customer 1 in Retainly");
  CHECK(connector.terminate() == 0);

  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming from temporary slot", 60s);
  db.exec("UPDATE pgit_sendchg_known.users SET plan = 'pro' WHERE id = 1");
  const std::vector<json> lines = lines_after_stop(*dry, 2);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("body") == json{{"customers", {{{"id", 1}, {"plan", "pro"}}}}});
  // The store sent customer 1's fields: its stamps judge them, as the daemon's would.
  CHECK(lines[1].at("skipped") == "same as last acknowledged send");
  CHECK(lines[1].at("whole_call") == false);
  CHECK(lines[1].at("fields") == json{"email", "name", "city", "score"});
  db.drop_replication_objects("cdc_it_sendchg_known");
}
