// Every recorded MySQL 8/9 binlog file not streamed by wire_server_test.cpp, served by
// tests/support/mysql_wire_server through COM_BINLOG_DUMP into the real connector and
// retainly-mock. Each mapping turns every row change into an event, so the mock's events
// are the calls the connector made; the expected values are the files' rows as
// `mariadb-binlog --verbose` prints them (uncompressed files) or as
// tests/unit/mysql/fixture_mysql8_test.cpp states them (compressed ones). Column names
// the files do not carry come from the scripted catalog, as the test chooses them.
#include <doctest/doctest.h>

#include <chrono>

#include "connectors/mysql/gtid_set.h"

#include "support/binlog_builder.h"
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

namespace {

// test.ba (a INT, b INT, c INT; no metadata, names from the catalog) in both update-*-row
// files: inserts (3,3,3), (1,1,1), (2,2,2), (4,4,4); (4,4,4) updated to c = 40; a = 2
// deleted, its before image holding a alone. mysql.ndb_apply_status is written beside
// them and not mapped. Uncompressed v1 rows events without checksums.
constexpr const char* kBaMapping = R"yaml(table: test.ba
events:
  - name: row_inserted
    on: insert
    customer_id: a
    data: { b: b, c: c }
  - name: row_updated
    on: update
    customer_id: a
    data: { b: b, old_c: before.c, c: c }
  - name: row_deleted
    on: delete
    customer_id: a
    data: { b: b, c: c }
)yaml";

std::vector<json> ba_events(const json& updated) {
  return {event("row_inserted", 3, {{"b", 3}, {"c", 3}}),
          event("row_inserted", 1, {{"b", 1}, {"c", 1}}),
          event("row_inserted", 2, {{"b", 2}, {"c", 2}}),
          event("row_inserted", 4, {{"b", 4}, {"c", 4}}),
          event("row_updated", 4, updated),
          event("row_deleted", 2, json::object())};
}

void stream_ba(const std::string& file, uint32_t server_id, const json& updated) {
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = wire_fixture(file), .checksum = false});
  script_mysql_source(server);
  script_catalog(server, "test", "ba",
                 {{"a", "int", "", "PRI"}, {"b", "int", "", ""}, {"c", "int", "", ""}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, server_id, {{"ba.yaml", kBaMapping}}));
  connector.start();
  check_events(mock, connector, ba_events(updated));
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

}  // namespace

TEST_CASE("mysql wire file: full row images (update-full-row)") {
  stream_ba("update-full-row.binlog", 6204, {{"b", 4}, {"old_c", 4}, {"c", 40}});
}

TEST_CASE(
    "mysql wire file: minimal row images leave the unlogged column out (update-partial-row)") {
  // The update logs a and c only: b is neither sent nor guessed.
  stream_ba("update-partial-row.binlog", 6205, {{"old_c", 4}, {"c", 40}});
}

