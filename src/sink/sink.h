// The Retainly sink: takes Calls in source order from the pipeline, delivers them over
// HTTP with the ordering, batching and failure rules of Dispatcher, and reports how far
// everything is settled (acknowledged or dead-lettered) as a watermark of call sequences.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "retainly/call.h"
#include "retainly/transport.h"
#include "sink/backoff.h"
#include "sink/clock.h"
#include "sink/dead_letter_file.h"
#include "sink/send_window.h"
#include "sink/sink_failure.h"
#include "sink/sink_options.h"
#include "sink/sink_stats.h"

namespace cdc::sink {

class Dispatcher;

// Threading: submit() from one producer thread; the other members from any thread. One
// worker thread, started by the constructor, drives the transport and the Dispatcher.
class Sink {
 public:
  // `transport` nullptr: an HttpTransport to options.url. `clock` nullptr: the system
  // clock. `random` empty: seeded from std::random_device (backoff jitter).
  Sink(SinkOptions options, std::unique_ptr<retainly::Transport> transport,
       std::shared_ptr<Clock> clock = nullptr, UniformRandom random = {});
  // Stops the worker thread; pending calls are abandoned (their offsets were never
  // acknowledged, so they are read again on the next start).
  ~Sink();

  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Hands over one call. Sequences are 1, 2, 3, ... without gaps; throws
  // std::invalid_argument otherwise. Blocks while max_pending_calls calls are unsettled
  // (backpressure), which during an outage can be for as long as it lasts. Returns false,
  // without taking the call, if the sink has failed or is being destroyed, or when
  // `interrupt` (another thread's flag, looked at every 50 ms while blocked) becomes
  // true: a stop request must not wait for Retainly to come back.
  bool submit(retainly::Call&& call, const std::atomic<bool>* interrupt = nullptr);
  // Hands over `calls` in order as submit() would one at a time, taking the lock once for
  // up to kCallsPerLock of them (as many as max_pending_calls leaves room for). Returns
  // how many it took: all, unless the sink failed or is being destroyed or `interrupt`
  // became true first. Those it took are moved from; the rest are left as they were.
  size_t submit_all(std::span<retainly::Call> calls, const std::atomic<bool>* interrupt = nullptr);
  // submit_all() of every call in `calls`, which come back without those taken (the rest
  // in order at the front). When there is room for them all at once, the vector itself
  // joins the inbox, so that no call is moved: a backfill hands over pages of thousands
  // of calls, and moving each copied a few hundred bytes. `calls` then comes back empty,
  // with the capacity of a batch the sink is done with when it has one.
  size_t submit_all(std::vector<retainly::Call>& calls,
                    const std::atomic<bool>* interrupt = nullptr);
  // The lock taken once a call cost a backfill's submitting thread a fifth of its time,
  // the sink's thread taking the same lock for every batch of calls between. A few hundred
  // at once still wake the sink's thread soon after a page starts.
  static constexpr size_t kCallsPerLock = 256;

  // The attribute lists of calls the sink is done with, swapped into `out` if it is
  // empty, for the submitting thread to build its next calls in (retainly::CallMemory).
  void take_spent(std::vector<std::vector<retainly::Attribute>>& out);

  // Highest S such that every call with sequence <= S is acknowledged (2xx) or
  // dead-lettered; 0 before anything. Never moves after a failure.
  uint64_t watermark() const;
  // watermark(), and, appended to `dead_lettered`, the sequences of the calls
  // dead-lettered since the last call of this (each reported once, in no set order, some
  // perhaps above the watermark returned): what settled without Retainly holding it.
  uint64_t settled(std::vector<uint64_t>& dead_lettered);
  // The sequence of the last call submitted; 0 before anything.
  uint64_t last_submitted() const;

  // Waits until watermark() >= sequence, the sink fails, or `timeout`; true if reached.
  bool wait_for(uint64_t sequence, std::chrono::milliseconds timeout);

  // Sends what is batched now instead of waiting for the flush interval. Does not wait.
  void flush();

  // From now on requests start only while `window` is open (nullptr: always). When it is
  // closed while calls are unsettled, the sink fails (FailureKind::kFenced) at once and
  // starts nothing more: those calls are left to whoever sends now (the instance that
  // holds the lock), and the caller should exit, which abandons requests in flight.
  void set_send_window(std::shared_ptr<const SendWindow> window);

  std::optional<SinkFailure> failure() const;
  SinkStats stats() const;
  DeadLetterFile& dead_letters() { return dead_letters_; }

 private:
  void run();
  // Under mutex_, after calls were added to the inbox: whether the worker should be woken
  // (see kWakeInterval), noting the wake. `was_empty`: the inbox was empty before.
  bool wake_due(bool was_empty);
  void publish(Dispatcher& dispatcher, const std::optional<SinkFailure>& fenced);

  const SinkOptions options_;
  std::unique_ptr<retainly::Transport> transport_;
  std::shared_ptr<Clock> clock_;
  DeadLetterFile dead_letters_;
  UniformRandom random_;

  mutable std::mutex mutex_;
  std::condition_variable settled_;  // the watermark moved, or the sink failed or stops
  // Calls submitted and not yet taken by the worker, in batches (in order, none empty):
  // a vector handed over whole is one (submit_all()), calls handed over one by one join
  // the last. And when the first of them was handed over: the flush interval of each
  // counts from then (see wake_due()).
  std::vector<std::vector<retainly::Call>> inbox_;
  Clock::TimePoint inbox_arrived_{};
  // Batches the worker emptied, kept with their capacity for the submitter's next calls:
  // one for each vector submit_all() takes whole, and for calls handed over one by one.
  // A stream hands over several a round; with one kept, the rest were freed and the
  // pipeline's next vectors grew again call by call, moving every call at each doubling.
  // Bounded by the calls they have room for (about 2 MiB), but one is kept whatever its
  // room, as before: a backfill's page (5,000 by default) is one.
  static constexpr size_t kMaxSpareCalls = 8192;
  std::vector<std::vector<retainly::Call>> spare_batches_;
  size_t spare_calls_ = 0;  // their capacities' sum
  // Under mutex_: a spare batch, or an empty vector when none is kept.
  std::vector<retainly::Call> take_spare_batch();
  uint64_t last_submitted_ = 0;
  uint64_t settled_count_ = 0;           // published by the worker
  uint64_t watermark_ = 0;               // published by the worker
  std::vector<uint64_t> dead_lettered_;  // published by the worker, taken by settled()
  std::vector<std::vector<retainly::Attribute>> spent_;  // published by the worker
  std::optional<SinkFailure> failure_;
  SinkStats stats_;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::optional<Clock::TimePoint> last_wake_;  // by submit(); see kWakeInterval
  std::shared_ptr<const SendWindow> window_;

  std::thread worker_;
};

}  // namespace cdc::sink
