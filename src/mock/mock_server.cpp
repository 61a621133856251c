#include "mock/mock_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <random>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "mock/api_handler.h"
#include "mock/socket_lookup.h"

namespace cdc::mock {
namespace {

using nlohmann::json;

// Far above the 5 the packaged cpp-httplib uses, so a connector opening its connection
// pool at once is never left waiting for a SYN retransmission.
constexpr int kListenBacklog = 1024;
// cpp-httplib closes a keep-alive connection after 5 requests by default; a connector
// sends thousands per connection.
constexpr size_t kKeepAliveMaxRequests = 1'000'000'000;

void write_answer(const Answer& answer, httplib::Response& response) {
  response.status = answer.status;
  for (const auto& [name, value] : answer.headers) response.set_header(name, value);
  if (!answer.body.empty()) response.set_content(answer.body, answer.content_type);
}

void write_json(int status, const json& body, httplib::Response& response) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

std::string error_text(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 413:
      return "payload too large";
    default:
      return "error " + std::to_string(status);
  }
}

FaultPolicy::Random random_source(const std::optional<uint64_t>& seed) {
  return FaultPolicy::seeded_random(seed ? *seed : std::random_device{}());
}

MockOptions checked(MockOptions options) {
  check_fault_settings(options.faults);
  if (options.threads == 0) throw std::invalid_argument("threads must be at least 1");
  return options;
}

}  // namespace

struct MockServer::Http {
  explicit Http(MockServer& owner_server) : owner(owner_server) {}

  void install_routes();
  void serve_api(ApiEndpoint endpoint, const httplib::Request& request,
                 httplib::Response& response);
  bool authorized(const httplib::Request& request) const;
  void drop(const httplib::Request& request, httplib::Response& response);
  void update_faults(const httplib::Request& request, httplib::Response& response);

  MockServer& owner;
  httplib::Server server;
};

void MockServer::Http::install_routes() {
  auto api = [this](ApiEndpoint endpoint) {
    return [this, endpoint](const httplib::Request& request, httplib::Response& response) {
      serve_api(endpoint, request, response);
    };
  };
  server.Post("/customers", api(ApiEndpoint::kUpsertCustomers));
  server.Post("/arrays", api(ApiEndpoint::kUpsertArrays));
  server.Delete("/customers", api(ApiEndpoint::kDeleteCustomers));
  server.Delete("/arrays", api(ApiEndpoint::kDeleteArrays));
  server.Post("/events", api(ApiEndpoint::kCreateEvent));

  server.Get("/_state", [this](const httplib::Request&, httplib::Response& response) {
    write_json(200, owner.store_.snapshot(), response);
  });
  server.Get("/_stats", [this](const httplib::Request&, httplib::Response& response) {
    write_json(200, owner.stats_.to_json(), response);
  });
  server.Post("/_reset", [this](const httplib::Request&, httplib::Response& response) {
    owner.store_.clear();
    owner.stats_.clear();
    write_json(200, json{{"message", "reset"}}, response);
  });
  server.Get("/_faults", [this](const httplib::Request&, httplib::Response& response) {
    write_json(200, to_json(owner.faults_.settings()), response);
  });
  server.Post("/_faults", [this](const httplib::Request& request, httplib::Response& response) {
    update_faults(request, response);
  });

  // Answers cpp-httplib makes itself (404, 413, 400 on a malformed request) get a JSON
  // body like every other error, and count in /_stats when they answer an API endpoint.
  // Answers that already have a body come from our handlers and are left alone.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (auto endpoint = api_endpoint_for(request.method, request.path)) {
          owner.stats_.count_request(to_string(*endpoint), response.status);
        }
        write_json(response.status, json{{"message", error_text(response.status)}}, response);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

void MockServer::Http::serve_api(ApiEndpoint endpoint, const httplib::Request& request,
                                 httplib::Response& response) {
  const std::string name = to_string(endpoint);
  FaultDecision fault = owner.faults_.decide();
  owner.wait_latency(fault.latency);

  Answer answer;
  switch (fault.kind) {
    case FaultKind::kDropped:
      owner.stats_.count_request(name, Stats::kDropped);
      drop(request, response);
      return;
    case FaultKind::kForced:
    case FaultKind::kRateLimited:
    case FaultKind::kFailed:
      answer = status_answer(endpoint, fault.status);
      break;
    case FaultKind::kNone: {
      const FaultSettings settings = owner.faults_.settings();
      if (!authorized(request) || settings.revoke_credentials) {
        answer = unauthorized_answer(endpoint);
      } else if (owner.options_.count_only) {
        answer = count_only_answer(endpoint, request.body);
      } else {
        answer = handle_api_request(endpoint, request.body, owner.store_, settings.refuse_value);
      }
      break;
    }
  }
  owner.stats_.count_request(name, answer.status);
  if (answer.applied > 0) owner.stats_.count_applied(name, answer.applied);
  write_answer(answer, response);
}

