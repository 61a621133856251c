// Snapshots and re-snapshots on MariaDB killed with SIGKILL while Retainly answers slowly
// (issue 13, defects 1 and 3): whatever the kill interrupts, a restart ends with Retainly
// equal to the table as SQL reads it, deletes included.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_items.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// The rows a re-snapshot's progress file says are done; -1 without the file.
long long progress_rows(const ConnectorRun& connector, const std::string& table) {
  std::ifstream in(connector.state_dir() / "resnapshot" / (table + ".json"));
  if (!in) return -1;
  const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() ? doc.value("rows", -1LL) : -1;
}

}  // namespace

TEST_CASE("mysql: resnapshot SIGKILLed while Retainly is slow still delivers every row") {
  const std::string database = "myit_chunkkill";
  const std::string table = database + ".items";
  MysqlTestDb db;
  create_mysql_items(db, database, 20'000);  // outside the binlog: only a snapshot brings them
  MockServer mock({.extra_args = {"--latency-ms", "150"}});
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", mysql_items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n",
                                .source_config = "  watermark_table: myit_chunkkill_wm.marks\n",
                                .mysql_server_id = 6601});
  connector.start();
  auto request = connector.command({"resnapshot", "--table", table});
  REQUIRE(request->wait_exit(60s) == 0);

  long long killed_at = 0;
  for (int kill = 1; kill <= 2; ++kill) {
    wait_until([&] { return progress_rows(connector, table) > killed_at; }, 120s,
               "the re-snapshot to store progress");
    killed_at = progress_rows(connector, table);
    connector.kill();
    MESSAGE("SIGKILL " << kill << " with progress at " << killed_at << " rows, "
                       << customers_by_id(mock).size() << " customers in the mock");
    connector.start();
  }
  connector.process().wait_for_line("re-snapshot of " + table + " done", 180s);
  wait_for_mock_to_equal(db, mock, mysql_items_select(database), table, 60);
  CHECK(progress_rows(connector, table) == -1);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: an initial snapshot killed midway, then deletes and updates, ends equal") {
  const std::string database = "myit_initkill";
  MysqlTestDb db;
  create_mysql_items(db, database, 100'000);
  MockServer mock({.extra_args = {"--latency-ms", "20"}});
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", mysql_items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n",
                                .snapshot = "initial",
                                .source_config = "  watermark_table: myit_initkill_wm.marks\n",
                                .mysql_server_id = 6602});
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
  db.exec("DELETE FROM " + database + ".items WHERE id IN (" + deleted_list + ")");
  db.exec("UPDATE " + database + ".items SET name = CONCAT(name, ' (updated)') WHERE id % 100 = 7");
  db.exec("UPDATE " + database + ".items SET n = 95 WHERE id % 100 = 13");

  connector.start_waiting_for("initial snapshot of|streaming the binlog of");
  wait_for_mock_to_equal(db, mock, mysql_items_select(database), database + ".items", 120);
  for (const auto& [id, customer] : customers_by_id(mock)) {
    CHECK_MESSAGE(!deleted.contains(id), "deleted customer " << id << " is still in the mock");
  }
  connector.process().wait_for_line("initial snapshot done", 60s);
  CHECK(connector.terminate() == 0);
}
