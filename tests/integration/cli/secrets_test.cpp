// Credentials never leave the process: a run with real-looking credentials that logs,
// dead-letters a row holding the secret itself, and is then refused by Retainly leaves
// neither the key, the secret nor the database password in its logs or dead letters.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kKey = "rk_live_7HqP2xWm9ZtR4vNc8LbQ3sYd6FgJ1aKe";
constexpr const char* kSecret = "rs_live_Vb82nQ4kLm7XzP1cR9tW3yH6dJ5sF0gA2eUoNiTq";
constexpr const char* kPassword = "Pg-s3cret-Value-9f8e7d";

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("secrets: logs and dead letters hold neither the key, the secret nor the password") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_secrets");
  db.fresh_schema("pgit_secrets");
  db.exec("CREATE TABLE pgit_secrets.notes (id bigint PRIMARY KEY, body text)");
  MockServer mock({.key = kKey, .secret = kSecret});
  // The test server trusts loopback, so the password is never checked, only carried.
  ConnectorRun connector(mock,
                         {.slot = "cdc_it_secrets",
                          .mappings = {{"notes.yaml",
                                        "table: pgit_secrets.notes\nstring_policy: dead_letter\n"
                                        "customer:\n  id: id\n  fields: { body: body }\n"}},
                          .dsn = test_env("CDC_TEST_PG_DSN") + " password=" + kPassword});
  connector.start();

  // A row that is fine, and one the mapping dead-letters whose text holds the secret.
  db.exec("INSERT INTO pgit_secrets.notes VALUES (1, 'hello')");
  db.exec(std::string("INSERT INTO pgit_secrets.notes VALUES (2, 'leaked ") + kSecret + " ' || " +
          "repeat('x', 1000))");
  const auto dead_letters = connector.state_dir() / "dead-letters.jsonl";
  wait_until([&] { return file_text(dead_letters).find("\"id=2\"") != std::string::npos; }, 60s,
             "the overlong row in the dead-letter file");
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "row 1 in the mock");

  // Retainly now refuses the key: the daemon says so and exits 3.
  mock.set_faults({{"force_status", 403}});
  db.exec("INSERT INTO pgit_secrets.notes VALUES (3, 'after')");
  CHECK(connector.process().wait_exit(60s) == 3);

  const std::string logs = connector.process().stdout_text() + connector.process().stderr_text();
  const std::string letters = file_text(dead_letters);
  CHECK(logs.find("refused the credentials") != std::string::npos);  // the logs are there
  CHECK(letters.find("***") != std::string::npos);                   // and redacted
  for (const char* secret : {kKey, kSecret, kPassword}) {
    INFO("looking for " << secret);
    CHECK(logs.find(secret) == std::string::npos);
    CHECK(letters.find(secret) == std::string::npos);
  }
}

TEST_CASE("secrets: the same for a MySQL source, its password included, also when refused") {
  constexpr const char* kMysqlPassword = "My-s3cret-Value-4c3b2a";
  MysqlTestDb db;
  db.fresh_database("myit_secrets");
  db.exec("CREATE TABLE myit_secrets.notes (id BIGINT PRIMARY KEY, body TEXT)");
  db.exec(std::string("DROP USER IF EXISTS 'cdc_secret'@'127.0.0.1'; "
                      "CREATE USER 'cdc_secret'@'127.0.0.1' IDENTIFIED BY '") +
          kMysqlPassword +
          "'; GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO "
          "'cdc_secret'@'127.0.0.1'");
  MockServer mock({.key = kKey, .secret = kSecret});
  const std::string mapping =
      "table: myit_secrets.notes\nstring_policy: dead_letter\n"
      "customer:\n  id: id\n  fields: { body: body }\n";
  ConnectorRun connector(mock, {.mappings = {{"notes.yaml", mapping}},
                                .mysql_server_id = 6401,
                                .mysql_user = "cdc_secret",
                                .mysql_password = kMysqlPassword});
  connector.start();
  db.exec("INSERT INTO myit_secrets.notes VALUES (1, 'hello')");
  db.exec(std::string("INSERT INTO myit_secrets.notes VALUES (2, CONCAT('leaked ") +
          kMysqlPassword + " ', REPEAT('x', 1000)))");
  const auto dead_letters = connector.state_dir() / "dead-letters.jsonl";
  wait_until([&] { return file_text(dead_letters).find("\"id=2\"") != std::string::npos; }, 60s,
             "the overlong row in the dead-letter file");
  wait_until([&] { return customers_by_id(mock).contains("1"); }, 60s, "row 1 in the mock");
  mock.set_faults({{"force_status", 403}});
  db.exec("INSERT INTO myit_secrets.notes VALUES (3, 'after')");
  CHECK(connector.process().wait_exit(60s) == 3);

  // A password the server refuses: the error names the user, not the password.
  db.exec(std::string("ALTER USER 'cdc_secret'@'127.0.0.1' IDENTIFIED BY 'changed-") +
          kMysqlPassword + "'");
  auto refused = connector.command({"check"});
  CHECK(refused->wait_exit(60s) == 4);
  const std::string refusal = refused->stdout_text() + refused->stderr_text();
  CHECK(refusal.find("Access denied") != std::string::npos);

  const std::string logs = connector.process().stdout_text() + connector.process().stderr_text();
  const std::string letters = file_text(dead_letters);
  CHECK(letters.find("***") != std::string::npos);
  for (const char* secret : {kKey, kSecret, kMysqlPassword}) {
    INFO("looking for " << secret);
    CHECK(logs.find(secret) == std::string::npos);
    CHECK(letters.find(secret) == std::string::npos);
    CHECK(refusal.find(secret) == std::string::npos);
  }
  db.exec("DROP USER 'cdc_secret'@'127.0.0.1'");
}
