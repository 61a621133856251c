// `retainly-cdc run --dry-run`: the calls that would be sent, one JSON line each on
// stdout, nothing sent to Retainly and the slot's confirmed position never moved.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <sstream>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_dryrun";

const std::string kMapping = R"yaml(table: pgit_dryrun.users
customer:
  id: id
  fields:
    email: { column: email, transform: [trim, lower] }
  on_delete: delete
events:
  - name: signed_up
    on: insert
    data: { email: email }
)yaml";

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO("stdout line: " << line);
    REQUIRE(nlohmann::json::accept(line));
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

}  // namespace

TEST_CASE("run --dry-run prints every call as a JSON line and moves no offset") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_dryrun");
  db.exec("CREATE TABLE pgit_dryrun.users (id bigint PRIMARY KEY, email text)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kMapping}}});
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming from slot " + std::string(kSlot), 60s);
  const auto slot_position = [&] {
    return db.query_value(
        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE "
        "slot_name = '" +
        std::string(kSlot) + "'");
  };
  const auto confirmed_at_start = slot_position();

  db.exec("INSERT INTO pgit_dryrun.users VALUES (1, ' Ann@Example.COM '), (2, 'bo@example.com')");
  db.exec("UPDATE pgit_dryrun.users SET email = 'ann@new.example' WHERE id = 1");
  db.exec("DELETE FROM pgit_dryrun.users WHERE id = 2");
  std::vector<nlohmann::json> lines;
  wait_until(
      [&] {
        lines = json_lines(dry->stdout_text());
        return lines.size() >= 6;
      },
      60s, "six dry-run lines");
  dry->signal(SIGTERM);
  CHECK(dry->wait_exit(60s) == 0);
  lines = json_lines(dry->stdout_text());
  REQUIRE(lines.size() == 6);

  // Two inserts (an upsert and an event each), an update, a delete, in source order.
  struct Expected {
    const char* method;
    const char* path;
    nlohmann::json body;
  };
  const std::vector<Expected> expected = {
      {"POST", "/customers", {{"customers", {{{"id", 1}, {"email", "ann@example.com"}}}}}},
      {"POST", "/events", {{"customer_id", 1}, {"event", "signed_up"}}},
      {"POST", "/customers", {{"customers", {{{"id", 2}, {"email", "bo@example.com"}}}}}},
      {"POST", "/events", {{"customer_id", 2}, {"event", "signed_up"}}},
      {"POST", "/customers", {{"customers", {{{"id", 1}, {"email", "ann@new.example"}}}}}},
      {"DELETE", "/customers", {{"customers_ids", {2}}}},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("line " << i << ": " << lines[i].dump());
    CHECK(lines[i].at("method") == expected[i].method);
    CHECK(lines[i].at("path") == expected[i].path);
    CHECK(lines[i].at("table") == "pgit_dryrun.users");
    CHECK(lines[i].at("position").get<std::string>().starts_with("pg:"));
    for (const auto& [key, value] : expected[i].body.items()) {
      CHECK(lines[i].at("body").at(key) == value);
    }
  }
  CHECK(lines[1].at("body").at("data").at("email") == " Ann@Example.COM ");

  CHECK(mock.stats().at("requests").empty());
  CHECK(slot_position() == confirmed_at_start);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("run --dry-run on MySQL beside the running daemon: both see the change") {
  MysqlTestDb db;
  db.fresh_database("myit_dry");
  db.exec("CREATE TABLE myit_dry.users (id BIGINT PRIMARY KEY, email VARCHAR(100))");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml",
                                              "table: myit_dry.users\ncustomer:\n"
                                              "  id: id\n  fields: { email: email }\n"}},
                                .mysql_server_id = 6501});
  connector.start();
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming the binlog of", 60s);
  db.exec("INSERT INTO myit_dry.users VALUES (1, 'both@x.io')");
  dry->wait_for_line("\"email\":\"both@x.io\"", 60s);
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "the daemon's delivery");
  // Neither stream was dropped for the other: they registered as different replicas.
  CHECK_FALSE(connector.process().find_line("lost the source connection").has_value());
  CHECK_FALSE(dry->find_line("lost the source connection").has_value());
  dry->signal(SIGTERM);
  CHECK(dry->wait_exit(60s) == 0);
  CHECK(connector.terminate() == 0);
}
