// PRODUCT.md, "Types": the same row gives the same payload whether it came from the
// PostgreSQL stream or the MySQL binlog. The same table with the same values in both
// databases, the same mapping, two mocks: they end up holding the same customers and
// the same events.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kPgSchema = R"sql(
CREATE TABLE same_row.things (
  id bigint PRIMARY KEY, name text, amount numeric(12, 2), big_amount numeric(30, 4),
  ratio double precision, ratio4 real, qty integer, day date, at_local timestamp(6),
  at_utc timestamptz(3), clock time(6), data bytea, tags text[]))sql";

constexpr const char* kMysqlSchema = R"sql(
CREATE TABLE same_row.things (
  id BIGINT PRIMARY KEY, name TEXT, amount DECIMAL(12, 2), big_amount DECIMAL(30, 4),
  ratio DOUBLE, ratio4 FLOAT, qty INT, day DATE, at_local DATETIME(6),
  at_utc TIMESTAMP(3) NULL, clock TIME(6), data BLOB, tags SET('a', 'b', 'c')))sql";

// Written so both databases read it alike; `tags` is an array literal in one and a SET
// in the other.
std::string insert_rows(bool pg) {
  auto tags = [pg](const char* members) {
    return pg ? std::string("'{") + members + "}'" : std::string("'") + members + "'";
  };
  auto bytes = [pg](const char* hex) {
    return pg ? std::string("'\\x") + hex + "'" : std::string("x'") + hex + "'";
  };
  return "INSERT INTO same_row.things VALUES "
         "(1, 'Ada', 12.50, 123456789012345678901234.5678, 0.1, 3.14, 42, '2024-02-29', "
         "'2024-02-29 23:59:59.123456', '2024-06-01 10:00:00.250', '13:45:07.25', " +
         bytes("00ff10") + ", " + tags("a,c") +
         "), "
         "(2, 'Zoë ✓', -0.01, 0, 1e300, -0.5, -7, '1970-01-01', '1970-01-01 00:00:00', "
         "'1999-12-31 23:59:59.999', '00:00:00', " +
         bytes("") + ", " + tags("") +
         "), "
         "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)";
}

constexpr const char* kUpdates =
    "UPDATE same_row.things SET amount = 99.99, name = 'Ada L.', day = '2000-01-01' "
    "WHERE id = 1; DELETE FROM same_row.things WHERE id = 2";

std::string mapping(const std::string& schema) {
  return "table: " + schema + R"yaml(.things
customer:
  id: id
  fields:
    name: name
    amount: amount
    big_amount: big_amount
    ratio: ratio
    ratio4: ratio4
    qty: qty
    day: day
    at_local: at_local
    at_utc: at_utc
    clock: clock
    data: data
    tags: tags
  on_delete: delete
events:
  - name: thing_changed
    on: update
    data: { old_amount: before.amount, amount: amount, day: day, at_utc: at_utc }
)yaml";
}

// The mock's state with events in a stable order (their arrival order differs across
// customers) and without their keys, which name source positions ("pg:0/1A2B:0:0",
// "mysql:binlog.000002:634:1:0"); a key must be there and name `source`.
nlohmann::json state_of(const MockServer& mock, const std::string& source) {
  auto state = mock.state();
  auto& events = state.at("events");
  for (auto& event : events) {
    auto& data = event.at("data");
    CHECK(data.value("event_key", "").starts_with(source + ":"));
    data.erase("event_key");
  }
  std::sort(events.begin(), events.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a.dump() < b.dump(); });
  return state;
}

}  // namespace

TEST_CASE("mysql: the same rows give the same customers and events as from PostgreSQL") {
  constexpr const char* kSlot = "cdc_it_same_row";
  PgTestDb pg;
  pg.drop_replication_objects(kSlot);
  pg.fresh_schema("same_row");
  pg.exec(kPgSchema);
  pg.exec("ALTER TABLE same_row.things REPLICA IDENTITY FULL");
  MysqlTestDb my;
  my.fresh_database("same_row");
  my.exec(kMysqlSchema);

  MockServer pg_mock;
  MockServer my_mock;
  ConnectorRun pg_connector(pg_mock,
                            {.slot = kSlot, .mappings = {{"things.yaml", mapping("same_row")}}});
  ConnectorRun my_connector(my_mock, {.slot = "same_row",
                                      .mappings = {{"things.yaml", mapping("same_row")}},
                                      .mysql_server_id = 5401});
  pg_connector.start();
  my_connector.start();

  pg.exec(insert_rows(true));
  my.exec(insert_rows(false));
  pg.exec(kUpdates);
  my.exec(kUpdates);
  for (const MockServer* mock : {&pg_mock, &my_mock}) {
    wait_until(
        [&] {
          return mock->state().at("events").size() == 1 && customers_by_id(*mock).size() == 2;
        },
        60s, "the changes to reach the mock");
  }
  const auto from_pg = state_of(pg_mock, "pg");
  const auto from_mysql = state_of(my_mock, "mysql");
  INFO("from PostgreSQL: " << from_pg.dump());
  INFO("from MariaDB:    " << from_mysql.dump());
  CHECK(from_pg == from_mysql);

  CHECK(pg_connector.terminate() == 0);
  CHECK(my_connector.terminate() == 0);
  pg.drop_replication_objects(kSlot);
}
