// source.tls reaches every PostgreSQL connection: the test server speaks no TLS, so a
// connector that requires it must refuse to connect, saying why, with the source's exit
// code; the default on loopback connects as before. The same holds for MariaDB.
#include <doctest/doctest.h>

#include <chrono>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_tls";

const std::string kMapping = "table: pgit_tls.users\ncustomer:\n  id: id\n";

struct Result {
  int exit_code;
  std::string output;
};

Result check(const ConnectorRun& connector) {
  auto process = connector.command({"check"});
  const int code = process->wait_exit(60s);
  return {code, process->stdout_text() + process->stderr_text()};
}

}  // namespace

TEST_CASE("tls: source.tls mode require against a server without TLS stops with exit 4") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_tls");
  db.exec("CREATE TABLE pgit_tls.users (id bigint PRIMARY KEY)");
  MockServer mock;

  ConnectorRun loopback(mock, {.slot = kSlot, .mappings = {{"users.yaml", kMapping}}});
  auto plain = check(loopback);
  INFO(plain.output);
  CHECK(plain.exit_code == 0);

  ConnectorRun required(mock, {.slot = kSlot,
                               .mappings = {{"users.yaml", kMapping}},
                               .source_config = "  tls: { mode: require }\n"});
  auto refused = check(required);
  INFO(refused.output);
  CHECK(refused.exit_code == 4);
  CHECK(refused.output.find("server does not support SSL, but SSL was required") !=
        std::string::npos);
}

TEST_CASE("tls: the same for MySQL: mode require against MariaDB without TLS, exit 4") {
  MysqlTestDb db;
  db.fresh_database("myit_tls");
  db.exec("CREATE TABLE myit_tls.users (id BIGINT PRIMARY KEY)");
  MockServer mock;
  const std::string mapping = "table: myit_tls.users\ncustomer:\n  id: id\n";

  ConnectorRun loopback(mock, {.mappings = {{"users.yaml", mapping}}, .mysql_server_id = 6201});
  auto plain = check(loopback);
  INFO(plain.output);
  CHECK(plain.exit_code == 0);

  ConnectorRun required(mock, {.mappings = {{"users.yaml", mapping}},
                               .source_config = "  tls: { mode: require }\n",
                               .mysql_server_id = 6201});
  auto refused = check(required);
  INFO(refused.output);
  CHECK(refused.exit_code == 4);
  CHECK(refused.output.find("SSL") != std::string::npos);
}
