// Every MariaDB column type the binlog reader decodes, through the running daemon into
// the mock: after inserts, updates and deletes the mock's customers equal the table value
// for value. The expected JSON is computed by MariaDB itself from the rows (PRODUCT.md,
// "Types"), not by any of our code.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr uint32_t kServerId = 5101;

constexpr const char* kSchema = R"sql(
CREATE TABLE myit_types.every_type (
  id          BIGINT PRIMARY KEY,
  c_tiny      TINYINT,
  c_utiny     TINYINT UNSIGNED,
  c_small     SMALLINT,
  c_usmall    SMALLINT UNSIGNED,
  c_medium    MEDIUMINT,
  c_umedium   MEDIUMINT UNSIGNED,
  c_int       INT,
  c_uint      INT UNSIGNED,
  c_big       BIGINT,
  c_ubig      BIGINT UNSIGNED,
  c_decimal   DECIMAL(20, 6),
  c_float     FLOAT,
  c_double    DOUBLE,
  c_date      DATE,
  c_datetime  DATETIME(6),
  c_datetime0 DATETIME,
  c_timestamp TIMESTAMP(3) NULL,
  c_time      TIME(6),
  c_year      YEAR,
  c_char      CHAR(5),
  c_varchar   VARCHAR(40),
  c_latin1    VARCHAR(20) CHARACTER SET latin1,
  c_text      TEXT,
  c_blob      BLOB,
  c_binary    BINARY(4),
  c_varbinary VARBINARY(10),
  c_enum      ENUM('small', 'medium', 'large'),
  c_set       SET('red', 'green', 'blue'),
  c_bit       BIT(10),
  c_json      JSON,
  c_geometry  GEOMETRY
))sql";

constexpr const char* kMapping = R"yaml(table: myit_types.every_type
customer:
  id: id
  fields:
    tiny: c_tiny
    utiny: c_utiny
    small: c_small
    usmall: c_usmall
    medium: c_medium
    umedium: c_umedium
    int: c_int
    uint: c_uint
    big: c_big
    ubig: c_ubig
    decimal: c_decimal
    float: c_float
    double: c_double
    date: c_date
    datetime: c_datetime
    datetime0: c_datetime0
    timestamp: c_timestamp
    time: c_time
    year: c_year
    char: c_char
    varchar: c_varchar
    latin1: c_latin1
    text: c_text
    blob: c_blob
    binary: c_binary
    varbinary: c_varbinary
    enum: c_enum
    set: c_set
    bit: c_bit
    json: c_json
    geometry: c_geometry
  on_delete: delete
)yaml";

// Timestamps as Retainly's date_time: UTC, milliseconds (truncated), "Z".
#define CDC_DATE_TIME(x)                          \
  "IF(" x " IS NULL, NULL, CONCAT(DATE_FORMAT(" x \
  ", '%Y-%m-%dT%H:%i:%s.'), "                     \
  "LEFT(DATE_FORMAT(" x ", '%f'), 3), 'Z'))"
#define CDC_BASE64(x) "REPLACE(TO_BASE64(" x "), '\\n', '')"

// What Retainly should hold for every row: customer id (as text) -> fields. DECIMAL,
// FLOAT and DOUBLE come as MariaDB's text and are turned into what Retainly gets below;
// json is compared parsed.
const std::string kExpectedSql = std::string(R"sql(
SELECT IFNULL(JSON_OBJECTAGG(id, doc), '{}') FROM (SELECT id, JSON_OBJECT(
  'id', id,
  'tiny', c_tiny, 'utiny', c_utiny, 'small', c_small, 'usmall', c_usmall,
  'medium', c_medium, 'umedium', c_umedium, 'int', c_int, 'uint', c_uint,
  'big', c_big, 'ubig', c_ubig,
  'decimal', CAST(c_decimal AS CHAR),
  'float', CAST(c_float AS CHAR),
  'double', CAST(c_double AS CHAR),
  'date', DATE_FORMAT(c_date, '%Y-%m-%d'),
  'datetime', )sql") + CDC_DATE_TIME("c_datetime") +
                                 R"sql(,
  'datetime0', )sql" + CDC_DATE_TIME("c_datetime0") +
                                 R"sql(,
  'timestamp', )sql" + CDC_DATE_TIME("c_timestamp") +
                                 R"sql(,
  'time', IF(MICROSECOND(c_time) <> 0, TIME_FORMAT(c_time, '%H:%i:%s.%f'),
             TIME_FORMAT(c_time, '%H:%i:%s')),
  'year', c_year + 0,
  'char', c_char, 'varchar', c_varchar, 'latin1', c_latin1, 'text', c_text,
  'blob', )sql" + CDC_BASE64("c_blob") +
                                 R"sql(,
  'binary', )sql" + CDC_BASE64("c_binary") +
                                 R"sql(,
  'varbinary', )sql" + CDC_BASE64("c_varbinary") +
                                 R"sql(,
  'enum', c_enum,
  'set', IF(c_set IS NULL, NULL, IF(c_set = '', JSON_ARRAY(),
            JSON_EXTRACT(CONCAT('["', REPLACE(c_set, ',', '","'), '"]'), '$'))),
  'bit', c_bit + 0,
  'json', c_json,
  'geometry', )sql" + CDC_BASE64("ST_AsWKB(c_geometry)") +
                                 R"sql(
) AS doc FROM myit_types.every_type) AS docs)sql";

