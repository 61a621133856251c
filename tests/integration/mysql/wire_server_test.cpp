// The real `retainly-cdc run` and `check` against tests/support/mysql_wire_server: a test
// double that greets as Oracle MySQL 8.0 / 8.4, authenticates as MySQL does, answers what
// each version answers, and streams a binlog file a real MySQL 8 wrote. It runs the
// MySQL-only paths no local server can (Debian ships MariaDB): the login plugins,
// SHOW BINARY LOG STATUS after 8.4's syntax error, COM_BINLOG_DUMP_GTID, the
// @source_* variables, error 1236.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "connectors/mysql/gtid_set.h"
#include "support/connector_run.h"
#include "support/mysql_wire_scripts.h"
#include "support/mysql_wire_server.h"
#include "support/temp_dir.h"
#include "support/wait_until.h"
#include "wire_harness.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(CDC_FIXTURES_DIR) / "mysql8" / name;
}

// json.binlog.000001 (MySQL 8.0.22, CRC32): mysql.t (id INT PRIMARY KEY, json_col JSON,
// name and age generated from the document). Three inserts, an INSERT ... SELECT copying
// them as ids 4-6, a full-image UPDATE of every age + 1, then JSON_SET(age + 1) logged as
// PARTIAL_UPDATE_ROWS_EVENTs (tests/unit/mysql/fixture_mysql8_test.cpp) from offset 3527
// on. Those carry a before image without the document (binlog_row_image=MINIMAL), which
// the connector refuses by design; the streaming tests serve the file up to them.
constexpr uint64_t kJsonBeforePartialUpdates = 3527;
constexpr const char* kJsonMapping = R"yaml(table: mysql.t
customer:
  id: id
  fields:
    name: name
    age: age
  on_delete: delete
)yaml";

// The table's catalog, for binlogs written with binlog_row_metadata=MINIMAL.
void script_json_catalog(MysqlWireServer& server) {
  server.answer_regex(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema\\.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 't'.*",
      cdc::test::wire::ResultSet{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"},
                                 {{"id", "int", std::nullopt, "PRI"},
                                  {"json_col", "json", std::nullopt, ""},
                                  {"name", "varchar(100)", "utf8mb4", ""},
                                  {"age", "int", std::nullopt, ""}}});
}

ConnectorSetup wire_setup(const MysqlWireServer& server, uint32_t server_id) {
  return wire_setup(server, server_id, {{"t.yaml", kJsonMapping}});
}

bool sent(const MysqlWireServer& server, const std::string& sql) {
  const auto queries = server.queries();
  return std::find(queries.begin(), queries.end(), sql) != queries.end();
}

// What the fixture's rows are after the full-image UPDATE: every age raised once.
void check_json_customers(const MockServer& mock, ConnectorRun& connector) {
  const bool arrived = poll_until(
      [&] {
        const auto customers = customers_by_id(mock);
        return customers.size() == 6 && customers.at("6").value("age", 0) == 41;
      },
      60s);
  REQUIRE_MESSAGE(arrived,
                  "the six rows of json.binlog, their last partial update, did not "
                  "reach the mock: "
                      << mock.state().dump() << "\n"
                      << connector.process().describe());
  const auto customers = customers_by_id(mock);
  const std::pair<const char*, int> expected[] = {{"Joe", 25}, {"Sue", 33}, {"Pete", 41},
                                                  {"Joe", 25}, {"Sue", 33}, {"Pete", 41}};
  for (int id = 1; id <= 6; ++id) {
    INFO("customer ", id, ": ", customers.at(std::to_string(id)).dump());
    const auto& c = customers.at(std::to_string(id));
    CHECK(c.at("name") == expected[id - 1].first);
    CHECK(c.at("age") == expected[id - 1].second);
  }
}

}  // namespace

