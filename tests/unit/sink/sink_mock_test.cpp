// The sink over real HTTP against the built retainly-mock: faults, refused records and
// refused credentials, checked against the state the mock ends up holding.
#include <httplib.h>

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "call_builders.h"
#include "mock_process.h"
#include "sink/sink.h"
#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using cdc::retainly::Call;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

SinkOptions options_for(const MockProcess& mock, const TempDir& dir) {
  SinkOptions options;
  options.url = mock.url();
  options.key = "mock-key";
  options.secret = "mock-secret";
  options.flush_interval = 20ms;
  options.retry_initial_backoff = 10ms;
  options.retry_max_backoff = 200ms;
  options.request_timeout = 10s;
  options.dead_letter_path = (dir.path() / "dead-letters.jsonl").string();
  return options;
}

json mock_state(const MockProcess& mock) {
  httplib::Client client("127.0.0.1", mock.port());
  auto result = client.Get("/_state");
  REQUIRE(result);
  return json::parse(result->body);
}

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> lines;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    lines.push_back(json::parse(text.substr(begin, end - begin)));
    begin = end + 1;
  }
  return lines;
}

// What Retainly holds after a sequence of calls, applied one by one in order: the
// semantics the mock documents (upserts merge fields, array items replace by id).
struct Expected {
  std::map<std::string, json> customers;
  std::map<std::string, std::vector<json>> events;

  json& customer(int id) {
    auto [it, inserted] = customers.try_emplace(std::to_string(id));
    if (inserted) it->second = json{{"id", id}};
    return it->second;
  }
};

// A random workload over 40 customers, and the state it must leave.
std::vector<Call> workload(size_t count, Expected& expected) {
  std::mt19937 random(20240501);
  std::vector<Call> calls;
  for (size_t i = 0; i < count; ++i) {
    const int id = static_cast<int>(random() % 40) + 1;
    const std::string id_text = std::to_string(id);
    const int item = static_cast<int>(random() % 4) + 1;
    const unsigned dice = random() % 100;
    if (dice < 45) {
      const std::string plan = (i % 3 == 0) ? "pro" : "free";
      calls.push_back(upsert(id_text, {{"n", std::to_string(i)}, {"plan", "\"" + plan + "\""}}));
      json& customer = expected.customer(id);
      customer["n"] = i;
      customer["plan"] = plan;
    } else if (dice < 65) {
      calls.push_back(
          array_item(id_text, "purchases", std::to_string(item), {{"amount", std::to_string(i)}}));
      json& purchases = expected.customer(id)["purchases"];
      if (!purchases.is_array()) purchases = json::array();
      json entry = {{"id", item}, {"amount", i}};
      auto same = std::find_if(purchases.begin(), purchases.end(),
                               [&](const json& existing) { return existing["id"] == item; });
      if (same != purchases.end()) {
        *same = entry;
      } else {
        purchases.push_back(entry);
      }
    } else if (dice < 70) {
      calls.push_back(array_removal(id_text, "purchases", std::to_string(item)));
      auto customer = expected.customers.find(id_text);
      if (customer != expected.customers.end() && customer->second.contains("purchases")) {
        auto& purchases = customer->second["purchases"];
        purchases.erase(
            std::remove_if(purchases.begin(), purchases.end(),
                           [&](const json& existing) { return existing["id"] == item; }),
            purchases.end());
      }
    } else if (dice < 75) {
      calls.push_back(deletion(id_text));
      expected.customers.erase(id_text);
    } else {
      calls.push_back(event(id_text, "tick", {{"i", std::to_string(i)}}));
      expected.events[id_text].push_back(
          json{{"customer_id", id}, {"event", "tick"}, {"data", {{"i", i}}}});
    }
  }
  return calls;
}

bool submit_all(Sink& sink, std::vector<Call>& calls) {
  uint64_t sequence = sink.last_submitted();
  for (Call& call : calls) {
    call.sequence = ++sequence;
    if (!sink.submit(std::move(call))) return false;
  }
  sink.flush();
  return true;
}

}  // namespace

TEST_CASE("sink over HTTP: with 20% 5xx and latency every call arrives, in order per customer") {
  MockProcess mock({"--key", "mock-key", "--secret", "mock-secret", "--fail-rate", "0.2",
                    "--latency-ms", "5", "--seed", "7", "--threads", "16"});
  TempDir dir;
  Expected expected;
  std::vector<Call> calls = workload(3000, expected);
  const uint64_t last = calls.size();

  Sink sink(options_for(mock, dir), nullptr);
  REQUIRE(submit_all(sink, calls));
  REQUIRE_MESSAGE(sink.wait_for(last, 120s), "watermark stuck at " << sink.watermark());
  CHECK(sink.failure() == std::nullopt);

  const SinkStats stats = sink.stats();
  CHECK(stats.calls_acknowledged == last);
  CHECK(stats.calls_dead_lettered == 0);
  CHECK(stats.retries > 0);  // the faults did happen

  json state = mock_state(mock);
  json customers = json::object();
  for (const auto& [key, customer] : expected.customers) customers[key] = customer;
  CHECK(state["customers"] == customers);

  std::map<std::string, std::vector<json>> events;
  for (const json& event : state["events"]) {
    events[std::to_string(event["customer_id"].get<int>())].push_back(event);
  }
  CHECK(events == expected.events);
}

