// Delivery under everything Retainly and the network do (issue: delivery you can trust):
// 5xx, 429 bursts and latency end in equality with nothing dead-lettered; refused
// records land in the dead-letter file with Retainly's answer while the rest arrives,
// and replay-dead-letters (which refuses beside the running daemon) resends them once
// the workspace is fixed; a refused key (403,
// or a 422 from /events about authentication) stops the daemon with exit code 3 and a
// restart loses nothing; SIGKILL at random moments
// under faults ends in equality, events repeated only for calls that were in flight.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// Customers and two events per row history; `changed()` reads the old image.
std::string accounts_mapping(const std::string& schema) {
  return "table: " + schema + R"(.accounts
customer:
  id: id
  fields: { name: name, version: version }
  on_delete: delete
events:
  - name: account_opened
    on: insert
    data: { name: name }
  - name: account_changed
    on: update
    when: changed(version)
    data: { version: version }
)";
}

// A fresh schema with the accounts table and an audit trail of its changes, from which
// the expected events are computed.
void create_accounts(PgTestDb& db, const std::string& schema) {
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema +
          ".accounts (id bigint PRIMARY KEY, name text NOT NULL, version int NOT NULL)");
  db.exec("ALTER TABLE " + schema + ".accounts REPLICA IDENTITY FULL");
  db.exec("CREATE TABLE " + schema +
          ".audit (seq bigserial PRIMARY KEY, op char(1), old jsonb, new jsonb)");
  db.exec("CREATE FUNCTION " + schema +
          ".audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + schema +
          ".audit (op, old, new) VALUES (left(TG_OP, 1), CASE WHEN TG_OP <> 'INSERT' THEN "
          "to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END); RETURN "
          "NULL; END $$");
  db.exec("CREATE TRIGGER accounts_audit AFTER INSERT OR UPDATE OR DELETE ON " + schema +
          ".accounts FOR EACH ROW EXECUTE FUNCTION " + schema + ".audit_row()");
}

std::map<std::string, json> table_as_customers(PgTestDb& db, const std::string& schema) {
  return db.rows_by_id("SELECT id, name, version FROM " + schema + ".accounts");
}

