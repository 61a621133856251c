// Every recorded MySQL 8/9 binlog file not streamed by wire_server_test.cpp, served by
// tests/support/mysql_wire_server through COM_BINLOG_DUMP into the real connector and
// retainly-mock. Each mapping turns every row change into an event, so the mock's events
// are the calls the connector made; the expected values are the files' rows as
// `mariadb-binlog --verbose` prints them (uncompressed files) or as
// tests/unit/mysql/fixture_mysql8_test.cpp states them (compressed ones). Column names
// the files do not carry come from the scripted catalog, as the test chooses them.
#include <doctest/doctest.h>

#include <chrono>

#include "support/mysql_wire_scripts.h"
#include "support/wait_until.h"
#include "wire_harness.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

json event(const std::string& name, const json& customer_id, json data) {
  return {{"event", name}, {"customer_id", customer_id}, {"data", std::move(data)}};
}

}  // namespace

TEST_CASE("mysql wire file: BIT columns with full metadata (8.0.26 mysql_type_bit)") {
  // mysql.foo (a BIT(3), b TEXT, c BIT(8)), no primary key: the table map names the
  // columns, the catalog is asked for the key. One row: a b'100', b 'foo', c b'00100000'.
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = wire_fixture("mysql_type_bit.000001")});
  script_mysql_source(server);
  script_catalog(server, "mysql", "foo",
                 {{"a", "bit(3)", "", ""}, {"b", "text", "utf8mb4", ""}, {"c", "bit(8)", "", ""}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6201, {{"foo.yaml", R"yaml(table: mysql.foo
events:
  - name: row_inserted
    on: insert
    customer_id: b
    data: { a: a, c: c }
)yaml"}}));
  connector.start();
  check_events(mock, connector, {event("row_inserted", "foo", {{"a", 4}, {"c", 32}})});
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire file: a negative TIME beyond a day (8.0.40 time_issue)") {
  // noria.t (one TIME column, minimal metadata): one row, '-507:48:27'.
  MysqlWireServer server({.server_version = "8.0.36", .binlog = wire_fixture("time_issue.000001")});
  script_mysql_source(server);
  script_catalog(server, "noria", "t", {{"t", "time", "", ""}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6202, {{"t.yaml", R"yaml(table: noria.t
events:
  - name: row_inserted
    on: insert
    customer_id: "time {{t}}"
    data: { t: t }
)yaml"}}));
  connector.start();
  check_events(mock, connector, {event("row_inserted", "time -507:48:27", {{"t", "-507:48:27"}})});
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire file: JSON opaque scalars (9.0.1 json-opaque)") {
  // foo.test (a JSON), no key, column names in the table map: eight inserts of documents
  // holding MySQL's opaque JSON scalars (binary string, DATE, DATETIME, TIME, DECIMAL).
  // Retainly takes no objects as values: the documents go as their text.
  MysqlWireServer server({.server_version = "9.0.1", .binlog = wire_fixture("json-opaque.binlog")});
  script_mysql_source(server);
  script_catalog(server, "foo", "test", {{"a", "json", "", ""}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6203, {{"test.yaml", R"yaml(table: foo.test
events:
  - name: row_inserted
    on: insert
    customer_id: "doc {{a}}"
    data: { a: { column: a, as: string } }
)yaml"}}));
  connector.start();
  std::vector<json> expected;
  for (const char* doc :
       {R"({"a":"base64:type15:VQ=="})", R"({"b":"2012-03-18"})",
        R"({"c":"2012-03-18 11:30:45.000000"})", R"({"c":"87:31:46.654321"})",
        // DECIMAL(11,2) 9.00: the mapping re-serializes documents, and
        // their numbers as doubles (mappings/README.md).
        R"({"d":123.456})", R"({"e":9.0})", R"({"e":[0,1,true,false]})", R"({"e":null})"}) {
    expected.push_back(event("row_inserted", std::string("doc ") + doc, {{"a", doc}}));
  }
  check_events(mock, connector, expected);
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}
