// The built retainly-mock as a child process on a free loopback port, with typed access
// to its test endpoints (/_state, /_reset, /_faults, /_stats).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace cdc::test {

struct MockOptions {
  std::string key = "test-key";
  std::string secret = "test-secret";
  // More flags, e.g. {"--fail-rate", "0.2", "--seed", "7"}.
  std::vector<std::string> extra_args;
};

// Starts `retainly-mock --listen 127.0.0.1:0 --key K --secret S ...` and waits for its
// `listening on` line; fails the test case if it does not come. The destructor sends
// SIGTERM and waits a little, then the child is killed. The HTTP helpers throw
// std::runtime_error when the mock does not answer 2xx with JSON.
class MockServer {
 public:
  explicit MockServer(MockOptions options = {});
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT", what a connector config's sink.url takes.
  std::string url() const;
  const std::string& key() const { return options_.key; }
  const std::string& secret() const { return options_.secret; }

  // GET /_state: {"customers": {id: fields}, "events": [...]}.
  nlohmann::json state() const;
  // GET /_stats: request counts per endpoint and status.
  nlohmann::json stats() const;
  // POST /_reset: forget every customer, event and count.
  void reset() const;
  // POST /_faults with e.g. {"fail_rate": 0.5, "latency_ms": 20}; returns the new settings.
  nlohmann::json set_faults(const nlohmann::json& faults) const;

  // POST /customers with the credentials, as another integration or Retainly's UI would
  // change customers outside the connector.
  void upsert_customers(const nlohmann::json& customers) const;

  ChildProcess& process() { return process_; }

 private:
  nlohmann::json request(const std::string& method, const std::string& path,
                         const std::string& body) const;

  MockOptions options_;
  ChildProcess process_;
  int port_ = 0;
};

}  // namespace cdc::test
