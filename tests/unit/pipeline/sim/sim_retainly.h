// The simulated Retainly behind the sink's Transport seam: retainly-mock's own store and
// API handler (so the answers are the ones the mock gives over HTTP), with faults decided
// by the seed and the request (never by timing), latency in simulated time, and a
// lockstep with the pipeline's thread so that one seed runs the same way every time.
//
// Lockstep: the sink's worker runs only inside tick(). A poll() that would wait (nothing
// due, no wake, its timeout not reached in simulated time) parks the worker; tick()
// advances the clock and, when the worker has something to do at the new time (a wake,
// an answer due, its timeout reached), lets it run until it parks again. So the sink
// reacts to every submission, answer and deadline at a simulated moment the pipeline's
// thread chose, whatever the operating system's scheduling.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mock/store.h"
#include "pipeline/sim/sim_world.h"
#include "retainly/transport.h"
#include "sink/clock.h"

namespace cdc::pipeline::sim {

// What the simulated Retainly saw, for the checks at the end of a seed. Lives as long as
// the world; every transport of every incarnation adds to it.
struct RetainlyLog {
  std::mutex mutex;
  std::vector<std::string> violations;  // calls of one customer applied out of order
  uint64_t requests = 0;
  uint64_t refused_records = 0;  // 422 answers for records holding kRefused
  uint64_t faults = 0;           // 5xx, 429, dropped connections, lost answers
  uint64_t ticks = 0;            // times the sink's worker was let run
};

class SimRetainly final : public retainly::Transport {
 public:
  // `incarnation` tells the processes of one seed apart: the same request gets fresh
  // faults after a restart.
  SimRetainly(mock::Store& store, sink::ManualClock& clock, const SimProfile& profile,
              uint64_t seed, uint32_t incarnation, RetainlyLog& log);

  uint64_t start(const retainly::HttpRequest& request) override;
  void poll(std::chrono::milliseconds timeout, std::vector<retainly::HttpResponse>& done) override;
  void wake() override;

  // Pipeline thread: advances simulated time by `by` and returns once the sink's worker
  // did what that time brought and parked again.
  void tick(std::chrono::nanoseconds by);
  // Waits until the sink's worker parked the first time (call after creating the sink).
  void wait_parked();
  // How long until the worker or an answer next needs simulated time to pass.
  std::chrono::nanoseconds time_to_next_event() const;
  // The process died: requests Retainly already received are applied (their answers are
  // lost), the others never arrive; the worker runs free so the sink can be destroyed.
  void kill();
  // The process stops normally: the worker runs free so the sink can be destroyed.
  void release();

 private:
  enum class Fate { kServe, kLostAnswer, kDropped, kFailed, kRateLimited };
  struct InFlight {
    uint64_t id = 0;
    Fate fate = Fate::kServe;
    std::string method;
    std::string path;
    std::string body;
    sink::Clock::TimePoint due{};
    std::string retry_after;
  };

  // REQUIRES: mutex_ held. Appends answers due by now; true if any.
  bool deliver_due(std::vector<retainly::HttpResponse>& done);
  // Applies a request to the store as Retainly would; its answer.
  retainly::HttpResponse serve(const InFlight& request);
  void check_order(const std::string& path, const std::string& body);

  mock::Store& store_;
  sink::ManualClock& clock_;
  const SimProfile& profile_;
  const uint64_t seed_;
  const uint32_t incarnation_;
  RetainlyLog& log_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t next_id_ = 1;
  std::multimap<sink::Clock::TimePoint, InFlight> in_flight_;  // by due time, then start order
  std::unordered_map<std::string, uint32_t> attempts_;         // by method, path and body
  std::unordered_map<std::string, int64_t> applied_version_;   // by key: the last "ver"
  bool woken_ = false;
  bool free_ = false;
  bool parked_ = false;                    // the worker waits in poll()
  bool released_ = false;                  // a tick let it run
  sink::Clock::TimePoint parked_until_{};  // its poll()'s timeout, in simulated time
};

}  // namespace cdc::pipeline::sim
