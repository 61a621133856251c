// What an operator watches: /metrics counts what a workload did, /readyz turns 503 while
// PostgreSQL is down and 200 again once the daemon has reconnected by itself, and
// nothing is lost across the outage.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>

#include "support/child_process.h"
#include "support/connector_run.h"
#include "support/health_probe.h"
#include "support/pg_test_db.h"
#include "support/test_env.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_ops";

constexpr const char* kMapping = R"yaml(table: pgit_ops.accounts
customer:
  id: id
  fields: { name: name, version: version }
  on_delete: delete
)yaml";

std::map<std::string, nlohmann::json> table_as_customers(PgTestDb& db) {
  return db.rows_by_id("SELECT id, name, version FROM pgit_ops.accounts");
}

void wait_for_table_in_mock(PgTestDb& db, const MockServer& mock) {
  const auto expected = table_as_customers(db);
  wait_until([&] { return customers_by_id(mock) == expected; }, 120s,
             "the mock to hold the table (" + std::to_string(expected.size()) + " rows)");
}

int run_pg_ctl(std::vector<std::string> args) {
  ChildProcess ctl(test_env("CDC_TEST_PG_CTL"), std::move(args));
  return ctl.wait_exit(150s);
}

}  // namespace

TEST_CASE("operations: metrics count the workload; readyz follows a PostgreSQL outage") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_ops");
  db.exec("CREATE TABLE pgit_ops.accounts (id bigint PRIMARY KEY, name text, version int)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"accounts.yaml", kMapping}},
                                .extra_config = "metrics: 127.0.0.1:0\n"});
  connector.start();
  const int port = connector.metrics_port();

  CHECK(http_get(port, "/healthz").status == 200);
  wait_until([&] { return http_get(port, "/readyz").status == 200; }, 30s, "/readyz 200");

  // 5 transactions of 10 inserts, 20 updates in one, 5 deletes one by one: 11 in all.
  for (int t = 0; t < 5; ++t) {
    db.exec("INSERT INTO pgit_ops.accounts SELECT g, 'a' || g, 0 FROM generate_series(" +
            std::to_string(t * 10 + 1) + ", " + std::to_string(t * 10 + 10) + ") g");
  }
  db.exec("UPDATE pgit_ops.accounts SET version = 1 WHERE id <= 20");
  for (int id = 46; id <= 50; ++id) {
    db.exec("DELETE FROM pgit_ops.accounts WHERE id = " + std::to_string(id));
  }
  wait_for_table_in_mock(db, mock);
  const std::string changes = "retainly_cdc_changes_read_total{table=\"pgit_ops.accounts\",op=";
  wait_until(
      [&] {
        return metric(port, changes + "\"insert\"}") == 50 &&
               metric(port, changes + "\"update\"}") == 20 &&
               metric(port, changes + "\"delete\"}") == 5 &&
               metric(port, "retainly_cdc_transactions_total") == 11;
      },
      30s, "the metrics to count 50 inserts, 20 updates, 5 deletes in 11 transactions");
  CHECK(metric(port, "retainly_cdc_requests_total{endpoint=\"POST /customers\"}") > 0);
  CHECK(metric(port, "retainly_cdc_requests_total{endpoint=\"DELETE /customers\"}") > 0);
  CHECK(metric(port, "retainly_cdc_streaming") == 1);
  CHECK(metric(port, "retainly_cdc_dead_letters_total") == 0);

  // PostgreSQL goes away: not ready, with the reason.
  REQUIRE(run_pg_ctl({"stop", "-m", "fast"}) == 0);
  wait_until([&] { return http_get(port, "/readyz").status == 503; }, 60s, "/readyz 503");
  CHECK(http_get(port, "/readyz").body.find("source is not connected") != std::string::npos);
  CHECK(http_get(port, "/healthz").status == 200);  // alive all the same
  CHECK(connector.running());

  // It comes back: the daemon reconnects on its own and streams what follows.
  REQUIRE(run_pg_ctl({"start"}) == 0);
  wait_until([&] { return http_get(port, "/readyz").status == 200; }, 120s,
             "/readyz 200 after PostgreSQL returned");
  PgTestDb after_restart;
  after_restart.exec(
      "INSERT INTO pgit_ops.accounts SELECT g, 'b' || g, 2 FROM generate_series(101, 130) g");
  after_restart.exec("UPDATE pgit_ops.accounts SET version = version + 10 WHERE id <= 5");
  wait_for_table_in_mock(after_restart, mock);
  CHECK(connector.process().find_line("streaming again").has_value());
  CHECK(connector.terminate() == 0);
}

