#include "sink/dispatcher.h"

#include <algorithm>
#include <stdexcept>

#include "ops/log.h"
#include "sink/invalid_split.h"

namespace cdc::sink {
namespace {

using retainly::Call;
using retainly::CallKind;
using retainly::HttpResponse;
using retainly::ResponseClass;
using retainly::TransportError;

constexpr std::array<CallKind, retainly::kCallKindCount> kKinds = {
    CallKind::kCustomerUpsert, CallKind::kCustomerDelete, CallKind::kArrayUpsert,
    CallKind::kArrayDelete, CallKind::kEvent};

// `{"customers":[` and `]}` around the records, and the commas between them, roughly.
constexpr size_t kBodyOverhead = 32;

// How many calls ahead a lane's bucket is loaded (add_all(), acknowledge()): far enough
// for a load from memory to land, near enough that the buckets stay in the cache until
// used.
constexpr size_t kLanesAhead = 8;

size_t index_of(CallKind kind) { return static_cast<size_t>(kind); }

// retainly::lane_key without the copy: the id with JSON string quotes removed.
std::string_view lane_of(std::string_view id) {
  if (id.size() >= 2 && id.front() == '"' && id.back() == '"') return id.substr(1, id.size() - 2);
  return id;
}

std::vector<retainly::HttpHeader> request_headers(const SinkOptions& options) {
  return {{options.key_header, options.key},
          {options.secret_header, options.secret},
          {"Content-Type", "application/json"},
          {"Accept", "application/json"}};
}

// `value - from + to`, never below zero: the endpoint counters are estimates.
size_t replaced(size_t value, size_t from, size_t to) { return value - std::min(value, from) + to; }

std::string describe(const HttpResponse& response) {
  switch (response.error) {
    case TransportError::kNone:
      return "HTTP " + std::to_string(response.status);
    case TransportError::kTimeout:
      return "timeout: " + response.error_message;
    case TransportError::kConnection:
      return "connection error: " + response.error_message;
  }
  return "unknown";
}

std::string where(CallKind kind) {
  const retainly::Endpoint endpoint = retainly::endpoint_of(kind);
  return std::string(endpoint.method) + " " + endpoint.path;
}

// Idle lanes kept for reuse: as many as calls may be pending, each of a customer of its
// own (a stream of inserts), so that such a stream makes no new lanes once warm; a
// lane costs about 150 bytes. Bounded for a max_pending_calls set very high.
size_t pooled_lanes(const SinkOptions& options) {
  return std::clamp<size_t>(options.max_pending_calls, 1024, 65536);
}

}  // namespace

Dispatcher::Dispatcher(const SinkOptions& options, retainly::Transport& transport, Clock& clock,
                       UniformRandom random, DeadLetterFile& dead_letters)
    : options_(options),
      transport_(transport),
      clock_(clock),
      backoff_(options.retry_initial_backoff, options.retry_max_backoff, std::move(random)),
      dead_letters_(dead_letters),
      headers_(request_headers(options)),
      limit_(options.concurrency),
      lanes_(pooled_lanes(options)) {
  for (CallKind kind : kKinds) endpoints_[index_of(kind)].kind = kind;
  stats_.concurrency_limit = limit_.limit();
}

void Dispatcher::add(Call&& call, std::optional<Clock::TimePoint> arrived) {
  const std::string_view lane = lane_of(call.customer_id);
  add(std::move(call), arrived, LaneTable<Lane>::hash(lane));
}

void Dispatcher::add_all(std::vector<Call>& calls, Clock::TimePoint arrived) {
  // perf put a third of add()'s samples on the load of the lane's bucket.
  lane_hashes_.clear();
  for (const auto& call : calls) {
    lane_hashes_.push_back(LaneTable<Lane>::hash(lane_of(call.customer_id)));
    if (lane_hashes_.size() <= kLanesAhead) lanes_.prefetch(lane_hashes_.back());
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i + kLanesAhead < calls.size()) lanes_.prefetch(lane_hashes_[i + kLanesAhead]);
    add(std::move(calls[i]), arrived, lane_hashes_[i]);
  }
}

