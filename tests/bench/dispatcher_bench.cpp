// The sink's own bookkeeping per call, without HTTP: lanes, batching, the watermark and
// request bodies, through Dispatcher::add / pump / on_response.
//
//   cdc_dispatcher_bench [CALLS] [CUSTOMERS] [KIND]    (defaults 1000000, 100000, upsert)
//
// CALLS customer upserts (KIND "event": events, one per request) for CUSTOMERS distinct
// customers in turn are handed over 1,000 at a time, as the sink's worker takes its
// inbox; every request started is answered 200 at once. Meant for instruction counts
// (valgrind --tool=callgrind, perf stat -e instructions), which the machine's load does
// not distort; the wall time it prints is only a hint.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "retainly/call.h"
#include "retainly/transport.h"
#include "sink/clock.h"
#include "sink/dead_letter_file.h"
#include "sink/dispatcher.h"
#include "sink/sink_options.h"

namespace {

using cdc::retainly::HttpResponse;

// Answers every request 200 at the next poll.
class InstantTransport final : public cdc::retainly::Transport {
 public:
  uint64_t start(const cdc::retainly::HttpRequest&) override {
    started_.push_back(next_id_);
    return next_id_++;
  }
  void poll(std::chrono::milliseconds, std::vector<HttpResponse>& done) override {
    for (uint64_t id : started_) {
      HttpResponse response;
      response.id = id;
      response.status = 200;
      done.push_back(std::move(response));
    }
    started_.clear();
  }
  void wake() override {}

 private:
  uint64_t next_id_ = 1;
  std::vector<uint64_t> started_;
};

}  // namespace

int main(int argc, char** argv) {
  const uint64_t calls = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const uint64_t customers = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100000;
  const bool events = argc > 3 && std::string_view(argv[3]) == "event";
  constexpr uint64_t kChunk = 1000;

  cdc::sink::SinkOptions options;
  InstantTransport transport;
  cdc::sink::ManualClock clock;
  cdc::sink::DeadLetterFile dead_letters("");
  cdc::sink::Dispatcher dispatcher(
      options, transport, clock, [] { return 0.5; }, dead_letters);

  std::vector<HttpResponse> answers;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t sequence = 1; sequence <= calls;) {
    for (uint64_t i = 0; i < kChunk && sequence <= calls; ++i, ++sequence) {
      cdc::retainly::Call call;
      call.kind =
          events ? cdc::retainly::CallKind::kEvent : cdc::retainly::CallKind::kCustomerUpsert;
      call.sequence = sequence;
      call.customer_id = std::to_string(sequence % customers);
      if (events) call.event_name = "signed_up";
      call.attributes.push_back({"plan", "\"pro\""});
      dispatcher.add(std::move(call));
    }
    dispatcher.flush();
    // Answers free slots; each round starts what they let through, until all is settled.
    do {
      dispatcher.pump();
      transport.poll(std::chrono::milliseconds{0}, answers);
      for (HttpResponse& answer : answers) dispatcher.on_response(std::move(answer));
      answers.clear();
    } while (dispatcher.unsettled() > 0);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (dispatcher.watermark() != calls) {
    std::fprintf(stderr, "watermark %llu, expected %llu\n",
                 static_cast<unsigned long long>(dispatcher.watermark()),
                 static_cast<unsigned long long>(calls));
    return 1;
  }
  std::printf("%llu calls, %llu customers, %s: %.3f s, %.0f ns per call\n",
              static_cast<unsigned long long>(calls), static_cast<unsigned long long>(customers),
              events ? "events" : "upserts", seconds, seconds * 1e9 / static_cast<double>(calls));
  return 0;
}
