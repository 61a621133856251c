// tests/bench/cdc_bench_sink claims to answer as `retainly-mock --count-only` does, so that
// benchmarks measured into either mean the same: the same requests to both, the same
// statuses, bodies and /_stats (but for bench-sink's own last_applied_at).
#include <httplib.h>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "server_process.h"

namespace {

using cdc::test::port_from;
using cdc::test::ServerProcess;

struct Exchange {
  std::string method;
  std::string path;
  bool good_credentials;
  std::string body;
};

// What `port` answers to `exchange`: status, then body.
std::pair<int, std::string> ask(int port, const Exchange& exchange) {
  httplib::Client client("127.0.0.1", port);
  const httplib::Headers headers = exchange.good_credentials
                                       ? httplib::Headers{{"key", "K"}, {"secret", "S"}}
                                       : httplib::Headers{{"key", "K"}, {"secret", "wrong"}};
  httplib::Result result =
      exchange.method == "GET" ? client.Get(exchange.path, headers)
      : exchange.method == "DELETE"
          ? client.Delete(exchange.path, headers, exchange.body, "application/json")
          : client.Post(exchange.path, headers, exchange.body, "application/json");
  REQUIRE(result);
  return {result->status, result->body};
}

// The wall clock, as bench-sink's last_applied_at and bash's EPOCHREALTIME read it.
double seconds_since_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("cdc_bench_sink answers every request as retainly-mock --count-only does") {
  ServerProcess mock(CDC_RETAINLY_MOCK_BINARY,
                     {"--listen", "127.0.0.1:0", "--key", "K", "--secret", "S", "--count-only"});
  ServerProcess sink(CDC_BENCH_SINK_BINARY, {"--listen", "127.0.0.1:0", "--key", "K", "--secret",
                                             "S", "--count-only", "--threads", "8"});
  const int mock_port = port_from(mock.read_line());
  const int sink_port = port_from(sink.read_line());
  const double started = seconds_since_epoch();

  const std::vector<Exchange> exchanges = {
      {"POST", "/customers", true, R"({"customers":[{"id":1},{"id":2,"email":"a@b.c"}]})"},
      {"POST", "/customers", false, R"({"customers":[{"id":1}]})"},
      {"POST", "/customers", true, R"({"people":[{"id":1}]})"},
      {"DELETE", "/customers", true, R"({"customers_ids":[1,2,3]})"},
      {"POST", "/arrays", true, R"({"records":[{"customer_id":1,"array":"orders","id":"9"}]})"},
      {"DELETE", "/arrays", true, R"({"records":[{"customer_id":1,"array":"orders","id":"9"}]})"},
      {"POST", "/events", true, R"({"customer_id":1,"event":"signed_up"})"},
      {"POST", "/events", false, R"({"customer_id":1,"event":"signed_up"})"},
  };
  for (const Exchange& exchange : exchanges) {
    CAPTURE(exchange.method);
    CAPTURE(exchange.path);
    CAPTURE(exchange.body);
    const auto expected = ask(mock_port, exchange);
    const auto answered = ask(sink_port, exchange);
    CHECK(answered.first == expected.first);
    CHECK(answered.second == expected.second);
  }
  const auto mock_stats =
      nlohmann::json::parse(ask(mock_port, {"GET", "/_stats", true, ""}).second);
  auto sink_stats = nlohmann::json::parse(ask(sink_port, {"GET", "/_stats", true, ""}).second);
  const double after = seconds_since_epoch();
  // The arrival of the last request that applied records (the last one here: an event),
  // for stream benchmarks to end on; retainly-mock has no such member.
  REQUIRE(sink_stats.contains("last_applied_at"));
  const double last_applied_at = sink_stats["last_applied_at"].get<double>();
  CHECK(last_applied_at >= started);
  CHECK(last_applied_at <= after);
  sink_stats.erase("last_applied_at");
  CHECK(sink_stats == mock_stats);
  CHECK(sink_stats["records_applied"]["POST /customers"] == 2);
}

TEST_CASE("cdc_bench_sink: past the rate limit 429 with Retry-After, counted in /_stats") {
  ServerProcess sink(CDC_BENCH_SINK_BINARY, {"--listen", "127.0.0.1:0", "--key", "K", "--secret",
                                             "S", "--rate-limit", "2", "--latency-ms", "1"});
  httplib::Client client("127.0.0.1", port_from(sink.read_line()));
  std::vector<int> statuses;
  std::string retry_after;
  for (int i = 0; i < 3; ++i) {
    auto result = client.Post("/events", {{"key", "K"}, {"secret", "S"}},
                              R"({"customer_id":1,"event":"e"})", "application/json");
    REQUIRE(result);
    statuses.push_back(result->status);
    if (result->status == 429) retry_after = result->get_header_value("Retry-After");
  }
  // Three requests well within a second: the third is over the limit of 2.
  CHECK(statuses == std::vector<int>{200, 200, 429});
  CHECK(retry_after == "1");
  auto stats = nlohmann::json::parse(client.Get("/_stats")->body);
  CHECK(stats["requests"]["POST /events"]["429"] == 1);
  CHECK(stats["records_applied"]["POST /events"] == 2);
}
