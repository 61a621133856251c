// The delivery rules of PRODUCT.md ("Delivery semantics"), driven through the Dispatcher
// with a fake transport and a manual clock: every interleaving is chosen by the test.
#include "sink/dispatcher.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "call_builders.h"
#include "fake_transport.h"
#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using cdc::retainly::Call;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

SinkOptions test_options() {
  SinkOptions options;
  options.key = "test-key-1234";
  options.secret = "test-secret-5678";
  options.flush_interval = 200ms;
  options.concurrency = 8;
  options.retry_initial_backoff = 200ms;
  options.retry_max_backoff = 10s;
  return options;
}

// Owns everything a Dispatcher needs; the jitter draw is fixed at 0.5.
struct Harness {
  explicit Harness(SinkOptions custom = test_options())
      : options(with_dead_letters(std::move(custom))),
        dead_letters(options.dead_letter_path, {options.key, options.secret}),
        dispatcher(
            options, transport, clock, [this] { return jitter; }, dead_letters) {}

  SinkOptions with_dead_letters(SinkOptions custom) {
    if (custom.dead_letter_path == "unset") {
      custom.dead_letter_path.clear();
    } else {
      custom.dead_letter_path = (dir.path() / "dead-letters.jsonl").string();
    }
    return custom;
  }

  uint64_t add(Call call) {
    call.sequence = ++sequence;
    dispatcher.add(std::move(call));
    return sequence;
  }

  // pump() now, and what it started.
  std::vector<StartedRequest> sent() {
    dispatcher.pump();
    return transport.take_started();
  }

  // Everything waiting, sent now, ignoring the flush interval.
  std::vector<StartedRequest> flushed() {
    dispatcher.flush();
    return sent();
  }

  void answer(const StartedRequest& request, int status, std::string body = {},
              std::string retry_after = {}) {
    dispatcher.on_response(
        http_answer(request.id, status, std::move(body), std::move(retry_after)));
  }

  std::vector<json> dead_letter_lines() const {
    std::vector<json> lines;
    std::string text = read_text(options.dead_letter_path);
    for (size_t begin = 0; begin < text.size();) {
      size_t end = text.find('\n', begin);
      lines.push_back(json::parse(text.substr(begin, end - begin)));
      begin = end + 1;
    }
    return lines;
  }

  TempDir dir;
  SinkOptions options;
  FakeTransport transport;
  ManualClock clock;
  DeadLetterFile dead_letters;
  double jitter = 0.5;
  Dispatcher dispatcher;
  uint64_t sequence = 0;
};

std::string detail_422(std::initializer_list<json> locs) {
  json detail = json::array();
  for (const json& loc : locs) detail.push_back({{"loc", loc}, {"msg", "bad"}, {"type", "x"}});
  return json{{"detail", detail}}.dump();
}

// The ids of a customers body, in order.
std::vector<json> customer_ids(const StartedRequest& request) {
  std::vector<json> ids;
  const json body = json::parse(request.body);
  for (const json& customer : body["customers"]) ids.push_back(customer["id"]);
  return ids;
}

}  // namespace

TEST_CASE("sink: a single change to an idle sink leaves at once") {
  Harness h;
  h.add(upsert("1", {{"email", "\"a@x.io\""}}));
  auto sent = h.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == "POST");
  CHECK(sent[0].path == "/customers");
  CHECK(sent[0].body == R"({"customers":[{"id":1,"email":"a@x.io"}]})");
  CHECK(h.dispatcher.next_wakeup() == std::nullopt);  // nothing to do until an answer
}

TEST_CASE("sink: while a partial batch is in flight the next one fills up behind it") {
  Harness h;
  h.add(upsert("1"));
  auto first = h.sent();
  REQUIRE(first.size() == 1);
  // Changes that come while it is out wait: no second small request.
  h.add(upsert("2"));
  h.add(upsert("3"));
  CHECK(h.sent().empty());
  h.clock.advance(50ms);
  h.add(upsert("4"));
  CHECK(h.sent().empty());
  // The answer lets them go, together.
  h.answer(first[0], 200);
  auto second = h.sent();
  REQUIRE(second.size() == 1);
  CHECK(customer_ids(second[0]) == std::vector<json>{2, 3, 4});
}

