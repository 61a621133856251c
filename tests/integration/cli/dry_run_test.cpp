// `retainly-cdc run --dry-run`: the calls that would be sent, one JSON line each on
// stdout, nothing sent to Retainly, and nothing durable left on the source or in state_dir:
// PostgreSQL streams from a temporary slot of its own and only reads the publication,
// MySQL/MariaDB registers under another server id and stores no position.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_dryrun";
// The daemon's slot and publication in the test that runs one beside the dry run.
constexpr const char* kLiveSlot = "cdc_it_drylive";

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

// A second mapped table, whose customers have ids of their own (1000 and up).
const std::string kVipsMapping = R"yaml(table: pgit_dryrun.vips
customer:
  id: id
  fields: { vip_level: level }
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

void create_tables(PgTestDb& db) {
  db.fresh_schema("pgit_dryrun");
  db.exec(
      "CREATE TABLE pgit_dryrun.users (id bigint PRIMARY KEY, email text);"
      "CREATE TABLE pgit_dryrun.vips (id bigint PRIMARY KEY, level int)");
}

// The tables `publication` publishes, sorted, comma separated; "" when it has none or
// does not exist.
std::string published_tables(PgTestDb& db, const std::string& publication) {
  return db
      .query_value(
          "SELECT coalesce(string_agg(schemaname || '.' || tablename, ',' ORDER BY 1), '') "
          "FROM pg_publication_tables WHERE pubname = '" +
          publication + "'")
      .value_or("");
}

int slots_named(PgTestDb& db, const std::string& prefix) {
  return std::stoi(*db.query_value(
      "SELECT count(*) FROM pg_replication_slots WHERE starts_with(slot_name, '" + prefix + "')"));
}

// A temporary slot goes when its walsender notices the closed connection, a moment
// after the dry run exits.
void wait_for_slots(PgTestDb& db, const std::string& prefix, int count) {
  wait_until([&] { return slots_named(db, prefix) == count; }, 30s,
             std::to_string(count) + " replication slot(s) named " + prefix + "*");
}

}  // namespace

TEST_CASE("run --dry-run prints every call as a JSON line and leaves nothing behind") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  // The publication as an earlier `run` left it; a dry run only reads it.
  db.exec("CREATE PUBLICATION cdc_it_dryrun FOR TABLE pgit_dryrun.users");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kMapping}}});
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming from temporary slot " + std::string(kSlot), 60s);
  // Its own slot, gone with it; the configured one is never created.
  CHECK(slots_named(db, kSlot) == 1);
  CHECK(slots_named(db, std::string(kSlot) + "_dry") == 1);

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
  wait_for_slots(db, kSlot, 0);
  CHECK(published_tables(db, kSlot) == "pgit_dryrun.users");
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
  db.drop_replication_objects(kSlot);
}

TEST_CASE("run --dry-run killed leaves no slot behind, and the next one removes its files") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  db.exec("CREATE PUBLICATION cdc_it_dryrun FOR TABLE pgit_dryrun.users");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kMapping}}});
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming from temporary slot " + std::string(kSlot), 60s);
  REQUIRE(slots_named(db, kSlot) == 1);
  // Its scratch directory (spilled transactions) cannot go with it: the next dry run
  // removes it.
  const auto scratch = std::filesystem::temp_directory_path() /
                       ("retainly-cdc-dry-run-" + std::to_string(dry->pid()));
  CHECK(std::filesystem::exists(scratch));
  dry->signal(SIGKILL);
  CHECK(dry->wait_exit(30s) == 128 + SIGKILL);
  // The server drops a temporary slot when its walsender ends with the connection.
  wait_for_slots(db, kSlot, 0);
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
  CHECK(std::filesystem::exists(scratch));
  auto next = connector.command({"run", "--dry-run"});
  next->wait_for_line("streaming from temporary slot " + std::string(kSlot), 60s);
  CHECK_FALSE(std::filesystem::exists(scratch));
  next->signal(SIGTERM);
  CHECK(next->wait_exit(30s) == 0);
  wait_for_slots(db, kSlot, 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("run --dry-run beside the daemon leaves its publication alone; it delivers every table") {
  PgTestDb db;
  db.drop_replication_objects(kLiveSlot);
  create_tables(db);
  MockServer mock;
  ConnectorRun daemon(mock, {.slot = kLiveSlot,
                             .mappings = {{"users.yaml", kMapping}, {"vips.yaml", kVipsMapping}}});
  daemon.start();
  REQUIRE(published_tables(db, kLiveSlot) == "pgit_dryrun.users,pgit_dryrun.vips");
  // The same slot and publication names, one of the two mappings.
  ConnectorRun dry_config(mock, {.slot = kLiveSlot, .mappings = {{"users.yaml", kMapping}}});
  auto dry = dry_config.command({"run", "--dry-run"});
  wait_until(
      [&] {
        return !dry->running() || dry->find_line("streaming from temporary slot").has_value();
      },
      60s, "the dry run to stream or exit");
  CHECK(published_tables(db, kLiveSlot) == "pgit_dryrun.users,pgit_dryrun.vips");
  REQUIRE(dry->running());

  db.exec("INSERT INTO pgit_dryrun.users VALUES (1, 'ann@example.com')");
  db.exec("INSERT INTO pgit_dryrun.vips VALUES (1000, 3)");
  wait_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.contains("1") && customers.contains("1000");
      },
      60s, "the daemon's delivery of both tables");
  CHECK(customers_by_id(mock).at("1000").at("vip_level") == 3);
  dry->wait_for_line("\"email\":\"ann@example.com\"", 60s);
  dry->signal(SIGTERM);
  CHECK(dry->wait_exit(60s) == 0);
  // The dry run maps users only: the vips row it also received is not shown.
  CHECK(dry->stdout_text().find("pgit_dryrun.vips") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dry_config.state_dir()));

  // Only the daemon's slot is left, and the daemon still streams both tables.
  wait_for_slots(db, kLiveSlot, 1);
  CHECK(slots_named(db, kLiveSlot) == 1);
  db.exec("UPDATE pgit_dryrun.vips SET level = 4 WHERE id = 1000");
  wait_until([&] { return customers_by_id(mock).at("1000").at("vip_level") == 4; }, 60s,
             "the daemon's delivery of a vips update after the dry run");
  CHECK(daemon.terminate() == 0);
  db.drop_replication_objects(kLiveSlot);
}

