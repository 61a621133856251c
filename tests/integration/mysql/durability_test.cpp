// What the MySQL reader promises across crashes and the binlog's own events: nothing lost
// across SIGKILL, binlog rotation crossed (also when resuming in a new file), and a
// table whose shape changes mid-stream read with its new shape from then on.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

std::string accounts_mapping(const std::string& database) {
  return "table: " + database + R"yaml(.accounts
customer:
  id: id
  fields:
    name: name
    balance: balance
    version: version
  on_delete: delete
)yaml";
}

std::string accounts_select(const std::string& database) {
  return "SELECT JSON_OBJECT('id', id, 'name', name, 'balance', balance, 'version', version) "
         "AS doc FROM " +
         database + ".accounts";
}

void create_accounts(MysqlTestDb& db, const std::string& database) {
  db.fresh_database(database);
  db.exec("CREATE TABLE " + database +
          ".accounts (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
          "balance DECIMAL(12, 2) NOT NULL DEFAULT 0, version INT NOT NULL DEFAULT 0)");
}

// Transaction `t` of a workload of inserts (t < 100, 20 accounts each), then updates
// of 20 accounts with an occasional delete.
void run_transaction(MysqlTestDb& writer, const std::string& database, int t) {
  const int base = (t % 100) * 20;
  const std::string table = database + ".accounts";
  if (t < 100) {
    std::string values;
    for (int id = base + 1; id <= base + 20; ++id) {
      values += (values.empty() ? "" : ", ") + std::string("(") + std::to_string(id) +
                ", 'account " + std::to_string(id) + "')";
    }
    writer.exec("INSERT INTO " + table + " (id, name) VALUES " + values);
    return;
  }
  writer.exec("START TRANSACTION; UPDATE " + table +
              " SET version = version + 1, balance = balance + 1.25 WHERE id BETWEEN " +
              std::to_string(base + 1) + " AND " + std::to_string(base + 20) + ";" +
              (t % 7 == 0 ? " DELETE FROM " + table +
                                " WHERE id = " + std::to_string(base + 1 + t % 20) + ";"
                          : std::string()) +
              " COMMIT");
}

}  // namespace

TEST_CASE("mysql: SIGKILL mid-stream and a restart lose nothing") {
  const std::string database = "myit_kill";
  MysqlTestDb db;
  create_accounts(db, database);
  MockServer mock({.extra_args = {"--latency-ms", "100"}});
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5201});
  connector.start();

  MysqlTestDb writer;
  for (int t = 0; t < 150; ++t) run_transaction(writer, database, t);
  // Kill once some changes have reached the mock; slow answers keep others in flight.
  wait_until([&] { return records_applied(mock, "POST /customers") >= 300; }, 120s,
             "the first changes to reach the mock");
  connector.kill();
  const auto applied_at_kill = records_applied(mock, "POST /customers");
  MESSAGE("killed with " << applied_at_kill << " customer records applied");
  // The rest while the daemon is down.
  for (int t = 150; t < 300; ++t) run_transaction(writer, database, t);
  connector.start();
  wait_for_mock_to_equal(db, mock, accounts_select(database), database + ".accounts");
  CHECK(records_applied(mock, "POST /customers") > applied_at_kill);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: binlog rotation is crossed while streaming and when resuming") {
  const std::string database = "myit_rotate";
  MysqlTestDb db;
  create_accounts(db, database);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5202});
  connector.start();
  const auto file_before = db.query_json("SHOW MASTER STATUS").at(0).at("File");

  for (int t = 0; t < 20; ++t) run_transaction(db, database, t);
  db.exec("FLUSH BINARY LOGS");
  for (int t = 20; t < 40; ++t) run_transaction(db, database, t);
  wait_for_mock_to_equal(db, mock, accounts_select(database), "the table after one rotation");
  CHECK(db.query_json("SHOW MASTER STATUS").at(0).at("File") != file_before);

  // Stopped in one file, resumed after two more rotations.
  CHECK(connector.terminate() == 0);
  db.exec("FLUSH BINARY LOGS");
  for (int t = 100; t < 130; ++t) run_transaction(db, database, t);
  db.exec("FLUSH BINARY LOGS");
  for (int t = 130; t < 160; ++t) run_transaction(db, database, t);
  connector.start();
  wait_for_mock_to_equal(db, mock, accounts_select(database), "the table after three rotations");
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: ALTER TABLE ADD COLUMN mid-stream is read with the new shape") {
  const std::string database = "myit_alter";
  MysqlTestDb db;
  create_accounts(db, database);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5203});
  connector.start();
  for (int t = 0; t < 5; ++t) run_transaction(db, database, t);
  wait_for_mock_to_equal(db, mock, accounts_select(database), "the table before the ALTER");

  // A column in front of the mapped ones: read with the old shape, every value would
  // land one column off.
  db.exec("ALTER TABLE " + database +
          ".accounts ADD COLUMN nickname VARCHAR(20) NOT NULL DEFAULT 'nick' AFTER id");
  db.exec("INSERT INTO " + database +
          ".accounts (id, nickname, name, balance) VALUES (5001, 'n1', 'after alter', 9.5)");
  for (int t = 100; t < 105; ++t) run_transaction(db, database, t);
  wait_for_mock_to_equal(db, mock, accounts_select(database), "the table after the ALTER");
  CHECK(connector.process().wait_for_line("has a new shape", 10s).line.find("nickname") !=
        std::string::npos);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: the stored position follows writes to unmapped tables while mapped ones idle") {
  const std::string database = "myit_idle";
  MysqlTestDb db;
  create_accounts(db, database);
  db.exec("CREATE TABLE " + database + ".unmapped (id BIGINT PRIMARY KEY)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5204});
  connector.start();
  const auto position_file = connector.state_dir() / "mysql_position.json";
  auto stored = [&] {
    std::ifstream in(position_file);
    return nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  };
  const auto at_start = stored();
  db.exec("FLUSH BINARY LOGS");
  const auto file_now = db.query_json("SHOW MASTER STATUS").at(0).at("File").get<std::string>();
  int id = 0;
  wait_until(
      [&] {
        db.exec("INSERT INTO " + database + ".unmapped VALUES (" + std::to_string(++id) + ")");
        return stored().at("file") == file_now;
      },
      60s, "the stored position to reach the current binlog file");
  CHECK(stored().at("file") != at_start.at("file"));
  CHECK(customers_by_id(mock).empty());
  CHECK(connector.terminate() == 0);
}
