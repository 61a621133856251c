// Snapshots and re-snapshots killed with SIGKILL while Retainly answers slowly (issue 13,
// defects 1 and 3): whatever the kill interrupts, a restart ends with Retainly equal to
// the table as SQL reads it, deletes included.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>

#include "support/connector_run.h"
#include "support/pg_items.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// Polls until the mock equals the table; fails naming how they differ.
void wait_for_mock_to_equal_table(PgTestDb& db, const MockServer& mock, const std::string& schema,
                                  std::chrono::milliseconds timeout) {
  const auto expected = pg_items_expected(db, schema);
  std::map<std::string, json> actual;
  if (poll_until(
          [&] {
            actual = customers_by_id(mock);
            return actual == expected;
          },
          timeout)) {
    return;
  }
  size_t missing = 0, different = 0, extra = 0;
  for (const auto& [id, row] : expected) {
    const auto it = actual.find(id);
    if (it == actual.end()) {
      ++missing;
    } else if (it->second != row && different++ == 0) {
      MESSAGE("customer " << id << ": table " << row.dump() << ", mock " << it->second.dump());
    }
  }
  for (const auto& [id, row] : actual) {
    if (!expected.contains(id) && extra++ == 0) MESSAGE("customer " << id << " only in the mock");
  }
  FAIL("the mock differs from " << schema << ".items: " << missing << " missing, " << different
                                << " different, " << extra << " extra, of " << expected.size());
}

// The rows a re-snapshot's progress file says are done; -1 without the file.
long long progress_rows(const ConnectorRun& connector, const std::string& table) {
  std::ifstream in(connector.state_dir() / "resnapshot" / (table + ".json"));
  if (!in) return -1;
  const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc.value("rows", -1LL) : -1;
}

}  // namespace

TEST_CASE("resnapshot: SIGKILLs while Retainly is slow still deliver every row") {
  const std::string schema = "pgit_chunkkill";
  const std::string table = schema + ".items";
  PgTestDb db;
  db.drop_replication_objects("cdc_it_chunkkill");
  create_pg_items(db, schema, 30'000);
  MockServer mock({.extra_args = {"--latency-ms", "150"}});
  ConnectorRun connector(mock, {.slot = "cdc_it_chunkkill",
                                .mappings = {{"items.yaml", pg_items_mapping(schema)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n"});
  connector.start();  // snapshot: never; the slot is created after the rows were written
  auto request = connector.command({"resnapshot", "--table", table});
  REQUIRE(request->wait_exit(60s) == 0);

  // Each kill comes right after the progress file moved, while later chunks are in
  // flight: the stored progress must never run ahead of what Retainly acknowledged.
  long long killed_at = 0;
  for (int kill = 1; kill <= 3; ++kill) {
    wait_until([&] { return progress_rows(connector, table) > killed_at; }, 120s,
               "the re-snapshot to store progress");
    killed_at = progress_rows(connector, table);
    connector.kill();
    MESSAGE("SIGKILL " << kill << " with progress at " << killed_at << " rows, "
                       << customers_by_id(mock).size() << " customers in the mock");
    connector.start();
  }
  connector.process().wait_for_line("re-snapshot of " + table + " done", 180s);
  wait_for_mock_to_equal_table(db, mock, schema, 60s);
  CHECK(progress_rows(connector, table) == -1);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("run: an initial snapshot killed midway, then deletes and updates, ends equal") {
  const std::string schema = "pgit_initkill";
  PgTestDb db;
  db.drop_replication_objects("cdc_it_initkill");
  create_pg_items(db, schema, 100'000);
  MockServer mock({.extra_args = {"--latency-ms", "20"}});
  ConnectorRun connector(mock, {.slot = "cdc_it_initkill",
                                .mappings = {{"items.yaml", pg_items_mapping(schema)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n",
                                .snapshot = "initial"});
  connector.start_waiting_for("initial snapshot of");
  wait_until([&] { return customers_by_id(mock).size() >= 20'000; }, 120s,
             "20,000 snapshot rows in the mock");
  connector.kill();
  const auto delivered = customers_by_id(mock);
  MESSAGE(delivered.size() << " customers in the mock at the kill");

  // While the connector is down: 200 delivered rows deleted, others updated (some of
  // them delivered, some not), some moved out of the mapping's `where`.
  std::set<std::string> deleted;
  std::string deleted_list;
  for (const auto& [id, customer] : delivered) {
    if (deleted.size() == 200) break;
    deleted.insert(id);
    deleted_list += (deleted_list.empty() ? "" : ", ") + id;
  }
  db.exec("DELETE FROM " + schema + ".items WHERE id IN (" + deleted_list + ")");
  db.exec("UPDATE " + schema + ".items SET name = name || ' (updated)' WHERE id % 100 = 7");
  db.exec("UPDATE " + schema + ".items SET n = 95 WHERE id % 100 = 13");

  connector.start_waiting_for("initial snapshot of|streaming from slot");
  wait_for_mock_to_equal_table(db, mock, schema, 120s);
  for (const auto& [id, customer] : customers_by_id(mock)) {
    CHECK_MESSAGE(!deleted.contains(id), "deleted customer " << id << " is still in the mock");
  }
  connector.process().wait_for_line("initial snapshot done", 60s);
  CHECK(connector.terminate() == 0);
}
