// `retainly-cdc backfill` of a MariaDB source against retainly-mock: a million rows end
// equal to the table (after the mapping's `where`, with no insert events), a backfill
// killed midway resumes from its checkpoint re-reading at most what was in flight, and a
// row of every column type makes the same customer through backfill as through the
// binlog stream.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>

#include "mysql_every_type.h"
#include "support/connector_run.h"
#include "support/mysql_items.h"
#include "support/mysql_test_db.h"
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

// The rows the mapping's `where` keeps, as the mock should hold them.
std::map<std::string, json> expected_customers(MysqlTestDb& db, const std::string& database) {
  std::map<std::string, json> customers;
  for (const auto& row :
       db.query_json("SELECT id, name, n FROM " + database + ".items WHERE n < 90")) {
    const std::string id = row.at("id").get<std::string>();
    customers[id] = {{"id", std::stoll(id)},
                     {"name", row.at("name")},
                     {"n", std::stoll(row.at("n").get<std::string>())}};
  }
  return customers;
}

ConnectorSetup setup(const std::string& database, uint32_t server_id) {
  return {.slot = database,
          .mappings = {{"items.yaml", mysql_items_mapping(database)}},
          .extra_config = "backfill:\n  page_rows: " + std::to_string(kPageRows) + "\n",
          .snapshot = "never",
          .mysql_server_id = server_id};
}

json checkpoint(const ConnectorRun& connector, const std::string& table) {
  return cdc::test::stored_checkpoint(connector.state_dir(), table);
}

long long count(MysqlTestDb& db, const std::string& sql) {
  return std::stoll(db.query_value(sql).value_or("0"));
}

}  // namespace

TEST_CASE("mysql backfill: a million rows end equal to the table, without insert events") {
  MysqlTestDb db;
  create_mysql_items(db, "mybf_million", 1'000'000);
  MockServer mock;
  ConnectorRun connector(mock, setup("mybf_million", 5321));
  const auto started = std::chrono::steady_clock::now();
  auto backfill = connector.command({"backfill"});
  REQUIRE(backfill->wait_exit(300s) == 0);
  const std::string summary = backfill->stdout_text();
  MESSAGE(summary << "in " << (std::chrono::steady_clock::now() - started) / 1ms << " ms");
  CHECK(summary.find("1000000 rows read") != std::string::npos);
  CHECK(customers_by_id(mock) == expected_customers(db, "mybf_million"));
  // Rows that existed were not just created. (The stats, not a second copy of the whole
  // state: fetching and parsing that takes seconds.)
  CHECK(records_applied(mock, "POST /events") == 0);
  CHECK(checkpoint(connector, "mybf_million.items").at("done") == true);
}

TEST_CASE("mysql backfill: killed midway, --resume ends equal, re-reading a bounded tail") {
  MysqlTestDb db;
  create_mysql_items(db, "mybf_resume", 200'000);
  MockServer mock({.extra_args = {"--latency-ms", "20"}});
  ConnectorRun connector(mock, setup("mybf_resume", 5322));
  auto first = connector.command({"backfill"});
  wait_until(
      [&] {
        const json state = checkpoint(connector, "mybf_resume.items");
        return state.is_object() && state.at("rows").get<int>() >= 100'000;
      },
      120s, "the backfill to checkpoint 100,000 rows");
  first->signal(SIGKILL);
  CHECK(first->wait_exit(30s) == 128 + SIGKILL);
  const json killed_at = checkpoint(connector, "mybf_resume.items");
  const auto delivered_before = static_cast<long long>(customers_by_id(mock).size());
  const auto checkpointed = killed_at.at("rows").get<long long>();
  CHECK(killed_at.at("done") == false);
  CHECK(checkpointed < 200'000);
  // `status` says where each table's backfill stands (its exit code is about the stream).
  const auto backfill_status = [&] {
    auto status = connector.command({"status", "--json"});
    status->wait_exit(60s);
    return json::parse(status->stdout_text()).at("backfill").at("mybf_resume.items");
  };
  CHECK(backfill_status() == json{{"rows", checkpointed}, {"done", false}});

  auto resumed = connector.command({"backfill", "--resume"});
  REQUIRE(resumed->wait_exit(300s) == 0);
  CHECK(customers_by_id(mock) == expected_customers(db, "mybf_resume"));
  CHECK(backfill_status() == json{{"rows", 200'000}, {"done", true}});
  // Rows the mapping kept that were delivered before the kill but after the checkpoint
  // are the ones sent twice; rows it filters out count toward the page but not here.
  const std::string last_key = killed_at.at("last_key").at(0).get<std::string>();
  const long long kept_since_checkpoint =
      count(db, "SELECT count(*) FROM mybf_resume.items WHERE n < 90 AND id > " + last_key);
  const long long kept_total = count(db, "SELECT count(*) FROM mybf_resume.items WHERE n < 90");
  const long long reread = delivered_before - (kept_total - kept_since_checkpoint);
  MESSAGE("killed after " << checkpointed << " checkpointed rows; " << reread
                          << " delivered rows read again");
  CHECK(reread >= 0);
  CHECK(reread <= kMaxReread);
  CHECK(resumed->stdout_text().find(std::to_string(200'000 - checkpointed) + " rows read") !=
        std::string::npos);
}

TEST_CASE("mysql backfill: every column type gives the customers the binlog stream gives") {
  MysqlTestDb db;
  const std::string database = db.fresh_database("mybf_types");
  db.exec(every_type::create_table(database));
  const std::map<std::string, std::string> mappings = {
      {"every_type.yaml", every_type::mapping(database)}};

  // The stream: rows inserted once the connector reads the binlog.
  MockServer streamed_mock;
  ConnectorRun streaming(streamed_mock,
                         {.slot = "mybf_types", .mappings = mappings, .mysql_server_id = 5323});
  streaming.start();
  db.exec(every_type::insert_rows(database));
  wait_until([&] { return customers_by_id(streamed_mock).size() == every_type::kRows; }, 60s,
             "the stream to deliver every row");
  CHECK(streaming.terminate() == 0);

  // The backfill of the same rows, into a mock of its own.
  MockServer backfilled_mock;
  ConnectorRun backfilling(backfilled_mock,
                           {.slot = "mybf_types", .mappings = mappings, .mysql_server_id = 5324});
  auto backfill = backfilling.command({"backfill"});
  REQUIRE(backfill->wait_exit(60s) == 0);
  CHECK(backfill->stdout_text().find("0 dead letters") != std::string::npos);

  const auto streamed = customers_by_id(streamed_mock);
  const auto backfilled = customers_by_id(backfilled_mock);
  CHECK(streamed.size() == every_type::kRows);
  CHECK(backfilled.size() == streamed.size());
  for (const auto& [id, customer] : streamed) {
    INFO("customer " << id << "\n  stream:   " << customer.dump() << "\n  backfill: "
                     << (backfilled.contains(id) ? backfilled.at(id).dump() : "nothing"));
    CHECK(backfilled.contains(id));
    if (backfilled.contains(id)) CHECK(backfilled.at(id) == customer);
  }
  CHECK(records_applied(backfilled_mock, "POST /events") == 0);
}