namespace {

// The slot's confirmed_flush_lsn as a number (bytes), 0 when it has none.
long long confirmed_flush(PgTestDb& db, const std::string& slot) {
  const auto value = db.query_value(
      "SELECT coalesce((confirmed_flush_lsn - '0/0')::bigint, 0) FROM pg_replication_slots "
      "WHERE slot_name = '" +
      slot + "'");
  return value ? std::stoll(*value) : 0;
}

// A table the mapping names but nobody writes to.
ConnectorSetup idle_setup(PgTestDb& db, const std::string& slot, const std::string& source) {
  db.drop_replication_objects(slot);
  db.fresh_schema("pgit_idle");
  db.exec("CREATE TABLE pgit_idle.quiet (id bigint PRIMARY KEY, name text)");
  return {.slot = slot,
          .mappings = {{"quiet.yaml", "table: pgit_idle.quiet\ncustomer: { id: id }\n"}},
          .source_config = source};
}

}  // namespace

TEST_CASE("operations: an idle slot follows writes to another database") {
  PgTestDb db;
  // Heartbeats off: the slot must move through the keepalives alone.
  MockServer mock;
  ConnectorRun connector(mock, idle_setup(db, "cdc_it_idle", "  heartbeat_interval_ms: 0\n"));
  db.exec("DROP DATABASE IF EXISTS cdc_it_unmapped WITH (FORCE)");
  db.exec("CREATE DATABASE cdc_it_unmapped");
  PgTestDb other(db.dsn() + " dbname=cdc_it_unmapped");
  other.exec("CREATE TABLE busy (id bigserial PRIMARY KEY, payload text)");
  connector.start();

  const long long start = confirmed_flush(db, "cdc_it_idle");
  other.exec("INSERT INTO busy (payload) SELECT repeat('x', 100) FROM generate_series(1, 1000)");
  const long long written_to =
      std::stoll(*other.query_value("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint"));
  REQUIRE(written_to > start);
  // Each poll writes a little more, as a busy neighbour would.
  wait_until(
      [&] {
        other.exec("INSERT INTO busy (payload) VALUES ('more')");
        return confirmed_flush(db, "cdc_it_idle") >= written_to;
      },
      60s, "the idle slot's confirmed_flush_lsn to pass the other database's writes");

  // `status` while the daemon streams, after it stopped, and without a slot.
  auto status = [&](int expected_exit) {
    auto command = connector.command({"status", "--json"});
    CHECK(command->wait_exit(60s) == expected_exit);
    return nlohmann::json::parse(command->stdout_text());
  };
  const auto streaming = status(0);
  CHECK(streaming.at("health") == "healthy");
  CHECK(streaming.at("active") == true);
  CHECK(streaming.at("wal_status") == "reserved");
  CHECK(streaming.at("committed_position").get<std::string>().starts_with("pg:"));
  CHECK(streaming.at("lag_bytes").is_number());
  CHECK(streaming.at("dead_letters") == 0);
  CHECK(connector.terminate() == 0);
  CHECK(status(1).at("health") == "no retainly-cdc is streaming from the slot");
  db.drop_replication_objects("cdc_it_idle");
  CHECK(status(4).at("health").get<std::string>().starts_with("the replication slot does not"));
}

