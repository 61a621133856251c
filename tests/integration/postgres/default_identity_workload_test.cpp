// A random workload under PostgreSQL's default replica identity (issue 19, "Tests"): no
// old rows on updates, the key alone on deletes, unchanged large values left out of new
// rows. People are customers with a large bio and a flattened json address; their tickets
// are an array filtered by status. The transactions change customer ids (the tickets
// follow by ON UPDATE CASCADE, which changes their key), move tickets in and out of the
// filter and between people, set the json to NULL, remove and add its keys, and update
// small columns beside unchanged TOASTed ones. The mock must end with what the mappings
// say the current rows imply, computed by PostgreSQL from the tables. The same workload
// runs again under REPLICA IDENTITY FULL, where the old rows must give the same end state.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/state_comparison.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

constexpr const char* kSchema = "pgit_default_workload";
constexpr const char* kSlot = "cdc_it_default_workload";

// The tables' replica identity is set by the test case. STORAGE EXTERNAL keeps a
// large value out of line uncompressed, so that 4,800 characters of repeated text are
// TOASTed (compressed, they would fit in the row, and PostgreSQL would resend them).
// The audit table, which the connector does not publish, records every row change for
// the coverage checks.
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE pgit_default_workload.people (
  id bigserial PRIMARY KEY, email text NOT NULL, bio text, address jsonb);
CREATE TABLE pgit_default_workload.tickets (
  person_id bigint NOT NULL REFERENCES pgit_default_workload.people (id)
    ON UPDATE CASCADE ON DELETE CASCADE,
  id bigserial, status text NOT NULL, details text, priority int NOT NULL,
  PRIMARY KEY (person_id, id));
ALTER TABLE pgit_default_workload.people ALTER COLUMN bio SET STORAGE EXTERNAL;
ALTER TABLE pgit_default_workload.tickets ALTER COLUMN details SET STORAGE EXTERNAL;

-- Large (TOASTed) or short text, half and half; NULL now and then.
CREATE FUNCTION pgit_default_workload.some_text(label text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN random() < 0.5 THEN repeat(md5(random()::text), 150)
              WHEN random() < 0.9 THEN label END $$;
-- An object with a random subset of city, zip (a number) and street; sometimes NULL.
CREATE FUNCTION pgit_default_workload.some_address(n int) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN random() >= 0.2 THEN jsonb_strip_nulls(jsonb_build_object(
    'city', CASE WHEN random() < 0.6 THEN 'city ' || n END,
    'zip', CASE WHEN random() < 0.6 THEN 10000 + n END,
    'street', CASE WHEN random() < 0.6 THEN n || ' Main Street' END)) END $$;

-- A random one of `ids` (NULL when empty); the any_* picks list ids in key order, so
-- that where vacuum and pruning put the rows does not change which one a seed picks.
CREATE FUNCTION pgit_default_workload.any_of(ids bigint[]) RETURNS bigint LANGUAGE sql AS $$
  SELECT ids[1 + floor(random() * cardinality(ids))::int] $$;
CREATE FUNCTION pgit_default_workload.any_person() RETURNS bigint LANGUAGE sql AS $$
  SELECT pgit_default_workload.any_of(ARRAY(
    SELECT id FROM pgit_default_workload.people ORDER BY id)) $$;
CREATE FUNCTION pgit_default_workload.any_person_with_address() RETURNS bigint
  LANGUAGE sql AS $$
  SELECT pgit_default_workload.any_of(ARRAY(
    SELECT id FROM pgit_default_workload.people WHERE address IS NOT NULL ORDER BY id)) $$;
CREATE FUNCTION pgit_default_workload.any_person_with_keys() RETURNS bigint
  LANGUAGE sql AS $$
  SELECT pgit_default_workload.any_of(ARRAY(
    SELECT id FROM pgit_default_workload.people WHERE address <> '{}' ORDER BY id)) $$;
CREATE FUNCTION pgit_default_workload.any_ticket() RETURNS bigint LANGUAGE sql AS $$
  SELECT pgit_default_workload.any_of(ARRAY(
    SELECT id FROM pgit_default_workload.tickets ORDER BY id)) $$;

CREATE TABLE pgit_default_workload.audit (
  seq bigserial PRIMARY KEY, tbl text NOT NULL, op char(1) NOT NULL, old jsonb, new jsonb);
CREATE FUNCTION pgit_default_workload.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgit_default_workload.audit (tbl, op, old, new) VALUES (TG_TABLE_NAME,
    left(TG_OP, 1), CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
    CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
  RETURN NULL;
END $$;
CREATE TRIGGER people_audit AFTER INSERT OR UPDATE OR DELETE ON pgit_default_workload.people
  FOR EACH ROW EXECUTE FUNCTION pgit_default_workload.audit_row();
CREATE TRIGGER tickets_audit AFTER INSERT OR UPDATE OR DELETE ON pgit_default_workload.tickets
  FOR EACH ROW EXECUTE FUNCTION pgit_default_workload.audit_row();
)sql";

// Mappings `run` accepts under the default identity: the ids are in the primary keys, the
// `where` drives no events, nothing reads before. or changed().
constexpr const char* kPeopleMapping = R"yaml(table: pgit_default_workload.people
customer:
  id: id
  fields:
    email: email
    bio: bio
    address: { column: address, flatten: addr }
  on_delete: delete
)yaml";

