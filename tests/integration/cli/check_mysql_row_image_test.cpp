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
