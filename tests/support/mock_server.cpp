#include "support/mock_server.h"

#include <httplib.h>
#include <signal.h>

#include <stdexcept>
#include <utility>

#include "support/test_env.h"
#include "support/wait_until.h"

namespace cdc::test {
namespace {

std::vector<std::string> mock_args(const MockOptions& options) {
  std::vector<std::string> args = {"--listen",  "127.0.0.1:0", "--key",
                                   options.key, "--secret",    options.secret};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  return args;
}

}  // namespace

MockServer::MockServer(MockOptions options)
    : options_(std::move(options)), process_(mock_binary(), mock_args(options_)) {
  auto line = process_.wait_for_line(R"(^listening on [^ ]+:([0-9]+)$)", std::chrono::seconds(20));
  port_ = std::stoi(line.groups.at(1));
}

MockServer::~MockServer() {
  process_.signal(SIGTERM);
  // A destructor cannot fail the test; a mock that ignores SIGTERM is killed by the
  // ChildProcess destructor.
  poll_until([this] { return !process_.running(); }, std::chrono::seconds(2));
}

std::string MockServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

nlohmann::json MockServer::request(const std::string& method, const std::string& path,
                                   const std::string& body) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(30));
  httplib::Result result = method == "GET" ? client.Get(path.c_str())
                                           : client.Post(path.c_str(), body, "application/json");
  if (!result) {
    throw std::runtime_error("retainly-mock " + method + " " + path +
                             " failed: " + httplib::to_string(result.error()));
  }
  if (result->status < 200 || result->status > 299) {
    throw std::runtime_error("retainly-mock " + method + " " + path + " answered " +
                             std::to_string(result->status) + ": " + result->body);
  }
  try {
    return nlohmann::json::parse(result->body);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error("retainly-mock " + method + " " + path +
                             " answered no JSON: " + error.what());
  }
}

nlohmann::json MockServer::state() const { return request("GET", "/_state", ""); }

nlohmann::json MockServer::stats() const { return request("GET", "/_stats", ""); }

void MockServer::reset() const { request("POST", "/_reset", "{}"); }

void MockServer::upsert_customers(const nlohmann::json& customers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(30));
  const httplib::Headers headers = {{"key", options_.key}, {"secret", options_.secret}};
  const nlohmann::json body = {{"customers", customers}};
  auto result = client.Post("/customers", headers, body.dump(), "application/json");
  if (!result || result->status != 200) {
    throw std::runtime_error("retainly-mock POST /customers failed: " +
                             (result ? std::to_string(result->status) + " " + result->body
                                     : httplib::to_string(result.error())));
  }
}

nlohmann::json MockServer::set_faults(const nlohmann::json& faults) const {
  return request("POST", "/_faults", faults.dump());
}

}  // namespace cdc::test