constexpr const char* kTicketsMapping = R"yaml(table: pgit_default_workload.tickets
where: status != 'draft'
array:
  customer_id: person_id
  field: tickets
  item_id: id
  fields: { status: status, details: details, priority: priority }
)yaml";

// What the mappings say the current rows imply, customer id (text) -> fields: every
// person with email, bio (strings are cut to 1000 characters, the default string_policy),
// one addr_<key> per key of the address object, and the non-draft tickets. An empty
// tickets array is left out: whether a customer who lost all items still shows [] depends
// on history, not on the mapping.
constexpr const char* kExpectedCustomersSql = R"sql(
SELECT coalesce(jsonb_object_agg(p.id::text,
  jsonb_build_object('id', p.id, 'email', p.email, 'bio', left(p.bio, 1000))
  || coalesce((SELECT jsonb_object_agg('addr_' || key, value)
               FROM jsonb_each(p.address)), '{}')
  || coalesce((SELECT jsonb_build_object('tickets', jsonb_agg(jsonb_build_object(
                 'id', t.id, 'status', t.status, 'details', left(t.details, 1000),
                 'priority', t.priority) ORDER BY t.id))
               FROM pgit_default_workload.tickets t
               WHERE t.person_id = p.id AND t.status <> 'draft' HAVING count(*) > 0), '{}')),
  '{}')::text
FROM pgit_default_workload.people p
)sql";

CustomerMap expected_customers(PgTestDb& db) {
  CustomerMap expected;
  const json rows = json::parse(*db.query_value(kExpectedCustomersSql));
  for (const auto& [id, fields] : rows.items()) expected[id] = fields;
  return expected;
}

// The mock's customers in the expectation's form. A flattened key that left the address
// can only be cleared by sending it as null (customer upserts merge), and the mock stores
// that null: a null addr_ field is the same as none. Tickets are sorted by id, and an
// empty tickets array is left out.
CustomerMap actual_customers(const MockServer& mock) {
  CustomerMap customers = customers_by_id(mock);
  for (auto& [id, fields] : customers) {
    for (auto it = fields.begin(); it != fields.end();) {
      const bool cleared_key = it.key().starts_with("addr_") && it->is_null();
      it = cleared_key ? fields.erase(it) : std::next(it);
    }
    auto tickets = fields.find("tickets");
    if (tickets == fields.end() || !tickets->is_array()) continue;
    if (tickets->empty()) {
      fields.erase(tickets);
      continue;
    }
    std::sort(tickets->begin(), tickets->end(), [](const json& a, const json& b) {
      return a.value("id", json()) < b.value("id", json());
    });
  }
  return customers;
}

// One statement kind of the workload, with its weight.
struct StatementKind {
  int weight;
  const char* sql;  // {N} is replaced by a number unique to the statement
};

