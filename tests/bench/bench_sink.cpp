// A counting Retainly stand-in for benchmarks that costs the machine little per request:
// retainly-mock's count-only answers (mock/api_handler.h), latency and rate limit
// (mock/fault_policy.h) and /_stats, served by one thread over epoll. /_stats adds
// `last_applied_at`: when the last request that applied records arrived (seconds since the
// epoch, the clock of bash's EPOCHREALTIME), so that a stream benchmark ends on the last
// record's arrival, not on the poll that saw it up to a polling pace later.
//
//   cdc_bench_sink --key K --secret S [--listen HOST:PORT] [--latency-ms N]
//                  [--rate-limit N] [--fail-rate F] [--count-only] [--threads N]
//
// Why: retainly-mock serves each connection on a thread of its own (cpp-httplib), and
// holds each answer for its latency on that thread. At 10 ms and ~10,000 events/s that is
// about a hundred threads woken per millisecond, 62-139 us of CPU per event, more than
// the connector spends, on the same 2 cores. Real Retainly runs elsewhere.
//
// It takes the mock's arguments that benchmarks pass (--count-only and --threads are
// accepted and ignored: it always counts, with one thread). HTTP/1.1 with Content-Length
// bodies, keep-alive and one request at a time per connection, as libcurl sends them;
// nothing else. Answers held for the latency leave in arrival order (the latency is the
// same for all). Prints `listening on HOST:PORT` once bound; serves until SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mock/api_handler.h"
#include "mock/fault_policy.h"
#include "mock/stats.h"

namespace {

using namespace cdc::mock;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string key, secret;
  FaultSettings faults;
};

// One request as read off a connection.
struct Request {
  std::string_view method, path, body;
  std::string_view key, secret;
  bool close = false;
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Parses the request at the start of `data`: its length, 0 while incomplete, -1 when it is
// not a request this sink understands.
long parse_request(std::string_view data, Request& request) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return data.size() > (64 << 10) ? -1 : 0;
  std::string_view head = data.substr(0, head_end);
  const size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const size_t space = line.find(' ');
  const size_t second = line.find(' ', space + 1);
  if (space == std::string_view::npos || second == std::string_view::npos) return -1;
  request = {};
  request.method = line.substr(0, space);
  request.path = line.substr(space + 1, second - space - 1);
  size_t length = 0;
  head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
  while (!head.empty()) {
    const size_t end = head.find("\r\n");
    const std::string_view header = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = header.substr(0, colon);
    const std::string_view value = trim(header.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      std::from_chars(value.data(), value.data() + value.size(), length);
    } else if (iequals(name, "key")) {
      request.key = value;
    } else if (iequals(name, "secret")) {
      request.secret = value;
    } else if (iequals(name, "Connection")) {
      request.close = iequals(value, "close");
    } else if (iequals(name, "Transfer-Encoding")) {
      return -1;  // chunked bodies: not what the connector sends
    }
  }
  const size_t total = head_end + 4 + length;
  if (data.size() < total) return 0;
  request.body = data.substr(head_end + 4, length);
  return static_cast<long>(total);
}

