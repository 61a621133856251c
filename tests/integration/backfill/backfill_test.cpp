// `retainly-cdc backfill` against real PostgreSQL and retainly-mock: a million rows end
// equal to the table (after the mapping's `where`, with no insert events), and a backfill
// killed midway resumes from its checkpoint, re-reading at most what was in flight.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "support/connector_run.h"
#include "support/pg_items.h"
#include "support/pg_test_db.h"
#include "support/stored_checkpoint.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

constexpr int kPageRows = 5000;
// A resumed backfill re-reads at most the pages that were in flight
// (BackfillOptions::pages_in_flight) and the answered ones the store had not committed
// yet: at most two of its commit batches (ChangedFilterOptions::max_batch).
constexpr int kPagesInFlight = 2;
constexpr int kCommitBatch = 20'000;
constexpr int kMaxReread = kPagesInFlight * kPageRows + 2 * kCommitBatch;

// The shared items mapping, with an insert event that a backfill must never send.
std::string mapping(const std::string& schema) {
  return pg_items_mapping(schema) + R"(events:
  - name: item_created
    on: insert
    data: { name: name }
)";
}

ConnectorSetup setup(const std::string& schema, const std::string& slot = "cdc_it_backfill") {
  return {.slot = slot,
          .mappings = {{"items.yaml", mapping(schema)}},
          .extra_config = "backfill:\n  page_rows: " + std::to_string(kPageRows) + "\n"};
}

// `schema`.items locked ACCESS EXCLUSIVE by the test until release(): a backfill started
// meanwhile takes the daemon's lock, then waits at its first read (wait_for_backfill).
class ItemsHeldByTest {
 public:
  explicit ItemsHeldByTest(std::string schema) : schema_(std::move(schema)) {
    hold_.exec("LOCK TABLE " + schema_ + ".items IN ACCESS EXCLUSIVE MODE");
  }
  void wait_for_backfill(PgTestDb& db) {
    wait_until(
        [&] {
          return db.query_value(
                     "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                     "'Lock' AND query LIKE 'COPY%" +
                     schema_ + "%'") == "1";
        },
        60s, "the backfill to wait for the table");
  }
  void release() { hold_.abort(); }

 private:
  std::string schema_;
  PgTestDb blocker_;
  pqxx::work hold_{blocker_.connection()};
};

json checkpoint(const ConnectorRun& connector, const std::string& table) {
  return cdc::test::stored_checkpoint(connector.state_dir(), table);
}

// Inserts of new ids, updates that move rows in and out of the `where`, and deletes of
// `schema`.items (rows 1..rows at the start), one per transaction, on a thread of its own
// until stop().
class ItemsWriter {
 public:
  ItemsWriter(std::string schema, long long rows, unsigned seed)
      : thread_([this, schema = std::move(schema), rows, seed] { write(schema, rows, seed); }) {}
  ~ItemsWriter() { stop(); }
  void stop() {
    writing_ = false;
    if (thread_.joinable()) thread_.join();
  }
  int transactions() const { return transactions_.load(); }

 private:
  void write(const std::string& schema, long long rows, unsigned seed) {
    PgTestDb db;
    std::mt19937 rng(seed);
    long long next_id = rows + 1;
    while (writing_.load()) {
      const auto id = std::to_string(1 + rng() % rows);
      switch (rng() % 4) {
        case 0:
          db.exec("INSERT INTO " + schema + ".items VALUES (" + std::to_string(next_id++) +
                  ", 'new', " + std::to_string(rng() % 97) + ")");
          break;
        case 1:
          db.exec("DELETE FROM " + schema + ".items WHERE id = " + id);
          break;
        default:
          db.exec("UPDATE " + schema +
                  ".items SET n = (n + 7) % 97, name = name || '+' WHERE id = " + id);
      }
      ++transactions_;
    }
  }