// Rows are picked with PostgreSQL's random(), seeded per session, by position in key
// order (pgit_default_workload.any_*), so that a seed repeats a run.
constexpr const char* kInsertPerson =
    "INSERT INTO pgit_default_workload.people (email, bio, address) VALUES "
    "('p{N}@example.com', pgit_default_workload.some_text('bio {N}'), "
    "pgit_default_workload.some_address({N}))";
constexpr const char* kInsertTicket =
    "INSERT INTO pgit_default_workload.tickets (person_id, status, details, priority) "
    "SELECT p, (ARRAY['draft', 'open', 'closed'])[1 + floor(random() * 3)::int], "
    "pgit_default_workload.some_text('details {N}'), 1 + floor(random() * 5)::int "
    "FROM (SELECT pgit_default_workload.any_person() AS p) s WHERE p IS NOT NULL";

constexpr StatementKind kStatements[] = {
    {6, kInsertPerson},
    // Small columns only: a TOASTed bio stays unchanged and is not resent.
    {5,
     "UPDATE pgit_default_workload.people SET email = 'renamed{N}@example.com' "
     "WHERE id = (SELECT pgit_default_workload.any_person())"},
    {1,
     "UPDATE pgit_default_workload.people SET bio = pgit_default_workload.some_text('new "
     "bio {N}') WHERE id = (SELECT pgit_default_workload.any_person())"},
    // The json: set NULL, a key removed, a key added (or changed), replaced whole.
    {2,
     "UPDATE pgit_default_workload.people SET address = NULL "
     "WHERE id = (SELECT pgit_default_workload.any_person_with_address())"},
    {3,
     "UPDATE pgit_default_workload.people SET address = address - (SELECT k FROM "
     "jsonb_object_keys(address) k ORDER BY random() LIMIT 1) "
     "WHERE id = (SELECT pgit_default_workload.any_person_with_keys())"},
    {3,
     "UPDATE pgit_default_workload.people SET address = coalesce(address, '{}') || "
     "jsonb_build_object((ARRAY['city', 'zip', 'street'])[1 + floor(random() * 3)::int], "
     "'added {N}') WHERE id = (SELECT pgit_default_workload.any_person())"},
    {1,
     "UPDATE pgit_default_workload.people SET address = "
     "pgit_default_workload.some_address({N}) "
     "WHERE id = (SELECT pgit_default_workload.any_person())"},
    // A new, never used customer id; the person's tickets follow by ON UPDATE CASCADE.
    {3,
     "UPDATE pgit_default_workload.people SET id = "
     "nextval('pgit_default_workload.people_id_seq') "
     "WHERE id = (SELECT pgit_default_workload.any_person())"},
    {1,
     "UPDATE pgit_default_workload.people SET id = "
     "nextval('pgit_default_workload.people_id_seq'), email = 'moved{N}@example.com' "
     "WHERE id = (SELECT pgit_default_workload.any_person())"},
    // Cascades to the person's tickets.
    {1,
     "DELETE FROM pgit_default_workload.people "
     "WHERE id = (SELECT pgit_default_workload.any_person())"},
    {8, kInsertTicket},
    // Small columns only: a TOASTed details stays unchanged and is not resent.
    {5,
     "UPDATE pgit_default_workload.tickets SET priority = 1 + floor(random() * 5)::int "
     "WHERE id = (SELECT pgit_default_workload.any_ticket())"},
    // Into the filter, out of it, or along it.
    {6,
     "UPDATE pgit_default_workload.tickets SET status = CASE status WHEN 'draft' THEN "
     "(ARRAY['open', 'closed'])[1 + floor(random() * 2)::int] WHEN 'open' THEN "
     "(ARRAY['closed', 'draft'])[1 + floor(random() * 2)::int] ELSE 'draft' END "
     "WHERE id = (SELECT pgit_default_workload.any_ticket())"},
    // To another person: the ticket's key changes.
    {2,
     "UPDATE pgit_default_workload.tickets SET person_id = "
     "coalesce((SELECT pgit_default_workload.any_person()), person_id) "
     "WHERE id = (SELECT pgit_default_workload.any_ticket())"},
    {1,
     "DELETE FROM pgit_default_workload.tickets "
     "WHERE id = (SELECT pgit_default_workload.any_ticket())"},
};

