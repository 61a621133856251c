// The sink's engine: lanes per customer, batches per endpoint, requests in flight and
// waiting, the answer policy, dead letters and the watermark. Single-threaded and
// clock-driven, so tests run every interleaving without threads or sleeps; Sink runs it
// on its worker thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lane_table.h"
#include "retainly/call.h"
#include "retainly/request_body.h"
#include "retainly/response_class.h"
#include "retainly/transport.h"
#include "sink/ack_watermark.h"
#include "sink/backoff.h"
#include "sink/clock.h"
#include "sink/concurrency_limit.h"
#include "sink/dead_letter_file.h"
#include "sink/lane_queue.h"
#include "sink/rate_pacer.h"
#include "sink/sink_failure.h"
#include "sink/sink_options.h"
#include "sink/sink_stats.h"

namespace cdc::sink {

// Not thread-safe. `transport`, `clock` and `dead_letters` must outlive it.
//
// Ordering: a lane (one customer, by retainly::lane_key) has at most one request in
// flight or waiting to be resent; its next units leave only once every unit of that
// request is settled. Different lanes go in parallel.
//
// Answers (classified once, by retainly::classify):
//   2xx      the request's calls are acknowledged;
//   429      the endpoint pauses for Retry-After, then the same request is resent; this
//            is not a failed attempt. The endpoint is paced from then on (RatePacer), and
//            the concurrency limit halves;
//   5xx, timeout, connection error, unexpected 4xx
//            resent after exponential backoff with full jitter; after
//            retry_max_attempts failed attempts (0: never) the sink fails;
//   422/400  records the answer names are dead-lettered, the rest resent; without names
//            the request is halved until each refused record is alone;
//   413      halved; a record too large on its own is dead-lettered;
//   401/403, and a 422 from /events about authentication (retainly::classify)
//            the sink fails: nothing more is sent or acknowledged.
class Dispatcher {
 public:
  Dispatcher(const SinkOptions& options, retainly::Transport& transport, Clock& clock,
             UniformRandom random, DeadLetterFile& dead_letters);

  // Takes one call, handed over at `arrived` (its flush interval counts from there;
  // default: now). Throws std::invalid_argument unless its sequence is last_added() + 1.
  void add(retainly::Call&& call, std::optional<Clock::TimePoint> arrived = std::nullopt);
  // add() for each call in order, all handed over at `arrived` (taken from `calls`, which
  // is left holding moved-from calls). With thousands of customers in flight their lanes
  // are out of the cache: each lane's bucket is loaded a few calls before its lookup.
  void add_all(std::vector<retainly::Call>& calls, Clock::TimePoint arrived);
  // Everything added so far is due now rather than at the end of its flush interval.
  void flush();
  // The attribute lists of calls done with (UnitPool::take_spent).
  void take_spent(std::vector<std::vector<retainly::Attribute>>& out) { units_.take_spent(out); }
  // Starts every request that may start now: due resends first, then batches that are
  // due, within the adaptive concurrency limit (ConcurrencyLimit, `concurrency` its
  // ceiling). A batch is due when it is full, when no partial batch of its endpoint is
  // in flight (so a lone change to an idle sink leaves at once), when it is flush_interval
  // old, or after flush(). Like Nagle's algorithm: while a partial batch is out, the next
  // one fills up behind it, so batches grow exactly when Retainly is what holds them
  // back, and no timer is needed in the common case.
  void pump();
  // One finished request. Answers for unknown ids are ignored.
  void on_response(retainly::HttpResponse response);

  // When pump() next has something to do without a new call or answer; nullopt when
  // only an answer can help (all slots busy, or the sink failed).
  std::optional<Clock::TimePoint> next_wakeup() const;

  uint64_t watermark() const { return watermark_.watermark(); }
  uint64_t last_added() const { return watermark_.last_added(); }
  size_t unsettled() const { return watermark_.unsettled(); }
  size_t in_flight() const { return in_flight_.size(); }
  size_t concurrency_limit() const { return limit_.limit(); }
  const std::optional<SinkFailure>& failure() const { return failure_; }
  const SinkStats& stats() const { return stats_; }
  // Moves the sequences of the calls dead-lettered since the last take into `out`
  // (appended): settled, but Retainly does not hold what they carried.
  void take_dead_lettered(std::vector<uint64_t>& out) {
    out.insert(out.end(), dead_lettered_.begin(), dead_lettered_.end());
    dead_lettered_.clear();
  }

