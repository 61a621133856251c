// PgBackfillReader against the real PostgreSQL: the rows it streams through COPY equal,
// value for value, what the same table's text query results parse to (the form the
// replication stream sends), escapes and NULLs included; batches follow composite and
// ctid keys in key order however the statements are cut, and resume after a saved key.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/postgres/pg_backfill_reader.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "recycled_rows.h"
#include "support/pg_test_db.h"

using namespace cdc;
using namespace cdc::test;

namespace {

// Every row of the reader, `batch` rows at a time.
std::vector<RowChange> read_all(TableReader& reader, size_t batch) {
  std::vector<RowChange> rows;
  while (reader.next_batch(batch, rows) > 0) {
  }
  return rows;
}

// The rows of `select` (built-in types only) parsed from the query's text results.
std::vector<Row> query_rows(const std::string& dsn, const std::string& select) {
  auto conn = pg::PgConnection::connect(dsn, pg::PgConnection::Mode::kNormal);
  auto types = conn.query(
      "SELECT atttypid::int8 FROM pg_attribute WHERE attrelid = 'pgtr.every'"
      "::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  const auto result = conn.query(select);
  std::vector<Row> rows;
  for (const auto& text_row : result.rows) {
    Row& row = rows.emplace_back();
    for (size_t c = 0; c < text_row.size(); ++c) {
      const auto oid = static_cast<uint32_t>(std::stoul(*types.rows[c][0]));
      row.push_back(text_row[c] ? pg::parse_pg_value(oid, *text_row[c]) : Value(Null{}));
    }
  }
  return rows;
}

std::vector<Row> afters(const std::vector<RowChange>& changes) {
  std::vector<Row> rows;
  for (const auto& change : changes) rows.push_back(change.after);
  return rows;
}

}  // namespace

TEST_CASE("pg table reader: COPY rows equal the query's values, escapes and NULLs included") {
  PgTestDb db;
  db.fresh_schema("pgtr");
  db.exec(R"(CREATE TABLE pgtr.every (
      a text, b int NOT NULL, t text, bin bytea, j jsonb, arr text[], num numeric,
      f float8, ts timestamptz, d date, flag bool, u uuid, PRIMARY KEY (a, b));
    INSERT INTO pgtr.every VALUES
      ('k', 1, E'tab\there\nnewline \\ backslash \\N', '\x00ff5c'::bytea, '{"x": "a\tb"}',
       ARRAY['p q', NULL, E'back\\slash', '"quoted"'], 12.3400, '-Infinity', '2024-01-02 03:04:05.6+00',
       '2024-02-29', true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
      ('k', 2, '', NULL, NULL, '{}', NULL, -0.5, NULL, NULL, NULL, NULL),
      ('k', 3, '\N', '\x'::bytea, 'null', NULL, 'Infinity', 1e300, 'infinity', '-infinity',
       false, NULL),
      (E'k\t2', 1, E'\r\b\f\v', NULL, '[1,2]', ARRAY[E'a\tb'], '-0.001', NULL, NULL, NULL,
       NULL, NULL),
      ('', 7, 'empty key text', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
  const auto expected = query_rows(db.dsn(), "SELECT * FROM pgtr.every ORDER BY a, b");
  REQUIRE(expected.size() == 5);

  for (size_t batch : {1, 2, 3, 100}) {
    CAPTURE(batch);
    pg::PgBackfillReader reader(db.dsn(), {"pgtr", "every"});
    CHECK(reader.key_columns() == std::vector<std::string>{"a", "b"});
    const auto rows = read_all(reader, batch);
    REQUIRE(rows.size() == expected.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      REQUIRE(rows[r].after.size() == expected[r].size());
      for (size_t c = 0; c < expected[r].size(); ++c) {
        CAPTURE(r);
        CAPTURE(c);
        CHECK(rows[r].after[c].debug_string() == expected[r][c].debug_string());
      }
    }
    CHECK(afters(rows) == expected);
    for (const auto& row : rows) CHECK(row.op == Operation::kSnapshotRead);
    REQUIRE(reader.last_key());
    CHECK(*reader.last_key() == std::vector<std::string>{"k\t2", "1"});
  }
}

TEST_CASE("pg table reader: rows read into recycled rows equal fresh ones, whatever they held") {
  // Each column holds other kinds of value from row to row (text, NULL, long text, numbers
  // of other widths), so a recycled row's value is overwritten by every other kind.
  PgTestDb db;
  db.fresh_schema("pgtr");
  db.exec(R"(CREATE TABLE pgtr.every (id int PRIMARY KEY, t text, n numeric, j jsonb, a int[]);
    INSERT INTO pgtr.every
    SELECT i,
           CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN 'short ' || i
                      WHEN 2 THEN repeat('long text ', 40) || i ELSE '' END,
           CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END,
           CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('i', i) END,
           CASE WHEN i % 2 = 0 THEN ARRAY[i, i + 1] ELSE NULL END
    FROM generate_series(1, 60) i;)");
  std::vector<Row> expected;
  {
    pg::PgBackfillReader fresh(db.dsn(), {"pgtr", "every"});
    expected = afters(read_all(fresh, 1000));
  }
  REQUIRE(expected.size() == 60);

  for (size_t batch : {1, 3, 7}) {
    CAPTURE(batch);
    pg::PgBackfillReader reader(db.dsn(), {"pgtr", "every"});
    check_recycled_reads(reader, batch, expected);
  }
}

TEST_CASE("pg table reader: batches of varying size resume after a saved composite key") {
  PgTestDb db;
  db.fresh_schema("pgtr");
  db.exec(R"(CREATE TABLE pgtr.items (g text, n int, v text, PRIMARY KEY (g, n));
    INSERT INTO pgtr.items SELECT 'g' || (i % 7), i, 'v' || i FROM generate_series(1, 500) i;)");
  std::vector<std::pair<std::string, int64_t>> expected;
  {
    pg::PgBackfillReader all(db.dsn(), {"pgtr", "items"});
    for (const auto& row : read_all(all, 1000)) {
      expected.emplace_back(row.after[0].as<std::string>(), row.after[1].as<int64_t>());
    }
  }
  REQUIRE(expected.size() == 500);
  CHECK(std::is_sorted(expected.begin(), expected.end()));

  // Batches of changing size cut the growing statements at other places each time.
  std::vector<std::pair<std::string, int64_t>> read;
  std::optional<std::vector<std::string>> saved;
  size_t batch = 1;
  while (true) {
    pg::PgBackfillReader reader(db.dsn(), {"pgtr", "items"});
    if (saved) reader.resume_after(*saved);
    std::vector<RowChange> rows;
    // A few batches per reader, then a new process resumes from the key.
    size_t got = 0;
    for (int i = 0; i < 3; ++i) {
      got += reader.next_batch(batch, rows);
      batch = batch * 3 % 37 + 1;
    }
    for (const auto& row : rows) {
      read.emplace_back(row.after[0].as<std::string>(), row.after[1].as<int64_t>());
    }
    if (got == 0) break;
    saved = reader.last_key();
  }
  CHECK(read == expected);
}

TEST_CASE("pg table reader: a table without a key is read in ctid order, once each row") {
  PgTestDb db;
  db.fresh_schema("pgtr");
  db.exec(R"(CREATE TABLE pgtr.loose (v int);
    INSERT INTO pgtr.loose SELECT i FROM generate_series(1, 300) i;)");
  pg::PgBackfillReader reader(db.dsn(), {"pgtr", "loose"});
  CHECK(reader.key_columns() == std::vector<std::string>{"ctid"});
  const auto rows = read_all(reader, 7);
  REQUIRE(rows.size() == 300);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].after.size() == 1);  // ctid is the key, not a column
    CHECK(rows[i].after[0] == Value(static_cast<int64_t>(i + 1)));
  }
}