// `statement` with each {N} replaced by `number`.
std::string numbered(std::string statement, int number) {
  const std::string n = std::to_string(number);
  for (size_t at; (at = statement.find("{N}")) != std::string::npos;) statement.replace(at, 3, n);
  return statement;
}

// One transaction of 1 to 4 statements.
std::string random_transaction(std::mt19937& rng, int& next_number) {
  static const std::discrete_distribution<int> kPick = [] {
    std::vector<int> weights;
    for (const auto& kind : kStatements) weights.push_back(kind.weight);
    return std::discrete_distribution<int>(weights.begin(), weights.end());
  }();
  std::discrete_distribution<int> pick = kPick;
  std::string sql = "BEGIN;";
  const int count = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < count; ++i) {
    sql += numbered(kStatements[pick(rng)].sql, next_number++) + ";";
  }
  return sql + "COMMIT;";
}

// CDC_WORKLOAD_SEED repeats a run; otherwise every run draws a new seed.
unsigned workload_seed() {
  if (const char* text = std::getenv("CDC_WORKLOAD_SEED"); text && *text) {
    return static_cast<unsigned>(std::stoul(text));
  }
  return std::random_device{}();
}

// How many audited changes meet `where` (SQL over tbl, op, old and new).
long long changes_where(PgTestDb& db, const std::string& where) {
  return std::stoll(
      *db.query_value("SELECT count(*) FROM pgit_default_workload.audit WHERE " + where));
}

// The dead letters by table, kind and reason, with a count and one key each, or "" when
// there are none: a change the connector could not send explains a difference before any
// field does.
std::string dead_letter_summary(const std::filesystem::path& path) {
  std::map<std::string, std::pair<int, std::string>> groups;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const json letter = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (letter.is_discarded()) continue;
    const std::string group = letter.value("table", "?") + " " + letter.value("kind", "?") + ": " +
                              letter.value("reason", "?");
    auto& [count, example] = groups[group];
    if (count++ == 0) example = letter.value("key", "?");
  }
  std::string text;
  for (const auto& [group, entry] : groups) {
    text += "\n  " + std::to_string(entry.first) + " x " + group + " (e.g. " + entry.second + ")";
  }
  return text;
}

