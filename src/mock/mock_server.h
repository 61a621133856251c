// retainly-mock's HTTP server: the five Retainly API endpoints behind auth and fault
// injection, plus control endpoints for tests (no auth, no faults):
//   GET  /_state   {"customers": {"<id>": {...}}, "events": [...]} (Store::snapshot)
//   GET  /_stats   request counts per endpoint and status, records applied (Stats)
//   POST /_reset   clears state and stats (faults stay)
//   GET  /_faults  the current FaultSettings
//   POST /_faults  changes them: {"fail_rate":0.2, "rate_limit":N, "latency_ms":M,
//                  "drop_rate":R, "force_status":503}; absent keys unchanged; 400 on error
//
// For each API request, in order: the fault decision (FaultPolicy) and the latency wait,
// then auth (headers options.key_header/secret_header must equal key/secret, else 403),
// then validation and the store (api_handler), or with options.count_only only a count
// of the records. Bodies over max_body_bytes answer 413.
//
// Threading: requests run on a pool of options.threads threads; cpp-httplib keeps a
// thread per open connection, so clients should hold fewer keep-alive connections than
// that. The store is locked only while applying, never during latency waits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mock/fault_policy.h"
#include "mock/stats.h"
#include "mock/store.h"

namespace cdc::mock {

struct MockOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string key;
  std::string secret;
  std::string key_header = "key";
  std::string secret_header = "secret";
  FaultSettings faults;
  size_t max_body_bytes = 16 * 1024 * 1024;
  std::optional<uint64_t> seed;  // for fault decisions; random when absent
  // More than the connector's default sink.concurrency (256): each of its keep-alive
  // connections holds a thread, and a connection beyond the pool waits unserved until
  // its request times out (seen: 30 s event timeouts in the snapshot tests).
  size_t threads = 320;
  // Accept and count, for benchmarks: authorized requests that no fault intercepted are
  // answered from count_only_answer (api_handler.h) instead of being validated and
  // stored, so /_stats still counts records while /_state stays empty.
  bool count_only = false;
};

class MockServer {
 public:
  // Throws std::invalid_argument if options.faults are out of range or threads is 0.
  explicit MockServer(MockOptions options);
  ~MockServer();  // stop()
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  // Binds host:port and serves on a background thread. Returns the bound port once the
  // server accepts connections. Throws std::runtime_error if it cannot bind.
  // `on_unexpected_stop` runs, on the serving thread, if serving ends without stop().
  // Call once.
  int start(std::function<void()> on_unexpected_stop = {});

  // Stops accepting, cuts latency waits short, lets requests in progress finish, and
  // joins the serving thread. Idempotent; not to be called concurrently with itself.
  void stop();

  int port() const { return port_; }

  // For in-process tests and the control endpoints; each is thread-safe.
  Store& store() { return store_; }
  Stats& stats() { return stats_; }
  FaultPolicy& faults() { return faults_; }

 private:
  struct Http;  // the cpp-httplib server and the route handlers

  // Waits `latency`, or less if stop() is called meanwhile.
  void wait_latency(std::chrono::milliseconds latency);

  MockOptions options_;
  Store store_;
  Stats stats_;
  FaultPolicy faults_;
  std::unique_ptr<Http> http_;
  std::thread serving_;
  std::atomic<bool> serving_ended_ = false;
  int port_ = 0;

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
};

}  // namespace cdc::mock
