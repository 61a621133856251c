// The threaded Sink: its worker, backpressure, waiting and failure reporting.
#include "sink/sink.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <span>
#include <stdexcept>

#include "call_builders.h"
#include "fake_transport.h"
#include "support/thread_state.h"
#include "support/wait_until.h"
#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using namespace std::chrono_literals;

namespace {

struct ThreadedHarness {
  explicit ThreadedHarness(size_t max_pending = 100) {
    SinkOptions options;
    options.key = "k";
    options.secret = "s";
    options.flush_interval = 1h;  // only flush() sends: the test decides when
    options.max_pending_calls = max_pending;
    options.dead_letter_path = (dir.path() / "dead-letters.jsonl").string();
    auto owned = std::make_unique<FakeTransport>();
    transport = owned.get();
    sink = std::make_unique<Sink>(options, std::move(owned), clock);
  }

  bool submit(cdc::retainly::Call call) {
    call.sequence = ++sequence;
    return sink->submit(std::move(call));
  }

  TempDir dir;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  FakeTransport* transport = nullptr;
  std::unique_ptr<Sink> sink;
  uint64_t sequence = 0;
};

}  // namespace

TEST_CASE("sink thread: submitted calls are sent on flush and the watermark follows acks") {
  ThreadedHarness h;
  CHECK(h.sink->watermark() == 0);
  CHECK(h.submit(upsert("1", {{"a", "1"}})));
  CHECK(h.submit(upsert("2", {{"a", "2"}})));
  h.sink->flush();
  // A lone call to an idle sink leaves at once (Dispatcher::pump): when the worker took
  // the first call before the second arrived, it went alone and the flush sent the other.
  const std::string one = R"({"customers":[{"id":1,"a":1},{"id":2,"a":2}]})";
  const std::string two = R"({"customers":[{"id":1,"a":1}]}{"customers":[{"id":2,"a":2}]})";
  std::vector<StartedRequest> sent;
  std::string bodies;
  cdc::test::wait_until(
      [&] {
        for (auto& request : h.transport->take_started()) {
          bodies += request.body;
          sent.push_back(std::move(request));
        }
        return bodies.size() >= one.size();
      },
      10s, "both calls sent");
  CHECK((bodies == one || bodies == two));
  CHECK_FALSE(h.sink->wait_for(2, 1ms));
  for (const auto& request : sent) h.transport->answer(http_answer(request.id, 200));
  CHECK(h.sink->wait_for(2, 10s));
  CHECK(h.sink->watermark() == 2);
  CHECK(h.sink->stats().calls_acknowledged == 2);
}

TEST_CASE("sink thread: calls moved into units that served earlier calls carry nothing of them") {
  // Acknowledged units go back to the dispatcher's pool, and later calls are moved in.
  ThreadedHarness h;
  auto send_and_ack = [&](uint64_t through) {
    h.sink->flush();
    std::string bodies;
    cdc::test::wait_until(
        [&] {
          for (auto& request : h.transport->take_started()) {
            bodies += request.body;
            h.transport->answer(http_answer(request.id, 200));
          }
          return h.sink->watermark() == through;
        },
        10s, "all acknowledged");
    return bodies;
  };
  std::string expected;
  for (int i = 1; i <= 20; ++i) {
    const std::string id = std::to_string(i);
    CHECK(h.submit(upsert(id, {{"a", id}, {"b", "\"" + std::string(40, 'x') + "\""}})));
  }
  send_and_ack(20);
  for (int i = 21; i <= 40; ++i) {
    const std::string id = std::to_string(i);
    CHECK(h.submit(upsert(id, {{"d", id}})));
    expected += R"({"id":)" + id + R"(,"d":)" + id + "}";
  }
  std::string bodies = send_and_ack(40);
  // Whatever the batching, the records are these, in order, and nothing else.
  for (const std::string wrapper : {R"({"customers":[)", "]}"}) {
    for (size_t at; (at = bodies.find(wrapper)) != std::string::npos;)
      bodies.erase(at, wrapper.size());
  }
  for (size_t at; (at = bodies.find("},{")) != std::string::npos;) bodies.replace(at, 3, "}{");
  CHECK(bodies == expected);
  CHECK(h.sink->stats().calls_acknowledged == 40);
}