// The workload on both tables with REPLICA IDENTITY `identity` (DEFAULT or FULL), whose
// pg_class.relreplident is `code`, and the comparison.
void run_workload(const std::string& identity, const std::string& code) {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema(kSchema);
  db.exec(kSchemaSql);
  for (const char* table : {"people", "tickets"}) {
    db.exec(std::string("ALTER TABLE pgit_default_workload.") + table + " REPLICA IDENTITY " +
            identity);
  }
  CHECK(db.query_value("SELECT string_agg(DISTINCT relreplident::text, '') FROM pg_class "
                       "WHERE oid IN ('pgit_default_workload.people'::regclass, "
                       "'pgit_default_workload.tickets'::regclass)") == code);

  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot,
             .mappings = {{"people.yaml", kPeopleMapping}, {"tickets.yaml", kTicketsMapping}}});
  connector.start();

  const unsigned seed = workload_seed();
  MESSAGE("workload seed " << seed << " (CDC_WORKLOAD_SEED=" << seed << " repeats it)");
  INFO("workload seed " << seed);
  PgTestDb writer(db.dsn());
  writer.exec("SELECT setseed(" + std::to_string((seed % 1000000) / 1000000.0) + ")");
  std::mt19937 rng(seed);
  int next_number = 1;
  // Enough people and tickets first for the updates to find rows.
  for (int t = 0; t < 30; ++t) {
    const int n = next_number;
    next_number += 3;
    writer.exec("BEGIN;" + numbered(kInsertPerson, n) + ";" + numbered(kInsertTicket, n + 1) + ";" +
                numbered(kInsertTicket, n + 2) + ";COMMIT;");
  }
  for (int t = 0; t < 300; ++t) writer.exec(random_transaction(rng, next_number));

  // Each case the test is about happened at least once.
  const auto large_old = [](const char* column) {
    return std::string("length(old->>'") + column + "') > 4000";
  };
  CHECK_MESSAGE(changes_where(db, "tbl = 'people' AND op = 'U' AND old->'id' = new->'id' AND " +
                                      large_old("bio") + " AND old->'bio' = new->'bio'") > 0,
                "a small update beside an unchanged TOASTed bio");
  CHECK_MESSAGE(changes_where(db, "tbl = 'people' AND op = 'U' AND old->'id' <> new->'id' AND " +
                                      large_old("bio")) > 0,
                "a customer id change with a TOASTed bio");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'tickets' AND op = 'U' AND old->'person_id' <> "
                              "new->'person_id' AND new->>'status' <> 'draft' AND " +
                                  large_old("details")) > 0,
                "a kept ticket moving to another customer with TOASTed details");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'tickets' AND op = 'U' AND old->'id' = new->'id' AND "
                              "old->>'status' = new->>'status' AND new->>'status' <> 'draft' "
                              "AND old->'details' = new->'details' AND " +
                                  large_old("details")) > 0,
                "a small update of a kept ticket beside unchanged TOASTed details");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'tickets' AND op = 'U' AND old->>'status' <> 'draft' "
                              "AND new->>'status' = 'draft'") > 0,
                "a ticket leaving the filter");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'tickets' AND op = 'U' AND old->>'status' = 'draft' "
                              "AND new->>'status' <> 'draft' AND " +
                                  large_old("details")) > 0,
                "a ticket with TOASTed details entering the filter");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'people' AND op = 'U' AND jsonb_typeof(old->'address') = "
                              "'object' AND jsonb_typeof(new->'address') = 'null'") > 0,
                "an address set to NULL");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'people' AND op = 'U' AND jsonb_typeof(new->'address') "
                              "= 'object' AND EXISTS (SELECT 1 FROM jsonb_object_keys("
                              "CASE jsonb_typeof(old->'address') WHEN 'object' THEN "
                              "old->'address' END) k WHERE NOT (new->'address') ? k)") > 0,
                "a key removed from an address");
  CHECK_MESSAGE(changes_where(db,
                              "tbl = 'people' AND op = 'D' AND EXISTS (SELECT 1 FROM "
                              "pgit_default_workload.audit c WHERE c.tbl = 'tickets' AND "
                              "c.op = 'D' AND c.old->'person_id' = audit.old->'id')") > 0,
                "a person deleted with tickets");

  // Caught up: the slot's confirmed position passes a marker committed after the
  // workload only once every call before it was acknowledged or dead-lettered.
  const std::string workload_end = *db.query_value("SELECT pg_current_wal_lsn()::text");
  db.exec("INSERT INTO pgit_default_workload.people (email) VALUES ('marker@example.com')");
  wait_until(
      [&] {
        return db.query_value("SELECT (confirmed_flush_lsn >= '" + workload_end +
                              "')::text FROM pg_replication_slots WHERE slot_name = '" + kSlot +
                              "'") == "true";
      },
      120s, "the slot to confirm the workload");

  // Every value of this workload can be sent (long strings are cut), so a dead letter is
  // a change the connector could not map.
  const std::string dead_letters =
      dead_letter_summary(connector.state_dir() / "dead-letters.jsonl");
  CHECK_MESSAGE(dead_letters.empty(), "dead letters:" << dead_letters);
  const CustomerMap expected = expected_customers(db);
  MESSAGE(expected.size() << " customers expected");
  wait_for_equal<CustomerMap>(
      [&] { return actual_customers(mock); }, expected, "the customers",
      [](const CustomerMap& e, const CustomerMap& a) { return field_differences(e, a); }, 10s);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

}  // namespace

TEST_CASE(
    "postgres: a random workload under the default replica identity gives exactly the "
    "mapped customers and tickets") {
  run_workload("DEFAULT", "d");
}

// The same workload with full old rows: what the old image carries (an unchanged TOASTed
// value, the keys a json object had) must give the same end state.
TEST_CASE(
    "postgres: the same random workload under REPLICA IDENTITY FULL gives exactly the mapped "
    "customers and tickets") {
  run_workload("FULL", "f");
}