// The reason phrase of the statuses the mock's answers use.
std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string response_bytes(const Answer& answer) {
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " ";
  out += reason(answer.status);
  out += "\r\nContent-Type: " + answer.content_type +
         "\r\nContent-Length: " + std::to_string(answer.body.size()) + "\r\n";
  for (const auto& [name, value] : answer.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  out += answer.body;
  return out;
}

class Sink {
 public:
  explicit Sink(Options options)
      : options_(std::move(options)),
        faults_(options_.faults, FaultPolicy::seeded_random(1), [] { return Clock::now(); }) {}

  // Binds and prints the address; throws on failure.
  void listen() {
    const size_t colon = options_.listen.rfind(':');
    const std::string host = options_.listen.substr(0, colon);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(options_.listen.substr(colon + 1))));
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) fail("bad --listen host");
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 1024) != 0) {
      fail("cannot listen");
    }
    socklen_t length = sizeof address;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
    std::printf("listening on %s:%d\n", host.c_str(), ntohs(address.sin_port));
    std::fflush(stdout);
  }

  [[noreturn]] void serve() {
    std::array<epoll_event, 256> events;
    for (;;) {
      // To the microsecond (epoll_pwait2): whole milliseconds would add up to one to a
      // 10 ms latency.
      timespec wait{};
      const timespec* timeout = nullptr;
      if (!held_.empty()) {
        const auto until = std::max(Clock::duration::zero(), held_.front().due - Clock::now());
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until).count();
        wait = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        timeout = &wait;
      }
      const int ready =
          epoll_pwait2(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout, nullptr);
      for (int i = 0; i < ready; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        if (fd == listen_fd_) {
          accept_all();
        } else {
          on_ready(fd, events[static_cast<size_t>(i)].events);
        }
      }
      release_due();
    }
  }

 private:
  struct Connection {
    uint64_t id = 0;
    std::string in;
    std::string out;            // what a full socket did not take yet
    bool watching_out = false;  // EPOLLOUT is in the set: only while `out` waits
    bool close_after_write = false;
  };
  // An answer held for the latency.
  struct Held {
    Clock::time_point due;
    int fd;
    uint64_t connection;
    std::string bytes;
  };

  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "cdc_bench_sink: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }

  void watch(int fd, uint32_t events, int op) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    epoll_ctl(epoll_fd_, op, fd, &event);
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (static_cast<size_t>(fd) >= connections_.size()) connections_.resize(fd + 1);
      connections_[fd] = std::make_unique<Connection>();
      connections_[fd]->id = ++next_id_;
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void close_connection(int fd) {
    ::close(fd);  // which also takes it out of the epoll set
    connections_[fd].reset();
  }

  void on_ready(int fd, uint32_t events) {
    Connection* connection = connections_[fd].get();
    if (connection == nullptr) return;
    if ((events & EPOLLOUT) != 0 && !flush(fd, *connection)) return;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
    char buffer[64 << 10];
    for (;;) {
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        connection->in.append(buffer, static_cast<size_t>(got));
        if (static_cast<size_t>(got) < sizeof buffer) break;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
      close_connection(fd);  // the client closed it, or it broke
      return;
    }
    size_t used = 0;
    Request request;
    for (;;) {
      const long length = parse_request(std::string_view(connection->in).substr(used), request);
      if (length < 0) {
        close_connection(fd);
        return;
      }
      if (length == 0) break;
      used += static_cast<size_t>(length);
      if (!answer(fd, *connection, request)) return;
    }
    connection->in.erase(0, used);
  }

  // Answers one request, now or after the latency; false if the connection was closed.
  bool answer(int fd, Connection& connection, const Request& request) {
    if (request.method == "GET" && request.path == "/_stats") {
      Answer stats;
      nlohmann::json body = stats_.to_json();
      if (last_applied_at_ > 0) body["last_applied_at"] = last_applied_at_;
      stats.body = body.dump();
      connection.close_after_write = request.close;
      return send(fd, connection, response_bytes(stats));
    }
    const auto endpoint = api_endpoint_for(request.method, request.path);
    if (!endpoint) {
      Answer missing;
      missing.status = 404;
      missing.body = R"({"message":"not found"})";
      return send(fd, connection, response_bytes(missing));
    }
    const std::string name = to_string(*endpoint);
    const FaultDecision fault = faults_.decide();
    Answer answer;
    if (fault.kind == FaultKind::kDropped) {
      stats_.count_request(name, Stats::kDropped);
      close_connection(fd);
      return false;
    }
    if (fault.kind != FaultKind::kNone) {
      answer = status_answer(*endpoint, fault.status);
    } else if (request.key != options_.key || request.secret != options_.secret) {
      answer = unauthorized_answer(*endpoint);
    } else {
      answer = count_only_answer(*endpoint, request.body);
    }
    stats_.count_request(name, answer.status);
    if (answer.applied > 0) {
      stats_.count_applied(name, answer.applied);
      last_applied_at_ =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    }
    if (fault.latency.count() > 0) {
      held_.push_back({Clock::now() + fault.latency, fd, connection.id, response_bytes(answer)});
      return true;
    }
    return send(fd, connection, response_bytes(answer));
  }

  void release_due() {
    const auto now = Clock::now();
    while (!held_.empty() && held_.front().due <= now) {
      Held held = std::move(held_.front());
      held_.pop_front();
      Connection* connection = connections_[held.fd].get();
      if (connection != nullptr && connection->id == held.connection) {
        send(held.fd, *connection, std::move(held.bytes));
      }
    }
  }

  // Writes `bytes` after what is queued; false if the connection was closed.
  bool send(int fd, Connection& connection, std::string bytes) {
    if (connection.out.empty()) {
      connection.out = std::move(bytes);
    } else {
      connection.out += bytes;
    }
    return flush(fd, connection);
  }

  bool flush(int fd, Connection& connection) {
    while (!connection.out.empty()) {
      const ssize_t sent = ::send(fd, connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
      if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!connection.watching_out) watch(fd, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        connection.watching_out = true;
        return true;
      }
      if (sent < 0) {
        close_connection(fd);
        return false;
      }
      connection.out.erase(0, static_cast<size_t>(sent));
    }
    if (connection.close_after_write) {
      close_connection(fd);
      return false;
    }
    // Most answers leave in one send: the set changes only after a full socket.
    if (connection.watching_out) watch(fd, EPOLLIN, EPOLL_CTL_MOD);
    connection.watching_out = false;
    return true;
  }

  Options options_;
  FaultPolicy faults_;
  Stats stats_;
  double last_applied_at_ = 0;  // seconds since the epoch; 0: nothing applied yet
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  uint64_t next_id_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;  // by descriptor
  std::deque<Held> held_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cdc_bench_sink: retainly-mock's count-only answers from one epoll thread"};
  Options options;
  bool count_only = true;
  unsigned threads = 1;
  app.add_option("--listen", options.listen, "HOST:PORT; port 0 picks a free one");
  app.add_option("--key", options.key, "the API key requests must carry")->required();
  app.add_option("--secret", options.secret, "the API secret requests must carry")->required();
  app.add_option("--latency-ms", options.faults.latency_ms, "delay before every API answer");
  app.add_option("--rate-limit", options.faults.rate_limit,
                 "API requests per second before 429 with Retry-After: 1; 0 = unlimited");
  app.add_option("--fail-rate", options.faults.fail_rate,
                 "fraction of API requests answered 500 or 503")
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--count-only", count_only, "accepted for retainly-mock's sake: always so");
  app.add_option("--threads", threads, "accepted for retainly-mock's sake: one thread");
  CLI11_PARSE(app, argc, argv);
  try {
    check_fault_settings(options.faults);
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "cdc_bench_sink: %s\n", error.what());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Sink sink(options);
  sink.listen();
  sink.serve();
}