TEST_CASE("sink thread: acknowledged calls' attribute lists are handed back for reuse") {
  ThreadedHarness h;
  for (int i = 1; i <= 3; ++i) {
    const std::string id = std::to_string(i);
    CHECK(h.submit(upsert(id, {{"a", id}, {"b", "\"" + std::string(40, 'x') + "\""}})));
  }
  std::vector<std::vector<cdc::retainly::Attribute>> spent;
  h.sink->take_spent(spent);
  CHECK(spent.empty());  // nothing answered yet
  h.sink->flush();
  std::vector<std::vector<cdc::retainly::Attribute>> all;
  cdc::test::wait_until(
      [&] {
        for (auto& request : h.transport->take_started()) {
          h.transport->answer(http_answer(request.id, 200));
        }
        h.sink->take_spent(spent);
        for (auto& list : spent) all.push_back(std::move(list));
        spent.clear();
        return all.size() == 3;
      },
      10s, "the three lists handed back");
  // As the calls had them: the receiver empties them on its own thread.
  for (const auto& list : all) {
    REQUIRE(list.size() == 2);
    CHECK(list[1].json.size() == 42);
  }
  CHECK(h.sink->watermark() == 3);
}

TEST_CASE("sink thread: the flush interval runs on the injected clock") {
  ThreadedHarness h;
  h.submit(upsert("1"));
  h.clock->advance(1h);
  REQUIRE(h.transport->wait_started(1));
}

TEST_CASE("sink thread: submit blocks while max_pending_calls calls are unsettled") {
  ThreadedHarness h(/*max_pending=*/2);
  REQUIRE(h.submit(event("1", "a")));
  REQUIRE(h.submit(event("2", "b")));
  std::atomic<pid_t> submitter{0};
  std::atomic<bool> settled_one{false};
  // Returns whether the submit succeeded and whether a call had been settled by then.
  auto third = std::async(std::launch::async, [&] {
    submitter = cdc::test::current_thread_id();
    const bool ok = h.submit(event("3", "c"));
    return std::pair{ok, settled_one.load()};
  });
  REQUIRE(h.transport->wait_started(2));
  // Blocked means asleep in the kernel with the call not taken; were blocking broken, the
  // submit would return and the future be ready instead.
  const auto returned = [&] { return third.wait_for(0s) == std::future_status::ready; };
  cdc::test::wait_until([&] { return returned() || cdc::test::thread_is_sleeping(submitter); }, 10s,
                        "the third submit to block or return");
  CHECK_FALSE(returned());
  CHECK(h.sink->last_submitted() == 2);  // the third is held back
  auto sent = h.transport->take_started();
  settled_one = true;
  h.transport->answer(http_answer(sent[0].id, 200));
  const auto [ok, after_settling] = third.get();
  CHECK(ok);
  CHECK(after_settling);  // it returned only once one of the two calls was settled
  CHECK(h.sink->last_submitted() == 3);
  REQUIRE(h.transport->wait_started(3));
}

TEST_CASE("sink thread: submit_all takes calls in order as room allows, blocking for the rest") {
  ThreadedHarness h(/*max_pending=*/2);
  std::vector<cdc::retainly::Call> calls = {event("1", "a"), event("2", "b"), event("3", "c")};
  for (auto& call : calls) call.sequence = ++h.sequence;
  std::atomic<pid_t> submitter{0};
  auto all = std::async(std::launch::async, [&] {
    submitter = cdc::test::current_thread_id();
    return h.sink->submit_all(calls);
  });
  REQUIRE(h.transport->wait_started(2));
  const auto returned = [&] { return all.wait_for(0s) == std::future_status::ready; };
  cdc::test::wait_until([&] { return returned() || cdc::test::thread_is_sleeping(submitter); }, 10s,
                        "submit_all to block or return");
  CHECK_FALSE(returned());
  CHECK(h.sink->last_submitted() == 2);  // the third waits for room
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 200));
  CHECK(all.get() == 3);
  CHECK(h.sink->last_submitted() == 3);
  REQUIRE(h.transport->wait_started(3));
  const auto sent = h.transport->take_started();
  REQUIRE(sent.size() == 1);  // the third, once there was room
  CHECK(sent[0].body.find("\"c\"") != std::string::npos);
}