bool MockServer::Http::authorized(const httplib::Request& request) const {
  return request.has_header(owner.options_.key_header.c_str()) &&
         request.has_header(owner.options_.secret_header.c_str()) &&
         request.get_header_value(owner.options_.key_header.c_str()) == owner.options_.key &&
         request.get_header_value(owner.options_.secret_header.c_str()) == owner.options_.secret;
}

void MockServer::Http::drop(const httplib::Request& request, httplib::Response& response) {
  if (shutdown_connection(owner.port_, request.remote_addr, request.remote_port)) {
    // cpp-httplib's write of this answer now fails and it closes the socket: the client
    // gets no status line at all. A success status keeps the error handler out of it.
    response.status = 200;
    return;
  }
  // The socket was not found (should not happen): end the connection right after the
  // headers instead, which a client also sees as a broken answer.
  response.set_content_provider(1, "application/json",
                                [](size_t, size_t, httplib::DataSink&) { return false; });
}

void MockServer::Http::update_faults(const httplib::Request& request, httplib::Response& response) {
  json patch = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    write_json(400, json{{"message", "faults must be a JSON object"}}, response);
    return;
  }
  try {
    owner.faults_.set_settings(patch_fault_settings(owner.faults_.settings(), patch));
  } catch (const std::invalid_argument& error) {
    // A test's typo: answer it so the test fails loudly; the settings stay as they were.
    write_json(400, json{{"message", error.what()}}, response);
    return;
  }
  write_json(200, to_json(owner.faults_.settings()), response);
}

MockServer::MockServer(MockOptions options)
    : options_(checked(std::move(options))),
      faults_(options_.faults, random_source(options_.seed),
              [] { return std::chrono::steady_clock::now(); }),
      http_(std::make_unique<Http>(*this)) {
  httplib::Server& server = http_->server;
  const size_t threads = options_.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options_.max_body_bytes);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second mock bind the same
  // port and silently take half the connections. SO_REUSEADDR alone still allows a quick
  // restart on the port.
  server.set_socket_options([](socket_t socket) {
    int on = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  });
  http_->install_routes();
}

MockServer::~MockServer() { stop(); }

int MockServer::start(std::function<void()> on_unexpected_stop) {
  httplib::Server& server = http_->server;
  if (options_.port == 0) {
    port_ = server.bind_to_any_port(options_.host);
  } else {
    port_ = server.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    port_ = 0;
    throw std::runtime_error("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) +
                             " (address in use, or not a local address)");
  }
  widen_listen_backlog(port_, kListenBacklog);

  serving_ = std::thread([this, on_unexpected_stop = std::move(on_unexpected_stop)] {
    http_->server.listen_after_bind();
    serving_ended_ = true;
    bool stopping = false;
    {
      std::lock_guard lock(stop_mutex_);
      stopping = stopping_;
    }
    if (!stopping && on_unexpected_stop) on_unexpected_stop();
  });
  // cpp-httplib's stop() does nothing until its accept loop runs; wait for the loop so a
  // stop() right after start() is never lost. Connections made meanwhile wait in the
  // backlog, so the port is usable as soon as bind succeeded.
  while (!server.is_running() && !serving_ended_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return port_;
}

void MockServer::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  http_->server.stop();
  // Connections idling in keep-alive would hold their worker, and so the shutdown, until
  // the keep-alive timeout; ending their reading side releases them now.
  if (port_ != 0 && serving_.joinable()) shutdown_reading(port_);
  if (serving_.joinable()) serving_.join();
}

void MockServer::wait_latency(std::chrono::milliseconds latency) {
  if (latency.count() <= 0) return;
  std::unique_lock lock(stop_mutex_);
  stop_signal_.wait_for(lock, latency, [this] { return stopping_; });
}

}  // namespace cdc::mock