TEST_CASE("sink: behind a fast answer a batch fills until batch_linger after the last send") {
  Harness h;
  h.add(upsert("1"));
  auto first = h.sent();
  REQUIRE(first.size() == 1);
  h.add(upsert("2"));
  h.clock.advance(200us);
  h.answer(first[0], 200);  // answered within a millisecond: 2 waits for more
  CHECK(h.sent().empty());
  CHECK(h.dispatcher.next_wakeup() == h.clock.now() + 800us);
  h.clock.advance(500us);
  h.add(upsert("3"));
  CHECK(h.sent().empty());
  h.clock.advance(300us);
  auto second = h.sent();
  REQUIRE(second.size() == 1);
  CHECK(customer_ids(second[0]) == std::vector<json>{2, 3});
  // A call that comes after the answer, with nothing waiting, goes at once.
  h.clock.advance(100us);
  h.answer(second[0], 200);
  h.clock.advance(100us);
  h.add(upsert("4"));
  auto third = h.sent();
  REQUIRE(third.size() == 1);
  CHECK(customer_ids(third[0]) == std::vector<json>{4});
}

TEST_CASE("sink: flush_interval bounds the wait behind a slow partial batch") {
  Harness h;
  h.add(upsert("1"));
  REQUIRE(h.sent().size() == 1);
  h.add(upsert("2"));
  CHECK(h.sent().empty());
  CHECK(h.dispatcher.next_wakeup() == h.clock.now() + 200ms);
  h.clock.advance(199ms);
  CHECK(h.sent().empty());
  h.clock.advance(1ms);
  auto sent = h.sent();
  REQUIRE(sent.size() == 1);
  CHECK(customer_ids(sent[0]) == std::vector<json>{2});
}

TEST_CASE("sink: full batches go at once even while a partial one is in flight") {
  SinkOptions options = test_options();
  options.batch_max_records = 2;
  Harness h(options);
  h.add(upsert("1"));
  REQUIRE(h.sent().size() == 1);  // partial, in flight
  h.add(upsert("2"));
  CHECK(h.sent().empty());
  h.add(upsert("3"));
  auto sent = h.sent();
  REQUIRE(sent.size() == 1);
  CHECK(customer_ids(sent[0]) == std::vector<json>{2, 3});
}

TEST_CASE("sink: requests in flight grow while answers are fast and halve on a 503") {
  SinkOptions options = test_options();
  options.concurrency = 64;
  Harness h(options);
  for (int i = 0; i < 200; ++i) h.add(event(std::to_string(i), "e"));
  auto round = h.sent();
  CHECK(round.size() == 8);  // ConcurrencyLimit::kInitial
  CHECK(h.dispatcher.stats().concurrency_limit == 8);
  h.clock.advance(10ms);
  for (const auto& request : round) h.answer(request, 200);
  round = h.sent();
  CHECK(round.size() == 16);
  h.clock.advance(10ms);
  for (const auto& request : round) h.answer(request, 200);
  round = h.sent();
  CHECK(round.size() == 32);
  h.clock.advance(10ms);
  h.answer(round[0], 503);
  CHECK(h.dispatcher.concurrency_limit() == 16);
  // The rest of that round were sent at the old limit: one cut per episode.
  h.answer(round[1], 503);
  CHECK(h.dispatcher.concurrency_limit() == 16);
  CHECK(h.dispatcher.stats().concurrency_limit == 16);
  CHECK(h.dispatcher.in_flight() == 30);
  CHECK(h.sent().empty());
}

TEST_CASE("sink: at most sink.concurrency requests are in flight, however fast the answers") {
  SinkOptions options = test_options();
  options.concurrency = 20;
  Harness h(options);
  for (int i = 0; i < 500; ++i) h.add(event(std::to_string(i), "e"));
  size_t most = 0;
  for (int round = 0; round < 10; ++round) {
    auto started = h.sent();
    most = std::max(most, h.dispatcher.in_flight());
    h.clock.advance(10ms);
    for (const auto& request : started) h.answer(request, 200);
  }
  CHECK(most == 20);
}

