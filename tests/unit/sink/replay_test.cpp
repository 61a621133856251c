#include "sink/replay.h"

#include <doctest/doctest.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "fake_transport.h"
#include "temp_dir.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using nlohmann::json;

namespace {

const char* kUpsertLine =
    R"({"time":"2024-05-01T12:00:00.000Z","position":"pg:0/1:0","table":"public.users","key":"id=1","kind":"customer_upsert","payload":{"id":1,"bio":"fixed"},"status":422,"response":"","reason":"r"})";
const char* kEventLine =
    R"({"time":"2024-05-01T12:00:00.000Z","position":"pg:0/2:0","table":"public.orders","key":"id=9","kind":"event","payload":{"customer_id":1,"event":"order_placed","data":{"amount":5}},"status":422,"response":"","reason":"r"})";
const char* kRejectionLine =
    R"({"time":"2024-05-01T12:00:00.000Z","position":"pg:0/3:0","table":"public.users","key":"id=2","kind":"mapping_rejection","payload":{"age":"x"},"status":0,"response":"","reason":"age: not a number"})";

struct ReplayHarness {
  ReplayHarness() {
    path = dir.path() / "dead-letters.jsonl";
    std::ofstream(path) << kUpsertLine << "\n" << kEventLine << "\n" << kRejectionLine << "\n";
    SinkOptions options;
    options.key = "k";
    options.secret = "s";
    options.dead_letter_path = path.string();
    auto owned = std::make_unique<FakeTransport>();
    transport = owned.get();
    sink = std::make_unique<Sink>(options, std::move(owned));
  }

  TempDir dir;
  std::filesystem::path path;
  FakeTransport* transport = nullptr;
  std::unique_ptr<Sink> sink;
};

}  // namespace

TEST_CASE("replay: resends matching lines and keeps only what still fails") {
  ReplayHarness h;
  auto replay = std::async(std::launch::async, [&] {
    return replay_dead_letters(h.path, {}, *h.sink, std::chrono::seconds{20});
  });
  // Both lines are of customer 1: the event goes once the upsert is acknowledged.
  REQUIRE(h.transport->wait_started(1));
  auto upsert = h.transport->take_started().at(0);
  CHECK(upsert.body == R"({"customers":[{"id":1,"bio":"fixed"}]})");
  h.transport->answer(http_answer(upsert.id, 200));
  REQUIRE(h.transport->wait_started(2));
  auto event = h.transport->take_started().at(0);
  CHECK(event.body == R"({"customer_id":1,"event":"order_placed","data":{"amount":5}})");
  h.transport->answer(http_answer(event.id, 422, R"({"errors":{"event":["nope"]}})"));
  ReplayResult result = replay.get();
  CHECK(result.resent == 2);
  CHECK(result.delivered == 1);
  CHECK(result.failed_again == 1);
  CHECK(result.kept == 1);

  const std::string text = read_text(h.path);
  const auto newline = text.find('\n');
  CHECK(text.substr(0, newline) == kRejectionLine);  // kept as it was
  auto again = json::parse(text.substr(newline + 1));
  CHECK(again["kind"] == "event");
  CHECK(again["position"] == "pg:0/2:0");
  CHECK(again["response"] == R"({"errors":{"event":["nope"]}})");
  CHECK(text.find("fixed") == std::string::npos);  // delivered, gone
}

TEST_CASE("replay: a filter resends only the lines it matches") {
  ReplayHarness h;
  ReplayFilter filter;
  filter.table = "public.users";
  auto replay = std::async(std::launch::async, [&] {
    return replay_dead_letters(h.path, filter, *h.sink, std::chrono::seconds{20});
  });
  REQUIRE(h.transport->wait_started(1));
  auto sent = h.transport->take_started();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].path == "/customers");
  h.transport->answer(http_answer(sent[0].id, 200));
  ReplayResult result = replay.get();
  CHECK(result.resent == 1);
  CHECK(result.kept == 2);
  CHECK(read_text(h.path) == std::string(kEventLine) + "\n" + kRejectionLine + "\n");
}

TEST_CASE("replay: when the sink fails the file is left unchanged") {
  ReplayHarness h;
  const std::string before = read_text(h.path);
  auto replay = std::async(std::launch::async, [&] {
    return replay_dead_letters(h.path, {}, *h.sink, std::chrono::seconds{20});
  });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 403));
  CHECK_THROWS_AS(replay.get(), std::runtime_error);
  CHECK(read_text(h.path) == before);
}

TEST_CASE("replay: refuses while another process appends to the file, and sends nothing") {
  ReplayHarness h;
  const std::string before = read_text(h.path);
  // What a running daemon holds: a writer of the same dead-letter file.
  DeadLetterFile daemon(h.path);
  std::string refusal;
  try {
    replay_dead_letters(h.path, {}, *h.sink, std::chrono::seconds{1});
  } catch (const std::runtime_error& error) {
    refusal = error.what();
  }
  CHECK(refusal.find("in use") != std::string::npos);
  CHECK(refusal.find(h.path.string()) != std::string::npos);
  CHECK(h.transport->take_started().empty());
  CHECK(read_text(h.path) == before);
}

TEST_CASE("replay: once the other writer is gone, it goes ahead") {
  ReplayHarness h;
  { DeadLetterFile daemon(h.path); }
  auto replay = std::async(std::launch::async, [&] {
    return replay_dead_letters(h.path, {}, *h.sink, std::chrono::seconds{20});
  });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 200));
  REQUIRE(h.transport->wait_started(2));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 200));
  CHECK(replay.get().delivered == 2);
}

TEST_CASE("replay: hands the calls it resends over before the first is sent; a throw sends none") {
  ReplayHarness h;
  const std::string before = read_text(h.path);
  std::vector<std::string> handed;
  size_t started_then = 99;
  auto replay = std::async(std::launch::async, [&] {
    return replay_dead_letters(h.path, {}, *h.sink, std::chrono::seconds{20},
                               [&](std::span<const cdc::retainly::Call> calls) {
                                 started_then = h.transport->take_started().size();
                                 for (const auto& call : calls) {
                                   handed.push_back(cdc::retainly::to_string(call.kind));
                                 }
                               });
  });
  REQUIRE(h.transport->wait_started(1));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 200));
  REQUIRE(h.transport->wait_started(2));
  h.transport->answer(http_answer(h.transport->take_started()[0].id, 200));
  CHECK(replay.get().delivered == 2);
  CHECK(started_then == 0);
  CHECK(handed == std::vector<std::string>{"customer_upsert", "event"});

  ReplayHarness refused;
  CHECK_THROWS_WITH_AS(
      replay_dead_letters(refused.path, {}, *refused.sink, std::chrono::seconds{20},
                          [](std::span<const cdc::retainly::Call>) {
                            throw std::runtime_error("store unavailable");
                          }),
      "store unavailable", std::runtime_error);
  CHECK(refused.transport->take_started().empty());
  CHECK(read_text(refused.path) == before);
}