 private:
  // add() with the hash of the call's lane key (LaneTable::hash) already taken.
  void add(retainly::Call&& call, std::optional<Clock::TimePoint> arrived, uint32_t lane_hash);
  struct Lane {
    uint32_t slot = 0;  // names it in lanes_, to erase it
    uint32_t hash = 0;  // its key's, to load its bucket before erase() searches it
    LaneQueue queue;
    // Units of this lane in a request not yet settled (in flight or waiting to resend).
    size_t outstanding = 0;
    // The endpoint queue that currently holds this lane as ready, if any.
    std::optional<retainly::CallKind> queued_in;
    // Entries naming this lane in endpoint queues, stale ones included; the lane lives
    // while any exists.
    size_t queue_entries = 0;
  };

  // Lanes whose head unit goes to one endpoint, in the order they became ready. Entries
  // go stale when a lane's head changes; they are dropped when reached. The counters
  // only trigger sends, so a stale entry's share in them is harmless.
  struct EndpointQueue {
    retainly::CallKind kind = retainly::CallKind::kCustomerUpsert;
    std::deque<Lane*> ready;
    size_t units = 0;
    size_t bytes = 0;
    std::optional<Clock::TimePoint> oldest;  // earliest arrival among ready heads
    Clock::TimePoint paused_until{};         // after a 429
    size_t partial_in_flight = 0;            // requests in flight cut before they were full
    Clock::TimePoint partial_sent{};         // when the last of those was sent
    Clock::TimePoint partial_answered{};     // and answered
    RatePacer pacer;                         // spaces requests after a 429
    size_t taken_since_recount = 0;          // ready entries taken since recount()
  };

  struct Request {
    retainly::CallKind kind = retainly::CallKind::kCustomerUpsert;
    std::vector<UnitPtr> units;  // in body order
    std::vector<Lane*> lanes;    // lanes[i] holds units[i]
    std::string body;            // empty until encoded; kept for resends
    std::vector<size_t> record_starts;
    uint32_t failed_attempts = 0;
    Clock::TimePoint started{};
    bool partial = false;  // cut below batch_max_records and batch_max_bytes
    uint64_t id = 0;       // the transport's, while in flight
  };
  using RequestPtr = std::unique_ptr<Request>;

  bool due(retainly::CallKind kind, Clock::TimePoint now) const;
  bool paused(retainly::CallKind kind, Clock::TimePoint now) const;
  // After a 429 the endpoint's pacer spaces requests; true while it has no token.
  bool paced(retainly::CallKind kind, Clock::TimePoint now) const;
  void requeue(Lane& lane);
  void drop_entry(EndpointQueue& queue);
  void recount(EndpointQueue& queue);
  // Drops stale entries at the front and takes the front lane's head as the oldest.
  void settle_front(EndpointQueue& queue);
  void erase_if_idle(Lane& lane);
  bool cut(retainly::CallKind kind);
  void send(RequestPtr request);
  void wait_then_send(RequestPtr request, Clock::TimePoint when);

  void on_invalid(RequestPtr request, const retainly::Verdict& verdict,
                  const retainly::HttpResponse& response);
  void on_too_large(RequestPtr request, const retainly::HttpResponse& response);
  void on_retryable(RequestPtr request, const retainly::HttpResponse& response);
  // Moves the units at `indexes` of `request` into a request of their own, due now.
  void resend_part(Request& request, const std::vector<size_t>& indexes);
  void bisect(RequestPtr request);

  void settle(Unit& unit, Lane& lane);
  void acknowledge(Request& request);
  // Writes the dead letter, then settles; false (and the sink failed) if it could not.
  bool dead_letter(Unit& unit, Lane& lane, int status, std::string_view response,
                   std::string reason);
  void fail(FailureKind kind, std::string message);
  void overloaded(const Request& request, const retainly::HttpResponse& response);
  void recycle(RequestPtr request);
  RequestPtr new_request(retainly::CallKind kind);

  const SinkOptions options_;
  retainly::Transport& transport_;
  Clock& clock_;
  Backoff backoff_;
  DeadLetterFile& dead_letters_;
  const std::vector<retainly::HttpHeader> headers_;

  ConcurrencyLimit limit_;
  AckWatermark watermark_;
  LaneTable<Lane> lanes_;
  std::vector<uint32_t> lane_hashes_;  // add_all()'s, reused
  std::array<EndpointQueue, retainly::kCallKindCount> endpoints_;
  // Unordered; at most the concurrency limit long, so a scan finds an answer's request
  // faster than a hash map node is allocated.
  std::vector<RequestPtr> in_flight_;
  std::multimap<Clock::TimePoint, RequestPtr> waiting_;
  std::optional<Clock::TimePoint> flushed_at_;
  std::deque<Clock::TimePoint> recent_dead_letters_;
  std::optional<SinkFailure> failure_;
  SinkStats stats_;
  std::vector<uint64_t> dead_lettered_;

  // Reused: finished requests (their vectors and body keep their capacity), and the
  // call list a body is written from.
  std::vector<RequestPtr> spare_requests_;
  std::vector<const retainly::Call*> body_calls_;
  UnitPool units_;
};

}  // namespace cdc::sink