// Fields whose text form is not unique: FLOAT/DOUBLE text -> number, JSON text ->
// the document it holds.
nlohmann::json normalized(nlohmann::json customer) {
  for (const char* field : {"float", "double"}) {
    auto it = customer.find(field);
    if (it != customer.end() && it->is_string()) *it = std::stod(it->get<std::string>());
  }
  auto it = customer.find("json");
  if (it != customer.end() && it->is_string()) {
    auto parsed = nlohmann::json::parse(it->get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) *it = std::move(parsed);
  }
  return customer;
}

std::map<std::string, nlohmann::json> expected_customers(MysqlTestDb& db) {
  std::map<std::string, nlohmann::json> expected;
  const auto rows = nlohmann::json::parse(*db.query_value(kExpectedSql));
  for (const auto& [id, fields] : rows.items()) {
    expected[id] = normalized(fields);
    // Decimals are numbers, except those beyond double precision (this test's are
    // well within 15 digits or well beyond), which travel as their exact text.
    auto& decimal = expected[id]["decimal"];
    if (decimal.is_string() && std::abs(std::stod(decimal.get<std::string>())) < 1e12) {
      decimal = std::stod(decimal.get<std::string>());
    }
  }
  return expected;
}

std::map<std::string, nlohmann::json> actual_customers(const MockServer& mock) {
  auto customers = customers_by_id(mock);
  for (auto& [id, fields] : customers) fields = normalized(fields);
  return customers;
}

void wait_for_equality(MysqlTestDb& db, const MockServer& mock, const std::string& what) {
  const auto expected = expected_customers(db);
  std::map<std::string, nlohmann::json> actual;
  const bool equal = poll_until(
      [&] {
        actual = actual_customers(mock);
        return actual == expected;
      },
      60s);
  if (equal) return;
  for (const auto& [id, fields] : expected) {
    auto it = actual.find(id);
    INFO("customer " << id << " expected " << fields.dump() << "\n  mock has "
                     << (it == actual.end() ? std::string("nothing") : it->second.dump()));
    CHECK(it != actual.end());
    if (it != actual.end()) CHECK(it->second == fields);
  }
  for (const auto& [id, fields] : actual) {
    INFO("customer " << id << " is in the mock but not in the table: " << fields.dump());
    CHECK(expected.contains(id));
  }
  FAIL("the mock's customers never equalled the table " << what);
}

}  // namespace

TEST_CASE("mysql: every column type follows inserts, updates and deletes value for value") {
  MysqlTestDb db;
  db.fresh_database("myit_types");
  db.exec(kSchema);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "myit_types",
                                .mappings = {{"every_type.yaml", kMapping}},
                                .mysql_server_id = kServerId});
  connector.start();

  db.exec(R"sql(
INSERT INTO myit_types.every_type VALUES
  (1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
   9223372036854775807, 18446744073709551615, 1.5, 3.14, 2.718281828459045,
   '2024-02-29', '2024-02-29 23:59:59.123456', '2001-02-03 04:05:06',
   '2024-06-01 10:00:00.250', '13:45:07.250000', 2024,
   'ab', 'varchar', 'café', 'héllo "quoted" \\ back', x'00ff10', x'0102', x'cafe',
   'medium', 'red,blue', b'1010101010', '{"b": 1, "a": [1, 2]}', ST_GeomFromText('POINT(1 2)')),
  (2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
   98765432109876.543210, -0.5, 1e300, '1970-01-01', '1970-01-01 00:00:00', '1999-12-31 23:59:59',
   '1999-12-31 23:59:59.999', '00:00:00', 1901, 'abcde', '', '', '', x'', x'00000000', x'',
   'small', '', b'0', '[1, "two", null]', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 1)')),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL),
  (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, -0.000001, 1e-10, -1.7976931348623157e308,
   '9999-12-31', '9999-12-31 23:59:59.999999', '1000-01-01 00:00:00', '2038-01-19 03:14:07.999',
   '23:59:59.999999', 2155, 'ü', 'ünïcødé ✓ 😀', 'Zoë', REPEAT('long text ', 90),
   REPEAT(x'ab', 700), x'ff', x'00', 'large', 'red,green,blue', b'1111111111',
   '"scalar"', ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))')))sql");
  wait_for_equality(db, mock, "after the inserts");

  db.exec(R"sql(
UPDATE myit_types.every_type SET c_text = 'changed', c_big = 42, c_json = '[{"k": 1}]',
  c_datetime = '2030-01-01 01:02:03' WHERE id = 1;
UPDATE myit_types.every_type SET c_tiny = 1, c_decimal = 7, c_set = 'green',
  c_date = '2000-01-01', c_enum = 'large' WHERE id = 3;
START TRANSACTION;
UPDATE myit_types.every_type SET c_varchar = 'in a transaction' WHERE id = 4;
DELETE FROM myit_types.every_type WHERE id = 2;
COMMIT)sql");
  wait_for_equality(db, mock, "after the updates and the delete");

  // SIGTERM stores the position: a restarted daemon sends only what is new.
  CHECK(connector.terminate() == 0);
  const auto applied_before = records_applied(mock, "POST /customers");
  connector.start();
  db.exec("INSERT INTO myit_types.every_type (id, c_text) VALUES (5, 'after restart')");
  wait_for_equality(db, mock, "after the restart");
  CHECK(records_applied(mock, "POST /customers") == applied_before + 1);
  CHECK(connector.terminate() == 0);
}
