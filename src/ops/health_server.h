// The daemon's local HTTP endpoint (config `metrics: host:port`): GET /metrics in the
// Prometheus text format, GET /healthz (the process answers) and GET /readyz (200 when
// the daemon streams and Retainly answers, 503 with the reason otherwise).
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace cdc::ops {

struct Readiness {
  bool ready = false;
  std::string reason;  // why not, for the 503 body and logs
  std::string detail;  // when ready: what an operator should still know, for the 200 body
};

struct HealthHandlers {
  // Called on the server's threads for each scrape / probe; must be thread-safe.
  std::function<std::string()> metrics;
  std::function<Readiness()> readiness;
};

class HealthServer {
 public:
  // Binds `address` ("127.0.0.1:9464", "[::1]:9464", port 0 for any free port) and
  // serves on a thread of its own. Throws std::runtime_error naming the address when it
  // cannot bind.
  HealthServer(const std::string& address, HealthHandlers handlers);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:9464" for IPv6). Throws std::invalid_argument.
std::pair<std::string, int> split_host_port(const std::string& address);

}  // namespace cdc::ops