void Dispatcher::add(Call&& call, std::optional<Clock::TimePoint> arrived, uint32_t lane_hash) {
  watermark_.add(call.sequence);
  ++stats_.calls_submitted;
  const auto entry = lanes_.find_or_add(lane_of(call.customer_id), lane_hash);
  Lane& lane = *entry.value;
  if (entry.inserted) {
    // Possibly a pooled lane: erased only when idle, so just its name is new.
    lane.slot = entry.slot;
    lane.hash = lane_hash;
    lane.queued_in.reset();
  }

  const size_t run_before = lane.queue.head_run();
  const size_t bytes_before = lane.queue.head_run_bytes();
  // Not value_or(clock_.now()): that reads the clock for every call, arrived or not.
  lane.queue.add(std::move(call), arrived ? *arrived : clock_.now(), units_);
  if (lane.queued_in && *lane.queued_in == lane.queue.head_kind()) {
    EndpointQueue& queue = endpoints_[index_of(*lane.queued_in)];
    queue.units = replaced(queue.units, run_before, lane.queue.head_run());
    queue.bytes = replaced(queue.bytes, bytes_before, lane.queue.head_run_bytes());
  }
  requeue(lane);
}

void Dispatcher::flush() { flushed_at_ = clock_.now(); }

void Dispatcher::pump() {
  if (failure_) return;
  const Clock::TimePoint now = clock_.now();
  const size_t slots = limit_.limit();
  // Resends first: the lanes they hold are what later calls of those customers wait for.
  for (auto it = waiting_.begin();
       it != waiting_.end() && it->first <= now && in_flight_.size() < slots;) {
    if (paused(it->second->kind, now) ||
        !endpoints_[index_of(it->second->kind)].pacer.try_take(now)) {
      ++it;
      continue;
    }
    RequestPtr request = std::move(it->second);
    it = waiting_.erase(it);
    send(std::move(request));
  }
  while (in_flight_.size() < slots) {
    std::optional<CallKind> pick;
    Clock::TimePoint pick_oldest{};
    for (CallKind kind : kKinds) {
      if (!due(kind, now)) continue;
      const Clock::TimePoint oldest = endpoints_[index_of(kind)].oldest.value_or(now);
      if (!pick || oldest < pick_oldest) {
        pick = kind;
        pick_oldest = oldest;
      }
    }
    if (!pick) break;
    endpoints_[index_of(*pick)].pacer.try_take(now);
    cut(*pick);
  }
}

std::optional<Clock::TimePoint> Dispatcher::next_wakeup() const {
  if (failure_ || in_flight_.size() >= limit_.limit()) {
    return std::nullopt;
  }
  const Clock::TimePoint now = clock_.now();
  std::optional<Clock::TimePoint> next;
  auto consider = [&](Clock::TimePoint when) {
    if (!next || when < *next) next = when;
  };
  for (const auto& [when, request] : waiting_) {
    const EndpointQueue& queue = endpoints_[index_of(request->kind)];
    const Clock::TimePoint at = std::max(when, queue.paused_until);
    consider(std::max(at, queue.pacer.next_token(at).value_or(at)));
  }
  for (const EndpointQueue& queue : endpoints_) {
    if (queue.ready.empty()) continue;
    if (paused(queue.kind, now)) {
      consider(queue.paused_until);
    } else if (paced(queue.kind, now)) {
      consider(*queue.pacer.next_token(now));
    } else if (due(queue.kind, now)) {
      consider(now);
    } else if (queue.oldest) {
      consider(*queue.oldest + options_.flush_interval);
      if (queue.partial_in_flight == 0) {
        consider(queue.partial_sent + options_.batch_linger);
      }
    }
  }
  return next;
}

bool Dispatcher::paused(CallKind kind, Clock::TimePoint now) const {
  return endpoints_[index_of(kind)].paused_until > now;
}

bool Dispatcher::paced(CallKind kind, Clock::TimePoint now) const {
  const auto token = endpoints_[index_of(kind)].pacer.next_token(now);
  return token && *token > now;
}

bool Dispatcher::due(CallKind kind, Clock::TimePoint now) const {
  const EndpointQueue& queue = endpoints_[index_of(kind)];
  if (queue.ready.empty() || paused(kind, now) || paced(kind, now)) return false;
  // Events are not batched (one per request), so there is nothing to wait for.
  if (kind == CallKind::kEvent || !queue.oldest) return true;
  if (queue.units >= options_.batch_max_records || queue.bytes >= options_.batch_max_bytes) {
    return true;
  }
  if (*queue.oldest + options_.flush_interval <= now ||
      (flushed_at_ && *queue.oldest <= *flushed_at_)) {
    return true;
  }
  if (queue.partial_in_flight > 0) return false;
  // Nothing smaller in flight: the batch goes, unless it filled behind a request sent less
  // than batch_linger ago (SinkOptions).
  return *queue.oldest >= queue.partial_answered ||
         now >= queue.partial_sent + options_.batch_linger;
}