TEST_CASE("sink: requests carry the credentials in the configured headers") {
  Harness h;
  h.add(upsert("1"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  auto has = [&](const std::string& name, const std::string& value) {
    return std::any_of(sent[0].headers.begin(), sent[0].headers.end(), [&](const auto& header) {
      return header.name == name && header.value == value;
    });
  };
  CHECK(has("key", "test-key-1234"));
  CHECK(has("secret", "test-secret-5678"));
  CHECK(has("Content-Type", "application/json"));
}

TEST_CASE("sink: upserts of one customer merge; later attributes win by name") {
  Harness h;
  h.add(upsert("1", {{"plan", "\"free\""}, {"email", "\"a@x.io\""}}));
  h.add(upsert("2", {{"plan", "\"pro\""}}));
  h.add(upsert("\"1\"", {{"plan", "\"gold\""}, {"age", "30"}}));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  CHECK(
      sent[0].body ==
      R"({"customers":[{"id":"1","plan":"gold","email":"a@x.io","age":30},{"id":2,"plan":"pro"}]})");
  h.answer(sent[0], 200, R"("OK")");
  CHECK(h.dispatcher.watermark() == 3);
  CHECK(h.dispatcher.stats().calls_acknowledged == 3);
  CHECK(h.dispatcher.stats().calls_coalesced == 1);
}

TEST_CASE("sink: a batch handed over at once keeps one lane per customer") {
  // add_all() looks lanes up by hashes it takes ahead of the calls: a call looked up
  // under another call's hash would get a lane of its own, and leave before the delete
  // ahead of it, or beside the upsert it should merge with.
  Harness h;
  std::vector<Call> batch;
  auto hand = [&](Call call) {
    call.sequence = ++h.sequence;
    batch.push_back(std::move(call));
  };
  hand(deletion("1"));
  for (int id = 2; id <= 11; ++id) hand(upsert(std::to_string(id), {{"a", "1"}}));
  hand(upsert("1", {{"a", "2"}}));
  hand(upsert("\"5\"", {{"b", "3"}}));
  h.dispatcher.add_all(batch, h.clock.now());

  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  const auto& deleted = sent[0].method == "DELETE" ? sent[0] : sent[1];
  const auto& upserted = sent[0].method == "DELETE" ? sent[1] : sent[0];
  CHECK(deleted.body == R"({"customers_ids":[1]})");
  // Customer 5's two upserts merge, the later id text winning as in the test below.
  CHECK(customer_ids(upserted) == std::vector<json>{2, 3, 4, "5", 6, 7, 8, 9, 10, 11});
  CHECK(json::parse(upserted.body)["customers"][3] == json{{"id", "5"}, {"a", 1}, {"b", 3}});

  h.answer(deleted, 200);
  auto after = h.sent();
  REQUIRE(after.size() == 1);
  CHECK(after[0].body == R"({"customers":[{"id":1,"a":2}]})");
}

TEST_CASE("sink: a delete supersedes waiting upserts, which count as done with its ack") {
  Harness h;
  h.add(upsert("1", {{"a", "1"}}));
  h.add(upsert("1", {{"b", "2"}}));
  h.add(deletion("1"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == "DELETE");
  CHECK(sent[0].path == "/customers");
  CHECK(sent[0].body == R"({"customers_ids":[1]})");
  CHECK(h.dispatcher.watermark() == 0);
  h.answer(sent[0], 200);
  CHECK(h.dispatcher.watermark() == 3);
}

TEST_CASE("sink: an upsert after a delete waits until the delete is acknowledged") {
  Harness h;
  h.add(deletion("1"));
  h.add(upsert("1", {{"a", "1"}}));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].method == "DELETE");
  h.clock.advance(10s);
  CHECK(h.sent().empty());  // however long it takes

  h.answer(sent[0], 200);
  CHECK(h.dispatcher.watermark() == 1);
  auto next = h.sent();
  REQUIRE(next.size() == 1);
  CHECK(next[0].body == R"({"customers":[{"id":1,"a":1}]})");
}

TEST_CASE("sink: array calls of a customer go after its pending upsert; others in parallel") {
  Harness h;
  h.add(upsert("1", {{"plan", "\"pro\""}}));
  h.add(array_item("1", "purchases", "10", {{"amount", "5"}}));
  h.add(array_item("2", "purchases", "20", {{"amount", "7"}}));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  auto customers =
      std::find_if(sent.begin(), sent.end(), [](auto& r) { return r.path == "/customers"; });
  auto arrays = std::find_if(sent.begin(), sent.end(), [](auto& r) { return r.path == "/arrays"; });
  REQUIRE(customers != sent.end());
  REQUIRE(arrays != sent.end());
  CHECK(arrays->body ==
        R"({"records":[{"customer_id":2,"field":"purchases","data":[{"id":20,"amount":7}]}]})");

  h.answer(*customers, 200);
  auto after = h.sent();
  REQUIRE(after.size() == 1);
  CHECK(after[0].body ==
        R"({"records":[{"customer_id":1,"field":"purchases","data":[{"id":10,"amount":5}]}]})");
}

TEST_CASE("sink: array items of one customer and field share a record") {
  Harness h;
  h.add(array_item("1", "purchases", "10", {{"amount", "5"}}));
  h.add(array_item("1", "bookings", "7"));
  h.add(array_item("1", "purchases", "11", {{"amount", "6"}}));
  h.add(array_removal("2", "purchases", "3"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  for (const auto& request : sent) {
    if (request.method == "POST") {
      CHECK(
          request.body ==
          R"({"records":[{"customer_id":1,"field":"bookings","data":[{"id":7}]},)"
          R"({"customer_id":1,"field":"purchases","data":[{"id":10,"amount":5},{"id":11,"amount":6}]}]})");
    } else {
      CHECK(request.body == R"({"records":[{"customer_id":2,"field":"purchases","ids":[3]}]})");
    }
  }
}

TEST_CASE("sink: an event goes after the state it describes") {
  Harness h;
  h.add(upsert("1", {{"plan", "\"pro\""}}));
  h.add(event("1", "plan_changed", {{"new_plan", "\"pro\""}}));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].path == "/customers");
  h.answer(sent[0], 200);
  auto next = h.sent();
  REQUIRE(next.size() == 1);
  CHECK(next[0].path == "/events");
  CHECK(next[0].body == R"({"customer_id":1,"event":"plan_changed","data":{"new_plan":"pro"}})");
}

TEST_CASE("sink: events go one per request, many at once, without waiting for the interval") {
  Harness h;
  h.add(event("1", "a"));
  h.add(event("2", "b"));
  h.add(event("3", "c"));
  h.add(event("1", "d"));  // after "a": its customer has a request in flight
  auto sent = h.sent();
  CHECK(sent.size() == 3);
  h.answer(sent[0], 200);
  auto next = h.sent();
  REQUIRE(next.size() == 1);
  CHECK(json::parse(next[0].body)["event"] == "d");
}

TEST_CASE("sink: per-customer order holds across retries") {
  Harness h;
  h.add(upsert("1", {{"a", "1"}}));
  auto first = h.flushed();
  REQUIRE(first.size() == 1);
  h.add(upsert("1", {{"a", "2"}}));
  h.answer(first[0], 503);
  h.clock.advance(1s);
  h.dispatcher.flush();
  auto resent = h.sent();
  // Only the first call's request comes back; the newer value waits behind it.
  REQUIRE(resent.size() == 1);
  CHECK(resent[0].body == first[0].body);
  h.answer(resent[0], 500);
  h.clock.advance(1s);
  resent = h.sent();
  REQUIRE(resent.size() == 1);
  CHECK(resent[0].body == first[0].body);
  h.answer(resent[0], 200);
  CHECK(h.dispatcher.watermark() == 1);
  auto second = h.sent();
  REQUIRE(second.size() == 1);
  CHECK(second[0].body == R"({"customers":[{"id":1,"a":2}]})");
}

TEST_CASE("sink: the watermark never passes an unacknowledged call") {
  Harness h;
  h.add(upsert("1"));
  h.add(event("2", "x"));
  h.add(upsert("3"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  const auto& customers = sent[0].path == "/customers" ? sent[0] : sent[1];
  const auto& events = sent[0].path == "/events" ? sent[0] : sent[1];
  h.answer(events, 200);
  CHECK(h.dispatcher.watermark() == 0);
  h.answer(customers, 200);
  CHECK(h.dispatcher.watermark() == 3);
}

TEST_CASE("sink: 5xx, timeouts and connection errors back off exponentially with jitter") {
  Harness h;  // initial 200 ms, jitter draw 0.5
  h.add(upsert("1"));
  auto sent = h.flushed();
  h.answer(sent[0], 503);
  h.clock.advance(99ms);
  CHECK(h.sent().empty());
  h.clock.advance(1ms);  // 0.5 * 200 ms
  sent = h.sent();
  REQUIRE(sent.size() == 1);

  h.dispatcher.on_response(transport_failure(sent[0].id, cdc::retainly::TransportError::kTimeout));
  h.clock.advance(199ms);
  CHECK(h.sent().empty());
  h.clock.advance(1ms);  // 0.5 * 400 ms
  sent = h.sent();
  REQUIRE(sent.size() == 1);

  h.dispatcher.on_response(
      transport_failure(sent[0].id, cdc::retainly::TransportError::kConnection));
  h.clock.advance(400ms);  // 0.5 * 800 ms
  sent = h.sent();
  REQUIRE(sent.size() == 1);
  h.answer(sent[0], 200);
  CHECK(h.dispatcher.watermark() == 1);
  CHECK(h.dispatcher.stats().retries == 3);
  CHECK(h.dispatcher.failure() == std::nullopt);
}

TEST_CASE("sink: retry_max_attempts fails the sink; nothing is dropped") {
  SinkOptions options = test_options();
  options.retry_max_attempts = 3;
  Harness h(options);
  h.add(upsert("1"));
  auto sent = h.flushed();
  for (int attempt = 1; attempt <= 3; ++attempt) {
    REQUIRE(sent.size() == 1);
    h.answer(sent[0], 500);
    h.clock.advance(1min);
    sent = h.sent();
  }
  REQUIRE(h.dispatcher.failure().has_value());
  CHECK(h.dispatcher.failure()->kind == FailureKind::kRetryCeiling);
  CHECK(sent.empty());
  CHECK(h.dispatcher.watermark() == 0);
  CHECK(h.dispatcher.stats().calls_dead_lettered == 0);
}

TEST_CASE("sink: 429 pauses the endpoint for Retry-After without using the retry budget") {
  SinkOptions options = test_options();
  options.retry_max_attempts = 2;
  Harness h(options);
  h.add(upsert("1"));
  auto sent = h.flushed();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(sent.size() == 1);
    h.answer(sent[0], 429, R"({"message":"too many requests"})", "2");
    h.add(upsert(std::to_string(100 + i)));  // new work for the paused endpoint
    h.dispatcher.flush();
    h.clock.advance(1999ms);
    CHECK(h.sent().empty());
    h.clock.advance(1ms);
    sent = h.sent();
    // The resend goes first; the new work is answered, so that only the resend is out
    // (each 429 also halves the requests allowed in flight, down to one).
    for (size_t k = 1; k < sent.size(); ++k) h.answer(sent[k], 200);
    sent.resize(std::min<size_t>(sent.size(), 1));
  }
  CHECK(h.dispatcher.failure() == std::nullopt);
  CHECK(h.dispatcher.watermark() == 0);  // call 1 is still out
  h.answer(sent[0], 200);
  CHECK(h.dispatcher.watermark() >= 1);
  CHECK(h.dispatcher.stats().rate_limited == 5);
  CHECK(h.dispatcher.stats().retries == 0);
}

TEST_CASE("sink: after a 429 at a sustained rate the endpoint is paced just under it") {
  SinkOptions options = test_options();
  options.concurrency = 16;
  Harness h(options);
  for (int i = 0; i < 3000; ++i) h.add(event(std::to_string(i), "e"));
  // A second of answers 10 ms after each request: 16 in flight, about 1,600 accepted.
  size_t accepted = 0;
  for (int step = 0; step < 100; ++step) {
    auto round = h.sent();
    h.clock.advance(10ms);
    for (const auto& request : round) h.answer(request, 200);
    accepted += round.size();
  }
  REQUIRE(accepted > 1000);
  // Then Retainly says enough, for every request of a round.
  auto refused = h.sent();
  h.clock.advance(10ms);
  for (const auto& request : refused) h.answer(request, 429, {}, "1");
  h.clock.advance(1s);
  // The next second carries at most 95 % of the second before, plus a little burst.
  size_t started = 0;
  for (int step = 0; step < 1000; ++step) {
    auto round = h.sent();
    started += round.size();
    h.clock.advance(1ms);
    for (const auto& request : round) h.answer(request, 200);
  }
  CHECK(started <= accepted * 96 / 100 + 40);
  CHECK(started >= accepted * 80 / 100);  // the last second is counted in 100 ms steps
}

TEST_CASE("sink: a 429 pauses only its endpoint") {
  Harness h;
  h.add(upsert("1"));
  auto sent = h.flushed();
  h.answer(sent[0], 429, "", "60");
  h.add(event("2", "x"));
  auto events = h.sent();
  REQUIRE(events.size() == 1);
  CHECK(events[0].path == "/events");
}

TEST_CASE("sink: 422 naming records dead-letters exactly those and delivers the rest") {
  Harness h;
  for (int id = 1; id <= 4; ++id) h.add(upsert(std::to_string(id), {{"n", std::to_string(id)}}));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  h.answer(sent[0], 422,
           detail_422({json::array({"body", "customers", 1, "n"}),
                       json::array({"body", "customers", 3, "n"})}));
  auto lines = h.dead_letter_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["payload"] == json{{"id", 2}, {"n", 2}});
  CHECK(lines[1]["payload"] == json{{"id", 4}, {"n", 4}});
  CHECK(lines[0]["kind"] == "customer_upsert");
  CHECK(lines[0]["status"] == 422);
  CHECK(lines[0]["table"] == "public.users");
  CHECK(lines[0]["key"] == "id=2");
  CHECK(json::parse(lines[0]["response"].get<std::string>())["loc"][2] == 1);
  CHECK(h.dispatcher.watermark() == 0);  // 1 and 3 are not delivered yet

  auto rest = h.sent();
  REQUIRE(rest.size() == 1);
  CHECK(customer_ids(rest[0]) == std::vector<json>{1, 3});
  h.answer(rest[0], 200);
  CHECK(h.dispatcher.watermark() == 4);
  CHECK(h.dispatcher.stats().calls_dead_lettered == 2);
  CHECK(h.dispatcher.stats().calls_acknowledged == 2);
}

TEST_CASE("sink: 422 without record indexes bisects until the invalid records are alone") {
  Harness h;
  for (int id = 1; id <= 7; ++id) h.add(upsert(std::to_string(id)));
  const std::vector<json> bad = {3, 6};
  auto pending = h.flushed();
  size_t requests = 0;
  while (!pending.empty()) {
    for (const auto& request : pending) {
      ++requests;
      auto ids = customer_ids(request);
      bool refused = std::any_of(ids.begin(), ids.end(), [&](const json& id) {
        return std::find(bad.begin(), bad.end(), id) != bad.end();
      });
      h.answer(request, refused ? 422 : 200, refused ? R"({"detail":"invalid"})" : "");
    }
    pending = h.sent();
    REQUIRE(requests < 40);
  }
  auto lines = h.dead_letter_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["payload"]["id"] == 3);
  CHECK(lines[1]["payload"]["id"] == 6);
  CHECK(h.dispatcher.watermark() == 7);
  CHECK(h.dispatcher.stats().calls_acknowledged == 5);
}

