// The initial snapshot of `run` and a one-table re-snapshot on MariaDB, each under
// concurrent writes: the snapshot hands over to the binlog at exactly its position, and
// re-snapshot chunks (between watermark rows) never overwrite a newer streamed change.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

std::string items_mapping(const std::string& database) {
  return "table: " + database + R"(.items
where: n < 90
customer:
  id: id
  fields: { name: name, n: n }
  on_delete: delete
events:
  - name: item_created
    on: insert
    data: { name: name }
)";
}

std::string items_select(const std::string& database) {
  return "SELECT JSON_OBJECT('id', id, 'name', name, 'n', n) AS doc FROM " + database +
         ".items WHERE n < 90";
}

void create_items(MysqlTestDb& db, const std::string& database, long long rows) {
  db.fresh_database(database);
  db.exec("CREATE TABLE " + database +
          ".items (id BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, n INT NOT NULL)");
  db.exec("INSERT INTO " + database +
          ".items SELECT seq, CONCAT('item ', seq), seq % 97 FROM seq_1_to_" +
          std::to_string(rows));
}

// Inserts of new ids, updates that move rows in and out of the `where`, and deletes,
// one per transaction, on a thread of its own until stop().
class ItemsWriter {
 public:
  ItemsWriter(std::string database, long long rows, unsigned seed)
      : thread_(
            [this, database = std::move(database), rows, seed] { write(database, rows, seed); }) {}
  ~ItemsWriter() { stop(); }
  void stop() {
    writing_ = false;
    if (thread_.joinable()) thread_.join();
  }
  int transactions() const { return transactions_.load(); }

 private:
  void write(const std::string& database, long long rows, unsigned seed) {
    MysqlTestDb db;
    std::mt19937 rng(seed);
    long long next_id = rows + 1;
    const std::string table = database + ".items";
    while (writing_.load()) {
      const auto id = std::to_string(1 + rng() % rows);
      switch (rng() % 4) {
        case 0:
          db.exec("INSERT INTO " + table + " VALUES (" + std::to_string(next_id++) + ", 'new', " +
                  std::to_string(rng() % 97) + ")");
          break;
        case 1:
          db.exec("DELETE FROM " + table + " WHERE id = " + id);
          break;
        default:
          db.exec("UPDATE " + table +
                  " SET n = (n + 7) % 97, name = CONCAT(name, '+') WHERE id = " + id);
      }
      ++transactions_;
    }
  }

  std::atomic<bool> writing_{true};
  std::atomic<int> transactions_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("mysql: the initial snapshot under concurrent writes hands over to the binlog") {
  const std::string database = "myit_snap";
  MysqlTestDb db;
  create_items(db, database, 100'000);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 5000\n",
                                .snapshot = "initial",
                                .mysql_server_id = 5601});
  ItemsWriter writer(database, 100'000, 7);  // through the snapshot and after it
  connector.start();  // returns once the snapshot is done and streaming started
  const int during = writer.transactions();
  wait_until([&] { return writer.transactions() >= during + 200; }, 60s,
             "writes after the snapshot");
  writer.stop();
  MESSAGE(during << " writes before streaming started, " << writer.transactions() << " in all");
  CHECK(connector.process().find_line("initial snapshot done").has_value());
  wait_for_mock_to_equal(db, mock, items_select(database), database + ".items");
  CHECK(connector.terminate() == 0);

  // A restart streams on: the snapshot is not taken twice.
  connector.start();
  CHECK_FALSE(connector.process().find_line("initial snapshot of").has_value());
  CHECK(connector.terminate() == 0);
}

TEST_CASE("mysql: one table re-snapshotted while streaming ends equal as writes continue") {
  const std::string database = "myit_resnap";
  MysqlTestDb db;
  create_items(db, database, 30'000);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"items.yaml", items_mapping(database)}},
                                .extra_config = "backfill:\n  page_rows: 2000\n",
                                .source_config = "  watermark_table: myit_resnap_wm.marks\n",
                                .mysql_server_id = 5602});
  db.exec("DROP DATABASE IF EXISTS myit_resnap_wm");
  connector.start();

  ItemsWriter writer(database, 30'000, 11);
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
  wait_for_mock_to_equal(db, mock, items_select(database), database + ".items");
  CHECK_FALSE(
      std::filesystem::exists(connector.state_dir() / "resnapshot" / (database + ".items.json")));
  // The watermark table was made where the config says.
  CHECK(db.query_value("SELECT COUNT(*) FROM myit_resnap_wm.marks") == "1");
  CHECK(connector.terminate() == 0);
}