void Dispatcher::requeue(Lane& lane) {
  if (lane.outstanding > 0 || lane.queue.empty()) return;
  const CallKind kind = lane.queue.head_kind();
  if (lane.queued_in == kind) return;
  EndpointQueue& queue = endpoints_[index_of(kind)];
  queue.ready.push_back(&lane);
  ++lane.queue_entries;
  lane.queued_in = kind;
  queue.units += lane.queue.head_run();
  queue.bytes += lane.queue.head_run_bytes();
  if (!queue.oldest || lane.queue.head_arrived() < *queue.oldest) {
    queue.oldest = lane.queue.head_arrived();
  }
}

void Dispatcher::drop_entry(EndpointQueue& queue) {
  Lane* lane = queue.ready.front();
  queue.ready.pop_front();
  --lane->queue_entries;
  erase_if_idle(*lane);
}

void Dispatcher::erase_if_idle(Lane& lane) {
  if (lane.outstanding > 0 || !lane.queue.empty() || lane.queue_entries > 0) return;
  lanes_.erase(lane.slot);
}

void Dispatcher::settle_front(EndpointQueue& queue) {
  while (!queue.ready.empty() && queue.ready.front()->queued_in != queue.kind) drop_entry(queue);
  // The front lane became ready first. A lane that became ready later can hold an older
  // unit (it waited behind its own request), so this may be later than the true oldest:
  // such a unit then waits a little past flush_interval, never less.
  if (queue.ready.empty()) {
    queue.oldest.reset();
  } else {
    queue.oldest = queue.ready.front()->queue.head_arrived();
  }
}

void Dispatcher::recount(EndpointQueue& queue) {
  queue.taken_since_recount = 0;
  queue.units = 0;
  queue.bytes = 0;
  queue.oldest.reset();
  for (const Lane* lane : queue.ready) {
    if (lane->queued_in != queue.kind) continue;
    queue.units += lane->queue.head_run();
    queue.bytes += lane->queue.head_run_bytes();
    if (!queue.oldest || lane->queue.head_arrived() < *queue.oldest) {
      queue.oldest = lane->queue.head_arrived();
    }
  }
}

bool Dispatcher::cut(CallKind kind) {
  EndpointQueue& queue = endpoints_[index_of(kind)];
  RequestPtr request = new_request(kind);
  const size_t max_records =
      kind == CallKind::kEvent ? 1 : std::max<size_t>(1, options_.batch_max_records);
  size_t bytes = kBodyOverhead;
  // What the taken lanes counted in the queue's counters: their whole head runs, as the
  // entries leave even when only part of a run fits.
  size_t taken_units = 0;
  size_t taken_bytes = 0;
  bool full = false;
  while (!queue.ready.empty() && !full) {
    Lane* lane = queue.ready.front();
    if (lane->queued_in != kind) {
      drop_entry(queue);  // stale: the lane moved on since this entry was made
      continue;
    }
    size_t take = 0;
    for (; take < lane->queue.head_run(); ++take) {
      const Unit& unit = lane->queue.at(take);
      const bool first = request->units.empty() && take == 0;
      if (request->units.size() + take >= max_records ||
          (!first && bytes + unit.size > options_.batch_max_bytes)) {
        full = true;
        break;
      }
      bytes += unit.size;
    }
    if (take == 0) break;
    taken_units += lane->queue.head_run();
    taken_bytes += lane->queue.head_run_bytes();
    const size_t begin = request->units.size();
    lane->queue.take_front(take, request->units);
    request->lanes.insert(request->lanes.end(), take, lane);
    lane->outstanding += take;
    lane->queued_in.reset();
    drop_entry(queue);
    ++queue.taken_since_recount;
    if (kind == CallKind::kArrayUpsert || kind == CallKind::kArrayDelete) {
      // One record per customer and field: write_request_body groups adjacent items.
      std::stable_sort(
          request->units.begin() + static_cast<std::ptrdiff_t>(begin), request->units.end(),
          [](const UnitPtr& a, const UnitPtr& b) { return a->call.field < b->call.field; });
    }
  }
  // The counters follow what was taken. A full recount walks every ready lane, so doing it
  // after each cut made a backlog of events (one per request) quadratic; it is done once
  // as many entries were taken as remain, which keeps it O(1) per cut on average.
  if (queue.taken_since_recount >= queue.ready.size()) {
    recount(queue);
  } else {
    queue.units = replaced(queue.units, taken_units, 0);
    queue.bytes = replaced(queue.bytes, taken_bytes, 0);
    settle_front(queue);
  }
  if (request->units.empty()) return false;
  request->partial = !full;
  send(std::move(request));
  return true;
}

