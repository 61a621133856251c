#include "sink/sink.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/thread_name.h"
#include "retainly/http_transport.h"
#include "sink/dispatcher.h"

namespace cdc::sink {
namespace {

// The longest the worker blocks without looking at the clock: a ManualClock's advance()
// in tests is noticed within it, and it costs an idle daemon nothing worth measuring.
constexpr std::chrono::milliseconds kMaxWait{50};

// A wake costs both threads a system call and a context switch, and under a stream of
// calls the worker, having taken the inbox, finds it filled again soon after: the stream
// benchmarks woke it every 36 calls. So a call that finds the inbox empty within this long
// of the last wake does not wake it; the worker instead never sleeps past the last wake
// plus this long (run()), which bounds what such a call waits, while a call to an idle
// worker still wakes it at once. On the sink's Clock, so that a simulation that drives it
// replays the same way.
constexpr std::chrono::microseconds kWakeInterval{1000};

std::unique_ptr<retainly::Transport> default_transport(const SinkOptions& options) {
  retainly::HttpTransportOptions http;
  http.base_url = options.url;
  http.request_timeout = options.request_timeout;
  http.max_connections = std::max<size_t>(1, options.concurrency);
  http.tls_verify = options.tls_verify;
  http.ca_path = options.ca_path;
  return std::make_unique<retainly::HttpTransport>(std::move(http));
}

// Sequences are 1, 2, 3, ... without gaps: `sequence` must be the one after `last`.
void require_next(uint64_t sequence, uint64_t last) {
  if (sequence != last + 1) {
    throw std::invalid_argument("call sequence " + std::to_string(sequence) + " does not follow " +
                                std::to_string(last));
  }
}

std::vector<std::string> dead_letter_secrets(const SinkOptions& options) {
  std::vector<std::string> secrets = options.redacted;
  secrets.push_back(options.key);
  secrets.push_back(options.secret);
  return secrets;
}

}  // namespace

Sink::Sink(SinkOptions options, std::unique_ptr<retainly::Transport> transport,
           std::shared_ptr<Clock> clock, UniformRandom random)
    : options_(std::move(options)),
      transport_(transport ? std::move(transport) : default_transport(options_)),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      dead_letters_(options_.dead_letter_path, dead_letter_secrets(options_)),
      random_(random ? std::move(random) : default_random()) {
  worker_ = std::thread([this] {
    name_this_thread("cdc-sink");
    run();
  });
}

Sink::~Sink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  settled_.notify_all();
  transport_->wake();
  worker_.join();
}

bool Sink::submit(retainly::Call&& call, const std::atomic<bool>* interrupt) {
  return submit_all(std::span(&call, 1), interrupt) == 1;
}

size_t Sink::submit_all(std::span<retainly::Call> calls, const std::atomic<bool>* interrupt) {
  const uint64_t limit = std::max<uint64_t>(1, options_.max_pending_calls);
  size_t taken = 0;
  while (taken < calls.size()) {
    {
      std::unique_lock lock(mutex_);
      if (failure_ || stopping_) return taken;
      auto can_go = [&] {
        return failure_ || stopping_ || last_submitted_ - settled_count_ < limit;
      };
      // Whoever sets `interrupt` cannot notify settled_, so it is looked at between waits.
      while (!can_go()) {
        if (interrupt != nullptr && interrupt->load()) return taken;
        settled_.wait_for(lock, kMaxWait, can_go);
      }
      if (failure_ || stopping_) return taken;
      const bool was_empty = inbox_.empty();
      const uint64_t room = limit - (last_submitted_ - settled_count_);
      const size_t now = std::min<size_t>({calls.size() - taken, room, kCallsPerLock});
      for (size_t i = 0; i < now; ++i) {
        retainly::Call& call = calls[taken];
        require_next(call.sequence, last_submitted_);
        // Joins the last batch; an empty inbox starts one in the spare batch's capacity.
        if (inbox_.empty()) inbox_.push_back(take_spare_batch());
        inbox_.back().push_back(std::move(call));
        ++last_submitted_;
        ++taken;
      }
      if (!wake_due(was_empty)) continue;
    }
    transport_->wake();
  }
  return taken;
}

std::vector<retainly::Call> Sink::take_spare_batch() {
  if (spare_batches_.empty()) return {};
  std::vector<retainly::Call> batch = std::move(spare_batches_.back());
  spare_batches_.pop_back();
  spare_calls_ -= batch.capacity();
  return batch;
}

size_t Sink::submit_all(std::vector<retainly::Call>& calls, const std::atomic<bool>* interrupt) {
  size_t whole = 0;  // taken as one batch
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    const uint64_t limit = std::max<uint64_t>(1, options_.max_pending_calls);
    if (!failure_ && !stopping_ && !calls.empty() &&
        last_submitted_ - settled_count_ + calls.size() <= limit) {
      for (size_t i = 0; i < calls.size(); ++i)
        require_next(calls[i].sequence, last_submitted_ + i);
      const bool was_empty = inbox_.empty();
      whole = calls.size();
      inbox_.push_back(std::move(calls));
      // Back with a spare batch's capacity (the worker empties a batch before keeping it),
      // for the caller's next calls.
      calls = take_spare_batch();
      last_submitted_ += whole;
      wake = wake_due(was_empty);
    }
  }
  if (whole > 0) {
    if (wake) transport_->wake();
    return whole;
  }
  const size_t taken = submit_all(std::span(calls), interrupt);
  calls.erase(calls.begin(), calls.begin() + static_cast<std::ptrdiff_t>(taken));
  return taken;
}