TEST_CASE("sink thread: submit_all stopped by its interrupt leaves the calls it did not take") {
  ThreadedHarness h(/*max_pending=*/1);
  std::vector<cdc::retainly::Call> calls = {event("1", "a"), event("2", "b"), event("3", "c")};
  for (auto& call : calls) call.sequence = ++h.sequence;
  std::atomic<bool> stop{false};
  auto all =
      std::async(std::launch::async, [&] { return h.sink->submit_all(std::span(calls), &stop); });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 503));  // retried later
  stop = true;
  CHECK(all.get() == 1);
  CHECK(h.sink->last_submitted() == 1);
  CHECK(calls[1].customer_id == "2");  // not moved from
  CHECK(calls[2].sequence == 3);
}

TEST_CASE("sink thread: a vector the sink has room for is taken whole, none of its calls moved") {
  ThreadedHarness h(/*max_pending=*/3);
  std::vector<cdc::retainly::Call> calls = {upsert("1", {{"a", "1"}}), upsert("2", {{"a", "2"}}),
                                            upsert("3", {{"a", "3"}})};
  for (auto& call : calls) call.sequence = ++h.sequence;
  const cdc::retainly::Call* const buffer = calls.data();
  CHECK(h.sink->submit_all(calls) == 3);
  // The vector itself went into the inbox: moving the calls out of it would have left it
  // its buffer.
  CHECK(calls.empty());
  CHECK(calls.data() != buffer);
  CHECK(h.sink->last_submitted() == 3);
  h.sink->flush();
  std::string bodies;
  size_t started = 0;
  while (bodies.find(R"("id":3)") == std::string::npos) {
    REQUIRE(h.transport->wait_started(started + 1));
    const auto requests = h.transport->take_started();
    started += requests.size();
    for (const auto& request : requests) {
      bodies += request.body;
      h.transport->answer(http_answer(request.id, 200));
    }
  }
  CHECK(h.sink->wait_for(3, 10s));
  CHECK(bodies.find(R"({"id":1,"a":1})") < bodies.find(R"({"id":2,"a":2})"));
  CHECK(bodies.find(R"({"id":2,"a":2})") < bodies.find(R"({"id":3,"a":3})"));
}

TEST_CASE("sink thread: vectors taken whole come back emptied, with their buffers, at once") {
  ThreadedHarness h(/*max_pending=*/100);
  auto batch = [&](const std::string& a, const std::string& b) {
    std::vector<cdc::retainly::Call> calls = {upsert(a, {{"a", "1"}}), upsert(b, {{"a", "2"}})};
    for (auto& call : calls) call.sequence = ++h.sequence;
    return calls;
  };
  auto first = batch("1", "2");
  auto second = batch("3", "4");
  REQUIRE(h.sink->submit_all(first) == 2);
  REQUIRE(h.sink->submit_all(second) == 2);
  // Sent, not answered: the worker has taken both vectors and waits for the answer.
  std::string bodies;
  size_t started = 0;
  while (bodies.find(R"("id":4)") == std::string::npos) {
    h.sink->flush();
    REQUIRE(h.transport->wait_started(started + 1));
    for (const auto& request : h.transport->take_started()) {
      ++started;
      bodies += request.body;
    }
  }
  // Each of the next two vectors handed over whole gets one of those buffers back.
  auto third = batch("5", "6");
  auto fourth = batch("7", "8");
  REQUIRE(h.sink->submit_all(third) == 2);
  CHECK(third.empty());
  CHECK(third.capacity() >= 2);
  REQUIRE(h.sink->submit_all(fourth) == 2);
  CHECK(fourth.capacity() >= 2);
}

