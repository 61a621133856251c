// HttpTransport against a real loopback HTTP server (cpp-httplib) in this process.
#include "retainly/http_transport.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

using namespace cdc::retainly;
using namespace std::chrono_literals;

namespace {

class LoopbackServer {
 public:
  // `requests_per_connection`: the server closes a connection after that many.
  explicit LoopbackServer(int requests_per_connection = 1000) {
    server_.Post("/customers",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   record(request);
                   response.status = 200;
                   response.set_content(R"("OK")", "application/json");
                 });
    server_.Delete("/customers",
                   [this](const httplib::Request& request, httplib::Response& response) {
                     record(request);
                     response.status = 429;
                     response.set_header("Retry-After", "3");
                     response.set_content(R"({"message":"slow down"})", "application/json");
                   });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& response) {
      release_.wait();
      response.status = 200;
    });
    server_.set_keep_alive_max_count(requests_per_connection);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackServer() {
    released_.set_value();
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  struct Seen {
    std::string method, body, key, secret, content_type;
    int remote_port;
  };
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void record(const httplib::Request& request) {
    std::lock_guard lock(mutex_);
    seen_.push_back({request.method, request.body, request.get_header_value("key"),
                     request.get_header_value("secret"), request.get_header_value("Content-Type"),
                     request.remote_port});
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
  std::promise<void> released_;
  std::shared_future<void> release_ = released_.get_future().share();
};

const std::vector<HttpHeader> kHeaders = {
    {"key", "the-key"}, {"secret", "the-secret-value"}, {"Content-Type", "application/json"}};

// Polls until `count` responses arrived (or a generous deadline, to fail not hang).
std::vector<HttpResponse> collect(HttpTransport& transport, size_t count) {
  std::vector<HttpResponse> done;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (done.size() < count && std::chrono::steady_clock::now() < give_up) {
    transport.poll(100ms, done);
  }
  return done;
}

HttpRequest request(const char* method, std::string_view path, std::string_view body) {
  HttpRequest http;
  http.method = method;
  http.path = path;
  http.body = body;
  http.headers = kHeaders;
  return http;
}

}  // namespace

TEST_CASE("http transport: sends method, path, headers and body; returns status and body") {
  LoopbackServer server;
  HttpTransport transport({server.url(), 10s, 4, true, ""});
  const std::string body = R"({"customers":[{"id":1}]})";
  const uint64_t id = transport.start(request("POST", "/customers", body));
  auto done = collect(transport, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == id);
  CHECK(done[0].error == TransportError::kNone);
  CHECK(done[0].status == 200);
  CHECK(done[0].body == R"("OK")");
  auto seen = server.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == body);
  CHECK(seen[0].key == "the-key");
  CHECK(seen[0].secret == "the-secret-value");
  CHECK(seen[0].content_type == "application/json");
}

TEST_CASE("http transport: DELETE carries its body; Retry-After is returned") {
  LoopbackServer server;
  HttpTransport transport({server.url(), 10s, 4, true, ""});
  const std::string body = R"({"customers_ids":[1]})";
  transport.start(request("DELETE", "/customers", body));
  auto done = collect(transport, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].status == 429);
  CHECK(done[0].retry_after == "3");
  REQUIRE(server.seen().size() == 1);
  CHECK(server.seen()[0].method == "DELETE");
  CHECK(server.seen()[0].body == body);
}

TEST_CASE("http transport: many requests at once, over kept-alive connections") {
  LoopbackServer server;
  HttpTransport transport({server.url(), 10s, 2, true, ""});
  const std::string body = R"({"customers":[{"id":1}]})";
  for (int round = 0; round < 3; ++round) {
    std::set<uint64_t> ids;
    for (int i = 0; i < 6; ++i) ids.insert(transport.start(request("POST", "/customers", body)));
    auto done = collect(transport, 6);
    REQUIRE(done.size() == 6);
    for (const auto& response : done) {
      CHECK(response.status == 200);
      CHECK(ids.erase(response.id) == 1);
    }
  }
  std::set<int> connections;
  for (const auto& seen : server.seen()) connections.insert(seen.remote_port);
  CHECK(server.seen().size() == 18);
  CHECK(connections.size() <= 2);  // max_connections, reused across rounds
}

TEST_CASE("http transport: connections the server closes are replaced") {
  // Each connection carries one request: the transport watches a new socket every time,
  // often under a descriptor number a closed one had.
  LoopbackServer server(1);
  HttpTransport transport({server.url(), 10s, 2, true, ""});
  const std::string body = R"({"customers":[{"id":1}]})";
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 4; ++i) transport.start(request("POST", "/customers", body));
    auto done = collect(transport, 4);
    REQUIRE(done.size() == 4);
    for (const auto& response : done) CHECK(response.status == 200);
  }
  std::set<int> connections;
  for (const auto& seen : server.seen()) connections.insert(seen.remote_port);
  CHECK(connections.size() == 20);
}

TEST_CASE("http transport: wake() ends a waiting poll, from this thread or another") {
  LoopbackServer server;
  HttpTransport transport({server.url(), 30s, 2, true, ""});
  transport.start(request("POST", "/slow", "{}"));  // something to wait for
  std::vector<HttpResponse> done;
  auto polled_for = [&] {
    const auto start = std::chrono::steady_clock::now();
    transport.poll(20s, done);
    return std::chrono::steady_clock::now() - start;
  };
  // The request goes out (connect, send): polls that may return on that activity.
  for (int i = 0; i < 5; ++i) transport.poll(50ms, done);
  transport.wake();
  CHECK(polled_for() < 10s);
  // Before poll() waits or while it does: either way it returns.
  std::thread waker([&] { transport.wake(); });
  CHECK(polled_for() < 10s);
  waker.join();
  CHECK(done.empty());  // the slow request is still out
}

TEST_CASE("http transport: a request past its timeout ends as a timeout") {
  LoopbackServer server;
  HttpTransport transport({server.url(), 200ms, 2, true, ""});
  transport.start(request("POST", "/slow", "{}"));
  auto done = collect(transport, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].error == TransportError::kTimeout);
  CHECK(done[0].status == 0);
}

TEST_CASE("http transport: a refused connection is a connection error without secrets") {
  // A port that was just free and is closed again: nothing listens on it.
  int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(socket_fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const int port = ntohs(address.sin_port);
  ::close(socket_fd);
  HttpTransport transport({"http://127.0.0.1:" + std::to_string(port), 5s, 2, true, ""});
  transport.start(request("POST", "/customers", "{}"));
  auto done = collect(transport, 1);
  REQUIRE(done.size() == 1);
  CHECK(done[0].error == TransportError::kConnection);
  CHECK_FALSE(done[0].error_message.empty());
  CHECK(done[0].error_message.find("the-secret-value") == std::string::npos);
}