// Events as "customer event data" lines without the event key, sorted.
std::vector<std::string> expected_events(PgTestDb& db, const std::string& schema) {
  const json rows = json::parse(
      *db.query_value("SELECT coalesce(json_agg(e), '[]')::text FROM ("
                      "SELECT jsonb_build_object('c', new->'id', 'e', 'account_opened', 'd', "
                      "jsonb_build_object('name', new->'name')) AS e FROM " +
                      schema +
                      ".audit WHERE op = 'I' UNION ALL "
                      "SELECT jsonb_build_object('c', new->'id', 'e', 'account_changed', 'd', "
                      "jsonb_build_object('version', new->'version')) FROM " +
                      schema + ".audit WHERE op = 'U' AND old->'version' <> new->'version') x"));
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    lines.push_back(row.at("c").dump() + " " + row.at("e").get<std::string>() + " " +
                    row.at("d").dump());
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct MockEvents {
  std::vector<std::string> distinct;  // one line per event key, sorted
  std::map<std::string, int> copies;  // event key -> times delivered
  size_t total = 0;
  size_t inconsistent = 0;  // keys whose copies differ (must never happen)
};

MockEvents mock_events(const MockServer& mock) {
  std::map<std::string, std::string> by_key;
  MockEvents out;
  const json state = mock.state();  // held: the loop reads into it
  for (auto event : state.at("events")) {
    ++out.total;
    json data = event.at("data");
    const std::string key = data.at("event_key").get<std::string>();
    data.erase("event_key");
    const std::string line = event.at("customer_id").dump() + " " +
                             event.at("event").get<std::string>() + " " + data.dump();
    ++out.copies[key];
    auto [it, fresh] = by_key.emplace(key, line);
    if (!fresh && it->second != line) ++out.inconsistent;
  }
  for (const auto& [key, line] : by_key) out.distinct.push_back(line);
  std::sort(out.distinct.begin(), out.distinct.end());
  return out;
}

void wait_for_equality(PgTestDb& db, const MockServer& mock, const std::string& schema) {
  const auto customers = table_as_customers(db, schema);
  const auto events = expected_events(db, schema);
  std::map<std::string, json> actual;
  MockEvents actual_events;
  const bool equal = poll_until(
      [&] {
        actual = customers_by_id(mock);
        actual_events = mock_events(mock);
        return actual == customers && actual_events.distinct == events;
      },
      180s);
  if (equal) return;
  FAIL("mock never matched " << schema << ": customers " << actual.size() << " of "
                             << customers.size()
                             << (actual == customers ? std::string(" (equal)") : "")
                             << ", distinct events " << actual_events.distinct.size() << " of "
                             << events.size());
}

// Dead-letter lines of a connector's state folder.
std::vector<json> dead_letters(const ConnectorRun& connector) {
  std::vector<json> lines;
  std::ifstream in(connector.state_dir() / "dead-letters.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// Transaction `t` of a workload over ids 1..200: inserts first, then updates of
// versions and names, some deletes.
std::string workload_transaction(const std::string& schema, int t) {
  const std::string table = schema + ".accounts";
  if (t < 40) {
    const int base = t * 5;
    return "INSERT INTO " + table + " SELECT g, 'name ' || g, 0 FROM generate_series(" +
           std::to_string(base + 1) + ", " + std::to_string(base + 5) + ") g";
  }
  const int id = 1 + (t * 37) % 200;
  std::string sql = "BEGIN; UPDATE " + table + " SET version = version + 1 WHERE id BETWEEN " +
                    std::to_string(id) + " AND " + std::to_string(id + 3) + ";";
  if (t % 5 == 0)
    sql += " UPDATE " + table + " SET name = name || '!' WHERE id = " + std::to_string(id) + ";";
  if (t % 11 == 0) sql += " DELETE FROM " + table + " WHERE id = " + std::to_string(id + 1) + ";";
  return sql + " COMMIT";
}

long long mock_responses(const MockServer& mock, int status) {
  long long count = 0;
  const json stats = mock.stats();
  for (const auto& [endpoint, by_status] : stats.at("requests").items()) {
    auto it = by_status.find(std::to_string(status));
    if (it != by_status.end()) count += it->get<long long>();
  }
  return count;
}

// The commit LSN an event key starts with ("pg:16/B374D848:3:0"), as a number.
uint64_t key_lsn(const std::string& key) {
  const auto slash = key.find('/');
  const auto end = key.find(':', slash);
  return (std::stoull(key.substr(3, slash - 3), nullptr, 16) << 32) |
         std::stoull(key.substr(slash + 1, end - slash - 1), nullptr, 16);
}

uint64_t lsn_value(PgTestDb& db, const std::string& expression) {
  return std::stoull(*db.query_value("SELECT (" + expression + " - '0/0')::bigint"));
}

}  // namespace

TEST_CASE("delivery: 5xx, 429 bursts and latency end equal, nothing dead-lettered") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_faults");
  create_accounts(db, "pgit_faults");
  MockServer mock({.extra_args = {"--fail-rate", "0.2", "--rate-limit", "40", "--latency-ms", "50",
                                  "--seed", "11"}});
  ConnectorRun connector(mock, {.slot = "cdc_it_faults",
                                .mappings = {{"accounts.yaml", accounts_mapping("pgit_faults")}}});
  connector.start();
  for (int t = 0; t < 160; ++t) db.exec(workload_transaction("pgit_faults", t));
  wait_for_equality(db, mock, "pgit_faults");
  CHECK(mock_responses(mock, 429) > 0);
  CHECK(mock_responses(mock, 500) + mock_responses(mock, 503) > 0);
  CHECK(mock_events(mock).total == mock_events(mock).distinct.size());  // no event twice
  CHECK(dead_letters(connector).empty());
  CHECK(connector.terminate() == 0);
}

TEST_CASE("delivery: refused records are dead-lettered with the answer; the rest arrives") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_refused");
  create_accounts(db, "pgit_refused");
  MockServer mock({.extra_args = {"--refuse-value", "REFUSED"}});
  ConnectorRun connector(mock, {.slot = "cdc_it_refused",
                                .mappings = {{"accounts.yaml", accounts_mapping("pgit_refused")}}});
  connector.start();
  db.exec(
      "INSERT INTO pgit_refused.accounts SELECT g, CASE WHEN g % 20 = 0 THEN 'REFUSED' ELSE "
      "'name ' || g END, 0 FROM generate_series(1, 100) g");

  // 5 customers and their 5 account_opened events are refused, the 95 others arrive.
  wait_until([&] { return dead_letters(connector).size() == 10; }, 60s, "10 dead letters");
  wait_until([&] { return customers_by_id(mock).size() == 95; }, 60s, "95 customers");
  // Events travel one per request, beside the customers: wait for them too.
  wait_until([&] { return mock_events(mock).total == 95; }, 60s, "95 events");
  std::set<std::string> keys;
  for (const auto& letter : dead_letters(connector)) {
    CHECK(letter.at("status") == 422);
    CHECK(letter.at("table") == "pgit_refused.accounts");
    CHECK(letter.at("position").get<std::string>().starts_with("pg:"));
    CHECK(letter.at("response").get<std::string>().find("workspace") != std::string::npos);
    CHECK(letter.contains("time"));
    CHECK(letter.at("payload").dump().find("REFUSED") != std::string::npos);
    // REPLICA IDENTITY FULL marks every column as key, so the key names them all.
    const std::string key = letter.at("key").get<std::string>();
    keys.insert(key.substr(0, key.find(',')) + " " + letter.at("kind").get<std::string>());
  }
  CHECK(keys.size() == 10);
  CHECK(keys.contains("id=20 customer_upsert"));
  CHECK(keys.contains("id=100 event"));

  // The workspace is fixed. Beside the running daemon a replay refuses and sends nothing.
  mock.set_faults({{"refuse_value", ""}});
  const long long posted = mock_responses(mock, 200);
  auto beside = connector.command({"replay-dead-letters"});
  CHECK(beside->wait_exit(60s) == 1);
  CHECK(beside->find_line("is in use by another retainly-cdc process").has_value());
  CHECK(dead_letters(connector).size() == 10);
  CHECK(mock_responses(mock, 200) == posted);

  // With the daemon stopped, the replay delivers all ten and empties the file.
  CHECK(connector.terminate() == 0);
  auto replay = connector.command({"replay-dead-letters"});
  CHECK(replay->wait_exit(120s) == 0);
  CHECK(replay->stdout_text().find("resent 10, delivered 10, failed again 0") != std::string::npos);
  CHECK(dead_letters(connector).empty());
  connector.start();
  wait_for_equality(db, mock, "pgit_refused");
  CHECK(connector.terminate() == 0);
}

