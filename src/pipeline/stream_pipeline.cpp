#include "pipeline/stream_pipeline.h"

#include "core/errors.h"
#include "ops/log.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

StreamPipeline::StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper,
                               sink::Sink& sink, PipelineOptions options)
    : source_(source), mapper_(mapper), sink_(sink), options_(options) {}

void StreamPipeline::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (auto item = source_.next(50ms)) handle(*item);
    acknowledge_done();
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
}

void StreamPipeline::handle(SourceItem& item) {
  if (auto* change = std::get_if<RowChange>(&item)) {
    handle_change(*change);
    return;
  }
  auto& end = std::get<TransactionEnd>(item);
  ++counters_.transactions;
  transaction_deletes_.transaction_ended();
  commits_.transaction_ended(last_sequence_, std::move(end.position));
}

void StreamPipeline::handle_change(const RowChange& change) {
  ++counters_.changes;
  output_.calls.clear();
  output_.rejections.clear();
  mapper_.map(change, output_);
  for (const auto& rejection : output_.rejections) {
    ++counters_.rejections;
    log::warn("dead-lettered a change of {} ({}) at {}: {}", rejection.origin.table,
              rejection.origin.key, rejection.origin.position, rejection.reason);
    sink_.dead_letters().append_rejection(rejection.origin, rejection.payload, rejection.reason);
  }
  for (auto& call : output_.calls) {
    if (!transaction_deletes_.keep(call)) {
      ++counters_.dropped_after_delete;
      log::debug("{} ({}) at {}: not re-creating customer {} that this transaction deleted",
                 call.origin.table, call.origin.key, call.origin.position, call.customer_id);
      continue;
    }
    call.sequence = ++last_sequence_;
    ++counters_.calls;
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
