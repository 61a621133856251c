// `retainly-cdc check` against the real MariaDB with binlog_row_image=NOBLOB: it names the
// mapped columns that may arrive missing and what the connector then sends (issue 13,
// defect 6). The server setting is global, so this binary runs alone (SERIAL). MariaDB has
// no binlog_row_value_options: its PARTIAL_JSON refusal is a unit test
// (tests/unit/cli/check_mysql_row_image_test.cpp).
#include <doctest/doctest.h>

#include <chrono>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kProfiles = R"yaml(table: myit_noblob.profiles
customer:
  id: id
  fields:
    email: email
    bio: bio
    prefs: { column: prefs, type: json }
)yaml";

// Puts the server's binlog_row_image back however the test ends.
class GlobalRowImage {
 public:
  GlobalRowImage(MysqlTestDb& db, const std::string& image) : db_(db) {
    old_ = db_.query_value("SELECT @@GLOBAL.binlog_row_image").value_or("FULL");
    db_.exec("SET GLOBAL binlog_row_image = '" + image + "'");
  }
  ~GlobalRowImage() { db_.exec("SET GLOBAL binlog_row_image = '" + old_ + "'"); }

 private:
  MysqlTestDb& db_;
  std::string old_;
};

}  // namespace

TEST_CASE("check mysql: NOBLOB names the mapped BLOB/TEXT/JSON columns that may arrive missing") {
  MysqlTestDb db;
  db.fresh_database("myit_noblob");
  db.exec(
      "CREATE TABLE myit_noblob.profiles (id BIGINT PRIMARY KEY, email VARCHAR(100), bio TEXT, "
      "prefs JSON, avatar BLOB)");
  MockServer mock;
  ConnectorRun connector(mock,
                         {.mappings = {{"profiles.yaml", kProfiles}}, .mysql_server_id = 6111});
  std::string output;
  int code = -1;
  {
    GlobalRowImage noblob(db, "NOBLOB");
    auto process = connector.command({"check"});
    code = process->wait_exit(60s);
    output = process->stdout_text() + process->stderr_text();
  }
  INFO(output);
  // A note, not a problem: NOBLOB works, with the limits it names.
  CHECK(code == 0);
  CHECK(output.find("binlog_row_image is NOBLOB: myit_noblob.profiles.bio, "
                    "myit_noblob.profiles.prefs may arrive missing") != std::string::npos);
  CHECK(output.find("Retainly keeps the value it holds") != std::string::npos);
  CHECK(output.find("avatar") == std::string::npos);  // not mapped
  CHECK(output.find("PARTIAL_JSON") == std::string::npos);
}

namespace {

// Items of the users' purchases array: user_id is not the primary key, and MINIMAL new rows
// carry only the columns an update sets.
constexpr const char* kOrders = R"yaml(table: myit_minimal.orders
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { total: total }
)yaml";

// Customers by primary key: MINIMAL serves them (upserts merge what a row leaves out).
constexpr const char* kAccounts = R"yaml(table: myit_minimal.accounts
customer:
  id: id
  fields: { email: email }
  on_delete: delete
)yaml";

struct Outcome {
  int code;
  std::string output;
};

Outcome run_to_exit(ConnectorRun& connector, const std::vector<std::string>& args) {
  auto process = connector.command(args);
  const int code = process->wait_exit(60s);
  return {code, process->stdout_text() + process->stderr_text()};
}

}  // namespace

TEST_CASE("check and run mysql: MINIMAL refuses an array mapping; allow_partial accepts it") {
  MysqlTestDb db;
  db.fresh_database("myit_minimal");
  db.exec(
      "CREATE TABLE myit_minimal.orders (id BIGINT PRIMARY KEY, user_id BIGINT, total INT);"
      "CREATE TABLE myit_minimal.accounts (id BIGINT PRIMARY KEY, email VARCHAR(100));"
      "INSERT INTO myit_minimal.accounts VALUES (1, 'a@x')");
  MockServer mock;
  ConnectorRun refused(mock, {.mappings = {{"orders.yaml", kOrders}, {"accounts.yaml", kAccounts}},
                              .snapshot = "initial",
                              .mysql_server_id = 6112});
  ConnectorRun allowed(
      mock, {.mappings = {{"orders.yaml", std::string("allow_partial: true\n") + kOrders}},
             .mysql_server_id = 6113});
  Outcome check, run, accepted;
  {
    GlobalRowImage minimal(db, "MINIMAL");
    check = run_to_exit(refused, {"check"});
    run = run_to_exit(refused, {"run"});
    accepted = run_to_exit(allowed, {"check"});
  }
  const std::string message =
      "orders.yaml: table myit_minimal.orders: reads user_id in array.customer_id (deletes and "
      "moves name the old customer), user_id in array.customer_id (Retainly replaces items "
      "whole), total in array.fields.total (Retainly replaces items whole), which "
      "binlog_row_image=MINIMAL does not log; SET GLOBAL binlog_row_image = 'FULL'";
  {
    INFO(check.output);
    CHECK(check.code == 4);
    CHECK(check.output.find("problem: ") != std::string::npos);
    CHECK(check.output.find(message) != std::string::npos);
    CHECK(check.output.find("table myit_minimal.accounts:") == std::string::npos);
  }
  {
    INFO(run.output);
    CHECK(run.code == 4);
    CHECK(run.output.find(message) != std::string::npos);
    CHECK(run.output.find("streaming the binlog of") == std::string::npos);
    // The snapshot would have sent account 1 had the daemon started.
    CHECK(mock.state().at("customers").empty());
  }
  {
    INFO(accepted.output);
    CHECK(accepted.code == 0);
    CHECK(accepted.output.find("warning: ") != std::string::npos);
    CHECK(accepted.output.find("which binlog_row_image=MINIMAL does not log; accepted by "
                               "allow_partial: true") != std::string::npos);
  }
}
