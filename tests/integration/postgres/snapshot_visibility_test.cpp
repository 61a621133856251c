// A re-snapshot chunk read while a transaction the stream already delivered is not yet
// visible to other sessions. PostgreSQL logs a commit before it takes the transaction out
// of the set every new snapshot treats as running; a transaction logged before the
// chunk's low watermark can therefore still be invisible to the chunk's read, which then
// holds an older row than the stream delivered, with no change between the watermarks
// to tell. Synchronous replication to a standby that never answers holds a transaction
// in exactly that state (committed in the WAL, logically decoded, not yet visible) for as
// long as the test needs; cancelling its wait then lets it finish.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "support/connector_run.h"
#include "support/pg_items.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// Whether a commit that asks for synchronous replication now waits for the standby. Only
// a transaction that wrote WAL waits (an xid alone does not): the probe writes a logical
// message the connector ignores (not its watermark prefix), commits on a connection of its
// own, and is watched until its backend waits for the standby (then cancelled: the commit
// stands) or the commit returns.
bool probe_commit_waits(const std::string& dsn) {
  pqxx::connection conn(dsn);
  int pid = 0;
  {
    pqxx::nontransaction session(conn);
    pid = session.exec1("SELECT pg_backend_pid()")[0].as<int>();
    session.exec("SET synchronous_commit = 'on'");
  }
  std::atomic<bool> returned{false};
  std::thread commit([&] {
    try {
      pqxx::work transaction(conn);
      transaction.exec("SELECT pg_logical_emit_message(true, 'cdc_test_probe', '')");
      transaction.commit();
    } catch (const std::exception&) {
      // Cancelled while it waited: what the probe is for.
    }
    returned = true;
  });
  PgTestDb other;
  const std::string wait_event =
      "SELECT wait_event FROM pg_stat_activity WHERE pid = " + std::to_string(pid);
  const bool waits =
      poll_until([&] { return returned || other.query_value(wait_event) == "SyncRep"; }, 10s) &&
      !returned;
  other.exec("SELECT pg_cancel_backend(" + std::to_string(pid) + ")");
  commit.join();
  return waits;
}

// A synchronous standby that never connects, for the sessions that ask to wait for one.
// Every other session (other tests' too, on the shared server) commits locally as before:
// synchronous_commit turns `local` in the same reload. Undone on destruction.
class AbsentSynchronousStandby {
 public:
  explicit AbsentSynchronousStandby(PgTestDb& db) : db_(db) {
    db_.exec("ALTER SYSTEM SET synchronous_commit = 'local'");
    db_.exec("ALTER SYSTEM SET synchronous_standby_names = 'cdc_test_never_connects'");
    db_.exec("SELECT pg_reload_conf()");
    // A backend shows the new setting once it took the reload, but whether commits wait
    // is the checkpointer's to say: it sets the flag every commit checks when it takes
    // the reload (SyncRepUpdateSyncStandbysDefined), and a commit before that does not
    // wait. Once CI saw the stuck transaction's commit go through at once, visible.
    wait_until([&] { return probe_commit_waits(db_.dsn()); }, 30s,
               "commits to wait for the absent standby");
  }
  ~AbsentSynchronousStandby() {
    db_.exec("ALTER SYSTEM RESET synchronous_standby_names");
    db_.exec("ALTER SYSTEM RESET synchronous_commit");
    db_.exec("SELECT pg_reload_conf()");
  }

 private:
  PgTestDb& db_;
};

// One UPDATE whose COMMIT waits for the absent standby: logged and decoded, invisible to
// other sessions until release() cancels the wait (the commit then stands).
class CommitStuckInWal {
 public:
  CommitStuckInWal(const std::string& dsn, std::string sql) : conn_(dsn) {
    pqxx::nontransaction session(conn_);
    pid_ = session.exec1("SELECT pg_backend_pid()")[0].as<int>();
    // The reload reaches each backend at its next statement: wait until this one has it.
    REQUIRE(poll_until(
        [&] {
          return session.exec1("SHOW synchronous_standby_names")[0].as<std::string>() ==
                 "cdc_test_never_connects";
        },
        10s));
    session.exec("SET synchronous_commit = 'on'");
    session.commit();
    thread_ = std::thread([this, sql = std::move(sql)] {
      try {
        pqxx::work transaction(conn_);
        transaction.exec(sql);
        transaction.commit();  // returns once release() cancels the wait
      } catch (const std::exception& error) {
        failure_ = error.what();
      }
    });
  }
  ~CommitStuckInWal() { release(); }

  int pid() const { return pid_; }
  void release() {
    if (!thread_.joinable()) return;
    PgTestDb other;
    other.exec("SELECT pg_cancel_backend(" + std::to_string(pid_) + ")");
    thread_.join();
    CHECK_MESSAGE(failure_.empty(), "the stuck transaction failed: " << failure_);
  }

 private:
  pqxx::connection conn_;
  int pid_ = 0;
  std::thread thread_;
  std::string failure_;
};

}  // namespace

TEST_CASE("resnapshot: a chunk read before a streamed commit is visible does not overwrite it") {
  const std::string schema = "pgit_snapvis";
  const std::string table = schema + ".items";
  PgTestDb db;
  db.drop_replication_objects("cdc_it_snapvis");
  create_pg_items(db, schema, 20);
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = "cdc_it_snapvis", .mappings = {{"items.yaml", pg_items_mapping(schema)}}});
  connector.start();  // snapshot: never; the slot is created after the rows were written

  AbsentSynchronousStandby standby(db);
  CommitStuckInWal stuck(db.dsn(), "UPDATE " + table + " SET name = 'streamed' WHERE id = 5");
  // The stream delivers the update while the table, to any new read, still holds the old row.
  wait_until([&] { return customers_by_id(mock).contains("5"); }, 60s,
             "the stuck transaction to be streamed");
  CHECK(customers_by_id(mock).at("5").at("name") == "streamed");
  REQUIRE(db.query_value("SELECT name FROM " + table + " WHERE id = 5") != "streamed");

  auto request = connector.command({"resnapshot", "--table", table});
  REQUIRE(request->wait_exit(60s) == 0);
  // The chunk cannot be read as current while the transaction stays invisible: it waits.
  const auto first = connector.process().wait_for_line(
      "re-snapshot of " + table + " done|" + table + ": the chunk is read again", 60s);
  CHECK_MESSAGE(first.line.find("read again") != std::string::npos,
                "finished while the transaction was invisible: " << first.line);
  stuck.release();
  connector.process().wait_for_line("re-snapshot of " + table + " done", 60s);

  const auto expected = pg_items_expected(db, schema);
  REQUIRE(expected.at("5").at("name") == "streamed");
  std::map<std::string, json> actual;
  const bool equal = poll_until(
      [&] {
        actual = customers_by_id(mock);
        return actual == expected;
      },
      10s);
  CHECK_MESSAGE(equal, "customer 5 in the mock: " << actual["5"].dump());
  CHECK(connector.terminate() == 0);
}
