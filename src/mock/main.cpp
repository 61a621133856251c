// retainly-mock: a local stand-in for the Retainly API (PRODUCT.md, "Binaries").
// Prints `listening on HOST:PORT` once bound, serves until SIGTERM or SIGINT, exits 0.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "mock/mock_server.h"

namespace {

// "127.0.0.1:8080", "[::1]:8080" or "localhost:0" into host and port.
bool parse_listen(const std::string& text, std::string& host, int& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    return used == text.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;  // not a number: reported by the caller as a bad --listen
  }
}

}  // namespace

int main(int argc, char** argv) {
  cdc::mock::MockOptions options;
  std::string listen = "127.0.0.1:8080";
  uint64_t seed = 0;

  CLI::App app{"retainly-mock: a local Retainly API stand-in with fault injection"};
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--key", options.key, "the API key requests must carry")->required();
  app.add_option("--secret", options.secret, "the API secret requests must carry")->required();
  app.add_option("--fail-rate", options.faults.fail_rate,
                 "fraction of API requests answered 500 or 503, not applied")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-limit", options.faults.rate_limit,
                 "API requests per second before 429 with Retry-After: 1; 0 = unlimited")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--latency-ms", options.faults.latency_ms, "delay before every API answer")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drop-rate", options.faults.drop_rate,
                 "fraction of API requests whose connection is closed without an answer")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--refuse-value", options.faults.refuse_value,
                 "a string value the workspace refuses: records holding it answer 422, as a "
                 "field set up with another type would");
  app.add_option("--max-body-bytes", options.max_body_bytes, "larger request bodies answer 413")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--key-header", options.key_header, "header carrying the key")
      ->capture_default_str();
  app.add_option("--secret-header", options.secret_header, "header carrying the secret")
      ->capture_default_str();
  auto* seed_option = app.add_option("--seed", seed, "seed for fault decisions (default random)");
  app.add_option("--threads", options.threads, "worker threads (one per open connection)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--count-only", options.count_only,
               "benchmarks: answer every authorized request as the API does on success and "
               "count its records (GET /_stats), without validating or storing anything");
  CLI11_PARSE(app, argc, argv);

  if (!parse_listen(listen, options.host, options.port)) {
    std::cerr << "retainly-mock: --listen wants HOST:PORT, got \"" << listen << "\"\n";
    return 2;
  }
  if (seed_option->count() > 0) options.seed = seed;

  // Blocked before any thread exists, so every thread inherits the block and only the
  // sigwait below takes them. SIGUSR1 is the server's own "serving ended" notice. A
  // dropped connection must fail a write, not kill the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    cdc::mock::MockServer server(options);
    int port = server.start([] { kill(getpid(), SIGUSR1); });
    std::cout << "listening on " << listen.substr(0, listen.rfind(':')) << ":" << port << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    if (received == SIGUSR1) {
      std::cerr << "retainly-mock: the server stopped accepting connections\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "retainly-mock: " << error.what() << "\n";
    return 1;
  }
}