  std::atomic<bool> writing_{true};
  std::atomic<int> transactions_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("backfill: a million rows end equal to the table, without insert events") {
  PgTestDb db;
  create_pg_items(db, "pgit_backfill", 1'000'000);
  MockServer mock;
  ConnectorRun connector(mock, setup("pgit_backfill"));
  auto backfill = connector.command({"backfill"});
  REQUIRE(backfill->wait_exit(300s) == 0);
  const std::string summary = backfill->stdout_text();
  MESSAGE(summary);
  CHECK(summary.find("1000000 rows read") != std::string::npos);
  CHECK(customers_by_id(mock) == pg_items_expected(db, "pgit_backfill"));
  CHECK(mock.state().at("events").empty());  // rows that existed were not just created
  CHECK(checkpoint(connector, "pgit_backfill.items").at("done") == true);
}

TEST_CASE("backfill: killed midway, --resume ends equal and re-reads a bounded tail") {
  PgTestDb db;
  create_pg_items(db, "pgit_resume", 200'000);
  MockServer mock({.extra_args = {"--latency-ms", "20"}});
  ConnectorRun connector(mock, setup("pgit_resume"));
  auto first = connector.command({"backfill"});
  wait_until(
      [&] {
        const json state = checkpoint(connector, "pgit_resume.items");
        return state.is_object() && state.at("rows").get<int>() >= 100'000;
      },
      120s, "the backfill to checkpoint 100,000 rows");
  first->signal(SIGKILL);
  CHECK(first->wait_exit(30s) == 128 + SIGKILL);
  const json killed_at = checkpoint(connector, "pgit_resume.items");
  const auto delivered_before = static_cast<long long>(customers_by_id(mock).size());
  const auto checkpointed = killed_at.at("rows").get<long long>();
  CHECK(killed_at.at("done") == false);

  auto resumed = connector.command({"backfill", "--resume"});
  REQUIRE(resumed->wait_exit(300s) == 0);
  CHECK(customers_by_id(mock) == pg_items_expected(db, "pgit_resume"));
  // Rows the mapping kept that were delivered before the kill but after the checkpoint
  // are the ones sent twice; rows it filters out count toward the page but not here.
  const long long kept_since_checkpoint =
      std::stoll(*db.query_value("SELECT count(*) FROM pgit_resume.items WHERE n < 90 AND "
                                 "id > " +
                                 json(killed_at.at("last_key")).at(0).get<std::string>()));
  const long long kept_total =
      std::stoll(*db.query_value("SELECT count(*) FROM pgit_resume.items WHERE n < 90"));
  const long long reread = delivered_before - (kept_total - kept_since_checkpoint);
  MESSAGE("killed after " << checkpointed << " checkpointed rows; " << reread
                          << " delivered rows read again");
  CHECK(reread >= 0);
  CHECK(reread <= kMaxReread);
  CHECK(resumed->stdout_text().find(std::to_string(200'000 - checkpointed) + " rows read") !=
        std::string::npos);
}

TEST_CASE("backfill: refused beside a daemon streaming the same source, then runs once it stops") {
  // A row the backfill read could reach Retainly after the stream's newer change to it.
  PgTestDb db;
  db.drop_replication_objects("cdc_it_bfbeside");
  create_pg_items(db, "pgit_bfbeside", 2'000);
  MockServer mock;
  ConnectorRun connector(mock, setup("pgit_bfbeside", "cdc_it_bfbeside"));
  connector.start();

  auto refused = connector.command({"backfill"});
  CHECK(refused->wait_exit(60s) == 1);
  const std::string message = refused->stderr_text();
  CHECK_MESSAGE(message.find("retainly_cdc:cdc_it_bfbeside") != std::string::npos, message);
  CHECK_MESSAGE(message.find("retainly-cdc resnapshot") != std::string::npos, message);
  CHECK(customers_by_id(mock).empty());
  CHECK(checkpoint(connector, "pgit_bfbeside.items").is_null());
  // Nor does the store forget what the daemon's filter goes on from.
  auto forget = connector.command({"forget"});
  CHECK(forget->wait_exit(60s) == 1);
  CHECK_MESSAGE(forget->stderr_text().find("Stop it first") != std::string::npos,
                forget->stderr_text());

  CHECK(connector.terminate() == 0);
  auto backfill = connector.command({"backfill"});
  REQUIRE(backfill->wait_exit(120s) == 0);
  CHECK(customers_by_id(mock) == pg_items_expected(db, "pgit_bfbeside"));

  // The other way round: a daemon started while a backfill runs waits for it. The table
  // locked by the test holds the backfill at its first read, with the lock taken.
  ItemsHeldByTest held("pgit_bfbeside");
  auto waiting = connector.command({"backfill"});
  held.wait_for_backfill(db);
  connector.start_waiting_for("standby: another instance holds");
  held.release();
  REQUIRE(waiting->wait_exit(120s) == 0);
  connector.process().wait_for_line("streaming from slot cdc_it_bfbeside", 60s);
  CHECK(connector.terminate() == 0);
}

TEST_CASE("backfill: a daemon lock lost while it runs fails it, saying what to send again") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_bflost");
  create_pg_items(db, "pgit_bflost", 2'000);
  MockServer mock;
  ConnectorRun connector(mock, setup("pgit_bflost", "cdc_it_bflost"));

  // Held at its first read by the test's table lock, the backfill's lock connection ends.
  ItemsHeldByTest held("pgit_bflost");
  auto backfill = connector.command({"backfill"});
  held.wait_for_backfill(db);
  // Its advisory lock: key hashtext(name), shown as the low 32 bits in objid.
  CHECK(db.query_value("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = "
                       "'advisory' AND objsubid = 1 AND objid::bigint = "
                       "hashtext('retainly_cdc:cdc_it_bflost')::bigint & 4294967295") == "1");
  held.release();

  CHECK(backfill->wait_exit(120s) == 1);
  CHECK_MESSAGE(backfill->stderr_text().find("lock was lost while it ran") != std::string::npos,
                backfill->stderr_text());
}

TEST_CASE("run: the initial snapshot under concurrent writes hands over to the stream") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_snap");
  create_pg_items(db, "pgit_snap", 200'000);
  MockServer mock;
  ConnectorSetup snapshot_setup = setup("pgit_snap", "cdc_it_snap");
  snapshot_setup.snapshot = "initial";
  ConnectorRun connector(mock, snapshot_setup);

  ItemsWriter writer("pgit_snap", 200'000, 7);  // through the snapshot and after it
  connector.start();  // streams at once; the snapshot is read beside the stream
  connector.process().wait_for_line("initial snapshot done", 180s);
  const int during = writer.transactions();
  wait_until([&] { return writer.transactions() >= during + 200; }, 60s,
             "writes after the snapshot");
  writer.stop();
  MESSAGE(during << " writes until the snapshot was done, " << writer.transactions() << " in all");

  const auto expected = pg_items_expected(db, "pgit_snap");
  std::map<std::string, json> actual;
  if (!poll_until(
          [&] {
            actual = customers_by_id(mock);
            return actual == expected;
          },
          120s)) {
    int shown = 0;
    for (const auto& [id, row] : expected) {
      auto it = actual.find(id);
      if ((it == actual.end() || it->second != row) && shown++ < 5) {
        MESSAGE("id " << id << " table " << row.dump() << " mock "
                      << (it == actual.end() ? "nothing" : it->second.dump()));
      }
    }
    for (const auto& [id, row] : actual) {
      if (!expected.contains(id) && shown++ < 10) MESSAGE("id " << id << " only in the mock");
    }
    FAIL("the mock never equalled the table: " << actual.size() << " vs " << expected.size());
  }
  CHECK(connector.terminate() == 0);

  // A restart streams on: the snapshot is not taken twice.
  connector.start();
  CHECK_FALSE(connector.process().find_line("initial snapshot of").has_value());
  CHECK(connector.terminate() == 0);
}

TEST_CASE("resnapshot: one table sent again while streaming ends equal as writes continue") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_resnap");
  create_pg_items(db, "pgit_resnap", 50'000);
  MockServer mock;
  // snapshot: never, so only the stream runs
  ConnectorRun connector(mock, setup("pgit_resnap", "cdc_it_resnap"));
  connector.start();

  ItemsWriter writer("pgit_resnap", 50'000, 11);
  wait_until([&] { return writer.transactions() >= 100; }, 60s, "writes before the request");
  // Without --table: every mapped table, here the one.
  auto request = connector.command({"resnapshot"});
  CHECK(request->wait_exit(60s) == 0);
  CHECK(request->stdout_text().find("re-snapshot of pgit_resnap.items requested") !=
        std::string::npos);
  connector.process().wait_for_line("re-snapshot of pgit_resnap.items done", 120s);
  const int during = writer.transactions();
  wait_until([&] { return writer.transactions() >= during + 100; }, 60s, "writes after it");
  writer.stop();
  MESSAGE(writer.transactions() << " writes while streaming and re-snapshotting");

  // Rows the stream never touched arrived through the re-snapshot; rows it touched hold
  // their latest version, never a stale chunk copy.
  const auto expected = pg_items_expected(db, "pgit_resnap");
  wait_until([&] { return customers_by_id(mock) == expected; }, 120s,
             "the mock to equal the table");
  CHECK_FALSE(
      std::filesystem::exists(connector.state_dir() / "resnapshot" / "pgit_resnap.items.json"));
  CHECK(connector.terminate() == 0);
}