bool Sink::wake_due(bool was_empty) {
  // One wake per batch of submissions (the worker takes the whole inbox at once), and at
  // most one per kWakeInterval. The clock is read once per batch too: the calls behind the
  // first are stamped as early as it, so they can only leave sooner (the flush interval
  // counts from the stamp), by at most the time the worker took to come.
  if (!was_empty) return false;
  inbox_arrived_ = clock_->now();
  if (last_wake_ && inbox_arrived_ < *last_wake_ + kWakeInterval) return false;
  last_wake_ = inbox_arrived_;
  return true;
}

uint64_t Sink::watermark() const {
  std::lock_guard lock(mutex_);
  return watermark_;
}

uint64_t Sink::settled(std::vector<uint64_t>& dead_lettered) {
  std::lock_guard lock(mutex_);
  dead_lettered.insert(dead_lettered.end(), dead_lettered_.begin(), dead_lettered_.end());
  dead_lettered_.clear();
  return watermark_;
}

void Sink::take_spent(std::vector<std::vector<retainly::Attribute>>& out) {
  std::lock_guard lock(mutex_);
  if (out.empty()) out.swap(spent_);
}

uint64_t Sink::last_submitted() const {
  std::lock_guard lock(mutex_);
  return last_submitted_;
}

bool Sink::wait_for(uint64_t sequence, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  settled_.wait_for(lock, timeout, [&] { return watermark_ >= sequence || failure_ || stopping_; });
  return watermark_ >= sequence;
}

void Sink::flush() {
  {
    std::lock_guard lock(mutex_);
    flush_requested_ = true;
  }
  transport_->wake();
}

void Sink::set_send_window(std::shared_ptr<const SendWindow> window) {
  {
    std::lock_guard lock(mutex_);
    window_ = std::move(window);
  }
  transport_->wake();
}

std::optional<SinkFailure> Sink::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

SinkStats Sink::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Sink::publish(Dispatcher& dispatcher, const std::optional<SinkFailure>& fenced) {
  {
    std::lock_guard lock(mutex_);
    watermark_ = dispatcher.watermark();
    dispatcher.take_dead_lettered(dead_lettered_);
    if (spent_.empty()) dispatcher.take_spent(spent_);
    settled_count_ = dispatcher.last_added() - dispatcher.unsettled();
    failure_ = dispatcher.failure() ? dispatcher.failure() : fenced;
    stats_ = dispatcher.stats();
  }
  settled_.notify_all();
}

void Sink::run() {
  Dispatcher dispatcher(options_, *transport_, *clock_, random_, dead_letters_);
  // What the worker took from the inbox; emptied once the dispatcher has the calls.
  std::vector<std::vector<retainly::Call>> batches;
  Clock::TimePoint arrived;
  std::vector<retainly::HttpResponse> responses;
  std::optional<SinkFailure> fenced;
  for (;;) {
    bool flush = false;
    std::shared_ptr<const SendWindow> window;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      batches.swap(inbox_);
      arrived = inbox_arrived_;
      flush = std::exchange(flush_requested_, false);
      window = window_;
    }
    if (fenced) {
      // Nothing more is sent, resent or answered: another instance sends now.
      batches.clear();
      std::unique_lock lock(mutex_);
      settled_.wait_for(lock, kMaxWait, [&] { return stopping_; });
      continue;
    }
    for (auto& batch : batches) {
      dispatcher.add_all(batch, arrived);
      batch.clear();
    }
    if (!batches.empty()) {
      // Kept at once, before anything is sent: the submitter's next vector has a buffer.
      std::lock_guard lock(mutex_);
      for (auto& batch : batches) {
        // One is kept whatever its room (a backfill's page of more than the bound).
        const bool room =
            spare_batches_.empty() || spare_calls_ + batch.capacity() <= kMaxSpareCalls;
        if (batch.capacity() == 0 || !room) continue;
        spare_calls_ += batch.capacity();
        spare_batches_.push_back(std::move(batch));
      }
    }
    batches.clear();
    if (flush) dispatcher.flush();
    if (window == nullptr || window->open()) {
      dispatcher.pump();
    } else if (dispatcher.unsettled() > 0 && window->closed()) {
      // A window that only ran out (the lease's confirmation is late) pauses sending;
      // one closed because the lock was lost fences the sink.
      fenced = SinkFailure{FailureKind::kFenced,
                           "stopped sending with " + std::to_string(dispatcher.unsettled()) +
                               " calls unsettled: the instance lock's lease lapsed, so another "
                               "instance may be sending now; they are left to it (or to this "
                               "instance's next start)"};
    }
    publish(dispatcher, fenced);
    if (fenced) continue;

    std::chrono::milliseconds wait = kMaxWait;
    if (auto next = dispatcher.next_wakeup()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - clock_->now());
      wait = std::clamp(left, std::chrono::milliseconds{0}, kMaxWait);
    }
    {
      std::lock_guard lock(mutex_);
      if (!inbox_.empty() || flush_requested_ || stopping_) {
        wait = std::chrono::milliseconds{0};
      } else if (last_wake_) {
        // A call submitted from now until then would not wake this thread.
        const auto unwoken = *last_wake_ + kWakeInterval - clock_->now();
        if (unwoken.count() > 0) {
          wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(unwoken));
        }
      }
    }
    transport_->poll(wait, responses);
    for (retainly::HttpResponse& response : responses) dispatcher.on_response(std::move(response));
    responses.clear();
  }
}

}  // namespace cdc::sink
