// What the daemon promises about transactions and crashes: nothing lost across SIGKILL,
// a transaction arrives whole only after its commit (also when PostgreSQL streams it in
// chunks), a rolled-back one never arrives, and an unchanged TOASTed value is kept.
#include <doctest/doctest.h>

#include <chrono>

#include <pqxx/pqxx>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kAccountsMapping = R"yaml(table: pgit_durable.accounts
customer:
  id: id
  fields:
    name: name
    balance: balance
    version: version
  on_delete: delete
)yaml";

// The table as the mock should hold it: id -> {id, name, balance, version}.
std::map<std::string, nlohmann::json> table_as_customers(PgTestDb& db, const std::string& table) {
  return db.rows_by_id("SELECT id, name, balance, version FROM " + table);
}

void wait_for_table_in_mock(PgTestDb& db, const MockServer& mock, const std::string& table) {
  const auto expected = table_as_customers(db, table);
  std::map<std::string, nlohmann::json> actual;
  const bool equal = poll_until(
      [&] {
        actual = customers_by_id(mock);
        return actual == expected;
      },
      120s);
  if (equal) return;
  size_t missing = 0, different = 0, extra = 0;
  for (const auto& [id, row] : expected) {
    auto it = actual.find(id);
    if (it == actual.end()) {
      ++missing;
    } else if (it->second != row) {
      if (different++ == 0)
        MESSAGE("customer " << id << ": table " << row.dump() << ", mock " << it->second.dump());
    }
  }
  for (const auto& [id, row] : actual) extra += expected.contains(id) ? 0 : 1;
  FAIL("mock differs from " << table << ": " << missing << " missing, " << different
                            << " different, " << extra << " extra of " << expected.size());
}

// Whether the customer with this id has reached the mock.
bool mock_has(const MockServer& mock, long long id) {
  return customers_by_id(mock).contains(std::to_string(id));
}

// A fresh `schema`.accounts and the mapping for it.
std::string create_accounts(PgTestDb& db, const std::string& schema) {
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema +
          ".accounts (id bigint PRIMARY KEY, name text NOT NULL, "
          "balance numeric(12, 2) NOT NULL DEFAULT 0, version int NOT NULL DEFAULT 0)");
  std::string mapping = kAccountsMapping;
  mapping.replace(mapping.find("pgit_durable"), std::string_view("pgit_durable").size(), schema);
  return mapping;
}

}  // namespace

