// Issue 13, defect 4: a transaction of any size stays within memory_budget_mb. Before the
// fix a 1,000,000-row UPDATE took the daemon to 478 MB. One UPDATE
// of millions of rows (streamed by the server in chunks: the test server's
// logical_decoding_work_mem is 64kB) is held until its commit in memory up to the budget
// and in a spill file beyond it; the daemon's peak RSS stays under the budget plus a
// fixed margin, and Retainly ends equal to the table.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

// The budget the daemon runs with, and what the rest of the process may take besides it,
// all bounded by count with the defaults this test keeps: code, libraries, libpq and
// libcurl buffers and the reader-to-pipeline queue (source_buffer: 10,000 changes) come
// to about 22 MB (measured: a 1 MB budget peaks there); the sink's pending calls
// (sink.max_pending_calls: 100,000 of this mapping's upserts when measured, 20,000 since;
// filled when the held part of the transaction comes out of memory faster than Retainly
// answers) to about 45 MB more (measured peaks with a 16 MB budget: 43 to 85 MB). The rest is
// allocator slack. The budget's share is measured honestly (core/row_change_codec.h:
// estimated_bytes).
constexpr long long kBudgetMb = 16;
constexpr long long kMarginMb = 80;

// Under the sanitizers (`scripts/test --sanitize`, which defines CDC_SANITIZE) the
// daemon's RSS holds AddressSanitizer's shadow memory and its quarantine of freed blocks:
// 717 to 719 MB for one and five million rows alike, whatever the budget. The budget is
// checked by the ordinary build; a sanitized run checks the rest (delivery, the spill
// file's cleanup).
#ifdef CDC_SANITIZE
constexpr bool kRssComparable = false;
#else
constexpr bool kRssComparable = true;
#endif

// Rows map to 16 customers (id % 16) so the mock's memory and work stay small while the
// daemon still reads, holds and maps every change: each customer ends with the id of the
// last row of it that the transaction updated, which only a complete, ordered delivery
// gets right.
constexpr const char* kItemsMapping = R"yaml(table: SCHEMA.items
customer:
  id: customer
  fields:
    last_id: id
    round: round
)yaml";

long long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6));
  }
  FAIL("no VmHWM in /proc/" << pid << "/status");
  return 0;
}

void update_in_one_transaction(long long rows, const std::string& schema) {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_" + schema);
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema +
          ".items (id bigint PRIMARY KEY, customer int NOT NULL, round int NOT NULL)");
  // Written before the slot exists: only the UPDATE reaches the daemon.
  db.exec("INSERT INTO " + schema + ".items SELECT g, g % 16, 1 FROM generate_series(1, " +
          std::to_string(rows) + ") g");
  std::string mapping = kItemsMapping;
  mapping.replace(mapping.find("SCHEMA"), 6, schema);

  MockServer mock;
  ConnectorRun connector(mock,
                         {.slot = "cdc_it_" + schema,
                          .mappings = {{"items.yaml", mapping}},
                          .extra_config = "memory_budget_mb: " + std::to_string(kBudgetMb) + "\n"});
  connector.start();
  const auto started = std::chrono::steady_clock::now();
  db.exec("UPDATE " + schema + ".items SET round = 2");

  // The last row of each customer in the order the UPDATE wrote them: new row versions
  // are appended to the heap in that order, so the highest ctid is the last one.
  const auto expected =
      db.rows_by_id("SELECT DISTINCT ON (customer) customer AS id, id AS last_id, round FROM " +
                    schema + ".items ORDER BY customer, ctid DESC");
  REQUIRE(expected.size() == 16);
  std::map<std::string, nlohmann::json> actual;
  const bool equal = poll_until(
      [&] {
        actual = customers_by_id(mock);
        // A daemon that exited will deliver nothing more: fail now, not at the timeout.
        return actual == expected || !connector.running();
      },
      600s);
  REQUIRE_MESSAGE(connector.running(), "the daemon exited before delivering the update");
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long long peak_mb = peak_rss_kb(connector.process().pid()) / 1024;
  MESSAGE(rows << " rows in one UPDATE: peak RSS " << peak_mb << " MB (budget " << kBudgetMb
               << " MB + margin " << kMarginMb << " MB), delivered in " << seconds << " s");
  CHECK(equal);
  if (!equal && !actual.empty()) MESSAGE("mock: " << nlohmann::json(actual).dump());
  if (kRssComparable) {
    CHECK(peak_mb < kBudgetMb + kMarginMb);
  } else {
    MESSAGE("peak RSS not compared with the budget: AddressSanitizer's own memory is in it");
  }
  CHECK(connector.terminate() == 0);
  // Committed and handed out: no spill file is left behind.
  CHECK(std::filesystem::is_empty(connector.state_dir() / "spill"));
  db.drop_replication_objects("cdc_it_" + schema);
  db.exec("DROP SCHEMA " + schema + " CASCADE");
}

}  // namespace

TEST_CASE("postgres: a 1,000,000-row UPDATE stays within the memory budget") {
  update_in_one_transaction(1'000'000, "pgit_rss1m");
}

TEST_CASE("postgres: a 5,000,000-row UPDATE stays within the memory budget") {
  update_in_one_transaction(5'000'000, "pgit_rss5m");
}
