// The daemon's main loop: changes from a source, through the mapping, into the sink, and
// acknowledgements back to the source once the sink's watermark passes a transaction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/change_source.h"
#include "mapping/mapper.h"
#include "pipeline/commit_tracker.h"
#include "pipeline/transaction_deletes.h"
#include "sink/sink.h"

namespace cdc::pipeline {

struct PipelineOptions {
  // On stop: how long to wait for in-flight calls before giving up on them (their
  // transactions stay unacknowledged and are re-read on the next start).
  std::chrono::milliseconds shutdown_timeout{30000};
};

struct PipelineCounters {
  uint64_t changes = 0;
  uint64_t transactions = 0;
  uint64_t calls = 0;
  uint64_t rejections = 0;
  // Upserts of `on_delete: set` dropped because their transaction deleted the customer.
  uint64_t dropped_after_delete = 0;
};

// Runs on the calling thread. Delivery order: deliver -> (sink persists dead letters)
// -> acknowledge the source, never the other way round.
class StreamPipeline {
 public:
  StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper, sink::Sink& sink,
                 PipelineOptions options);

  // Streams until `stop` becomes true, then drains and returns. Throws cdc::AuthError
  // when Retainly refuses the credentials, cdc::SourceError / ProtocolError from the
  // source, std::runtime_error when the sink fails otherwise. No position is
  // acknowledged past a call that was not delivered or dead-lettered.
  void run(const std::atomic<bool>& stop);

  const PipelineCounters& counters() const { return counters_; }

 private:
  void handle(SourceItem& item);
  void handle_change(const RowChange& change);
  void acknowledge_done();
  void throw_if_sink_failed() const;

  ChangeSource& source_;
  const mapping::Mapper& mapper_;
  sink::Sink& sink_;
  PipelineOptions options_;
  CommitTracker commits_;
  TransactionDeletes transaction_deletes_;
  mapping::MappingOutput output_;  // reused for every change
  uint64_t last_sequence_ = 0;
  PipelineCounters counters_;
};

}  // namespace cdc::pipeline
