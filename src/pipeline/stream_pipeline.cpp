#include "pipeline/stream_pipeline.h"

#include "core/errors.h"
#include "ops/log.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

StreamPipeline::StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper,
                               sink::Sink& sink, PipelineOptions options)
    : source_(source), mapper_(mapper), sink_(sink), options_(options) {}

void StreamPipeline::run(const std::atomic<bool>& stop) {
  status_.streaming = true;
  while (!stop.load()) {
    if (auto item = source_.next(50ms)) handle(*item);
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
