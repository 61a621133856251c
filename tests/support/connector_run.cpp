#include "support/connector_run.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <utility>

#include "support/test_env.h"

namespace cdc::test {
namespace {

// A YAML scalar that survives any character: JSON's string syntax is valid YAML.
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

ConnectorRun::ConnectorRun(const MockServer& mock, ConnectorSetup setup)
    : setup_(std::move(setup)), dir_("connector") {
  for (const auto& [name, text] : setup_.mappings) dir_.write_file("mappings/" + name, text);
  state_dir_ = setup_.state_dir.empty() ? dir_.path() / "state" : setup_.state_dir;
  const std::string url = setup_.sink_url.empty() ? mock.url() : setup_.sink_url;
  std::string config;
  config += "source:\n";
  if (setup_.mysql_server_id != 0) {
    config += "  type: mysql\n";
    const bool own_server = !setup_.mysql_host.empty();
    config +=
        "  host: " + quoted(own_server ? setup_.mysql_host : test_env("CDC_TEST_MYSQL_HOST")) +
        "\n";
    config += "  port: " +
              (own_server ? std::to_string(setup_.mysql_port) : test_env("CDC_TEST_MYSQL_PORT")) +
              "\n";
    const bool own_user = !setup_.mysql_user.empty();
    config +=
        "  user: " + quoted(own_user ? setup_.mysql_user : test_env("CDC_TEST_MYSQL_USER")) + "\n";
    config += "  password: " +
              quoted(own_user ? setup_.mysql_password : test_env("CDC_TEST_MYSQL_PASSWORD")) + "\n";
    config += "  server_id: " + std::to_string(setup_.mysql_server_id) + "\n";
  } else {
    const std::string dsn = setup_.dsn.empty() ? test_env("CDC_TEST_PG_DSN") : setup_.dsn;
    config += "  type: postgres\n";
    config += "  dsn: " + quoted(dsn) + "\n";
    config += "  slot: " + setup_.slot + "\n";
    config += "  publication: " + setup_.slot + "\n";
  }
  config += "  snapshot: " + setup_.snapshot + "\n";
  config += setup_.source_config;
  config += "sink:\n";
  config += "  url: " + quoted(url) + "\n";
  config += "  key: " + quoted(mock.key()) + "\n";
  config += "  secret: " + quoted(mock.secret()) + "\n";
  config += "  flush_interval_ms: 20\n";
  config += setup_.sink_config;
  config += "mappings: mappings\n";
  config += "state_dir: " + quoted(state_dir_.string()) + "\n";
  if (!setup_.high_availability.empty()) {
    config += "high_availability: " + setup_.high_availability + "\n";
  }
  config += "log:\n";
  config += "  format: text\n";
  config += setup_.extra_config;
  config_path_ = dir_.write_file("connector.yaml", config);
}

ConnectorRun::~ConnectorRun() = default;

void ConnectorRun::start(ChildOptions options) {
  start_waiting_for(setup_.mysql_server_id != 0 ? "streaming the binlog of"
                                                : "streaming from slot " + setup_.slot,
                    std::move(options));
}

void ConnectorRun::start_waiting_for(const std::string& pattern, ChildOptions options) {
  process_ = std::make_unique<ChildProcess>(
      cli_binary(), std::vector<std::string>{"run", "-c", config_path_.string()},
      std::move(options));
  process_->wait_for_line(pattern, std::chrono::seconds(60));
}

int ConnectorRun::metrics_port() {
  // Logged before streaming starts, so start() has seen it go by.
  const auto line = process_->wait_for_line(R"(metrics on http://127\.0\.0\.1:(\d+)/metrics)",
                                            std::chrono::seconds(10));
  return std::stoi(line.groups.at(1));
}

std::unique_ptr<ChildProcess> ConnectorRun::command(std::vector<std::string> args) const {
  args.push_back("-c");
  args.push_back(config_path_.string());
  return std::make_unique<ChildProcess>(cli_binary(), std::move(args));
}

void ConnectorRun::kill() {
  REQUIRE(process_);
  process_->signal(SIGKILL);
  CHECK(process_->wait_exit(std::chrono::seconds(30)) == 128 + SIGKILL);
}

int ConnectorRun::terminate(std::chrono::milliseconds timeout) {
  REQUIRE(process_);
  process_->signal(SIGTERM);
  return process_->wait_exit(timeout);
}

std::map<std::string, nlohmann::json> customers_by_id(const MockServer& mock) {
  std::map<std::string, nlohmann::json> customers;
  const auto state = mock.state();
  for (const auto& [key, customer] : state.at("customers").items()) {
    const auto& id = customer.at("id");
    customers[id.is_string() ? id.get<std::string>() : id.dump()] = customer;
  }
  return customers;
}

long long records_applied(const MockServer& mock, const std::string& endpoint) {
  const auto stats = mock.stats();
  const auto& applied = stats.at("records_applied");
  auto it = applied.find(endpoint);
  return it == applied.end() ? 0 : it->get<long long>();
}

}  // namespace cdc::test