TEST_CASE("mysql wire: 8.0 with mysql_native_password streams a MySQL 8 binlog to the mock") {
  MysqlWireServer server({.server_version = "8.0.36",
                          .auth_plugin = "mysql_native_password",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6101));
  connector.start();
  check_json_customers(mock, connector);
  CHECK(connector.terminate() == 0);

  check_conversation(server);
  CHECK(sent(server, "SHOW MASTER STATUS"));
  CHECK(!sent(server, "SHOW BINARY LOG STATUS"));
  CHECK(sent(server, "SET @master_binlog_checksum = 'CRC32'"));
  CHECK(sent(server, "SET @source_binlog_checksum = 'CRC32'"));
  // The file has no column names (binlog_row_metadata=MINIMAL): they came from the catalog.
  CHECK(sent(server,
             "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
             "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 't' "
             "ORDER BY ORDINAL_POSITION"));
  // gtid_mode OFF: the file and position of SHOW MASTER STATUS.
  const auto dumps = server.dumps();
  REQUIRE(dumps.size() == 1);
  CHECK(dumps[0].command == 0x12);
  CHECK(dumps[0].payload.substr(10) == "binlog.000001");
}

TEST_CASE("mysql wire: 8.4 with caching_sha2_password, SHOW BINARY LOG STATUS and GTID dump") {
  MysqlWireServer server({.server_version = "8.4.2",
                          .auth_plugin = "caching_sha2_password",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates});
  const std::string gtids = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";
  script_mysql_source(server, {.gtid_mode = true, .gtid_executed = gtids});
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6102));
  connector.start();
  check_json_customers(mock, connector);
  CHECK(connector.terminate() == 0);

  check_conversation(server);
  // 8.4 refused the old statement; the connector asked again with the new one.
  CHECK(sent(server, "SHOW MASTER STATUS"));
  CHECK(sent(server, "SHOW BINARY LOG STATUS"));
  const auto dumps = server.dumps();
  REQUIRE(dumps.size() == 1);
  CHECK(dumps[0].command == 0x1e);
  // The encoded set: one SID, one interval 1-6 (end exclusive) after the 8-byte count.
  const auto& payload = dumps[0].payload;
  REQUIRE(payload.size() >= 4 + 8 + 8 + 16 + 8 + 16);
  CHECK(payload.substr(payload.size() - 16) ==
        std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00", 16));
}

TEST_CASE("mysql wire: a wrong password is refused with MySQL's error 1045") {
  MysqlWireServer server({.server_version = "8.0.36", .auth_plugin = "caching_sha2_password"});
  script_mysql_source(server);
  MockServer mock;
  auto setup = wire_setup(server, 6103);
  setup.mysql_password = "not-the-password";
  ConnectorRun connector(mock, setup);
  connector.start_waiting_for("Access denied for user 'cdc'");
  CHECK(server.refused_logins() >= 1);
  CHECK(server.logins() == 0);
}

TEST_CASE("mysql wire: error 1236 for a purged binlog stops the connector with a resync hint") {
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("json.binlog.000001"),
                          .dump_error = purged_binlog_error()});
  script_mysql_source(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6104));
  connector.start_waiting_for("Could not find first log file name");
  const auto line = connector.process().wait_for_line("purged", 30s);
  CHECK(line.line.find("Resync required") != std::string::npos);
  CHECK(connector.process().wait_exit(30s) != 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: error 1236 for a server id clash names source.server_id") {
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("json.binlog.000001"),
                          .dump_error = server_id_clash_error()});
  script_mysql_source(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6105));
  connector.start_waiting_for("A replica with the same server_uuid/server_id");
  connector.process().wait_for_line("another replica connected with source.server_id 6105", 30s);
  CHECK(connector.process().wait_exit(30s) != 0);
}

