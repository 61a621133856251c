// What an operator of a MySQL source relies on: a MariaDB restart mid-stream is survived
// (with /readyz saying so), the standby of an HA pair takes over a killed instance, and a
// purged binlog stops the daemon with a resync message instead of skipping changes.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

int mysql_ctl(const std::string& action) {
  return std::system((test_env("CDC_TEST_MYSQL_CTL") + " " + action).c_str());
}

int readyz(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto result = client.Get("/readyz");
  return result ? result->status : 0;
}

constexpr const char* kItemsMapping = R"yaml(table: myit_restart.items
customer:
  id: id
  fields: { label: label }
)yaml";

const char* kItemsSelect =
    "SELECT JSON_OBJECT('id', id, 'label', label) AS doc FROM myit_restart.items";

void create_items() {
  MysqlTestDb db;
  db.fresh_database("myit_restart");
  db.exec("CREATE TABLE myit_restart.items (id BIGINT PRIMARY KEY, label VARCHAR(50))");
}

void insert_items(MysqlTestDb& db, int from, int to) {
  for (int id = from; id <= to; ++id) {
    db.exec("INSERT INTO myit_restart.items (id, label) VALUES (" + std::to_string(id) +
            ", 'item " + std::to_string(id) + "')");
  }
}

}  // namespace

TEST_CASE("mysql: a server restart mid-stream is survived without losing a change") {
  create_items();
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "myit_restart",
                                .mappings = {{"items.yaml", kItemsMapping}},
                                .extra_config = "metrics: 127.0.0.1:0\n",
                                .source_config = "  heartbeat_interval_ms: 500\n",
                                .mysql_server_id = 5301});
  connector.start();
  const int port = std::stoi(
      connector.process().wait_for_line("metrics on http://127.0.0.1:([0-9]+)", 10s).groups[1]);
  {
    MysqlTestDb db;
    insert_items(db, 1, 50);
    wait_for_mock_to_equal(db, mock, kItemsSelect, "the table before the restart");
  }
  wait_until([&] { return readyz(port) == 200; }, 30s, "/readyz to answer 200");
  const auto mark = connector.process().mark();
  REQUIRE(mysql_ctl("stop") == 0);
  wait_until([&] { return readyz(port) == 503; }, 60s,
             "/readyz to answer 503 while MariaDB is down");
  REQUIRE(mysql_ctl("start") == 0);
  {
    MysqlTestDb db;
    insert_items(db, 51, 100);
    wait_for_mock_to_equal(db, mock, kItemsSelect, "the table after the restart");
  }
  // It noticed and reconnected rather than dying.
  CHECK(connector.running());
  connector.process().wait_for_line("streaming the binlog of", 10s, mark);
  wait_until([&] { return readyz(port) == 200; }, 60s, "/readyz to answer 200 again");

  // Stopped hard while the server is down, started once it is back.
  REQUIRE(mysql_ctl("stop") == 0);
  connector.kill();
  REQUIRE(mysql_ctl("start") == 0);
  {
    MysqlTestDb db;
    insert_items(db, 101, 120);
  }
  connector.start();
  MysqlTestDb db;
  wait_for_mock_to_equal(db, mock, kItemsSelect, "the table after a restart of both");

  // `status` reads the committed position and sees the streaming replica.
  auto status_of = [&] {
    auto status = connector.command({"status", "--json"});
    const int code = status->wait_exit(30s);
    return std::pair{code, nlohmann::json::parse(status->stdout_text())};
  };
  const auto [code, status] = status_of();
  INFO(status.dump());
  CHECK(code == 0);
  CHECK(status.at("source") == "mysql");
  CHECK(status.at("active") == true);
  CHECK(status.at("committed_position").get<std::string>().starts_with("mysql:binlog."));
  CHECK(status.at("health") == "healthy");
  CHECK(connector.terminate() == 0);
  // The server forgets the replica once its dump thread notices the closed connection.
  int stopped_code = -1;
  wait_until(
      [&] {
        const auto [c, stopped] = status_of();
        stopped_code = c;
        return stopped.at("active") == false;
      },
      30s, "status to see no streaming replica");
  CHECK(stopped_code == 1);
}

TEST_CASE("mysql: of two instances on one config the standby takes over a killed one") {
  create_items();
  MockServer mock;
  const ConnectorSetup setup{
      .slot = "myit_ha", .mappings = {{"items.yaml", kItemsMapping}}, .mysql_server_id = 5302};
  ConnectorRun active(mock, setup);
  // The same config file (and so the same state directory), as two hosts sharing it.
  active.start();
  auto standby = active.command({"run"});
  standby->wait_for_line("standby: another instance holds the MySQL lock", 60s);
  MysqlTestDb db;
  insert_items(db, 1, 30);
  wait_for_mock_to_equal(db, mock, kItemsSelect, "the table while the first instance streams");
  CHECK_FALSE(standby->find_line("streaming the binlog of").has_value());

  active.kill();
  insert_items(db, 31, 60);  // while nobody streams, then while the standby takes over
  standby->wait_for_line("streaming the binlog of", 60s);
  insert_items(db, 61, 90);
  wait_for_mock_to_equal(db, mock, kItemsSelect, "the table after the takeover");
  standby->signal(SIGTERM);
  CHECK(standby->wait_exit(60s) == 0);
}

TEST_CASE("mysql: a purged binlog stops the daemon with a resync message") {
  create_items();
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "myit_purged",
                                .mappings = {{"items.yaml", kItemsMapping}},
                                .mysql_server_id = 5303});
  connector.start();
  MysqlTestDb db;
  insert_items(db, 1, 5);
  wait_for_mock_to_equal(db, mock, kItemsSelect, "the table before the purge");
  CHECK(connector.terminate() == 0);

  // Changes the daemon has not read, then the files that hold them are gone.
  insert_items(db, 6, 10);
  db.exec("FLUSH BINARY LOGS");
  insert_items(db, 11, 15);
  db.exec("FLUSH BINARY LOGS");
  // The server keeps a file until InnoDB's crash recovery no longer needs it (its binlog
  // checkpoint), which follows a little later: purge until only the newest file is left.
  wait_until(
      [&] {
        const auto current =
            db.query_json("SHOW MASTER STATUS").at(0).at("File").get<std::string>();
        db.exec("PURGE BINARY LOGS TO '" + current + "'");
        return db.query_json("SHOW BINARY LOGS").size() == 1;
      },
      60s, "the binlog files before the current one to be purged");
  auto run = connector.command({"run"});
  CHECK(run->wait_exit(60s) == 4);
  const auto message = run->wait_for_line("Resync required", 1s).line;
  CHECK(message.find("retainly-cdc backfill") != std::string::npos);
  CHECK(message.find("mysql_position.json") != std::string::npos);
  // Nothing after the stored position was sent as if nothing were missing.
  CHECK_FALSE(customers_by_id(mock).contains("11"));
}
