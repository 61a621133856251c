// The shipped Grafana dashboard and Prometheus alert rules (monitoring/) name only
// metrics a running daemon exports: a renamed or dropped metric would leave a panel
// empty or an alert silent without anyone noticing.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "support/connector_run.h"
#include "support/health_probe.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_monitoring";

constexpr const char* kMapping = R"yaml(table: pgit_monitoring.accounts
customer:
  id: id
  fields: { name: name }
  on_delete: delete
)yaml";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every retainly_cdc_* name in the shipped monitoring files.
std::set<std::string> names_in_monitoring_files() {
  std::set<std::string> names;
  const std::regex name(R"(retainly_cdc_[a-z_]+)");
  for (const char* file : {"grafana-dashboard.json", "prometheus-alerts.yml"}) {
    const std::string text = read_file(std::string(CDC_MONITORING_DIR) + "/" + file);
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
      names.insert(it->str());
    }
  }
  return names;
}

// The sample names (before any `{` or value) of a metrics text.
std::set<std::string> sample_names(const std::string& metrics) {
  std::set<std::string> names;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

std::set<std::string> missing(const std::set<std::string>& wanted,
                              const std::set<std::string>& have) {
  std::set<std::string> out;
  for (const auto& name : wanted) {
    if (!have.count(name)) out.insert(name);
  }
  return out;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

TEST_CASE("monitoring: the dashboard and the alert rules name only metrics the daemon exports") {
  const auto wanted = names_in_monitoring_files();
  REQUIRE(wanted.size() >= 15);  // the files were read and hold what they should
  CHECK(wanted.count("retainly_cdc_source_lag_seconds") == 1);

  PgTestDb db;
  db.drop_replication_objects(kSlot);
  // The slot's WAL figures include how much may still be written before the server drops
  // WAL the slot needs, which PostgreSQL reports only under a limit.
  db.exec("ALTER SYSTEM SET max_slot_wal_keep_size = '10GB'");
  db.exec("SELECT pg_reload_conf()");
  struct ResetLimit {
    PgTestDb& db;
    ~ResetLimit() {
      db.exec("ALTER SYSTEM RESET max_slot_wal_keep_size");
      db.exec("SELECT pg_reload_conf()");
    }
  } reset_limit{db};
  db.fresh_schema("pgit_monitoring");
  db.exec("CREATE TABLE pgit_monitoring.accounts (id bigint PRIMARY KEY, name text)");
  // Rows for the initial snapshot, whose progress the dashboard shows.
  db.exec("INSERT INTO pgit_monitoring.accounts SELECT g, 'a' || g FROM generate_series(1, 40) g");
  db.exec("ANALYZE pgit_monitoring.accounts");

  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"accounts.yaml", kMapping}},
                                .extra_config = "metrics: 127.0.0.1:0\n",
                                .snapshot = "initial"});
  connector.start();
  const int port = connector.metrics_port();
  db.exec("INSERT INTO pgit_monitoring.accounts SELECT g, 'b' || g FROM generate_series(41, 50) g");
  db.exec("DELETE FROM pgit_monitoring.accounts WHERE id = 50");

  std::set<std::string> absent = wanted;
  wait_until(
      [&] {
        absent = missing(wanted, sample_names(http_get(port, "/metrics").body));
        return absent.empty() &&
               metric(port, "retainly_cdc_snapshot_done{table=\"pgit_monitoring.accounts\"}") == 1;
      },
      90s, "every metric the monitoring files name");
  INFO("not exported: " << join(absent));
  CHECK(absent.empty());

  // The new figures hold what they say: 40 snapshot rows, 10 inserts and a delete make at
  // least 51 calls for the table (a snapshot chunk read after an insert sends that row
  // again).
  const std::string calls = "retainly_cdc_calls_total{table=\"pgit_monitoring.accounts\"}";
  double counted = -1;
  INFO("calls counted: " << counted);
  wait_until(
      [&] {
        counted = metric(port, calls);
        return counted >= 51;
      },
      30s, "51 calls counted for the table");
  CHECK(counted >= 51);
  CHECK(metric(port, "retainly_cdc_ready") == 1);
  CHECK(metric(port, "retainly_cdc_source_retained_bytes") > 0);
  const double safe = metric(port, "retainly_cdc_source_safe_bytes");
  INFO("safe_wal_size: " << safe);
  CHECK(safe > 0);
  // About max_slot_wal_keep_size: PostgreSQL counts from the start of the current WAL
  // segment, so it may exceed the setting by up to a segment or so.
  CHECK(safe < 11.0 * 1024 * 1024 * 1024);
  CHECK(connector.terminate() == 0);
}
