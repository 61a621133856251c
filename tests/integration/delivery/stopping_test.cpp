// Stopping while Retainly fails every request and the sink is full (issue 13, defect 8):
// SIGTERM wakes the pipeline blocked in the sink's submit, the daemon and a backfill exit
// within their bounds, and no offset or checkpoint moved past a call that was not
// delivered; after Retainly recovers, a restart delivers everything.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/stored_checkpoint.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

std::string items_mapping(const std::string& schema) {
  return "table: " + schema + R"(.items
customer:
  id: id
  fields: { name: name }
events:
  - name: item_created
    on: insert
    data: { name: name }
)";
}

// A small sink that never empties while every request fails: submit blocks after four
// calls. Retries come fast, so the mock sees them.
ConnectorSetup full_sink_setup(const std::string& slot, const std::string& schema) {
  return {.slot = slot,
          .mappings = {{"items.yaml", items_mapping(schema)}},
          .extra_config = "shutdown_timeout_ms: 2000\nbackfill:\n  page_rows: 20\n",
          .sink_config =
              "  max_pending_calls: 4\n  retry_initial_backoff_ms: 20\n"
              "  retry_max_backoff_ms: 100\n"};
}

void create_items(PgTestDb& db, const std::string& schema, int rows) {
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema + ".items (id bigint PRIMARY KEY, name text NOT NULL)");
  db.exec("INSERT INTO " + schema + ".items SELECT g, 'item ' || g FROM generate_series(1, " +
          std::to_string(rows) + ") g");
}

long long failed_requests(const MockServer& mock) {
  long long count = 0;
  const json stats = mock.stats();
  for (const auto& [endpoint, by_status] : stats.at("requests").items()) {
    for (const char* status : {"500", "503"}) {
      auto it = by_status.find(status);
      if (it != by_status.end()) count += it->get<long long>();
    }
  }
  return count;
}

uint64_t lsn_value(PgTestDb& db, const std::string& expression) {
  return std::stoull(*db.query_value("SELECT (" + expression + " - '0/0')::bigint"));
}

}  // namespace

TEST_CASE(
    "stopping: SIGTERM while the sink is full and Retainly fails everything ends the daemon; "
    "no offset moves") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_stop_full");
  create_items(db, "pgit_stop_full", 0);
  MockServer mock({.extra_args = {"--fail-rate", "1", "--seed", "3"}});
  ConnectorRun connector(mock, full_sink_setup("cdc_it_stop_full", "pgit_stop_full"));
  connector.start();
  const std::string confirmed =
      "(SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = "
      "'cdc_it_stop_full')";
  // Where the first transaction's commit ends at the latest: read right after it. An idle
  // daemon may confirm WAL other tests wrote before that commit (the server's WAL end), and
  // with ctest -j they may write between the insert and the commit, so the bound is the
  // commit's end (reading it inside the transaction made the test fail once that way,
  // confirming 632 bytes past the insert); confirming the commit itself or any later one
  // of ours is what must not happen, and the other 49 transactions all lie past it.
  db.exec("INSERT INTO pgit_stop_full.items VALUES (1, 'item')");
  const uint64_t after_first = lsn_value(db, "pg_current_wal_insert_lsn()");
  // 50 transactions, 100 calls: the pipeline blocks in submit at the fifth.
  for (int id = 2; id <= 50; ++id) {
    db.exec("INSERT INTO pgit_stop_full.items VALUES (" + std::to_string(id) + ", 'item')");
  }
  // Long enough for the pipeline to be stuck in submit: many rounds of failed retries.
  wait_until([&] { return failed_requests(mock) >= 40; }, 60s, "40 failed requests");

  const auto signalled = std::chrono::steady_clock::now();
  connector.process().signal(SIGTERM);
  // shutdown_timeout_ms is 2 s; the bound here is generous, not a benchmark.
  CHECK(connector.process().wait_exit(30s) == 0);
  MESSAGE("the daemon exited " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - signalled)
                                      .count()
                               << " ms after SIGTERM (shutdown_timeout_ms 2000)");
  CHECK(connector.process().find_line("shutdown timeout reached").has_value());
  CHECK(lsn_value(db, confirmed) < after_first);
  CHECK(customers_by_id(mock).empty());

  // Retainly is back: everything arrives, so nothing was acknowledged past it.
  mock.set_faults({{"fail_rate", 0}});
  connector.start();
  wait_until([&] { return customers_by_id(mock).size() == 50; }, 120s, "all 50 customers");
  CHECK(connector.terminate() == 0);
}

TEST_CASE(
    "stopping: SIGTERM while a backfill is blocked on a full sink ends it; no checkpoint "
    "moves") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_stop_backfill");
  create_items(db, "pgit_stop_backfill", 200);
  MockServer mock({.extra_args = {"--fail-rate", "1", "--seed", "4"}});
  ConnectorRun connector(mock, full_sink_setup("cdc_it_stop_backfill", "pgit_stop_backfill"));
  auto backfill = connector.command({"backfill"});
  wait_until([&] { return failed_requests(mock) >= 40; }, 60s, "40 failed requests");

  const auto signalled = std::chrono::steady_clock::now();
  backfill->signal(SIGTERM);
  CHECK(backfill->wait_exit(30s) == 1);
  MESSAGE("the backfill exited " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - signalled)
                                        .count()
                                 << " ms after SIGTERM");
  CHECK(backfill->find_line("interrupted").has_value());
  // A checkpoint, if any, never counts a row whose calls were not delivered: none were.
  const json state =
      cdc::test::stored_checkpoint(connector.state_dir(), "pgit_stop_backfill.items");
  if (!state.is_null()) {
    CHECK(state.at("rows") == 0);
    CHECK(state.at("done") == false);
  }
  CHECK(customers_by_id(mock).empty());
}
