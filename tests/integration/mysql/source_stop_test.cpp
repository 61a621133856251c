// MysqlSource's destructor against the real MariaDB (issue 13, defect 8): storing the
// position on the way out can fail (a full disk, a state folder gone); a destructor that
// lets that escape ends the process with std::terminate, so it must log it instead.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "connectors/mysql/mysql_source.h"
#include "support/mysql_test_db.h"
#include "support/temp_dir.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc;
using namespace cdc::test;

TEST_CASE(
    "mysql: a source whose position cannot be stored any more is destroyed without throwing") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mystop_dtor");
  db.exec("CREATE TABLE " + database + ".t (id INT PRIMARY KEY)");
  TempDir dir("mystop-dtor");
  const auto state = dir.path() / "state";

  mysql::MysqlConnectOptions connect;
  connect.host = test_env("CDC_TEST_MYSQL_HOST");
  connect.port = std::stoi(test_env("CDC_TEST_MYSQL_PORT"));
  connect.user = test_env("CDC_TEST_MYSQL_USER");
  connect.password = test_env("CDC_TEST_MYSQL_PASSWORD");
  int acknowledged = 0;
  {
    // The first acknowledgement stores the position; the later ones wait for the flush
    // interval, which never comes round, so the last is stored by stop().
    mysql::MysqlSource source({.connect = connect,
                               .server_id = 5317,
                               .tables = {TableId{database, "t"}},
                               .position_file = state / "mysql_position.json",
                               .position_flush_interval = 1h});
    source.start();
    db.exec("INSERT INTO " + database + ".t VALUES (1)");
    db.exec("INSERT INTO " + database + ".t VALUES (2)");
    wait_until(
        [&] {
          while (auto item = source.next(10ms)) {
            if (auto* end = std::get_if<TransactionEnd>(&*item)) {
              source.acknowledge(end->position);
              ++acknowledged;
            }
          }
          return acknowledged >= 2;
        },
        60s, "both inserts' transactions");
    // The state folder is gone and a file took its name: no position can be written.
    std::filesystem::remove_all(state);
    std::ofstream(state) << "not a folder";
  }  // ~MysqlSource stores the position, fails, and must not throw
  CHECK(acknowledged >= 2);
  CHECK(std::filesystem::is_regular_file(state));
}
