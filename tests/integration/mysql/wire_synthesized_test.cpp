// The connector against tests/support/mysql_wire_server streaming binlog events the test
// makes (tests/support/binlog_builder.h) where no recorded file has them: a generated
// invisible primary key (MySQL 8.0.30+, sql_generate_invisible_primary_key=ON).
#include <doctest/doctest.h>

#include <chrono>

#include "support/binlog_builder.h"
#include "support/mysql_wire_scripts.h"
#include "support/wait_until.h"
#include "wire_harness.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// CREATE TABLE app.accounts (email VARCHAR(100), plan VARCHAR(20)) with
// sql_generate_invisible_primary_key=ON: MySQL 8.0.30 adds `my_row_id BIGINT UNSIGNED NOT
// NULL AUTO_INCREMENT INVISIBLE` as the first column and makes it the primary key.
wire::BuiltTable gipk_table(bool full_metadata) {
  return {.id = 120,
          .schema = "app",
          .table = "accounts",
          .columns = {{.name = "my_row_id",
                       .type = wire::kTypeLongLong,
                       .is_unsigned = true,
                       .nullable = false,
                       .visible = false},
                      {.name = "email", .type = wire::kTypeVarchar, .max_bytes = 400},
                      {.name = "plan", .type = wire::kTypeVarchar, .max_bytes = 80}},
          .primary_key = {0},
          .full_metadata = full_metadata};
}

// Two INSERTs that name only the visible columns; the server numbered the rows.
void append_gipk_rows(MysqlWireServer& server, bool full_metadata) {
  const auto table = gipk_table(full_metadata);
  server.append_events(
      wire::insert_transaction(table, {{"1", "ann@example.com", "pro"}}, {.xid = 11}));
  server.append_events(
      wire::insert_transaction(table, {{"2", "bob@example.com", std::nullopt}}, {.xid = 12}));
}

constexpr const char* kGipkMapping = R"yaml(table: app.accounts
events:
  - name: account_created
    on: insert
    customer_id: my_row_id
    data: { email: email, plan: plan }
)yaml";

std::vector<json> gipk_events() {
  return {
      {{"event", "account_created"},
       {"customer_id", 1},
       {"data", {{"email", "ann@example.com"}, {"plan", "pro"}}}},
      {{"event", "account_created"},
       {"customer_id", 2},
       {"data", {{"email", "bob@example.com"}, {"plan", nullptr}}}},
  };
}

}  // namespace

TEST_CASE("mysql wire: a generated invisible primary key named by full metadata") {
  // The table map names my_row_id, marks it invisible and the primary key: the catalog
  // is not asked, and my_row_id is a column like the others.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  append_gipk_rows(server, true);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6301, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  check_events(mock, connector, gipk_events());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire: a generated invisible primary key with minimal metadata, from the catalog") {
  // binlog_row_metadata=MINIMAL: names and key come from information_schema, which lists
  // my_row_id (show_gipk_in_create_table_and_information_schema=ON, the default) in its
  // place, COLUMN_KEY PRI, EXTRA 'auto_increment INVISIBLE'.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_catalog(server, "app", "accounts",
                 {{"my_row_id", "bigint unsigned", "", "PRI"},
                  {"email", "varchar(100)", "utf8mb4", ""},
                  {"plan", "varchar(20)", "utf8mb4", ""}});
  append_gipk_rows(server, false);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6302, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  check_events(mock, connector, gipk_events());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire: a generated invisible primary key hidden from the catalog is named") {
  // show_gipk_in_create_table_and_information_schema=OFF hides my_row_id from
  // information_schema: with minimal metadata the binlog has a column more than the
  // catalog. The change cannot be read; the message must say why and what to set.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_catalog(
      server, "app", "accounts",
      {{"email", "varchar(100)", "utf8mb4", ""}, {"plan", "varchar(20)", "utf8mb4", ""}});
  append_gipk_rows(server, false);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6303, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  const auto line = connector.process().wait_for_line("3 columns in the binlog but 2", 60s);
  CHECK(line.line.find("show_gipk_in_create_table_and_information_schema") != std::string::npos);
  CHECK(line.line.find("binlog_row_metadata=FULL") != std::string::npos);
  CHECK(mock.state().at("events").empty());
  check_conversation(server);
}