void Dispatcher::send(RequestPtr request) {
  if (request->body.empty()) {
    body_calls_.clear();
    for (const UnitPtr& unit : request->units) body_calls_.push_back(&unit->call);
    retainly::write_request_body(body_calls_, request->body, &request->record_starts);
  }
  const retainly::Endpoint endpoint = retainly::endpoint_of(request->kind);
  const Clock::TimePoint now = clock_.now();
  request->started = now;
  ++stats_.endpoints[index_of(request->kind)].requests;
  stats_.endpoints[index_of(request->kind)].request_bytes += request->body.size();
  stats_.records_per_request.observe(static_cast<double>(request->units.size()),
                                     kRecordsPerRequestBounds);
  retainly::HttpRequest http;
  http.method = endpoint.method;
  http.path = endpoint.path;
  http.body = request->body;
  http.headers = headers_;
  request->id = transport_.start(http);
  if (request->partial) {
    EndpointQueue& queue = endpoints_[index_of(request->kind)];
    ++queue.partial_in_flight;
    queue.partial_sent = now;
  }
  in_flight_.push_back(std::move(request));
  limit_.on_send(now, in_flight_.size());
}

void Dispatcher::wait_then_send(RequestPtr request, Clock::TimePoint when) {
  waiting_.emplace(when, std::move(request));
}

void Dispatcher::on_response(HttpResponse response) {
  auto found = std::find_if(in_flight_.begin(), in_flight_.end(),
                            [&](const RequestPtr& r) { return r->id == response.id; });
  if (found == in_flight_.end()) return;
  RequestPtr request = std::move(*found);
  *found = std::move(in_flight_.back());
  in_flight_.pop_back();
  const Clock::TimePoint now = clock_.now();
  if (request->partial) {
    EndpointQueue& queue = endpoints_[index_of(request->kind)];
    --queue.partial_in_flight;
    queue.partial_answered = now;
  }

  EndpointStats& endpoint = stats_.endpoints[index_of(request->kind)];
  ++endpoint.responses[response.error == TransportError::kNone ? response.status : 0];
  stats_.last_status = response.error == TransportError::kNone ? response.status : 0;
  stats_.request_seconds.observe(std::chrono::duration<double>(now - request->started).count(),
                                 kRequestSecondsBounds);
  if (failure_) {
    // After a failure nothing settles: the watermark stays where the failure found it.
    recycle(std::move(request));
    return;
  }

  const retainly::Verdict verdict = retainly::classify(response, clock_.wall_now(), request->kind);
  switch (verdict.kind) {
    case ResponseClass::kRetryAfter:
    case ResponseClass::kRetry:
      overloaded(*request, response);
      break;
    case ResponseClass::kOk:
    case ResponseClass::kInvalid:
    case ResponseClass::kTooLarge:
      limit_.on_answer(request->started, now);
      if (limit_.limit() != stats_.concurrency_limit) {
        const size_t limit = limit_.limit();
        if ((limit & (limit - 1)) == 0 || limit == limit_.ceiling()) {
          log::debug("requests in flight may now reach {}", limit);
        }
        stats_.concurrency_limit = limit;
      }
      break;
    case ResponseClass::kUnexpected:  // likely a proxy or the URL: says nothing of load
    case ResponseClass::kAuth:
      break;
  }
  switch (verdict.kind) {
    case ResponseClass::kOk:
      endpoints_[index_of(request->kind)].pacer.on_accepted(now);
      acknowledge(*request);
      recycle(std::move(request));
      return;
    case ResponseClass::kRetryAfter: {
      ++stats_.rate_limited;
      EndpointQueue& queue = endpoints_[index_of(request->kind)];
      if (queue.paused_until <= now) {
        log::info("{} is rate limited (HTTP 429); pausing it for {} ms", where(request->kind),
                  verdict.retry_after.count());
      }
      queue.paused_until = std::max(queue.paused_until, now + verdict.retry_after);
      if (queue.pacer.on_rate_limited(request->started, now)) {
        log::info(
            "{}: pacing it at {:.0f} requests/s, just under what Retainly accepted in "
            "the last second",
            where(request->kind), *queue.pacer.rate());
      }
      const Clock::TimePoint resume = queue.paused_until;
      wait_then_send(std::move(request), resume);
      return;
    }
    case ResponseClass::kRetry:
    case ResponseClass::kUnexpected:
      on_retryable(std::move(request), response);
      return;
    case ResponseClass::kInvalid:
      on_invalid(std::move(request), verdict, response);
      return;
    case ResponseClass::kTooLarge:
      on_too_large(std::move(request), response);
      return;
    case ResponseClass::kAuth:
      // The body is left out of the message: it comes from outside and is not needed.
      fail(FailureKind::kAuth,
           "Retainly refused the credentials (HTTP " + std::to_string(response.status) + " on " +
               where(request->kind) +
               (response.status == 422 ? ", an answer about authentication)" : ")"));
      recycle(std::move(request));
      return;
  }
}