TEST_CASE("sink: 422 on an array item names it by record and item index") {
  Harness h;
  h.add(array_item("1", "purchases", "10"));
  h.add(array_item("1", "purchases", "11", {{"note", "\"too long\""}}));
  h.add(array_item("2", "purchases", "20"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 1);
  h.answer(sent[0], 422, detail_422({json::array({"body", "records", 0, "data", 1, "note"})}));
  auto lines = h.dead_letter_lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["kind"] == "array_upsert");
  CHECK(
      lines[0]["payload"] ==
      json::parse(R"({"customer_id":1,"field":"purchases","data":[{"id":11,"note":"too long"}]})"));
  auto rest = h.sent();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].body == R"({"records":[{"customer_id":1,"field":"purchases","data":[{"id":10}]},)"
                        R"({"customer_id":2,"field":"purchases","data":[{"id":20}]}]})");
}

TEST_CASE("sink: a refused event is dead-lettered with Retainly's answer") {
  Harness h;
  h.add(event("1", "signed_up"));
  auto sent = h.sent();
  h.answer(sent[0], 422, R"({"errors":{"event":["too long"]}})");
  auto lines = h.dead_letter_lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["kind"] == "event");
  CHECK(lines[0]["payload"]["event"] == "signed_up");
  CHECK(lines[0]["response"] == R"({"errors":{"event":["too long"]}})");
  CHECK(h.dispatcher.watermark() == 1);
}