TEST_CASE("mysql wire file: two zstd-compressed transactions (8.0.31 apecloud)") {
  // a.b (one INT) gets 1 inserted; a.test_table_3 (20 columns, minimal metadata) has a row
  // updated (ENUM index 4, SET mask 8 -> 4, the JSON {"c":1}, a VARCHAR changed) and 6666
  // inserted, each in a TRANSACTION_PAYLOAD_EVENT. The catalog names the columns c0-c19
  // and the ENUM / SET members, which the binlog holds as an index and a bit mask.
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = wire_fixture("apecloud-mysql-bin.000057")});
  script_mysql_source(server);
  script_catalog(server, "a", "b", {{"id", "int", "", "PRI"}});
  const std::vector<CatalogRow> columns = {{"c0", "int", "", "PRI"},
                                           {"c1", "varchar(255)", "utf8mb3", ""},
                                           {"c2", "date", "", ""},
                                           {"c3", "int", "", ""},
                                           {"c4", "text", "utf8mb3", ""},
                                           {"c5", "timestamp", "", ""},
                                           {"c6", "enum('m1','m2','m3','m4','m5')", "utf8mb3", ""},
                                           {"c7", "set('s1','s2','s3','s4')", "utf8mb3", ""},
                                           {"c8", "binary(3)", "", ""},
                                           {"c9", "json", "", ""},
                                           {"c10", "varchar(255)", "utf8mb3", ""},
                                           {"c11", "date", "", ""},
                                           {"c12", "date", "", ""},
                                           {"c13", "int", "", ""},
                                           {"c14", "text", "utf8mb3", ""},
                                           {"c15", "timestamp", "", ""},
                                           {"c16", "date", "", ""},
                                           {"c17", "int", "", ""},
                                           {"c18", "text", "utf8mb3", ""},
                                           {"c19", "timestamp", "", ""}};
  script_catalog(server, "a", "test_table_3", columns);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6206,
                                          {{"b.yaml", R"yaml(table: a.b
events:
  - name: b_inserted
    on: insert
    customer_id: id
)yaml"},
                                           {"t3.yaml", R"yaml(table: a.test_table_3
events:
  - name: t3_updated
    on: update
    customer_id: before.c0
    data:
      c2: before.c2
      old_c6: before.c6
      old_c7: before.c7
      c7: c7
      c9: { column: before.c9, as: string }
      old_c10: before.c10
      c10: c10
  - name: t3_inserted
    on: insert
    customer_id: c0
    data: { c5: c5 }
)yaml"}}));
  connector.start();
  check_events(mock, connector,
               {event("b_inserted", 1, json::object()),
                event("t3_updated", 55555,
                      {{"c2", "2022-11-20"},
                       {"old_c6", "m4"},
                       {"old_c7", json::array({"s4"})},
                       {"c7", json::array({"s3"})},
                       {"c9", R"({"c":1})"},
                       {"old_c10", "product_item_2_value"},
                       {"c10", "product_3_value"}}),
                event("t3_inserted", 6666, {{"c5", "2022-11-20T13:53:32.000Z"}})});
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire file: an UPDATE inside a compressed payload (8.0.28 osheroff)") {
  // demo.movies (11 columns, INT and long VARCHARs): 'Once Upon a Time in the West' (1968)
  // has its genres changed from 'Western' to 'Western|Action'.
  MysqlWireServer server(
      {.server_version = "8.0.36", .binlog = wire_fixture("osheroff-mysql-bin.compressed")});
  script_mysql_source(server);
  std::vector<CatalogRow> columns = {{"id", "int", "", "PRI"},
                                     {"title", "varchar(256)", "utf8mb4", ""},
                                     {"year", "int", "", ""},
                                     {"c3", "varchar(256)", "utf8mb4", ""},
                                     {"genres", "varchar(256)", "utf8mb4", ""}};
  for (int i = 5; i < 11; ++i) {
    columns.push_back({"c" + std::to_string(i), "varchar(256)", "utf8mb4", ""});
  }
  script_catalog(server, "demo", "movies", columns);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6207, {{"movies.yaml", R"yaml(table: demo.movies
events:
  - name: movie_updated
    on: update
    customer_id: before.title
    data: { year: year, old_genres: before.genres, genres: genres }
)yaml"}}));
  connector.start();
  check_events(mock, connector,
               {event("movie_updated", "Once Upon a Time in the West",
                      {{"year", 1968}, {"old_genres", "Western"}, {"genres", "Western|Action"}})});
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE(
    "mysql wire file: a minimal row image with only some columns (8.0.40 minimal_row_metadata)") {
  // noria.t1 (five columns: INT, BLOB, CHAR(2), INT, INT UNSIGNED; signedness and charsets
  // in the table map, names from the catalog), binlog_row_image=MINIMAL: the insert logs
  // c1 = 1, c3 = 'a' and c5 = 3230202323 only. The columns it leaves out are not sent.
  MysqlWireServer server(
      {.server_version = "8.0.40", .binlog = wire_fixture("minimal_row_metadata.000001")});
  script_mysql_source(server);
  script_catalog(server, "noria", "t1",
                 {{"c1", "int", "", "PRI"},
                  {"c2", "blob", "", ""},
                  {"c3", "char(2)", "utf8mb4", ""},
                  {"c4", "int", "", ""},
                  {"c5", "int unsigned", "", ""}});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6208, {{"t1.yaml", R"yaml(table: noria.t1
events:
  - name: row_inserted
    on: insert
    customer_id: c1
    data: { c2: c2, c3: c3, c4: c4, c5: c5 }
)yaml"}}));
  connector.start();
  check_events(mock, connector, {event("row_inserted", 1, {{"c3", "a"}, {"c5", 3230202323LL}})});
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire file: 5.6 GTID events without logical clocks; a restart asks for them") {
  // binlog_transaction_with_GTID.000001 (MySQL 5.6 GTID events, no logical timestamps):
  // transactions 006c2cf2-b1ea-11e4-9057-8c705a3d3e78:1-3 (CREATE TABLE, an INSERT logged
  // as a statement, DROP TABLE), then a STOP event; no row changes. Their GTIDs must be
  // stored with the next commit and asked for after a restart. The server's set at the
  // start is another server's.
  const auto file = wire_fixture("binlog_transaction_with_GTID.000001");
  const std::string start = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";
  MysqlWireServer server({.server_version = "8.0.36", .binlog = file});
  script_mysql_source(server, {.gtid_mode = true, .gtid_executed = start});
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6209, {{"t1.yaml", R"yaml(table: test.t1
customer:
  id: c1
)yaml"}}));
  // Transactions without row changes are stored at most once a second
  // (idle_commit_interval): one with a row change, built as MySQL 8 writes it, follows.
  server.append_events(wire::insert_transaction(
      {.schema = "test",
       .table = "t1",
       .columns = {{.name = "c1", .type = wire::kTypeLong, .nullable = false}},
       .primary_key = {0}},
      {{"7"}}, {.gtid = "006c2cf2-b1ea-11e4-9057-8c705a3d3e78:4"}));
  connector.start();
  wait_until([&] { return customers_by_id(mock).contains("7"); }, 30s, "the row of :4");
  CHECK(connector.terminate() == 0);
  connector.start();
  wait_until([&] { return server.dumps().size() == 2; }, 30s, "the second dump request");
  CHECK(connector.terminate() == 0);
  check_conversation(server);

  const auto dumps = server.dumps();
  auto dumped_set = [](const DumpRequest& dump) {
    // flags(2) server_id(4) name length(4) name position(8) set length(4) set
    wire::Reader r(dump.payload);
    r.bytes(6);
    r.bytes(r.int_le(4));
    r.int_le(8);
    return r.bytes(r.int_le(4));
  };
  auto encoded = [](const std::string& text) {
    const auto set = cdc::mysql::MysqlGtidSet::parse(text);
    REQUIRE(set);
    return set->encode();
  };
  REQUIRE(dumps[1].command == 0x1e);
  CHECK(dumped_set(dumps[0]) == encoded(start));
  CHECK(dumped_set(dumps[1]) == encoded("006c2cf2-b1ea-11e4-9057-8c705a3d3e78:1-4," + start));
}