TEST_CASE("delivery: a refused key stops with exit code 3; after the fix nothing is lost") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_forbidden");
  create_accounts(db, "pgit_forbidden");
  MockServer mock;
  ConnectorRun connector(mock,
                         {.slot = "cdc_it_forbidden",
                          .mappings = {{"accounts.yaml", accounts_mapping("pgit_forbidden")}}});
  connector.start();
  for (int t = 0; t < 20; ++t) db.exec(workload_transaction("pgit_forbidden", t));
  wait_for_equality(db, mock, "pgit_forbidden");

  mock.set_faults({{"force_status", 403}});  // the key was revoked
  for (int t = 20; t < 60; ++t) db.exec(workload_transaction("pgit_forbidden", t));
  CHECK(connector.process().wait_exit(60s) == 3);
  CHECK(connector.process().find_line("credentials").has_value());

  mock.set_faults({{"force_status", 0}});  // a valid key again
  for (int t = 60; t < 80; ++t) db.exec(workload_transaction("pgit_forbidden", t));
  connector.start();
  wait_for_equality(db, mock, "pgit_forbidden");
  CHECK(dead_letters(connector).empty());
  CHECK(connector.terminate() == 0);
}

// The events of accounts_mapping without the customer: every call goes to /events.
std::string accounts_events_mapping(const std::string& schema) {
  return "table: " + schema + R"(.accounts
events:
  - name: account_opened
    on: insert
    customer_id: id
    data: { name: name }
  - name: account_changed
    on: update
    when: changed(version)
    customer_id: id
    data: { version: version }
)";
}

