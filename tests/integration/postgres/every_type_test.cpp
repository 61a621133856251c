// Every PostgreSQL type the reader supports, through the running daemon into the mock:
// after inserts, updates and deletes the mock's customers equal the table value for
// value. The expected JSON is computed by PostgreSQL itself from the rows (PRODUCT.md,
// "Types"), not by any of our code.
#include <doctest/doctest.h>

#include <chrono>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_types";

constexpr const char* kSchema = R"sql(
CREATE TABLE pgit_types.every_type (
  id           bigint PRIMARY KEY,
  c_bool       boolean,
  c_int2       smallint,
  c_int4       integer,
  c_int8       bigint,
  c_numeric    numeric(20, 6),
  c_float4     real,
  c_float8     double precision,
  c_text       text,
  c_varchar    varchar(40),
  c_char       char(5),
  c_uuid       uuid,
  c_bytea      bytea,
  c_date       date,
  c_time       time,
  c_ts         timestamp,
  c_tstz       timestamptz,
  c_json       json,
  c_jsonb      jsonb,
  c_int_array  integer[],
  c_text_array text[],
  c_bool_array boolean[],
  c_ts_array   timestamptz[]
))sql";

// One field per column, named after it without the c_ prefix; json objects are sent as
// strings (Retainly refuses objects as attribute values).
constexpr const char* kMapping = R"yaml(table: pgit_types.every_type
customer:
  id: id
  fields:
    bool: c_bool
    int2: c_int2
    int4: c_int4
    int8: c_int8
    numeric: c_numeric
    float4: c_float4
    float8: c_float8
    text: c_text
    varchar: c_varchar
    char: c_char
    uuid: c_uuid
    bytea: c_bytea
    date: c_date
    time: c_time
    ts: c_ts
    tstz: c_tstz
    json: { column: c_json, as: string }
    jsonb: { column: c_jsonb, as: string }
    int_array: c_int_array
    text_array: c_text_array
    bool_array: c_bool_array
    ts_array: c_ts_array
  on_delete: delete
)yaml";