TEST_CASE("mysql wire: a partial JSON update without the document stops with what to set") {
  MysqlWireServer server({.server_version = "8.0.36", .binlog = fixture("json.binlog.000001")});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6106));
  connector.start();
  const auto line = connector.process().wait_for_line("partial JSON update", 60s);
  CHECK(line.line.find("binlog_row_value_options") != std::string::npos);
  CHECK(connector.process().wait_exit(30s) != 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: a connection dropped mid-stream is resumed and nothing is lost") {
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates,
                          .drop_after_events = 12});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6107));
  connector.start();
  check_json_customers(mock, connector);
  const auto dumps = server.dumps();
  REQUIRE(dumps.size() >= 2);
  // The reconnection asks from the last position the mock acknowledged (4 when none was
  // by the time of the drop: the upserts are sent again, to the same end state).
  MESSAGE("the reconnection resumed at " << cdc::test::wire::Reader(dumps[1].payload).int_le(4));
  CHECK(connector.terminate() == 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: a connection cut inside an event is resumed; no call lost or repeated") {
  // json.binlog up to its partial updates: three inserts, three more by INSERT ... SELECT,
  // one UPDATE raising every age. The first dump is cut 40 bytes into its 13th event's
  // packet; every row change must reach the mock once, as one event each.
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates,
                          .drop_after_events = 12,
                          .drop_mid_event_bytes = 40});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6121, {{"t.yaml", R"yaml(table: mysql.t
events:
  - name: row_inserted
    on: insert
    customer_id: id
    data: { name: name, age: age }
  - name: row_updated
    on: update
    customer_id: id
    data: { old_age: before.age, age: age }
)yaml"}}));
  connector.start();
  using nlohmann::json;
  std::vector<json> expected;
  const std::pair<const char*, int> rows[] = {{"Joe", 24}, {"Sue", 32}, {"Pete", 40}};
  for (int id = 1; id <= 6; ++id) {
    const auto& [name, age] = rows[(id - 1) % 3];
    expected.push_back(
        {{"event", "row_inserted"}, {"customer_id", id}, {"data", {{"name", name}, {"age", age}}}});
    expected.push_back({{"event", "row_updated"},
                        {"customer_id", id},
                        {"data", {{"old_age", age}, {"age", age + 1}}}});
  }
  check_events(mock, connector, expected);
  REQUIRE(server.dumps().size() >= 2);
  connector.process().wait_for_line("lost the source connection: .*Lost connection", 1s);
  MESSAGE("the reconnection resumed at "
          << cdc::test::wire::Reader(server.dumps()[1].payload).int_le(4));
  // No event twice: their keys are the changes' binlog positions.
  std::set<std::string> keys;
  const json state = mock.state();
  for (const auto& e : state.at("events")) keys.insert(e.at("data").at("event_key"));
  CHECK(keys.size() == expected.size());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

namespace {

// What `check` asks a MySQL 8.0 beyond what `run` does, answered as by a server set up
// as docs/mysql.md says, with binlog_row_metadata left at MySQL's default (MINIMAL).
// 8.4 removed expire_logs_days: SHOW GLOBAL VARIABLES finds nothing.
void script_check_answers(MysqlWireServer& server, const std::string& grants) {
  const bool has_expire_logs_days =
      mysql_version(server.options().server_version) < std::pair{8, 4};
  auto variable = [&](const std::string& name, const std::string& value) {
    server.answer("SHOW GLOBAL VARIABLES LIKE '" + name + "'", variable_row(name, value));
  };
  variable("binlog_row_image", "FULL");
  variable("binlog_row_metadata", "MINIMAL");
  variable("binlog_row_value_options", "");
  variable("server_id", "1");
  variable("binlog_expire_logs_seconds", "2592000");
  if (has_expire_logs_days) {
    variable("expire_logs_days", "0");
  } else {
    server.answer("SHOW GLOBAL VARIABLES LIKE 'expire_logs_days'",
                  cdc::test::wire::ResultSet{{"Variable_name", "Value"}, {}});
  }
  server.answer(
      "SHOW REPLICA HOSTS",
      cdc::test::wire::ResultSet{{"Server_Id", "Host", "Port", "Source_Id", "Replica_UUID"}, {}});
  server.answer("CALL mysql.rds_show_configuration",
                WireError{1305, "42000", "PROCEDURE mysql.rds_show_configuration does not exist"});
  server.answer("SHOW GRANTS",
                cdc::test::wire::ResultSet{{"Grants for cdc@%"},
                                           {{grants}, {"GRANT SELECT ON `mysql`.* TO `cdc`@`%`"}}});
  server.answer(
      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'retainly_cdc' AND "
      "TABLE_NAME = 'watermarks'",
      cdc::test::wire::ResultSet{{"1"}, {}});
  server.answer(
      "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
      "'mysql' AND TABLE_NAME = 't'",
      cdc::test::wire::ResultSet{
          {"COLUMN_NAME", "DATA_TYPE"},
          {{"id", "int"}, {"json_col", "json"}, {"name", "varchar"}, {"age", "int"}}});
}

// `retainly-cdc check` against `server` as source.server_id `server_id`: it passes (exit 0)
// or fails as `expected`, and a line of its output matches the regex `pattern`.
enum class Check { kPasses, kFails };
void expect_check(MysqlWireServer& server, uint32_t server_id, Check expected,
                  const std::string& pattern) {
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, server_id));
  auto check = connector.command({"check"});
  const int code = check->wait_exit(60s);
  INFO(check->describe());
  CHECK((code == 0) == (expected == Check::kPasses));
  check->wait_for_line(pattern, 1s);
}

}  // namespace