void Dispatcher::overloaded(const Request& request, const HttpResponse& response) {
  const size_t before = limit_.limit();
  if (!limit_.on_overload(request.started, clock_.now()) || limit_.limit() == before) return;
  stats_.concurrency_limit = limit_.limit();
  log::info("{} answered {}: lowering the requests in flight from {} to {}", where(request.kind),
            describe(response), before, limit_.limit());
}

void Dispatcher::on_retryable(RequestPtr request, const HttpResponse& response) {
  // An unexpected 4xx lands here too: it is more likely a proxy or URL problem than a bad
  // record, and retrying keeps every offset where it is while an operator looks.
  const uint32_t attempt = ++request->failed_attempts;
  if (options_.retry_max_attempts > 0 && attempt >= options_.retry_max_attempts) {
    fail(FailureKind::kRetryCeiling,
         where(request->kind) + " failed " + std::to_string(attempt) +
             " times in a row (retry_max_attempts); last: " + describe(response));
    recycle(std::move(request));
    return;
  }
  ++stats_.retries;
  const auto delay = backoff_.delay(attempt);
  // A single failure that the next attempt fixes is routine; after that, powers of two
  // only, so a long outage does not flood the log.
  if (attempt == 1) {
    log::debug("{} with {} records failed ({}); resending in {} ms", where(request->kind),
               request->units.size(), describe(response), delay.count());
  } else if ((attempt & (attempt - 1)) == 0) {
    log::warn("{} with {} records failed ({}); attempt {}, resending in {} ms",
              where(request->kind), request->units.size(), describe(response), attempt,
              delay.count());
  }
  wait_then_send(std::move(request), clock_.now() + delay);
}

void Dispatcher::on_too_large(RequestPtr request, const HttpResponse& response) {
  if (request->units.size() == 1) {
    dead_letter(*request->units[0], *request->lanes[0], response.status, response.body,
                "the record alone is larger than Retainly accepts (HTTP 413)");
    recycle(std::move(request));
    return;
  }
  ++stats_.splits;
  bisect(std::move(request));
}

void Dispatcher::on_invalid(RequestPtr request, const retainly::Verdict& verdict,
                            const HttpResponse& response) {
  const std::string reason = "refused by Retainly (HTTP " + std::to_string(response.status) + ")";
  const size_t count = request->units.size();
  if (count == 1) {
    dead_letter(*request->units[0], *request->lanes[0], response.status, response.body, reason);
    recycle(std::move(request));
    return;
  }

  const InvalidSplit split = split_invalid(count, request->record_starts, verdict.invalid);
  ++stats_.splits;
  if (split.bisect) {
    bisect(std::move(request));
    return;
  }
  for (const InvalidSplit::Pinned& pinned : split.pinned) {
    if (!dead_letter(*request->units[pinned.unit], *request->lanes[pinned.unit], response.status,
                     *pinned.detail, reason)) {
      recycle(std::move(request));
      return;
    }
  }
  if (!split.suspects.empty()) resend_part(*request, split.suspects);
  if (!split.clear.empty()) resend_part(*request, split.clear);
  recycle(std::move(request));
}

void Dispatcher::bisect(RequestPtr request) {
  const size_t count = request->units.size();
  std::vector<size_t> first;
  std::vector<size_t> second;
  for (size_t i = 0; i < count; ++i) (i < count / 2 ? first : second).push_back(i);
  resend_part(*request, first);
  resend_part(*request, second);
  recycle(std::move(request));
}