TEST_CASE("run --dry-run refuses a publication that misses a mapped table, naming it and the fix") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot, .mappings = {{"users.yaml", kMapping}, {"vips.yaml", kVipsMapping}}});

  // No publication at all.
  auto missing = connector.command({"run", "--dry-run"});
  CHECK(missing->wait_exit(60s) == 4);
  INFO(missing->stderr_text());
  CHECK(missing->stderr_text().find(
            "CREATE PUBLICATION cdc_it_dryrun FOR TABLE pgit_dryrun.users, pgit_dryrun.vips") !=
        std::string::npos);
  CHECK(db.query_value("SELECT count(*) FROM pg_publication WHERE pubname = 'cdc_it_dryrun'") ==
        "0");

  // A publication without one of the mapped tables.
  db.exec("CREATE PUBLICATION cdc_it_dryrun FOR TABLE pgit_dryrun.users");
  auto partial = connector.command({"run", "--dry-run"});
  CHECK(partial->wait_exit(60s) == 4);
  INFO(partial->stderr_text());
  CHECK(partial->stderr_text().find("does not publish pgit_dryrun.vips") != std::string::npos);
  CHECK(partial->stderr_text().find("ALTER PUBLICATION cdc_it_dryrun ADD TABLE pgit_dryrun.vips") !=
        std::string::npos);
  CHECK(published_tables(db, kSlot) == "pgit_dryrun.users");
  CHECK(slots_named(db, kSlot) == 0);
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
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
  // The dry run shares the daemon's last-sent store: when the daemon's send was
  // acknowledged before the dry run mapped the row, the dry run rightly reports the call
  // as skipped instead of printing it. Either line shows that it saw the change.
  dry->wait_for_line(
      "\"email\":\"both@x.io\"|\"skipped\":\"same as last acknowledged "
      "send\",\"call\":\"customer_upsert\",\"customer_id\":1,",
      60s);
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "the daemon's delivery");
  // Neither stream was dropped for the other: they registered as different replicas.
  CHECK_FALSE(connector.process().find_line("lost the source connection").has_value());
  CHECK_FALSE(dry->find_line("lost the source connection").has_value());
  dry->signal(SIGTERM);
  CHECK(dry->wait_exit(60s) == 0);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("run --dry-run on MySQL stores no position and writes no watermark") {
  MysqlTestDb db;
  db.fresh_database("myit_dry");
  db.exec("DROP DATABASE IF EXISTS myit_dry_marks");
  db.exec("CREATE TABLE myit_dry.users (id BIGINT PRIMARY KEY, email VARCHAR(100))");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml",
                                              "table: myit_dry.users\ncustomer:\n"
                                              "  id: id\n  fields: { email: email }\n"}},
                                .source_config = "  watermark_table: myit_dry_marks.watermarks\n",
                                .mysql_server_id = 6502});
  auto dry = connector.command({"run", "--dry-run"});
  dry->wait_for_line("streaming the binlog of", 60s);
  db.exec("INSERT INTO myit_dry.users VALUES (1, 'dry@x.io')");
  dry->wait_for_line("\"email\":\"dry@x.io\"", 60s);
  dry->signal(SIGTERM);
  CHECK(dry->wait_exit(60s) == 0);
  CHECK(mock.stats().at("requests").empty());
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
  CHECK(db.query_value("SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                       "'myit_dry_marks'") == "0");
}
