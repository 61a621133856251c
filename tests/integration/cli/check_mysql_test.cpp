// `retainly-cdc check` against the real MariaDB: what the binlog reader needs from the
// server and what the mappings need from the tables, each problem in words that name it,
// with its exit code (2 configuration or mapping, 4 source).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kUsers = R"yaml(table: myit_check.users
customer:
  id: id
  fields:
    email: email
    joined_at: { column: joined, type: date_time }
  on_delete: delete
)yaml";

void create_tables(MysqlTestDb& db) {
  db.fresh_database("myit_check");
  db.exec(
      "CREATE TABLE myit_check.users (id BIGINT PRIMARY KEY, email VARCHAR(100), score INT, "
      "joined DATETIME(3))");
}

struct CheckResult {
  int exit_code;
  std::string output;
};

CheckResult run_check(const ConnectorRun& connector) {
  auto process = connector.command({"check"});
  const int code = process->wait_exit(60s);
  return {code, process->stdout_text() + process->stderr_text()};
}

}  // namespace

TEST_CASE("check mysql: a sound setup passes") {
  MysqlTestDb db;
  create_tables(db);
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", kUsers}}, .mysql_server_id = 6101});
  const auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("source is ready for change capture") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
}

TEST_CASE("check mysql: a binlog retention under source.min_binlog_retention_hours warns") {
  MysqlTestDb db;
  create_tables(db);
  MockServer mock;
  // The test server keeps binlogs for 10 days (scripts/lib/servers.sh).
  ConnectorRun enough(mock, {.mappings = {{"users.yaml", kUsers}}, .mysql_server_id = 6103});
  const auto fine = run_check(enough);
  INFO(fine.output);
  CHECK(fine.exit_code == 0);
  CHECK(fine.output.find("warning: the server keeps binlogs") == std::string::npos);

  ConnectorRun strict(mock, {.mappings = {{"users.yaml", kUsers}},
                             .source_config = "  min_binlog_retention_hours: 1000\n",
                             .mysql_server_id = 6104});
  const auto warned = run_check(strict);
  INFO(warned.output);
  CHECK(warned.exit_code == 0);  // a warning, not a problem
  CHECK(warned.output.find("warning: the server keeps binlogs for 10 days "
                           "(binlog_expire_logs_seconds 864000), less than 1000 hours") !=
        std::string::npos);
}

TEST_CASE("check mysql: missing tables, columns and types that do not convert, exit 2") {
  MysqlTestDb db;
  create_tables(db);
  MockServer mock;
  const std::string mapping =
      "table: myit_check.users\ncustomer:\n  id: id\n  fields:\n    nick: nickname\n"
      "    score_at: { column: score, type: date_time }\n";
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", mapping},
                                             {"gone.yaml",
                                              "table: myit_check.gone\ncustomer:\n"
                                              "  id: id\n"}},
                                .mysql_server_id = 6102});
  const auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("myit_check.users has no column \"nickname\"") != std::string::npos);
  CHECK(result.output.find("myit_check.users.score has type int, which does not convert to "
                           "date_time") != std::string::npos);
  CHECK(result.output.find("table myit_check.gone does not exist") != std::string::npos);
}

TEST_CASE("check mysql: the server's own server id is refused, exit 2") {
  MysqlTestDb db;
  create_tables(db);
  const auto server_id = std::stoul(*db.query_value("SELECT @@server_id"));
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", kUsers}},
                                .mysql_server_id = static_cast<uint32_t>(server_id)});
  const auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("is the server's own server_id") != std::string::npos);
}

TEST_CASE("check mysql: a user without replication privileges is told which to grant, exit 4") {
  MysqlTestDb db;
  create_tables(db);
  db.exec(
      "DROP USER IF EXISTS 'cdc_reader'@'127.0.0.1'; "
      "CREATE USER 'cdc_reader'@'127.0.0.1' IDENTIFIED BY 'reader-pass-7'; "
      "GRANT SELECT ON myit_check.* TO 'cdc_reader'@'127.0.0.1'");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", kUsers}},
                                .mysql_server_id = 6103,
                                .mysql_user = "cdc_reader",
                                .mysql_password = "reader-pass-7"});
  const auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("lacks the REPLICATION SLAVE privilege") != std::string::npos);
  CHECK(result.output.find("GRANT BINLOG MONITOR") != std::string::npos);
  CHECK(result.output.find("reader-pass-7") == std::string::npos);
  db.exec("DROP USER 'cdc_reader'@'127.0.0.1'");
}

TEST_CASE("check mysql: snapshots need write access to the watermark table, exit 4") {
  MysqlTestDb db;
  create_tables(db);
  db.exec(
      "DROP DATABASE IF EXISTS myit_check_wm; "
      "DROP USER IF EXISTS 'cdc_nowm'@'127.0.0.1'; "
      "CREATE USER 'cdc_nowm'@'127.0.0.1' IDENTIFIED BY 'nowm-pass-3'; "
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'cdc_nowm'@'127.0.0.1'; "
      "GRANT SELECT ON myit_check.* TO 'cdc_nowm'@'127.0.0.1'");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", kUsers}},
                                .snapshot = "initial",
                                .source_config = "  watermark_table: myit_check_wm.marks\n",
                                .mysql_server_id = 6104,
                                .mysql_user = "cdc_nowm",
                                .mysql_password = "nowm-pass-3"});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("cannot write snapshot watermarks to myit_check_wm.marks") !=
        std::string::npos);
  CHECK(result.output.find("GRANT CREATE, INSERT, UPDATE ON `myit_check_wm`.*") !=
        std::string::npos);

  db.exec("GRANT CREATE, INSERT, UPDATE ON myit_check_wm.* TO 'cdc_nowm'@'127.0.0.1'");
  result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  db.exec("DROP USER 'cdc_nowm'@'127.0.0.1'");
}