// What Retainly should hold for every row, built by PostgreSQL from the rows: customer id
// (as text) -> fields. json/jsonb travel as strings and are compared parsed, below.
constexpr const char* kExpectedSql = R"sql(
SELECT coalesce(jsonb_object_agg(id::text, doc), '{}')::text FROM (
  SELECT id, jsonb_build_object(
    'id', id,
    'bool', c_bool,
    'int2', c_int2,
    'int4', c_int4,
    'int8', c_int8,
    -- The test's decimals are either well within double precision (a number) or well
    -- beyond 15 digits (a string with the column's scale).
    'numeric', CASE WHEN abs(c_numeric) >= 1e12 THEN to_jsonb(c_numeric::text)
                    ELSE to_jsonb(c_numeric) END,
    'float4', CASE WHEN c_float4 IN ('NaN', 'Infinity', '-Infinity') THEN NULL
                   ELSE to_jsonb(c_float4) END,
    'float8', CASE WHEN c_float8 IN ('NaN', 'Infinity', '-Infinity') THEN NULL
                   ELSE to_jsonb(c_float8) END,
    'text', c_text,
    'varchar', c_varchar,
    'char', to_jsonb(c_char),
    'uuid', c_uuid::text,
    'bytea', replace(encode(c_bytea, 'base64'), E'\n', ''),
    'date', CASE WHEN isfinite(c_date) THEN to_char(c_date, 'YYYY-MM-DD') END,
    'time', to_char(c_time, 'HH24:MI:SS') ||
            CASE WHEN extract(microseconds FROM c_time)::bigint % 1000000 <> 0
                 THEN '.' || to_char(c_time, 'US') ELSE '' END,
    'ts', CASE WHEN isfinite(c_ts)
               THEN to_char(c_ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
    'tstz', CASE WHEN isfinite(c_tstz)
                 THEN to_char(c_tstz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
    'json', c_json::text,
    'jsonb', c_jsonb::text,
    'int_array', to_jsonb(c_int_array),
    'text_array', to_jsonb(c_text_array),
    'bool_array', to_jsonb(c_bool_array),
    'ts_array', CASE WHEN c_ts_array IS NOT NULL THEN coalesce((SELECT jsonb_agg(to_char(t AT TIME ZONE 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ORDER BY n)
                 FROM unnest(c_ts_array) WITH ORDINALITY AS u(t, n)), '[]') END
  ) AS doc FROM pgit_types.every_type
) rows)sql";

// json/jsonb fields arrive as serialized text whose spacing and key order are ours; they
// are equal when they parse to the same document. A JSON string is sent as itself, not
// as its quoted text, so text that does not parse stands for a string.
nlohmann::json normalized(nlohmann::json customer) {
  for (const char* field : {"json", "jsonb"}) {
    auto it = customer.find(field);
    if (it == customer.end() || !it->is_string()) continue;
    auto parsed = nlohmann::json::parse(it->get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) *it = std::move(parsed);
  }
  return customer;
}

std::map<std::string, nlohmann::json> expected_customers(PgTestDb& db) {
  std::map<std::string, nlohmann::json> expected;
  const auto rows = nlohmann::json::parse(*db.query_value(kExpectedSql));
  for (const auto& [id, fields] : rows.items()) {
    expected[id] = normalized(fields);
  }
  return expected;
}

std::map<std::string, nlohmann::json> actual_customers(const MockServer& mock) {
  auto customers = customers_by_id(mock);
  for (auto& [id, fields] : customers) fields = normalized(fields);
  return customers;
}

// Waits until the mock holds exactly the table; on timeout shows the first difference.
void wait_for_equality(PgTestDb& db, const MockServer& mock, const std::string& what) {
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

TEST_CASE("postgres: every supported type follows inserts, updates and deletes value for value") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_types");
  db.exec(kSchema);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"every_type.yaml", kMapping}}});
  connector.start();

  db.exec(R"sql(
INSERT INTO pgit_types.every_type VALUES
  (1, true, 32767, 2147483647, 9223372036854775807, 1.5, 3.14, 2.718281828459045,
   'héllo "quoted" \ back', 'varchar', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '\x00ff10', '2024-02-29', '13:45:07.25', '2024-02-29 23:59:59.123456',
   '2024-06-01 12:00:00+02', '{"b": 1, "a": [1, 2]}', '{"z": null, "n": 1.5}',
   '{1,2,3}', '{"a","b c",NULL}', '{true,false}', '{"2020-01-01 00:00:00+00"}'),
  (2, false, -32768, -2147483648, -9223372036854775808, 98765432109876.543210,
   -0.5, 1e300, '', 'x', 'abcde', '00000000-0000-0000-0000-000000000000', '\x', '1970-01-01',
   '00:00:00', '1970-01-01 00:00:00', '1999-12-31 23:59:59.999+00', '[1, "two", null]',
   '"scalar"', '{}', '{}', '{}', '{}'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, true, 0, 0, 0, -0.000001, 'NaN', 'Infinity', 'ünïcødé ✓ 😀', NULL, NULL, NULL, NULL,
   'infinity', '23:59:59.999999', '-infinity', 'infinity', 'true', '[]', '{-1}',
   '{"x"}', NULL, NULL))sql");
  wait_for_equality(db, mock, "after the inserts");

  db.exec(R"sql(
UPDATE pgit_types.every_type SET c_text = 'changed', c_int8 = 42, c_jsonb = '[{"k": 1}]',
  c_ts = '2030-01-01 01:02:03' WHERE id = 1;
UPDATE pgit_types.every_type SET c_bool = true, c_numeric = 7, c_int_array = '{9}',
  c_date = '2000-01-01' WHERE id = 3;
BEGIN;
UPDATE pgit_types.every_type SET c_varchar = 'in a transaction' WHERE id = 4;
DELETE FROM pgit_types.every_type WHERE id = 2;
COMMIT;)sql");
  wait_for_equality(db, mock, "after the updates and the delete");

  // SIGTERM drains and acknowledges: a restarted daemon sends only what is new.
  CHECK(connector.terminate() == 0);
  const auto applied_before = records_applied(mock, "POST /customers");
  connector.start();
  db.exec("INSERT INTO pgit_types.every_type (id, c_text) VALUES (5, 'after restart')");
  wait_for_equality(db, mock, "after the restart");
  CHECK(records_applied(mock, "POST /customers") == applied_before + 1);
  CHECK(connector.terminate() == 0);

  db.drop_replication_objects(kSlot);
}