TEST_CASE("sink thread: a vector taken in part keeps the calls not taken, in order, at its front") {
  ThreadedHarness h(/*max_pending=*/1);
  std::vector<cdc::retainly::Call> calls = {event("1", "a"), event("2", "b"), event("3", "c")};
  for (auto& call : calls) call.sequence = ++h.sequence;
  std::atomic<bool> stop{false};
  auto all = std::async(std::launch::async, [&] { return h.sink->submit_all(calls, &stop); });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 503));  // retried later
  stop = true;
  CHECK(all.get() == 1);
  CHECK(h.sink->last_submitted() == 1);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].customer_id == "2");
  CHECK(calls[0].sequence == 2);
  CHECK(calls[1].customer_id == "3");
}

TEST_CASE("sink thread: a vector whose sequences do not follow is refused whole") {
  ThreadedHarness h;
  std::vector<cdc::retainly::Call> calls = {upsert("1"), upsert("2"), upsert("3")};
  calls[0].sequence = 1;
  calls[1].sequence = 2;
  calls[2].sequence = 4;
  CHECK_THROWS_AS(h.sink->submit_all(calls), std::invalid_argument);
  CHECK(h.sink->last_submitted() == 0);
  CHECK(calls.size() == 3);
  CHECK(calls[2].customer_id == "3");
}

TEST_CASE("sink thread: sequences must follow each other") {
  ThreadedHarness h;
  auto call = upsert("1");
  call.sequence = 5;
  CHECK_THROWS_AS(h.sink->submit(std::move(call)), std::invalid_argument);
}

TEST_CASE("sink thread: 403 fails the sink; submit then refuses and wait_for gives up") {
  ThreadedHarness h;
  h.submit(upsert("1"));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 403));
  CHECK_FALSE(h.sink->wait_for(1, 10s));
  REQUIRE(h.sink->failure().has_value());
  CHECK(h.sink->failure()->kind == FailureKind::kAuth);
  CHECK_FALSE(h.submit(upsert("2")));
  CHECK(h.sink->watermark() == 0);
}

TEST_CASE("sink thread: a blocked submit returns false when the sink fails") {
  ThreadedHarness h(/*max_pending=*/1);
  REQUIRE(h.submit(event("1", "a")));
  auto second = std::async(std::launch::async, [&] { return h.submit(event("2", "b")); });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 403));
  CHECK_FALSE(second.get());
}

TEST_CASE("sink thread: a submit blocked while Retainly fails returns false on interrupt") {
  ThreadedHarness h(/*max_pending=*/1);
  REQUIRE(h.submit(event("1", "a")));
  std::atomic<bool> stop{false};
  auto second = std::async(std::launch::async, [&] {
    auto call = event("2", "b");
    call.sequence = 2;
    return h.sink->submit(std::move(call), &stop);
  });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 503));  // retried later
  stop = true;
  CHECK_FALSE(second.get());  // returns although nothing was settled
  CHECK(h.sink->last_submitted() == 1);
  CHECK_FALSE(h.sink->failure().has_value());
}

TEST_CASE("sink thread: destroying a sink with calls in flight returns") {
  ThreadedHarness h;
  h.submit(upsert("1"));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  h.sink.reset();
  CHECK(h.sink == nullptr);
}

TEST_CASE("send window: open between its start and end, extended but never reopened") {
  using Clock = SendWindow::Clock;
  const auto t = Clock::now();
  SendWindow window;
  CHECK_FALSE(window.open(t));
  window.set(t + 1s, t + 3s);
  CHECK_FALSE(window.open(t));
  CHECK(window.open(t + 1s));
  CHECK_FALSE(window.open(t + 3s));
  window.extend_until(t + 5s);
  CHECK(window.open(t + 4s));
  window.extend_until(t + 2s);  // never shortens
  CHECK(window.open(t + 4s));
  window.close();
  window.extend_until(t + 9s);
  CHECK_FALSE(window.open(t + 4s));
}

