// The retainly-mock command line contract (PRODUCT.md): flags, the one "listening on"
// line scripts read the port from, and a clean exit on SIGTERM and SIGINT.
#include <httplib.h>
#include <signal.h>

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "server_process.h"

namespace {

// The built retainly-mock, started with `args`.
class MockProcess : public cdc::test::ServerProcess {
 public:
  explicit MockProcess(std::vector<std::string> args)
      : ServerProcess(CDC_RETAINLY_MOCK_BINARY, std::move(args)) {}
};

using cdc::test::port_from;

}  // namespace

TEST_CASE("retainly-mock binary: prints the port it listens on, serves, exits 0 on SIGTERM") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S", "--seed", "1",
                    "--threads", "4", "--latency-ms", "1"});
  int port = port_from(mock.read_line());
  CHECK(port > 0);

  httplib::Client client("127.0.0.1", port);
  auto result = client.Post("/customers", {{"key", "K"}, {"secret", "S"}},
                            R"({"customers": [{"id": 1}]})", "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);

  mock.signal(SIGTERM);
  CHECK(mock.wait_exit() == 0);
}

TEST_CASE("retainly-mock binary: --count-only counts records it neither validates nor stores") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S", "--count-only",
                    "--latency-ms", "1", "--rate-limit", "1000"});
  httplib::Client client("127.0.0.1", port_from(mock.read_line()));
  auto result = client.Post("/customers", {{"key", "K"}, {"secret", "S"}},
                            R"({"customers": [{"id": 1}, {"no": "id"}]})", "application/json");
  REQUIRE(result);
  CHECK(result->status == 200);
  auto stats = client.Get("/_stats");
  REQUIRE(stats);
  CHECK(stats->body.find(R"("records_applied":{"POST /customers":2})") != std::string::npos);
  auto state = client.Get("/_state");
  REQUIRE(state);
  CHECK(state->body.find(R"("customers":{})") != std::string::npos);

  mock.signal(SIGTERM);
  CHECK(mock.wait_exit() == 0);
}

TEST_CASE("retainly-mock binary: SIGINT with an idle keep-alive connection also exits 0") {
  MockProcess mock({"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S"});
  int port = port_from(mock.read_line());
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  REQUIRE(client.Get("/_state"));
  mock.signal(SIGINT);
  CHECK(mock.wait_exit() == 0);
  CHECK(mock.read_line().empty());  // nothing but the one line on stdout
}

TEST_CASE("retainly-mock binary: flags are checked") {
  MockProcess missing_secret({"--listen", "127.0.0.1:0", "--key", "K"});
  CHECK(missing_secret.read_line().empty());
  CHECK(missing_secret.wait_exit() != 0);

  MockProcess bad_rate({"--key", "K", "--secret", "S", "--fail-rate", "2"});
  CHECK(bad_rate.wait_exit() != 0);

  MockProcess bad_listen({"--listen", "nowhere", "--key", "K", "--secret", "S"});
  CHECK(bad_listen.wait_exit() == 2);
}