TEST_CASE("operations: heartbeats move an idle slot when nothing else writes") {
  PgTestDb db;
  MockServer mock;
  ConnectorRun connector(mock, idle_setup(db, "cdc_it_beat", "  heartbeat_interval_ms: 200\n"));
  // A second slot, with test_decoding, shows the logical messages the daemon writes.
  db.drop_replication_objects("cdc_it_probe");
  db.exec("SELECT pg_create_logical_replication_slot('cdc_it_probe', 'test_decoding')");
  connector.start();

  std::string heartbeat_lsn;
  wait_until(
      [&] {
        const auto lsn = db.query_value(
            "SELECT (max(lsn) - '0/0')::bigint::text FROM "
            "pg_logical_slot_peek_changes('cdc_it_probe', NULL, NULL) "
            "WHERE data LIKE 'message: transactional: 1 prefix: retainly_cdc_heartbeat%'");
        if (lsn) heartbeat_lsn = *lsn;
        return lsn.has_value();
      },
      30s, "a heartbeat message in the WAL");
  wait_until([&] { return confirmed_flush(db, "cdc_it_beat") > std::stoll(heartbeat_lsn); }, 30s,
             "the slot's confirmed_flush_lsn to pass a heartbeat");
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects("cdc_it_probe");
}

TEST_CASE("operations: of two instances on one config the standby takes over a killed one") {
  constexpr const char* kHaSlot = "cdc_it_ha";
  PgTestDb db;
  db.drop_replication_objects(kHaSlot);
  db.fresh_schema("pgit_ops");
  db.exec("CREATE TABLE pgit_ops.accounts (id bigint PRIMARY KEY, name text, version int)");
  MockServer mock;
  const ConnectorSetup setup{.slot = kHaSlot, .mappings = {{"accounts.yaml", kMapping}}};
  ConnectorRun active(mock, setup);
  ConnectorRun standby(mock, setup);
  active.start();
  standby.start_waiting_for("standby: another instance holds the PostgreSQL advisory lock");

  auto write = [&](int first, int count) {
    for (int id = first; id < first + count; ++id) {
      db.exec("INSERT INTO pgit_ops.accounts VALUES (" + std::to_string(id) + ", 'n', 0)");
      if (id % 3 == 0) {
        db.exec("UPDATE pgit_ops.accounts SET version = version + 1 WHERE id = " +
                std::to_string(id - 1));
      }
    }
  };
  write(1, 30);
  wait_for_table_in_mock(db, mock);
  CHECK_FALSE(standby.process().find_line("streaming from slot").has_value());

  active.kill();
  write(31, 30);  // while nobody streams, then while the standby takes over
  standby.process().wait_for_line("streaming from slot " + std::string(kHaSlot), 60s);
  write(61, 30);
  wait_for_table_in_mock(db, mock);
  CHECK(standby.terminate() == 0);
}

TEST_CASE("operations: a slot dropped under the daemon stops it with a resync message") {
  constexpr const char* kGoneSlot = "cdc_it_gone";
  PgTestDb db;
  db.drop_replication_objects(kGoneSlot);
  db.fresh_schema("pgit_ops");
  db.exec("CREATE TABLE pgit_ops.accounts (id bigint PRIMARY KEY, name text, version int)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kGoneSlot, .mappings = {{"accounts.yaml", kMapping}}});
  connector.start();
  db.exec("INSERT INTO pgit_ops.accounts VALUES (1, 'before', 0)");
  wait_for_table_in_mock(db, mock);

  // Cut the daemon's connection and drop the slot before it reconnects.
  db.exec(R"sql(
DO $$
BEGIN
  FOR attempt IN 1..1000 LOOP
    PERFORM pg_terminate_backend(active_pid) FROM pg_replication_slots
      WHERE slot_name = 'cdc_it_gone' AND active_pid IS NOT NULL;
    BEGIN
      PERFORM pg_drop_replication_slot('cdc_it_gone');
      RETURN;
    EXCEPTION WHEN object_in_use THEN
      PERFORM pg_sleep(0.005);
    END;
  END LOOP;
  RAISE EXCEPTION 'the slot stayed in use';
END $$)sql");
  CHECK(connector.process().wait_exit(60s) == 4);
  CHECK(connector.process().find_line("replication slot cdc_it_gone").has_value());
  // Nothing was re-created behind the operator's back.
  CHECK(db.query_value("SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                       "'cdc_it_gone'") == "0");
}
