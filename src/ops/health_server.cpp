#include "ops/health_server.h"

#include <httplib.h>

#include <stdexcept>
#include <thread>

#include "core/thread_name.h"

namespace cdc::ops {

std::pair<std::string, int> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    throw std::invalid_argument("expected host:port, found \"" + address + "\"");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = address.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) {
    throw std::invalid_argument("expected a port number after ':', found \"" + port_text + "\"");
  }
  const int port = std::stoi(port_text);
  if (port > 65535) throw std::invalid_argument("port " + port_text + " is above 65535");
  return {host, port};
}

struct HealthServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

HealthServer::HealthServer(const std::string& address, HealthHandlers handlers)
    : impl_(std::make_unique<Impl>()) {
  const auto [host, port] = split_host_port(address);
  auto& server = impl_->server;
  server.Get("/metrics",
             [metrics = handlers.metrics](const httplib::Request&, httplib::Response& response) {
               response.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
             });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [readiness = handlers.readiness](const httplib::Request&,
                                                         httplib::Response& response) {
    const Readiness state = readiness();
    response.status = state.ready ? 200 : 503;
    const std::string ready = state.detail.empty() ? "ready\n" : "ready; " + state.detail + "\n";
    response.set_content(state.ready ? ready : "not ready: " + state.reason + "\n", "text/plain");
  });
  impl_->port =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (impl_->port <= 0) {
    throw std::runtime_error("metrics: cannot listen on " + address +
                             " (address in use, or not a local address?)");
  }
  impl_->thread = std::thread([this] {
    name_this_thread("cdc-http");  // its pool's threads inherit the name
    impl_->server.listen_after_bind();
  });
}

HealthServer::~HealthServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int HealthServer::port() const { return impl_->port; }

}  // namespace cdc::ops