TEST_CASE("postgres: SIGKILL mid-stream and a restart lose nothing") {
  constexpr const char* kSlot = "cdc_it_kill";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  const std::string mapping = create_accounts(db, "pgit_kill");
  MockServer mock({.extra_args = {"--latency-ms", "100"}});
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"accounts.yaml", mapping}}});
  connector.start();

  // 300 small transactions: inserts of 2,000 accounts, then updates and some deletes.
  PgTestDb writer;
  auto run_transaction = [&](int t) {
    const int base = (t % 100) * 20;
    if (t < 100) {
      writer.exec(
          "INSERT INTO pgit_kill.accounts (id, name) SELECT g, 'account ' || g "
          "FROM generate_series(" +
          std::to_string(base + 1) + ", " + std::to_string(base + 20) + ") g");
      return;
    }
    writer.exec(
        "BEGIN; UPDATE pgit_kill.accounts SET version = version + 1, balance = balance + "
        "1.25 WHERE id BETWEEN " +
        std::to_string(base + 1) + " AND " + std::to_string(base + 20) + ";" +
        (t % 7 == 0 ? " DELETE FROM pgit_kill.accounts WHERE id = " +
                          std::to_string(base + 1 + t % 20) + ";"
                    : std::string()) +
        " COMMIT");
  };
  for (int t = 0; t < 150; ++t) run_transaction(t);
  // Kill once some changes have reached the mock; slow answers keep others in flight.
  wait_until([&] { return records_applied(mock, "POST /customers") >= 300; }, 120s,
             "the first changes to reach the mock");
  connector.kill();
  MESSAGE("killed with " << records_applied(mock, "POST /customers")
                         << " customer records applied");
  // The rest while the daemon is down.
  for (int t = 150; t < 300; ++t) run_transaction(t);
  connector.start();
  wait_for_table_in_mock(db, mock, "pgit_kill.accounts");
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("postgres: a 200,000-row transaction arrives whole after its commit; rollbacks never") {
  constexpr const char* kSlot = "cdc_it_bigtxn";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  const std::string accounts_mapping = create_accounts(db, "pgit_durable");
  db.exec("CREATE TABLE pgit_durable.markers (id bigint PRIMARY KEY, name text NOT NULL)");
  const std::string markers_mapping =
      "table: pgit_durable.markers\ncustomer:\n  id: id\n"
      "  fields:\n    marker: name\n";
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot,
             .mappings = {{"accounts.yaml", accounts_mapping}, {"markers.yaml", markers_mapping}}});
  connector.start();

  // A marker committed after part of a transaction's WAL: once the marker is in the mock,
  // the daemon has read everything before it, including the open transaction's streamed
  // chunks (the test server's logical_decoding_work_mem is 64kB).
  long long next_marker = 1'000'000'000;
  auto pass_marker = [&] {
    const long long id = ++next_marker;
    db.exec("INSERT INTO pgit_durable.markers VALUES (" + std::to_string(id) + ", 'marker')");
    wait_until([&] { return mock_has(mock, id); }, 120s, "marker " + std::to_string(id));
  };

  SUBCASE("committed") {
    pqxx::connection big(db.dsn());
    pqxx::work txn(big);
    txn.exec(
        "INSERT INTO pgit_durable.accounts (id, name, balance) SELECT g, 'big ' || g, "
        "g / 100.0 FROM generate_series(1, 200000) g");
    pass_marker();
    CHECK_FALSE(mock_has(mock, 1));
    CHECK_FALSE(mock_has(mock, 200000));
    CHECK(records_applied(mock, "POST /customers") == 1);  // the marker alone
    txn.commit();
    wait_until([&] { return records_applied(mock, "POST /customers") >= 200001; }, 300s,
               "200,000 accounts in the mock");
    db.exec("DELETE FROM pgit_durable.markers");
    // Drop the markers from the comparison: the mock still has the one customer.
    auto customers = customers_by_id(mock);
    auto expected = table_as_customers(db, "pgit_durable.accounts");
    customers.erase(std::to_string(next_marker));
    CHECK(customers.size() == 200000);
    CHECK(customers == expected);
  }

  SUBCASE("rolled back, streamed in chunks and small") {
    {
      pqxx::connection big(db.dsn());
      pqxx::work txn(big);
      txn.exec(
          "INSERT INTO pgit_durable.accounts (id, name) SELECT g, 'doomed ' || g "
          "FROM generate_series(1, 50000) g");
      pass_marker();  // the chunks so far were read, and held
      txn.abort();
    }
    {
      pqxx::connection small(db.dsn());
      pqxx::work txn(small);
      txn.exec("INSERT INTO pgit_durable.accounts (id, name) VALUES (7000001, 'doomed too')");
      txn.abort();
    }
    db.exec("INSERT INTO pgit_durable.accounts (id, name) VALUES (7000002, 'kept')");
    pass_marker();
    CHECK(mock_has(mock, 7000002));
    CHECK_FALSE(mock_has(mock, 1));
    CHECK_FALSE(mock_has(mock, 50000));
    CHECK_FALSE(mock_has(mock, 7000001));
    CHECK(records_applied(mock, "POST /customers") == 3);  // two markers and "kept"
  }

  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("postgres: an update that leaves a TOASTed column unchanged keeps the field") {
  constexpr const char* kSlot = "cdc_it_toast";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_toast");
  // Default replica identity (the primary key): unchanged TOASTed values are not logged.
  db.exec("CREATE TABLE pgit_toast.profiles (id bigint PRIMARY KEY, name text, bio text)");
  const std::string mapping =
      "table: pgit_toast.profiles\ncustomer:\n  id: id\n  fields:\n"
      "    name: name\n    bio: bio\n  on_delete: delete\n";
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"profiles.yaml", mapping}}});
  connector.start();

  // ~128 kB of hex digits from md5: too big to stay inline, too random to compress small.
  db.exec(
      "INSERT INTO pgit_toast.profiles SELECT 1, 'before', string_agg(md5(g::text), '') "
      "FROM generate_series(1, 4000) g");
  REQUIRE(db.query_value("SELECT pg_column_size(bio) > 8000 FROM pgit_toast.profiles") == "t");
  // Retainly keeps 1000 characters of a string (the default policy truncates).
  const auto bio = *db.query_value("SELECT left(bio, 1000) FROM pgit_toast.profiles");
  wait_until(
      [&] {
        auto customers = customers_by_id(mock);
        return customers.contains("1") && customers["1"].value("bio", "") == bio;
      },
      60s, "the inserted profile");

  db.exec("UPDATE pgit_toast.profiles SET name = 'after' WHERE id = 1");
  wait_until([&] { return customers_by_id(mock)["1"].value("name", "") == "after"; }, 60s,
             "the updated name");
  const auto customer = customers_by_id(mock)["1"];
  CHECK(customer.at("bio") == bio);

  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}
