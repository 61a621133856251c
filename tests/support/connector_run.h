// retainly-cdc as the user runs it: a connector.yaml and mapping files in a scratch
// directory, the built binary started as a child process against the test PostgreSQL and
// a retainly-mock, and ways to stop it politely or not.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/mock_server.h"
#include "support/temp_dir.h"

namespace cdc::test {

struct ConnectorSetup {
  // Slot and publication name; tests use distinct ones so they can run side by side.
  std::string slot;
  // File name (e.g. "users.yaml") to mapping text.
  std::map<std::string, std::string> mappings;
  // libpq connection string; empty: the test server's CDC_TEST_PG_DSN.
  std::string dsn;
  // Retainly's base URL; empty: the mock's (whose key and secret are used either way).
  std::string sink_url;
  // More top-level YAML for connector.yaml, e.g. "metrics: 127.0.0.1:0\n".
  std::string extra_config;
  // source.snapshot: never (the default here), initial or always.
  std::string snapshot = "never";
  // More keys of its source section, indented: "  heartbeat_interval_ms: 0\n".
  std::string source_config;
  // More keys of its sink section, indented: "  max_pending_calls: 4\n".
  std::string sink_config;
  // Non-zero: a mysql source on the test MariaDB (CDC_TEST_MYSQL_*) with this server id,
  // instead of PostgreSQL; `slot` then only names the run in logs.
  uint32_t mysql_server_id = 0;
  // The MariaDB user and password; empty: CDC_TEST_MYSQL_USER / _PASSWORD.
  std::string mysql_user;
  std::string mysql_password;
  // Another MySQL server (e.g. tests/support/mysql_wire_server); empty / 0: the test
  // MariaDB's CDC_TEST_MYSQL_HOST / _PORT.
  std::string mysql_host;
  int mysql_port = 0;
  // Absolute state directory; empty: a "state" folder of its own. Two instances of an
  // HA pair on MySQL share one.
  std::filesystem::path state_dir;
  // The high_availability section: shorter than the defaults, so that a start does not
  // wait the default takeover delay (5 s) before it streams, yet with a lease long enough
  // that a lock check slowed by a loaded machine (a million-row transaction on two cores)
  // does not lapse it: a lease of 400 ms did, and the daemon stopped mid-test.
  std::string high_availability =
      "{check_interval_ms: 100, lease_ms: 1500, takeover_delay_ms: 1600}";
};

class ConnectorRun {
 public:
  ConnectorRun(const MockServer& mock, ConnectorSetup setup);
  ~ConnectorRun();

  // Starts `retainly-cdc run` and waits until it streams (from the slot or the binlog).
  // `options`: the process's, such as variables for this run alone.
  void start(ChildOptions options = {});
  // Starts `retainly-cdc run` and waits for a log line matching `pattern` (a standby's).
  void start_waiting_for(const std::string& pattern, ChildOptions options = {});
  // SIGKILL, no chance to acknowledge anything.
  void kill();
  // SIGTERM and the exit code.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  bool running() const { return process_ && process_->running(); }
  ChildProcess& process() { return *process_; }
  // The port the running daemon's `metrics: 127.0.0.1:0` listens on, from its log line.
  int metrics_port();
  const std::filesystem::path& config_path() const { return config_path_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  // A `retainly-cdc ARGS... -c connector.yaml` that is not the daemon (check, preview, run
  // --dry-run), started and left to the caller.
  std::unique_ptr<ChildProcess> command(std::vector<std::string> args) const;

 private:
  ConnectorSetup setup_;
  TempDir dir_;
  std::filesystem::path config_path_;
  std::filesystem::path state_dir_;
  std::unique_ptr<ChildProcess> process_;
};

// The mock's customers keyed by their id as text ("42" for 42 and "42" alike).
std::map<std::string, nlohmann::json> customers_by_id(const MockServer& mock);

// Records the mock applied for `endpoint` ("POST /customers"); 0 before the first.
long long records_applied(const MockServer& mock, const std::string& endpoint);

}  // namespace cdc::test