TEST_CASE("sink over HTTP: dropped connections are retried until the state is complete") {
  MockProcess mock({"--key", "mock-key", "--secret", "mock-secret", "--drop-rate", "0.15", "--seed",
                    "11", "--threads", "16"});
  TempDir dir;
  Expected expected;
  std::vector<Call> calls = workload(1500, expected);
  const uint64_t last = calls.size();
  Sink sink(options_for(mock, dir), nullptr);
  REQUIRE(submit_all(sink, calls));
  REQUIRE_MESSAGE(sink.wait_for(last, 120s), "watermark stuck at " << sink.watermark());
  uint64_t unanswered = 0;
  for (const EndpointStats& endpoint : sink.stats().endpoints) {
    if (auto none = endpoint.responses.find(0); none != endpoint.responses.end()) {
      unanswered += none->second;
    }
  }
  CHECK(unanswered > 0);  // the drops did happen
  // Upserts, array items and deletes are idempotent, so the state is exact; an event
  // whose answer was lost may arrive twice (at-least-once), so only customers compare.
  json customers = json::object();
  for (const auto& [key, customer] : expected.customers) customers[key] = customer;
  CHECK(mock_state(mock)["customers"] == customers);
}

TEST_CASE("sink over HTTP: refused records go to the dead-letter file; the rest arrive") {
  MockProcess mock({"--key", "mock-key", "--secret", "mock-secret"});
  TempDir dir;
  const std::string too_long = "\"" + std::string(1001, 'x') + "\"";
  std::vector<Call> calls;
  for (int id = 1; id <= 20; ++id) {
    const bool bad = id == 5 || id == 13;
    calls.push_back(upsert(std::to_string(id), {{"bio", bad ? too_long : "\"ok\""}}));
  }
  calls.push_back(array_item("1", "purchases", "1", {{"note", "\"fine\""}}));
  calls.push_back(array_item("1", "purchases", "2", {{"note", too_long}}));
  calls.push_back(array_item("2", "purchases", "3", {{"note", "\"fine\""}}));
  calls.push_back(event("3", "signed_up", {{"note", too_long}}));
  calls.push_back(event("4", "signed_up", {{"note", "\"fine\""}}));
  const uint64_t last = calls.size();

  Sink sink(options_for(mock, dir), nullptr);
  REQUIRE(submit_all(sink, calls));
  REQUIRE(sink.wait_for(last, 60s));
  CHECK(sink.failure() == std::nullopt);
  CHECK(sink.stats().calls_dead_lettered == 4);

  auto lines = lines_of(read_text(dir.path() / "dead-letters.jsonl"));
  REQUIRE(lines.size() == 4);
  std::multiset<std::string> refused;
  for (const json& line : lines) {
    CHECK(line["status"] == 422);
    CHECK(line["response"].get<std::string>().find("1000") != std::string::npos);
    if (line["kind"] == "customer_upsert")
      refused.insert("customer " + line["payload"]["id"].dump());
    if (line["kind"] == "array_upsert") {
      refused.insert("item " + line["payload"]["data"][0]["id"].dump());
    }
    if (line["kind"] == "event") refused.insert("event " + line["payload"]["customer_id"].dump());
  }
  CHECK(refused == std::multiset<std::string>{"customer 5", "customer 13", "item 2", "event 3"});

  json state = mock_state(mock);
  CHECK(state["customers"].size() == 18);
  CHECK_FALSE(state["customers"].contains("5"));
  CHECK_FALSE(state["customers"].contains("13"));
  CHECK(state["customers"]["1"]["purchases"] == json::parse(R"([{"id":1,"note":"fine"}])"));
  CHECK(state["customers"]["2"]["purchases"] == json::parse(R"([{"id":3,"note":"fine"}])"));
  REQUIRE(state["events"].size() == 1);
  CHECK(state["events"][0]["customer_id"] == 4);
}

TEST_CASE("sink over HTTP: a rate limit is waited out, nothing is lost") {
  MockProcess mock({"--key", "mock-key", "--secret", "mock-secret", "--rate-limit", "10"});
  TempDir dir;
  std::vector<Call> calls;
  for (int id = 1; id <= 25; ++id) calls.push_back(event(std::to_string(id), "ping"));
  Sink sink(options_for(mock, dir), nullptr);
  REQUIRE(submit_all(sink, calls));
  REQUIRE(sink.wait_for(25, 60s));
  CHECK(sink.stats().rate_limited > 0);
  CHECK(sink.stats().retries == 0);
  CHECK(mock_state(mock)["events"].size() == 25);
}

TEST_CASE("sink over HTTP: a wrong key is an auth failure and nothing is acknowledged") {
  MockProcess mock({"--key", "mock-key", "--secret", "mock-secret"});
  TempDir dir;
  SinkOptions options = options_for(mock, dir);
  options.key = "wrong-key";
  Sink sink(options, nullptr);
  std::vector<Call> calls = {upsert("1"), event("2", "x")};
  submit_all(sink, calls);
  CHECK_FALSE(sink.wait_for(2, 30s));
  REQUIRE(sink.failure().has_value());
  CHECK(sink.failure()->kind == FailureKind::kAuth);
  CHECK(sink.failure()->message.find("mock-secret") == std::string::npos);
  CHECK(sink.watermark() == 0);
  CHECK(mock_state(mock)["customers"].empty());
}
