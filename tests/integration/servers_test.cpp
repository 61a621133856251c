// The test environment itself: the servers scripts/test starts are configured the way
// the connector needs them, their control scripts work, and the support helpers behave.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.h"
#include "support/mock_server.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using cdc::test::ChildOptions;
using cdc::test::ChildProcess;
using cdc::test::MysqlTestDb;
using cdc::test::PgTestDb;
using cdc::test::test_env;

namespace {

// Runs a control script (CDC_TEST_PG_CTL / CDC_TEST_MYSQL_CTL) and returns its exit code.
int run_ctl(const std::string& variable, std::vector<std::string> args) {
  ChildProcess ctl(test_env(variable.c_str()), std::move(args));
  return ctl.wait_exit(150s);
}

}  // namespace

TEST_CASE("servers: PostgreSQL answers with wal_level=logical and a replication role") {
  PgTestDb db;
  CHECK(db.query_value("SHOW wal_level") == "logical");
  CHECK(db.query_value("SHOW logical_decoding_work_mem") == "64kB");
  CHECK(db.query_value("SELECT current_user") == "cdc");
  CHECK(db.query_value("SELECT rolreplication FROM pg_roles WHERE rolname = current_user") == "t");
  CHECK(db.query_value("SELECT current_setting('server_version_num')::int / 10000") == "15");
}

TEST_CASE("servers: a pgoutput slot and publication can be made and are dropped by prefix") {
  PgTestDb db;
  db.drop_replication_objects("servers_test_");
  db.fresh_schema("servers_test");
  db.exec("CREATE TABLE servers_test.t (id int PRIMARY KEY, name text)");
  db.exec("CREATE PUBLICATION servers_test_pub FOR TABLE servers_test.t");
  db.exec("SELECT pg_create_logical_replication_slot('servers_test_slot', 'pgoutput')");
  db.exec("INSERT INTO servers_test.t VALUES (1, 'one')");
  auto changes = db.query_json(
      "SELECT count(*) AS n FROM pg_logical_slot_peek_binary_changes('servers_test_slot', NULL, "
      "NULL, 'proto_version', '1', 'publication_names', 'servers_test_pub')");
  CHECK(std::stoi(changes.at(0).at("n").get<std::string>()) >= 3);  // begin, insert, commit

  db.drop_replication_objects("servers_test_");
  CHECK(db.query_value("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE "
                       "'servers\\_test\\_%'") == "0");
  CHECK(db.query_value("SELECT count(*) FROM pg_publication WHERE pubname LIKE "
                       "'servers\\_test\\_%'") == "0");
  db.exec("DROP SCHEMA servers_test CASCADE");
}

TEST_CASE("servers: MariaDB answers with a row-based, full-image binlog") {
  MysqlTestDb db;
  CHECK(db.query_value("SELECT @@log_bin") == "1");
  CHECK(db.query_value("SELECT @@binlog_format") == "ROW");
  CHECK(db.query_value("SELECT @@binlog_row_image") == "FULL");
  CHECK(db.query_value("SELECT @@binlog_row_metadata") == "FULL");
  CHECK(db.query_value("SELECT @@version")->find("10.11") == 0);
  CHECK(db.query_value("SELECT DATABASE()") == "cdc_test");
  // The replication grants: reading the binlog position needs BINLOG MONITOR.
  auto status = db.query_json("SHOW MASTER STATUS");
  REQUIRE(status.size() == 1);
  CHECK(status[0].at("File").get<std::string>().find("binlog.") == 0);
}

TEST_CASE("support: MysqlTestDb runs multi-statement SQL and returns rows as text") {
  MysqlTestDb db;
  db.fresh_database("servers_test");
  db.exec(
      "CREATE TABLE servers_test.t (id INT PRIMARY KEY, name VARCHAR(20)); "
      "INSERT INTO servers_test.t VALUES (1, 'één'), (2, NULL)");
  auto rows = db.query_json("SELECT id, name FROM servers_test.t ORDER BY id");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == nlohmann::json{{"id", "1"}, {"name", "één"}});
  CHECK(rows[1].at("name").is_null());
  CHECK_THROWS_WITH_AS(db.exec("SELECT * FROM servers_test.missing"),
                       doctest::Contains("doesn't exist"), std::runtime_error);
  db.exec("DROP DATABASE servers_test");
}

TEST_CASE("servers: the control scripts restart both servers on the same ports") {
  REQUIRE(run_ctl("CDC_TEST_MYSQL_CTL", {"restart"}) == 0);
  CHECK(MysqlTestDb().query_value("SELECT @@port") == test_env("CDC_TEST_MYSQL_PORT"));

  REQUIRE(run_ctl("CDC_TEST_PG_CTL", {"stop", "-m", "immediate"}) == 0);
  CHECK_THROWS(PgTestDb());
  REQUIRE(run_ctl("CDC_TEST_PG_CTL", {"start"}) == 0);
  // pg_ctl start returns once the server accepts connections.
  CHECK(PgTestDb().query_value("SHOW port") == test_env("CDC_TEST_PG_PORT"));
}

TEST_CASE("support: a child's lines, environment, signal and exit code are observable") {
  ChildOptions options;
  options.env = {{"CDC_SUPPORT_GREETING", "hello from the environment"}};
  ChildProcess child("/bin/sh",
                     {"-c",
                      "echo \"$CDC_SUPPORT_GREETING\"; echo to-stderr >&2; "
                      "trap 'echo got TERM; exit 7' TERM; echo ready; "
                      "while :; do sleep 0.05; done"},
                     options);
  auto ready = child.wait_for_line("^(rea)dy$", 10s);
  CHECK(ready.groups.at(1) == "rea");
  CHECK(child.find_line("^hello from the environment$").has_value());
  CHECK(child.find_line("^to-stderr$").has_value());
  CHECK_FALSE(child.find_line("^hello", ready.after).has_value());
  CHECK(child.running());

  child.signal(SIGTERM);
  CHECK(child.wait_exit(10s) == 7);
  CHECK(child.stdout_text().find("got TERM") != std::string::npos);
  CHECK_FALSE(child.running());
}

TEST_CASE("support: a child killed by a signal reports 128 + the signal") {
  ChildProcess child("/bin/sh", {"-c", "kill -KILL $$"});
  CHECK(child.wait_exit(10s) == 128 + SIGKILL);
}

TEST_CASE("support: wait_until returns once the condition holds") {
  int calls = 0;
  cdc::test::wait_until([&] { return ++calls == 3; }, 10s, "the third call");
  CHECK(calls == 3);
  CHECK_FALSE(cdc::test::poll_until([] { return false; }, 20ms));
}

#ifdef CDC_MOCK_BIN
TEST_CASE("servers: retainly-mock starts on a free port and answers /_state") {
  cdc::test::MockServer mock;
  CHECK(mock.port() > 0);
  CHECK(mock.url() == "http://127.0.0.1:" + std::to_string(mock.port()));
  auto state = mock.state();
  CHECK(state.at("customers").empty());
  CHECK(state.at("events").empty());
  mock.reset();
  CHECK(mock.set_faults({{"latency_ms", 0}}).is_object());
}
#endif
