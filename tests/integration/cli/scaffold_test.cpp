// `retainly-cdc scaffold` against the real PostgreSQL and MariaDB: a starter mapping for a
// table with a column of every type, which `check` then passes as written, with what
// Retainly cannot take commented out and why.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/backfill/mysql_every_type.h"
#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

struct Output {
  int exit_code;
  std::string text;  // stdout and stderr
};

Output run(const ConnectorRun& connector, std::vector<std::string> args) {
  auto process = connector.command(std::move(args));
  const int code = process->wait_exit(60s);
  return {code, process->stdout_text() + process->stderr_text()};
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Scaffolds `table` into the run's mappings folder, then checks it; returns the mapping.
std::string scaffold_then_check(const ConnectorRun& connector, const std::string& table,
                                std::vector<std::string> extra = {}) {
  const auto file = connector.config_path().parent_path() / "mappings" / "scaffolded.yaml";
  std::filesystem::create_directories(file.parent_path());
  std::vector<std::string> args = {"scaffold", "--table", table, "--out", file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto scaffold = run(connector, args);
  INFO(scaffold.text);
  REQUIRE(scaffold.exit_code == 0);
  const std::string mapping = read(file);
  const auto check = run(connector, {"check"});
  INFO(mapping);
  INFO(check.text);
  CHECK(check.exit_code == 0);
  // A second scaffold never overwrites the file.
  CHECK(run(connector, args).exit_code == 2);
  return mapping;
}

}  // namespace

TEST_CASE("scaffold postgres: every type, then check passes on the mapping as written") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_scaffold");
  db.fresh_schema("pgit_scaffold");
  db.exec(R"sql(CREATE TABLE pgit_scaffold.accounts (id bigint PRIMARY KEY, email text))sql");
  db.exec(R"sql(CREATE TABLE pgit_scaffold.every_type (
    id bigint PRIMARY KEY, account_id bigint REFERENCES pgit_scaffold.accounts (id),
    c_bool boolean, c_int2 smallint, c_int4 integer, c_numeric numeric(20, 6), c_float8 float8,
    c_money money, c_text text, c_varchar varchar(40), c_long varchar(5000), c_uuid uuid,
    c_bytea bytea, c_date date, c_time time, c_ts timestamp, c_tstz timestamptz, c_json json,
    c_jsonb jsonb, c_int_array integer[], c_text_array text[], c_point point,
    c_interval interval))sql");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_scaffold"});

  const std::string mapping = scaffold_then_check(connector, "pgit_scaffold.every_type");
  CHECK(has(mapping, "# yaml-language-server: $schema="));
  CHECK(has(mapping, "table: pgit_scaffold.every_type\ncustomer:\n  id: id\n"));
  CHECK(has(mapping, "c_bool: { column: c_bool, type: boolean }"));
  CHECK(has(mapping, "c_numeric: { column: c_numeric, type: number }"));
  CHECK(has(mapping, "c_money: { column: c_money, type: string }"));
  CHECK(has(mapping, "c_tstz: { column: c_tstz, type: date_time }"));
  CHECK(has(mapping, "c_date: { column: c_date, type: date }"));
  CHECK(has(mapping, "c_jsonb: { column: c_jsonb, type: json }"));
  CHECK(has(mapping, "c_text_array: { column: c_text_array, type: array }"));
  CHECK(has(mapping, "# c_bytea: { column: c_bytea }  # left out: binary (bytea)"));
  CHECK(has(mapping, "# c_point: { column: c_point }  # left out: geometry (point)"));
  CHECK(has(mapping, "# c_long: { column: c_long }  # left out: holds up to 5000 characters"));
  CHECK(has(mapping, "# Old rows: the replica identity (the primary key) logs"));

  // As an array of the account it references: the foreign key is the customer id, and the
  // default replica identity does not log it, which the first comment says.
  std::filesystem::remove(connector.config_path().parent_path() / "mappings" / "scaffolded.yaml");
  const auto array =
      run(connector, {"scaffold", "--table", "pgit_scaffold.every_type", "--as", "array"});
  INFO(array.text);
  CHECK(array.exit_code == 0);
  CHECK(has(array.text, "array:\n  customer_id: account_id\n  field: every_type\n  item_id: id\n"));
  CHECK(has(array.text, "NEEDS ALTER TABLE pgit_scaffold.every_type REPLICA IDENTITY FULL"));
  db.exec("ALTER TABLE pgit_scaffold.every_type REPLICA IDENTITY FULL");
  const std::string full =
      scaffold_then_check(connector, "pgit_scaffold.every_type", {"--as", "array"});
  CHECK(has(full, "# Old rows: REPLICA IDENTITY FULL"));

  // Events, and a table it cannot read.
  std::filesystem::remove(connector.config_path().parent_path() / "mappings" / "scaffolded.yaml");
  const std::string events =
      scaffold_then_check(connector, "pgit_scaffold.every_type", {"--as", "events"});
  CHECK(has(events,
            "events:\n  - name: every_type_created\n    on: insert\n"
            "    customer_id: account_id\n"));
  const auto missing = run(connector, {"scaffold", "--table", "pgit_scaffold.nothing"});
  CHECK(missing.exit_code == 2);
  CHECK(has(missing.text, "table pgit_scaffold.nothing does not exist"));
}

TEST_CASE("scaffold mysql: every type, then check passes on the mapping as written") {
  MysqlTestDb db;
  db.fresh_database("myit_scaffold");
  db.exec(every_type::create_table("myit_scaffold"));
  db.exec(
      "ALTER TABLE myit_scaffold.every_type ADD COLUMN c_flag TINYINT(1), "
      "ADD COLUMN c_notes MEDIUMTEXT, ADD COLUMN user_id BIGINT");
  MockServer mock;
  ConnectorRun connector(mock, {.mysql_server_id = 6201});

  const std::string mapping = scaffold_then_check(connector, "myit_scaffold.every_type");
  CHECK(has(mapping, "customer:\n  id: id\n"));
  CHECK(has(mapping, "c_flag: { column: c_flag, type: boolean }"));
  CHECK(has(mapping, "c_ubig: { column: c_ubig, type: number }"));
  CHECK(has(mapping, "c_datetime: { column: c_datetime, type: date_time }"));
  CHECK(has(mapping, "c_set: { column: c_set, type: array }"));
  CHECK(has(mapping, "c_json: { column: c_json, type: json }"));
  CHECK(has(mapping, "c_enum: { column: c_enum, type: string }"));
  CHECK(has(mapping, "# c_blob: { column: c_blob }  # left out: binary (blob)"));
  CHECK(has(mapping, "# c_geometry: { column: c_geometry }  # left out: geometry (geometry)"));
  CHECK(has(mapping, "# c_notes: { column: c_notes }  # left out: holds up to"));
  CHECK(has(mapping, "# Old rows: binlog_row_image is FULL"));

  std::filesystem::remove(connector.config_path().parent_path() / "mappings" / "scaffolded.yaml");
  const std::string events =
      scaffold_then_check(connector, "myit_scaffold.every_type", {"--as", "events"});
  CHECK(has(events, "customer_id: user_id\n"));
}
