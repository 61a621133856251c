// `retainly-cdc backfill` against real PostgreSQL and retainly-mock: a million rows end
// equal to the table (after the mapping's `where`, with no insert events), and a backfill
// killed midway resumes from its checkpoint, re-reading at most the page in flight.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fstream>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

constexpr int kPageRows = 5000;

std::string mapping(const std::string& schema) {
  return "table: " + schema + R"(.items
where: n < 90
customer:
  id: id
  fields: { name: name, n: n }
events:
  - name: item_created
    on: insert
    data: { name: name }
)";
}

void create_items(PgTestDb& db, const std::string& schema, int rows) {
  db.fresh_schema(schema);
  db.exec("CREATE TABLE " + schema +
          ".items (id bigint PRIMARY KEY, name text NOT NULL, n int NOT NULL)");
  db.exec("INSERT INTO " + schema +
          ".items SELECT g, 'item ' || g, g % 97 FROM generate_series(1, " + std::to_string(rows) +
          ") g");
  db.exec("ANALYZE " + schema + ".items");
}

// The rows the mapping's `where` keeps, as the mock should hold them.
std::map<std::string, json> expected_customers(PgTestDb& db, const std::string& schema) {
  std::map<std::string, json> expected;
  const json rows = json::parse(*db.query_value(
      "SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'n', n)), '[]')::text "
      "FROM " +
      schema + ".items WHERE n < 90"));
  for (const auto& row : rows) expected[row.at("id").dump()] = row;
  return expected;
}

ConnectorSetup setup(const std::string& schema) {
  return {.slot = "cdc_it_backfill",
          .mappings = {{"items.yaml", mapping(schema)}},
          .extra_config = "backfill:\n  page_rows: " + std::to_string(kPageRows) + "\n"};
}

json checkpoint(const ConnectorRun& connector, const std::string& table) {
  std::ifstream in(connector.state_dir() / "backfill" / (table + ".json"));
  if (!in) return nullptr;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

TEST_CASE("backfill: a million rows end equal to the table, without insert events") {
  PgTestDb db;
  create_items(db, "pgit_backfill", 1'000'000);
  MockServer mock;
  ConnectorRun connector(mock, setup("pgit_backfill"));
  auto backfill = connector.command({"backfill"});
  REQUIRE(backfill->wait_exit(300s) == 0);
  const std::string summary = backfill->stdout_text();
  MESSAGE(summary);
  CHECK(summary.find("1000000 rows read") != std::string::npos);
  CHECK(customers_by_id(mock) == expected_customers(db, "pgit_backfill"));
  CHECK(mock.state().at("events").empty());  // rows that existed were not just created
  CHECK(checkpoint(connector, "pgit_backfill.items").at("done") == true);
}

TEST_CASE("backfill: killed midway, --resume ends equal and re-reads at most one page") {
  PgTestDb db;
  create_items(db, "pgit_resume", 200'000);
  MockServer mock({.extra_args = {"--latency-ms", "20"}});
  ConnectorRun connector(mock, setup("pgit_resume"));
  auto first = connector.command({"backfill"});
  wait_until(
      [&] {
        const json state = checkpoint(connector, "pgit_resume.items");
        return state.is_object() && state.at("rows").get<int>() >= 50'000;
      },
      120s, "the backfill to checkpoint 50,000 rows");
  first->signal(SIGKILL);
  CHECK(first->wait_exit(30s) == 128 + SIGKILL);
  const json killed_at = checkpoint(connector, "pgit_resume.items");
  const auto delivered_before = static_cast<long long>(customers_by_id(mock).size());
  const auto checkpointed = killed_at.at("rows").get<long long>();
  CHECK(killed_at.at("done") == false);

  auto resumed = connector.command({"backfill", "--resume"});
  REQUIRE(resumed->wait_exit(300s) == 0);
  CHECK(customers_by_id(mock) == expected_customers(db, "pgit_resume"));
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
  CHECK(reread <= kPageRows);
  CHECK(resumed->stdout_text().find(std::to_string(200'000 - checkpointed) + " rows read") !=
        std::string::npos);
}