void Dispatcher::resend_part(Request& request, const std::vector<size_t>& indexes) {
  RequestPtr part = new_request(request.kind);
  for (size_t i : indexes) {
    part->units.push_back(std::move(request.units[i]));
    part->lanes.push_back(request.lanes[i]);
  }
  // The parts of one request share lanes; they may fly together because the records of
  // one request never depend on each other's order (LaneQueue merges what would).
  wait_then_send(std::move(part), clock_.now());
}

void Dispatcher::settle(Unit& unit, Lane& lane) {
  watermark_.settle(unit.call.sequence);
  for (uint64_t sequence : unit.also_settles) watermark_.settle(sequence);
  stats_.calls_coalesced += unit.also_settles.size();
  if (--lane.outstanding == 0) {
    requeue(lane);
    erase_if_idle(lane);
  }
}

void Dispatcher::acknowledge(Request& request) {
  // Settling erases the lanes left idle (all of them, in a stream of new customers): their
  // buckets are loaded ahead, as in add_all(). perf put half of on_response()'s samples
  // on erase()'s first look at the bucket.
  for (size_t i = 0; i < request.units.size(); ++i) {
    if (i + kLanesAhead < request.lanes.size()) {
      lanes_.prefetch(request.lanes[i + kLanesAhead]->hash);
    }
    stats_.calls_acknowledged += request.units[i]->call_count();
    settle(*request.units[i], *request.lanes[i]);
  }
}

bool Dispatcher::dead_letter(Unit& unit, Lane& lane, int status, std::string_view response,
                             std::string reason) {
  DeadLetter letter;
  letter.time = clock_.wall_now();
  letter.origin = unit.call.origin;
  letter.kind = retainly::to_string(unit.call.kind);
  retainly::append_record(unit.call, letter.payload);
  letter.status = status;
  letter.response = std::string(response);
  letter.reason = std::move(reason);
  try {
    dead_letters_.append(letter);
  } catch (const std::exception& error) {
    fail(FailureKind::kDeadLetterWrite, std::string("cannot write a dead letter: ") + error.what());
    return false;
  }
  log::warn("dead letter: {} of {} ({}) at {}: {}", letter.kind, letter.origin.table,
            letter.origin.key, letter.origin.position.str(), letter.reason);
  stats_.calls_dead_lettered += unit.call_count();
  dead_lettered_.push_back(unit.call.sequence);
  dead_lettered_.insert(dead_lettered_.end(), unit.also_settles.begin(), unit.also_settles.end());
  settle(unit, lane);

  if (options_.dead_letter_max_count > 0) {
    const Clock::TimePoint now = clock_.now();
    recent_dead_letters_.push_back(now);
    while (recent_dead_letters_.front() + options_.dead_letter_window < now) {
      recent_dead_letters_.pop_front();
    }
    if (recent_dead_letters_.size() > options_.dead_letter_max_count) {
      fail(FailureKind::kDeadLetterRate,
           std::to_string(recent_dead_letters_.size()) + " dead letters within " +
               std::to_string(options_.dead_letter_window.count()) + " s (dead_letter_max_count " +
               std::to_string(options_.dead_letter_max_count) + "); see " +
               dead_letters_.path().string());
    }
  }
  return true;
}

void Dispatcher::fail(FailureKind kind, std::string message) {
  if (failure_) return;
  log::error("the Retainly sink stopped ({}): {}", to_string(kind), message);
  failure_ = SinkFailure{kind, std::move(message)};
}

void Dispatcher::recycle(RequestPtr request) {
  for (UnitPtr& unit : request->units) {
    if (unit != nullptr) units_.give(std::move(unit));  // null: moved to a part
  }
  request->units.clear();
  if (spare_requests_.size() >= limit_.limit()) return;
  request->lanes.clear();
  request->body.clear();
  request->record_starts.clear();
  spare_requests_.push_back(std::move(request));
}

Dispatcher::RequestPtr Dispatcher::new_request(CallKind kind) {
  RequestPtr request;
  if (spare_requests_.empty()) {
    request = std::make_unique<Request>();
  } else {
    request = std::move(spare_requests_.back());
    spare_requests_.pop_back();
  }
  request->kind = kind;
  request->failed_attempts = 0;
  request->partial = false;
  request->id = 0;
  return request;
}

}  // namespace cdc::sink
