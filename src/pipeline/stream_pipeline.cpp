#include "pipeline/stream_pipeline.h"

#include <algorithm>
#include <thread>

#include "core/errors.h"
#include "ops/log.h"
#include "sink/backoff.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

StreamPipeline::StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper,
                               sink::Sink& sink, PipelineOptions options)
    : source_(source), mapper_(mapper), sink_(sink), options_(options) {}

void StreamPipeline::run(const std::atomic<bool>& stop) {
  status_.streaming = true;
  while (!stop.load()) {
    try {
      if (auto item = source_.next(50ms)) handle(*item);
    } catch (const SourceDisconnected& lost) {
      reconnect(stop, lost);
    }
    acknowledge_done();
    publish(/*force=*/false);
    throw_if_sink_failed();
  }
  log::info("stopping: draining {} in-flight calls", last_sequence_ - sink_.watermark());
  sink_.flush();
  if (!sink_.wait_for(last_sequence_, options_.shutdown_timeout)) {
    throw_if_sink_failed();
    log::warn(
        "shutdown timeout reached with calls still in flight; their transactions will be "
        "read again on the next start");
  }
  acknowledge_done();
  source_.stop();
  status_.streaming = false;
  publish(/*force=*/true);
}

void StreamPipeline::drain(const std::atomic<bool>& stop) {
  sink_.flush();
  while (!stop.load() && !sink_.wait_for(last_sequence_, 200ms)) throw_if_sink_failed();
}

void StreamPipeline::reconnect(const std::atomic<bool>& stop, const SourceDisconnected& lost) {
  status_.streaming = false;
  publish(/*force=*/true);
  log::warn("lost the source connection: {}; delivering what was read, then reconnecting",
            lost.what());
  // Everything read is delivered and acknowledged first, so the new connection resumes
  // right after it: only a transaction cut off mid-way is read again.
  drain(stop);
  acknowledge_done();
  source_.stop();
  transaction_deletes_.transaction_ended();
  sink::Backoff backoff(options_.reconnect_initial, options_.reconnect_max, sink::default_random());
  for (uint32_t attempt = 1; !stop.load(); ++attempt) {
    try {
      source_.start();
      status_.streaming = true;
      log::info("reconnected to the source after {} attempt(s)", attempt);
      return;
    } catch (const SourceDisconnected& again) {
      const auto wait = std::max(backoff.delay(attempt), std::chrono::milliseconds(100));
      log::warn("reconnecting to the source failed ({}); next attempt in {} ms", again.what(),
                wait.count());
      for (auto until = std::chrono::steady_clock::now() + wait;
           !stop.load() && std::chrono::steady_clock::now() < until;) {
        std::this_thread::sleep_for(50ms);
        publish(/*force=*/false);
      }
    }
  }
}

PipelineStatus StreamPipeline::status() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void StreamPipeline::publish(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_publish_ < 250ms) return;
  last_publish_ = now;
  status_.source = source_.status();
  status_.oldest_unacknowledged_commit_micros = commits_.oldest_pending_commit_micros();
  std::lock_guard lock(published_mutex_);
  published_ = status_;
}

void StreamPipeline::count_change(const RowChange& change) {
  if (!change.table) return;
  if (change.table != counted_schema_) {
    counted_schema_ = change.table;
    counted_ = &status_.changes[change.table->id.qualified()];
  }
  ++(*counted_)[static_cast<size_t>(change.op)];
}

void StreamPipeline::handle(SourceItem& item) {
  if (auto* change = std::get_if<RowChange>(&item)) {
    handle_change(*change);
    return;
  }
  auto& end = std::get<TransactionEnd>(item);
  ++status_.transactions;
  transaction_deletes_.transaction_ended();
  commits_.transaction_ended(last_sequence_, std::move(end.position), end.commit_time_micros);
}

void StreamPipeline::handle_change(const RowChange& change) {
  count_change(change);
  output_.calls.clear();
  output_.rejections.clear();
  mapper_.map(change, output_);
  for (const auto& rejection : output_.rejections) {
    ++status_.rejections;
    log::warn("dead-lettered a change of {} ({}) at {}: {}", rejection.origin.table,
              rejection.origin.key, rejection.origin.position, rejection.reason);
    sink_.dead_letters().append_rejection(rejection.origin, rejection.payload, rejection.reason);
  }
  for (auto& call : output_.calls) {
    if (!transaction_deletes_.keep(call)) {
      ++status_.dropped_after_delete;
      log::debug("{} ({}) at {}: not re-creating customer {} that this transaction deleted",
                 call.origin.table, call.origin.key, call.origin.position, call.customer_id);
      continue;
    }
    call.sequence = ++last_sequence_;
    ++status_.calls;
    if (!sink_.submit(std::move(call))) throw_if_sink_failed();
  }
}

void StreamPipeline::acknowledge_done() {
  if (auto position = commits_.advance(sink_.watermark())) {
    source_.acknowledge(*position);
  }
}

void StreamPipeline::throw_if_sink_failed() const {
  auto failure = sink_.failure();
  if (!failure) return;
  if (failure->kind == sink::FailureKind::kAuth) throw AuthError(failure->message);
  throw std::runtime_error(failure->message);
}

}  // namespace cdc::pipeline
