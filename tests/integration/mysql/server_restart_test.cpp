// A MariaDB restart mid-stream: the daemon reconnects on its own, resumes from the
// position it committed, and the mock ends equal to the table.
#include <doctest/doctest.h>

#include <chrono>
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

void insert_items(MysqlTestDb& db, int from, int to) {
  for (int id = from; id <= to; ++id) {
    db.exec("INSERT INTO myit_restart.items (id, label) VALUES (" + std::to_string(id) +
            ", 'item " + std::to_string(id) + "')");
  }
}

}  // namespace

TEST_CASE("mysql: a server restart mid-stream is survived without losing a change") {
  {
    MysqlTestDb db;
    db.fresh_database("myit_restart");
    db.exec("CREATE TABLE myit_restart.items (id BIGINT PRIMARY KEY, label VARCHAR(50))");
  }
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "myit_restart",
                                .mappings = {{"items.yaml", R"yaml(table: myit_restart.items
customer:
  id: id
  fields: { label: label }
)yaml"}},
                                .source_config = "  heartbeat_interval_ms: 500\n",
                                .mysql_server_id = 5301});
  connector.start();
  const std::string select =
      "SELECT JSON_OBJECT('id', id, 'label', label) AS doc FROM myit_restart.items";
  {
    MysqlTestDb db;
    insert_items(db, 1, 50);
    wait_for_mock_to_equal(db, mock, select, "the table before the restart");
  }
  const auto mark = connector.process().mark();
  REQUIRE(mysql_ctl("restart") == 0);
  {
    MysqlTestDb db;
    insert_items(db, 51, 100);
    wait_for_mock_to_equal(db, mock, select, "the table after the restart");
  }
  // It noticed and reconnected rather than dying.
  CHECK(connector.running());
  connector.process().wait_for_line("streaming the binlog of", 10s, mark);

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
  wait_for_mock_to_equal(db, mock, select, "the table after a restart of both");
  CHECK(connector.terminate() == 0);
}