TEST_CASE("mysql wire: check passes on MySQL 8.0 with REPLICATION SLAVE, REPLICATION CLIENT") {
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_check_answers(server, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`");
  expect_check(server, 6108, Check::kPasses, "binlog_row_metadata is MINIMAL");
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: check names the REPLICATION CLIENT grant MySQL 8 needs") {
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_check_answers(server, "GRANT REPLICATION SLAVE ON *.* TO `cdc`@`%`");
  expect_check(server, 6109, Check::kFails, "GRANT REPLICATION CLIENT ON \\*\\.\\* TO 'cdc'");
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: 9.x tagged GTIDs; a restart asks COM_BINLOG_DUMP_GTID for the stored set") {
  // binlog_transaction_with_GTID_TAG.000001 (MySQL 9.6, minimal metadata): after the
  // Previous_gtids ...:1-13:mytag:1-2, one transaction ...:mytag:3 inserting (3, 100,
  // 250.00) into test.orders.
  const std::string uuid = "55778904-0299-11f1-b1b8-4ef0c4956feb";
  MysqlWireServer server({.server_version = "9.6.0",
                          .auth_plugin = "caching_sha2_password",
                          .binlog = fixture("binlog_transaction_with_GTID_TAG.000001"),
                          .binlog_name = "binlog.000005"});
  script_mysql_source(server, {.gtid_mode = true, .gtid_executed = uuid + ":1-13:mytag:1-2"});
  server.answer(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'test' AND TABLE_NAME = 'orders' "
      "ORDER BY ORDINAL_POSITION",
      cdc::test::wire::ResultSet{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"},
                                 {{"id", "int", std::nullopt, "PRI"},
                                  {"customer_id", "int", std::nullopt, ""},
                                  {"amount", "decimal(10,2)", std::nullopt, ""}}});
  MockServer mock;
  auto setup = wire_setup(server, 6110);
  setup.mappings = {{"orders.yaml", R"yaml(table: test.orders
customer:
  id: id
  fields:
    amount: amount
)yaml"}};
  ConnectorRun connector(mock, setup);
  connector.start();
  wait_until([&] { return customers_by_id(mock).contains("3"); }, 60s,
             "order 3 of the tagged GTID transaction");
  CHECK(customers_by_id(mock).at("3").at("amount").dump().find("250") != std::string::npos);
  CHECK(connector.terminate() == 0);

  connector.start();
  wait_until([&] { return server.dumps().size() == 2; }, 60s, "the second dump request");
  CHECK(connector.terminate() == 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
  const auto dumps = server.dumps();
  auto dumped_set = [](const DumpRequest& dump) {
    // flags(2) server_id(4) name length(4) name(0) position(8) set length(4) set
    cdc::test::wire::Reader r(dump.payload);
    r.bytes(6);
    r.bytes(r.int_le(4));
    r.int_le(8);
    return r.bytes(r.int_le(4));
  };
  auto encoded = [](const std::string& text) {
    const auto set = cdc::mysql::MysqlGtidSet::parse(text);
    REQUIRE(set);
    return set->encode();
  };
  CHECK(dumps[0].command == 0x1e);
  CHECK(dumps[1].command == 0x1e);
  CHECK(dumped_set(dumps[0]) == encoded(uuid + ":1-13:mytag:1-2"));
  // The restart resumes after the transaction the first run delivered.
  CHECK(dumped_set(dumps[1]) == encoded(uuid + ":1-13:mytag:1-3"));
}

TEST_CASE("mysql wire: a zstd-compressed transaction payload reaches the mock") {
  // transaction_compression.000001 (MySQL 8.0.32, binlog_transaction_compression=ON): one
  // TRANSACTION_PAYLOAD_EVENT holding the INSERT of (1) into test.tb1.
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("transaction_compression.000001"),
                          .binlog_name = "binlog.000043"});
  script_mysql_source(server);
  server.answer(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'test' AND TABLE_NAME = 'tb1' "
      "ORDER BY ORDINAL_POSITION",
      cdc::test::wire::ResultSet{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"},
                                 {{"id", "int", std::nullopt, "PRI"}}});
  MockServer mock;
  auto setup = wire_setup(server, 6111);
  setup.mappings = {{"tb1.yaml", "table: test.tb1\ncustomer:\n  id: id\n"}};
  ConnectorRun connector(mock, setup);
  connector.start();
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s,
             "the row of the compressed transaction");
  CHECK(customers_by_id(mock).size() == 1);
  CHECK(connector.terminate() == 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: invisible columns are read like the others") {
  // binlog-invisible-columns.000001 (MySQL 8.0.26): mysql.t1 (f1 INT UNSIGNED INVISIBLE,
  // f2 INT UNSIGNED INVISIBLE, f3 INT, f4 TEXT, f5 BLOB, f6 BIGINT UNSIGNED INVISIBLE);
  // rows (1, 2, -3, '4', x'05', 6000000000) and (NULL, NULL, -33, '44', 'U', NULL), the
  // second updated to (111, 222, -333, '444', 'U', NULL). The binlog names no columns
  // (minimal metadata); information_schema lists invisible columns in their place.
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = fixture("binlog-invisible-columns.000001")});
  script_mysql_source(server);
  server.answer(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 't1' "
      "ORDER BY ORDINAL_POSITION",
      cdc::test::wire::ResultSet{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"},
                                 {{"f1", "int unsigned", std::nullopt, ""},
                                  {"f2", "int unsigned", std::nullopt, ""},
                                  {"f3", "int", std::nullopt, ""},
                                  {"f4", "text", "utf8mb4", ""},
                                  {"f5", "blob", std::nullopt, ""},
                                  {"f6", "bigint unsigned", std::nullopt, ""}}});
  MockServer mock;
  auto setup = wire_setup(server, 6112);
  setup.mappings = {{"t1.yaml", R"yaml(table: mysql.t1
customer:
  id: f4
  fields:
    f1: f1
    f3: f3
    f6: f6
)yaml"}};
  ConnectorRun connector(mock, setup);
  connector.start();
  wait_until([&] { return customers_by_id(mock).contains("444"); }, 60s,
             "the updated row of binlog-invisible-columns");
  const auto customers = customers_by_id(mock);
  INFO(mock.state().dump());
  REQUIRE(customers.contains("4"));
  CHECK(customers.at("4").at("f1") == 1);
  CHECK(customers.at("4").at("f3") == -3);
  CHECK(customers.at("4").at("f6") == 6000000000LL);
  CHECK(customers.at("444").at("f1") == 111);
  CHECK(customers.at("444").at("f3") == -333);
  CHECK(connector.terminate() == 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: caching_sha2_password full authentication without TLS (RSA key)") {
  // What a default MySQL 8 does for an account whose password the server has not cached
  // yet (after a restart, before any TLS login): 0x01 0x04, then the password must come
  // RSA-encrypted with the server's public key.
  MysqlWireServer server({.server_version = "8.0.36",
                          .auth_plugin = "caching_sha2_password",
                          .sha2_cached = false,
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6113));
  connector.start();
  check_json_customers(mock, connector);
  CHECK(server.rsa_logins() >= 1);
  CHECK(server.refused_logins() == 0);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql wire: check on MySQL 8.4 warns about a binlog kept for less than a day") {
  MysqlWireServer server({.server_version = "8.4.2"});
  script_mysql_source(server);
  script_check_answers(server, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`");
  server.answer("SHOW GLOBAL VARIABLES LIKE 'binlog_expire_logs_seconds'",
                variable_row("binlog_expire_logs_seconds", "3600"));
  expect_check(server, 6114, Check::kPasses,
               "warning: .*binlog_expire_logs_seconds 3600.*less than 24 hours");
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: check says what binlog_order_commits=OFF does to snapshots") {
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_check_answers(server, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`");
  server.answer("SHOW GLOBAL VARIABLES LIKE 'binlog_order_commits'",
                variable_row("binlog_order_commits", "OFF"));
  // wire_setup leaves snapshots off: a note, not a problem.
  expect_check(server, 6130, Check::kPasses,
               "note: binlog_order_commits is OFF: .*SET PERSIST binlog_order_commits");
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: a dump the server ends with EOF is reconnected") {
  MysqlWireServer server({.server_version = "8.0.36",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates,
                          .keep_open = false});
  script_mysql_source(server);
  script_json_catalog(server);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6115));
  connector.start();
  check_json_customers(mock, connector);
  wait_until([&] { return server.dumps().size() >= 2; }, 60s, "a new dump after the EOF");
  connector.process().wait_for_line("ended the binlog stream", 1s);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql wire: check finds another replica registered with source.server_id") {
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_check_answers(server, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`");
  server.answer(
      "SHOW REPLICA HOSTS",
      cdc::test::wire::ResultSet{
          {"Server_Id", "Host", "Port", "Source_Id", "Replica_UUID"},
          {{"6116", "replica-7.example", "3306", "1", "4ad8ef06-71ca-11e1-9e33-c80aa9429562"}}});
  expect_check(server, 6116, Check::kFails,
               "source.server_id 6116 is already used by a replica on host replica-7");
}

TEST_CASE("mysql wire: TLS verified against the server's CA; full authentication over it") {
  // source.tls verify-full with the test server's self-signed certificate as the CA; the
  // account not cached, so caching_sha2_password sends the password in clear over TLS.
  MysqlWireServer server({.server_version = "8.4.2",
                          .auth_plugin = "caching_sha2_password",
                          .sha2_cached = false,
                          .tls = true,
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates});
  script_mysql_source(server);
  script_json_catalog(server);
  TempDir dir("wire-tls");
  const auto ca = dir.write_file("ca.pem", server.certificate_pem());
  MockServer mock;
  auto setup = wire_setup(server, 6117);
  setup.source_config = "  tls: {mode: verify-full, ca_path: " + ca.string() + "}\n";
  ConnectorRun connector(mock, setup);
  connector.start();
  check_json_customers(mock, connector);
  CHECK(server.tls_logins() >= 2);  // the admin connection and the binlog stream
  CHECK(server.tls_logins() == server.logins());
  CHECK(server.rsa_logins() == 0);
  CHECK(server.refused_logins() == 0);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql wire: verify-full refuses a server whose certificate another CA signed") {
  MysqlWireServer server({.server_version = "8.4.2", .tls = true});
  script_mysql_source(server);
  const cdc::test::wire::TlsServer other;
  TempDir dir("wire-tls");
  const auto ca = dir.write_file("ca.pem", other.certificate_pem());
  MockServer mock;
  auto setup = wire_setup(server, 6118);
  setup.source_config = "  tls: {mode: verify-full, ca_path: " + ca.string() + "}\n";
  ConnectorRun connector(mock, setup);
  connector.start_waiting_for("cannot connect to MySQL/MariaDB at 127.0.0.1:" +
                              std::to_string(server.port()));
  CHECK(server.logins() == 0);
  CHECK(connector.process().wait_exit(30s) != 0);
}

TEST_CASE("mysql wire: ENUM and SET columns named by full metadata, as events") {
  // mysql-enum-string-set.000001 (MySQL 8.0.28, binlog_row_metadata=FULL: the table map
  // names the columns and lists the ENUM and SET members; the table has no primary key,
  // so the connector still asks information_schema for the key):
  // mysql.t (f1 CHAR(128), f2 VARCHAR(300), f3 ENUM('var1', 'variant2', 'foo'),
  // f4 SET('one', 'two', 'three', 'four'), f5 TEXT), one row inserted with f3 'var1' and
  // f4 'one,three', updated to 'variant2' and 'two,four', then deleted.
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = fixture("mysql-enum-string-set.000001")});
  script_mysql_source(server);
  server.answer(
      "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 't' "
      "ORDER BY ORDINAL_POSITION",
      cdc::test::wire::ResultSet{{"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY"},
                                 {{"f1", "char(128)", "utf8mb4", ""},
                                  {"f2", "varchar(300)", "utf8mb4", ""},
                                  {"f3", "enum('var1','variant2','foo')", "utf8mb4", ""},
                                  {"f4", "set('one','two','three','four')", "utf8mb4", ""},
                                  {"f5", "text", "utf8mb4", ""}}});
  MockServer mock;
  auto setup = wire_setup(server, 6119);
  setup.mappings = {{"t.yaml", R"yaml(table: mysql.t
events:
  - name: row_inserted
    on: insert
    customer_id: f1
    data: { f3: f3, f4: f4 }
  - name: row_updated
    on: update
    customer_id: f1
    data: { old_f3: before.f3, old_f4: before.f4, f3: f3, f4: f4, f2: f2 }
  - name: row_deleted
    on: delete
    customer_id: f1
    data: { f3: f3, f4: f4 }
)yaml"}};
  ConnectorRun connector(mock, setup);
  connector.start();
  wait_until([&] { return mock.state().at("events").size() == 3; }, 60s, "three events");
  const auto events = mock.state().at("events");
  INFO(events.dump(2));
  // As mariadb-binlog decodes the file: ENUM index 1 then 2, SET bits 0101 then 1010.
  using nlohmann::json;
  REQUIRE(events.size() == 3);
  // Two customers: the sink need not keep their events in binlog order.
  auto named = [&](const std::string& name) {
    for (const auto& e : events) {
      if (e.at("event") == name) return e;
    }
    FAIL("no event " << name);
    return json();
  };
  const json inserted = named("row_inserted");
  const json updated = named("row_updated");
  const json deleted = named("row_deleted");
  CHECK(inserted.at("customer_id") ==
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789"
        "0123456789");
  CHECK(inserted.at("data").at("f3") == "var1");
  CHECK(inserted.at("data").at("f4") == json::array({"one", "three"}));
  CHECK(updated.at("customer_id") == "field1");
  CHECK(updated.at("data").at("old_f3") == "var1");
  CHECK(updated.at("data").at("old_f4") == json::array({"one", "three"}));
  CHECK(updated.at("data").at("f2") == "field_2");
  CHECK(updated.at("data").at("f3") == "variant2");
  CHECK(updated.at("data").at("f4") == json::array({"two", "four"}));
  CHECK(deleted.at("customer_id") == "field1");
  CHECK(deleted.at("data").at("f3") == "variant2");
  CHECK(connector.terminate() == 0);
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}

TEST_CASE("mysql wire: status reads the lag from SHOW BINARY LOGS and sees a purged binlog") {
  MysqlWireServer server({.server_version = "8.4.2",
                          .binlog = fixture("json.binlog.000001"),
                          .binlog_end = kJsonBeforePartialUpdates});
  script_mysql_source(server);
  script_json_catalog(server);
  server.answer(
      "SHOW REPLICA HOSTS",
      cdc::test::wire::ResultSet{{"Server_Id", "Host", "Port", "Source_Id", "Replica_UUID"}, {}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6120));
  connector.start();
  check_json_customers(mock, connector);
  CHECK(connector.terminate() == 0);

  auto status_of = [&] {
    auto status = connector.command({"status", "--json"});
    const int code = status->wait_exit(30s);
    INFO(status->describe());
    return std::pair{code, nlohmann::json::parse(status->stdout_text())};
  };
  // The last transaction served ends at 3527; 4011 - 3527 bytes of its file and all 500
  // of the next are behind.
  server.answer("SHOW BINARY LOGS",
                cdc::test::wire::ResultSet{
                    {"Log_name", "File_size", "Encrypted"},
                    {{"binlog.000001", "4011", "No"}, {"binlog.000002", "500", "No"}}});
  {
    const auto [code, status] = status_of();
    INFO(status.dump());
    CHECK(code == 1);  // nothing streams as replica 6120
    CHECK(status.at("committed_position") == "mysql:binlog.000001:3527");
    CHECK(status.at("lag_bytes") == 4011 - 3527 + 500);
    CHECK(status.at("active") == false);
  }
  server.answer("SHOW BINARY LOGS",
                cdc::test::wire::ResultSet{{"Log_name", "File_size", "Encrypted"},
                                           {{"binlog.000002", "500", "No"}}});
  {
    const auto [code, status] = status_of();
    INFO(status.dump());
    CHECK(code != 0);
    CHECK(status.at("health").get<std::string>().find("purged") != std::string::npos);
  }
  CHECK_MESSAGE(server.unscripted().empty(), "unscripted: " << joined(server.unscripted()));
}
