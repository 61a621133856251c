// The initial snapshot of `run` and a one-table re-snapshot on MariaDB, each under
// concurrent writes: both are read in chunks between watermark rows beside the binlog
// stream, and a chunk row never overwrites a newer streamed change.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_items.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

TEST_CASE("mysql: the initial snapshot under concurrent writes ends equal beside the binlog") {
  const std::string database = "myit_snap";
  MysqlTestDb db;
  create_mysql_items(db, database, 100'000);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", mysql_items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 5000\n",
                                .snapshot = "initial",
                                .mysql_server_id = 5601});
  MysqlItemsWriter writer(database, 100'000, 7);  // through the snapshot and after it
  connector.start();  // streams at once; the snapshot is read beside the stream
  connector.process().wait_for_line("initial snapshot done", 180s);
  const int during = writer.transactions();
  wait_until([&] { return writer.transactions() >= during + 200; }, 60s,
             "writes after the snapshot");
  writer.stop();
  MESSAGE(during << " writes until the snapshot was done, " << writer.transactions() << " in all");
  wait_for_mock_to_equal(db, mock, mysql_items_select(database), database + ".items");
  CHECK(connector.terminate() == 0);

  // A restart streams on: the snapshot is not taken twice.
  connector.start();
  CHECK_FALSE(connector.process().find_line("initial snapshot of").has_value());
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: one table re-snapshotted while streaming ends equal as writes continue") {
  const std::string database = "myit_resnap";
  MysqlTestDb db;
  create_mysql_items(db, database, 30'000);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", mysql_items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n",
                                .source_config = "  watermark_table: myit_resnap_wm.marks\n",
                                .mysql_server_id = 5602});
  db.exec("DROP DATABASE IF EXISTS myit_resnap_wm");
  connector.start();

  MysqlItemsWriter writer(database, 30'000, 11);
  wait_until([&] { return writer.transactions() >= 100; }, 60s, "writes before the request");
  auto request = connector.command({"resnapshot", "--table", database + ".items"});
  CHECK(request->wait_exit(60s) == 0);
  connector.process().wait_for_line("re-snapshot of " + database + ".items done", 120s);
  const int during = writer.transactions();
  wait_until([&] { return writer.transactions() >= during + 100; }, 60s, "writes after it");
  writer.stop();
  MESSAGE(writer.transactions() << " writes while streaming and re-snapshotting");

  // Rows the stream never touched arrived through the re-snapshot; rows it touched hold
  // their latest version, never a stale chunk copy.
  wait_for_mock_to_equal(db, mock, mysql_items_select(database), database + ".items");
  CHECK_FALSE(
      std::filesystem::exists(connector.state_dir() / "resnapshot" / (database + ".items.json")));
  // The watermark table was made where the config says.
  CHECK(db.query_value("SELECT COUNT(*) FROM myit_resnap_wm.marks") == "1");
  CHECK(connector.terminate() == 0);
}