TEST_CASE(
    "delivery: a 422 from /events about the credentials stops with exit code 3, dead-letters "
    "nothing and loses nothing") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_event_auth");
  create_accounts(db, "pgit_event_auth");
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = "cdc_it_event_auth",
             .mappings = {{"accounts.yaml", accounts_events_mapping("pgit_event_auth")}}});
  connector.start();
  auto events_equal = [&] {
    return mock_events(mock).distinct == expected_events(db, "pgit_event_auth");
  };
  for (int t = 0; t < 20; ++t) db.exec(workload_transaction("pgit_event_auth", t));
  wait_until(events_equal, 120s, "the first events");

  // The key was revoked: /events answers 422 "incorrect authentication parameters".
  mock.set_faults({{"revoke_credentials", true}});
  for (int t = 20; t < 60; ++t) db.exec(workload_transaction("pgit_event_auth", t));
  CHECK(connector.process().wait_exit(60s) == 3);
  CHECK(connector.process().find_line("credentials").has_value());
  CHECK(mock_responses(mock, 422) > 0);
  CHECK(dead_letters(connector).empty());

  mock.set_faults({{"revoke_credentials", false}});
  for (int t = 60; t < 80; ++t) db.exec(workload_transaction("pgit_event_auth", t));
  connector.start();
  // Every refused event arrives after the restart: no offset moved past them.
  wait_until(events_equal, 120s, "every event after the restart");
  CHECK(dead_letters(connector).empty());
  CHECK(connector.terminate() == 0);
}

TEST_CASE(
    "delivery: SIGKILL at random moments under faults ends equal; events repeat only "
    "for calls in flight") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_kills");
  create_accounts(db, "pgit_kills");
  MockServer mock({.extra_args = {"--fail-rate", "0.1", "--latency-ms", "20", "--seed", "5"}});
  ConnectorRun connector(mock, {.slot = "cdc_it_kills",
                                .mappings = {{"accounts.yaml", accounts_mapping("pgit_kills")}}});
  std::mt19937 rng(20261128);
  // What was in flight at each kill: the transactions after the slot's confirmed
  // position, up to the last one written.
  std::vector<std::pair<uint64_t, uint64_t>> in_flight;
  int t = 0;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    connector.start();
    for (int end = t + 16; t < end; ++t) db.exec(workload_transaction("pgit_kills", t));
    // A random moment: after 1 to 40 more API requests have been answered.
    const long long answered = mock_responses(mock, 200);
    const long long more = 1 + static_cast<long long>(rng() % 40);
    wait_until([&] { return mock_responses(mock, 200) >= answered + more; }, 60s,
               "requests to be answered before the kill");
    connector.kill();
    wait_until(
        [&] {
          return db.query_value(
                     "SELECT active::text FROM pg_replication_slots WHERE slot_name "
                     "= 'cdc_it_kills'") == "false";
        },
        30s, "the killed daemon's walsender to end");
    in_flight.emplace_back(
        lsn_value(db,
                  "(SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = "
                  "'cdc_it_kills')"),
        lsn_value(db, "pg_current_wal_insert_lsn()"));
  }
  connector.start();
  wait_for_equality(db, mock, "pgit_kills");
  const MockEvents events = mock_events(mock);
  CHECK(events.inconsistent == 0);  // a repeated key is the same event, never another
  MESSAGE("after " << kRounds << " kills: " << events.total << " events delivered, "
                   << events.distinct.size() << " distinct, "
                   << events.total - events.distinct.size() << " repeated");
  // An event may come once more per kill that found its transaction in flight, and never
  // otherwise: acknowledged transactions are not read again.
  for (const auto& [key, copies] : events.copies) {
    const uint64_t lsn = key_lsn(key);
    int windows = 0;
    for (const auto& [confirmed, written] : in_flight) {
      windows += lsn > confirmed && lsn <= written ? 1 : 0;
    }
    INFO("event " << key << " delivered " << copies << " times");
    CHECK(copies <= 1 + windows);
  }
  CHECK(connector.terminate() == 0);
}