TEST_CASE("sink: 413 halves the batch; a record too large alone is dead-lettered") {
  Harness h;
  for (int id = 1; id <= 4; ++id) h.add(upsert(std::to_string(id)));
  auto sent = h.flushed();
  h.answer(sent[0], 413);
  auto halves = h.sent();
  REQUIRE(halves.size() == 2);
  CHECK(customer_ids(halves[0]) == std::vector<json>{1, 2});
  CHECK(customer_ids(halves[1]) == std::vector<json>{3, 4});
  h.answer(halves[0], 200);
  h.answer(halves[1], 413);
  auto quarters = h.sent();
  REQUIRE(quarters.size() == 2);
  h.answer(quarters[0], 200);
  h.answer(quarters[1], 413);
  auto lines = h.dead_letter_lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["payload"]["id"] == 4);
  CHECK(lines[0]["status"] == 413);
  CHECK(h.dispatcher.watermark() == 4);
}

TEST_CASE("sink: 403 fails the sink, stops sending and moves no watermark") {
  Harness h;
  h.add(upsert("1"));
  h.add(event("2", "x"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  h.answer(sent[0].path == "/customers" ? sent[0] : sent[1], 403, R"({"message":"forbidden"})");
  REQUIRE(h.dispatcher.failure().has_value());
  CHECK(h.dispatcher.failure()->kind == FailureKind::kAuth);
  CHECK(h.dispatcher.failure()->message.find("403") != std::string::npos);
  CHECK(h.dispatcher.failure()->message.find("test-secret-5678") == std::string::npos);

  h.answer(sent[0].path == "/events" ? sent[0] : sent[1], 200);  // answered after the 403
  CHECK(h.dispatcher.watermark() == 0);
  h.add(upsert("3"));
  CHECK(h.flushed().empty());
  CHECK(h.dispatcher.next_wakeup() == std::nullopt);
}

TEST_CASE(
    "sink: a 422 from /events about the credentials fails the sink like a 403; no dead letter") {
  Harness h;
  h.add(upsert("1"));
  h.add(event("2", "x"));
  auto sent = h.flushed();
  REQUIRE(sent.size() == 2);
  const auto& events = sent[0].path == "/events" ? sent[0] : sent[1];
  const auto& customers = sent[0].path == "/events" ? sent[1] : sent[0];
  h.answer(events, 422, R"({"errors":{"authentication":["Incorrect authentication parameters"]}})");
  REQUIRE(h.dispatcher.failure().has_value());
  CHECK(h.dispatcher.failure()->kind == FailureKind::kAuth);
  CHECK(h.dispatcher.failure()->message.find("422") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(h.options.dead_letter_path));

  h.answer(customers, 200);  // answered after the refusal: nothing settles any more
  CHECK(h.dispatcher.watermark() == 0);
  h.add(event("3", "y"));
  CHECK(h.flushed().empty());
}

TEST_CASE("sink: batches are cut at batch_max_records and batch_max_bytes") {
  SinkOptions options = test_options();
  options.batch_max_records = 3;
  Harness h(options);
  for (int id = 1; id <= 7; ++id) h.add(upsert(std::to_string(id)));
  // Full batches, and the partial rest (nothing partial is in flight yet), leave at once.
  auto sent = h.sent();
  REQUIRE(sent.size() == 3);
  CHECK(customer_ids(sent[0]).size() == 3);
  CHECK(customer_ids(sent[1]).size() == 3);
  CHECK(customer_ids(sent[2]).size() == 1);
  // Another partial one waits behind it, at most the flush interval.
  h.add(upsert("8"));
  CHECK(h.sent().empty());
  h.clock.advance(200ms);
  sent = h.sent();
  REQUIRE(sent.size() == 1);
  CHECK(customer_ids(sent[0]).size() == 1);

  SinkOptions small = test_options();
  small.batch_max_bytes = 400;
  Harness by_bytes(small);
  const std::string value = "\"" + std::string(100, 'x') + "\"";
  for (int id = 1; id <= 5; ++id) by_bytes.add(upsert(std::to_string(id), {{"v", value}}));
  sent = by_bytes.flushed();
  REQUIRE(sent.size() == 3);
  for (const auto& request : sent) CHECK(request.body.size() <= 400);
  CHECK(customer_ids(sent[0]).size() == 2);
}

TEST_CASE("sink: at most `concurrency` requests are in flight") {
  SinkOptions options = test_options();
  options.concurrency = 2;
  Harness h(options);
  for (int id = 1; id <= 5; ++id) h.add(event(std::to_string(id), "x"));
  auto sent = h.sent();
  REQUIRE(sent.size() == 2);
  CHECK(h.sent().empty());
  h.answer(sent[0], 200);
  CHECK(h.sent().size() == 1);
}

TEST_CASE("sink: more dead letters than the threshold within the window fail the sink") {
  SinkOptions options = test_options();
  options.dead_letter_max_count = 2;
  options.dead_letter_window = std::chrono::seconds{60};
  Harness h(options);
  for (int i = 0; i < 3; ++i) {
    h.add(event(std::to_string(i), "x"));
    auto sent = h.sent();
    REQUIRE(sent.size() == 1);
    h.answer(sent[0], 422);
    if (i == 1) h.clock.advance(61s);  // the first two fall out of the window
  }
  h.add(event("9", "x"));
  h.answer(h.sent().at(0), 422);
  CHECK(h.dispatcher.failure() == std::nullopt);  // two within the last minute
  h.add(event("10", "x"));
  h.answer(h.sent().at(0), 422);
  REQUIRE(h.dispatcher.failure().has_value());
  CHECK(h.dispatcher.failure()->kind == FailureKind::kDeadLetterRate);
}

TEST_CASE("sink: without a dead-letter file a refused record fails the sink") {
  SinkOptions options = test_options();
  options.dead_letter_path = "unset";
  Harness h(options);
  h.add(event("1", "x"));
  h.answer(h.sent().at(0), 422);
  REQUIRE(h.dispatcher.failure().has_value());
  CHECK(h.dispatcher.failure()->kind == FailureKind::kDeadLetterWrite);
  CHECK(h.dispatcher.watermark() == 0);
}

TEST_CASE("sink: an unexpected 4xx is retried, not dead-lettered") {
  Harness h;
  h.add(upsert("1"));
  h.answer(h.flushed().at(0), 404, "not found");
  h.clock.advance(1s);
  auto sent = h.sent();
  REQUIRE(sent.size() == 1);
  h.answer(sent[0], 200);
  CHECK(h.dispatcher.watermark() == 1);
  CHECK(h.dispatcher.stats().calls_dead_lettered == 0);
}

TEST_CASE("sink: stats count requests per endpoint and status") {
  Harness h;
  h.add(upsert("1"));
  auto sent = h.flushed();
  h.clock.advance(30ms);
  h.answer(sent[0], 503);
  h.clock.advance(1s);
  h.answer(h.sent().at(0), 200);
  const SinkStats& stats = h.dispatcher.stats();
  const auto& customers =
      stats.endpoints[static_cast<size_t>(cdc::retainly::CallKind::kCustomerUpsert)];
  CHECK(customers.requests == 2);
  CHECK(customers.responses.at(503) == 1);
  CHECK(customers.responses.at(200) == 1);
  CHECK(stats.request_seconds.count == 2);
  CHECK(stats.request_seconds.counts[3] == 1);  // 30 ms: in (0.025, 0.05]
  CHECK(stats.records_per_request.counts[0] == 2);
}