TEST_CASE(
    "sink thread: a closed send window with nothing unsettled is no failure; requests "
    "go once it opens") {
  ThreadedHarness h;
  auto window = std::make_shared<SendWindow>();  // closed: a new lock holder's delay
  h.sink->set_send_window(window);
  h.sink->flush();
  CHECK_FALSE(h.sink->failure().has_value());
  const auto now = SendWindow::Clock::now();
  window->set(now, now + 1h);
  REQUIRE(h.submit(upsert("1")));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  CHECK_FALSE(h.sink->failure().has_value());
}

TEST_CASE("sink thread: a send window that only runs out pauses sending; extended, it resumes") {
  // The lease's confirmation is late: nothing is sent meanwhile, and nothing fails, though
  // calls are unsettled (a window closed by a lost lock would fence the sink instead).
  ThreadedHarness h(/*max_pending=*/10);
  auto window = std::make_shared<SendWindow>();
  const auto now = SendWindow::Clock::now();
  window->set(now, now + 1h);
  h.sink->set_send_window(window);
  REQUIRE(h.submit(upsert("1")));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  window->set(now, SendWindow::Clock::now());  // ran out, not closed
  REQUIRE(h.submit(upsert("2")));
  h.sink->flush();
  CHECK_FALSE(h.transport->wait_started(2, 300ms));
  CHECK_FALSE(h.sink->failure().has_value());
  window->extend_until(SendWindow::Clock::now() + 1h);
  REQUIRE(h.transport->wait_started(2));
  for (const auto& request : h.transport->take_started()) {
    h.transport->answer(http_answer(request.id, 200));
  }
  CHECK(h.sink->wait_for(2, 10s));
  CHECK_FALSE(h.sink->failure().has_value());
}

TEST_CASE(
    "sink thread: a send window that closes with calls unsettled fences the sink: "
    "nothing more is sent, retried or accepted") {
  // Issue 13, defect 10: the instance lock's lease lapsed, another instance sends now.
  ThreadedHarness h(/*max_pending=*/1);
  auto window = std::make_shared<SendWindow>();
  const auto now = SendWindow::Clock::now();
  window->set(now, now + 1h);
  h.sink->set_send_window(window);
  REQUIRE(h.submit(upsert("1")));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  // The pipeline waits on the full sink when the lease lapses.
  auto blocked = std::async(std::launch::async, [&] { return h.submit(upsert("2")); });
  window->close();
  CHECK_FALSE(blocked.get());
  REQUIRE(h.sink->failure().has_value());
  CHECK(h.sink->failure()->kind == FailureKind::kFenced);
  CHECK(h.sink->failure()->message.find("1 calls unsettled") != std::string::npos);
  // A 500 for the request in flight is not retried.
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 500));
  CHECK_FALSE(h.sink->wait_for(1, 200ms));
  CHECK(h.transport->all_started().size() == 1);
  CHECK(h.sink->watermark() == 0);
}

TEST_CASE("sink thread: settled() names the dead-lettered calls once, beside the watermark") {
  ThreadedHarness h;
  CHECK(h.submit(upsert("1", {{"a", "1"}})));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(1));
  auto first = h.transport->take_started();
  // A 422 without record names: the lone record is refused and dead-lettered.
  h.transport->answer(http_answer(first[0].id, 422, R"({"errors":["bad"]})"));
  REQUIRE(h.sink->wait_for(1, 10s));
  CHECK(h.submit(upsert("2", {{"a", "2"}})));
  h.sink->flush();
  REQUIRE(h.transport->wait_started(2));  // counts every request started so far
  auto second = h.transport->take_started();
  REQUIRE(second.size() == 1);
  h.transport->answer(http_answer(second[0].id, 200));
  REQUIRE(h.sink->wait_for(2, 10s));
  std::vector<uint64_t> dead;
  CHECK(h.sink->settled(dead) == 2);
  CHECK(dead == std::vector<uint64_t>{1});
  dead.clear();
  CHECK(h.sink->settled(dead) == 2);
  CHECK(dead.empty());
}
