// MysqlTableReader against the real MariaDB: for every column type, the schema and every
// cdc::Value it reads equal what the binlog reader (MysqlSource) decoded from the inserts
// of the same rows; pages follow composite and binary keys, and resume after a saved key.
#include <doctest/doctest.h>

#include <chrono>
#include <map>

#include "connectors/mysql/mysql_source.h"
#include "connectors/mysql/mysql_table_reader.h"
#include "core/errors.h"
#include "mysql_every_type.h"
#include "recycled_rows.h"
#include "support/mysql_test_db.h"
#include "support/temp_dir.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc;
using namespace cdc::test;

namespace {

mysql::MysqlConnectOptions connect_options() {
  mysql::MysqlConnectOptions options;
  options.host = test_env("CDC_TEST_MYSQL_HOST");
  options.port = std::stoi(test_env("CDC_TEST_MYSQL_PORT"));
  options.user = test_env("CDC_TEST_MYSQL_USER");
  options.password = test_env("CDC_TEST_MYSQL_PASSWORD");
  return options;
}

// Every row of the reader, `page` rows at a time.
std::vector<RowChange> read_all(TableReader& reader, size_t page) {
  std::vector<RowChange> rows;
  while (reader.next_batch(page, rows) > 0) {
  }
  return rows;
}

int64_t id_of(const RowChange& change) { return change.after.at(0).as<int64_t>(); }

}  // namespace

TEST_CASE("mysql table reader: every type reads as the binlog reader decodes it") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mybf_values");
  db.exec(every_type::create_table(database));
  const TableId table{database, "every_type"};

  TempDir dir("mybf-values");
  mysql::MysqlSource source({.connect = connect_options(),
                             .server_id = 5311,
                             .tables = {table},
                             .position_file = dir.path() / "mysql_position.json",
                             .read_only = true});
  source.start();
  db.exec(every_type::insert_rows(database));
  std::map<int64_t, RowChange> streamed;
  wait_until(
      [&] {
        while (auto item = source.next(10ms)) {
          if (auto* change = std::get_if<RowChange>(&*item)) {
            REQUIRE(change->op == Operation::kInsert);
            streamed[id_of(*change)] = std::move(*change);
          }
        }
        return streamed.size() == every_type::kRows;
      },
      60s, "the binlog to bring every row");
  source.stop();

  mysql::MysqlTableReader reader(connect_options(), table);
  CHECK(reader.key_columns() == std::vector<std::string>{"id"});
  const std::vector<RowChange> read = read_all(reader, 3);
  REQUIRE(read.size() == every_type::kRows);

  const TableSchema& binlog_schema = *streamed.begin()->second.table;
  const TableSchema& schema = *reader.schema();
  CHECK(schema.id == binlog_schema.id);
  REQUIRE(schema.columns.size() == binlog_schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    CAPTURE(binlog_schema.columns[c].name);
    CHECK(schema.columns[c].name == binlog_schema.columns[c].name);
    CHECK(schema.columns[c].type_name == binlog_schema.columns[c].type_name);
    CHECK(schema.columns[c].is_key == binlog_schema.columns[c].is_key);
  }

  uint32_t index = 0;
  for (const RowChange& row : read) {
    CAPTURE(id_of(row));
    CHECK(row.op == Operation::kSnapshotRead);
    CHECK(row.before.empty());
    CHECK(row.commit_time_micros == 0);
    CHECK(row.position == Position(BinlogPosition{"", 0, "", index++}));
    const RowChange& binlog = streamed.at(id_of(row));
    REQUIRE(row.after.size() == binlog.after.size());
    for (size_t c = 0; c < row.after.size(); ++c) {
      INFO("column " << schema.columns[c].name << ": backfill " << row.after[c].debug_string()
                     << ", binlog " << binlog.after[c].debug_string());
      CHECK(row.after[c] == binlog.after[c]);
    }
  }
}

TEST_CASE("mysql table reader: rows read into recycled rows equal fresh ones") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mybf_recycled");
  db.exec(every_type::create_table(database));
  db.exec(every_type::insert_rows(database));
  const TableId table{database, "every_type"};
  std::vector<Row> expected;
  {
    mysql::MysqlTableReader fresh(connect_options(), table);
    for (const RowChange& row : read_all(fresh, 1000)) expected.push_back(row.after);
  }
  REQUIRE(expected.size() == every_type::kRows);

  for (size_t page : {1, 2, 5}) {
    CAPTURE(page);
    mysql::MysqlTableReader reader(connect_options(), table);
    check_recycled_reads(reader, page, expected);
  }
}

TEST_CASE("mysql table reader: composite and binary keys page in key order and resume") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mybf_keys");
  db.exec("CREATE TABLE " + database +
          ".pairs (tenant VARBINARY(8), name VARCHAR(20) CHARACTER SET latin1, "
          "size ENUM('large', 'small'), n INT, PRIMARY KEY (tenant, name, size))");
  // Key values whose text order differs from index order: an ENUM ('large' sorts before
  // 'small' by index but after it as text), bytes that are not UTF-8, latin1 text.
  db.exec("INSERT INTO " + database +
          ".pairs SELECT UNHEX(LPAD(HEX(seq % 7 * 37), 4, '0')), "
          "CONCAT('n', seq % 5, 'é', seq DIV 70), IF(seq % 2 = 0, 'small', 'large'), seq "
          "FROM seq_1_to_200");
  const TableId table{database, "pairs"};
  const auto expected_order =
      db.query_json("SELECT n FROM " + database + ".pairs ORDER BY tenant, name, size");

  mysql::MysqlTableReader reader(connect_options(), table);
  CHECK(reader.key_columns() == std::vector<std::string>{"tenant", "name", "size"});
  CHECK(reader.estimated_rows() > 0);
  std::vector<RowChange> first;
  CHECK(reader.next_batch(70, first) == 70);
  const auto saved = reader.last_key();
  REQUIRE(saved.has_value());

  // A later process continues after the saved key.
  mysql::MysqlTableReader resumed(connect_options(), table);
  resumed.resume_after(*saved);
  std::vector<RowChange> all = first;
  for (RowChange& row : read_all(resumed, 40)) all.push_back(std::move(row));

  REQUIRE(all.size() == expected_order.size());
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(i);
    CHECK(all[i].after.at(3) ==
          Value(int64_t{std::stoll(expected_order[i].at("n").get<std::string>())}));
  }
  CHECK_THROWS_AS(resumed.resume_after({"00"}), SourceError);
  CHECK_THROWS_AS(resumed.resume_after({"zz", "a", "1"}), SourceError);
}

TEST_CASE("mysql table reader: a table without a primary key is refused with what to do") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mybf_nokey");
  db.exec("CREATE TABLE " + database + ".loose (id INT, name TEXT)");
  try {
    mysql::MysqlTableReader reader(connect_options(), {database, "loose"});
    FAIL("no error");
  } catch (const SourceError& e) {
    const std::string message = e.what();
    CHECK(message.find("mybf_nokey.loose") != std::string::npos);
    CHECK(message.find("add a primary key") != std::string::npos);
  }
  CHECK_THROWS_AS(mysql::MysqlTableReader(connect_options(), {database, "missing"}), SourceError);
}
