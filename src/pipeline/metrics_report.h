// /metrics and /readyz answers from the pipeline's and the sink's published state.
// Pure: no clocks or I/O of its own, so the exact text is testable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/health_server.h"
#include "pipeline/pipeline_status.h"
#include "sink/sink_failure.h"
#include "sink/sink_stats.h"

namespace cdc::pipeline {

// The Prometheus text of every retainly_cdc_* metric. `failure`: the sink's, for
// retainly_cdc_ready. `now_micros`: the wall clock, Unix microseconds, for the lag in
// seconds.
std::string metrics_text(const PipelineStatus& pipeline, const sink::SinkStats& sink,
                         const std::optional<sink::SinkFailure>& failure, int64_t now_micros,
                         const std::vector<SnapshotTableProgress>& snapshot = {});

// Ready when the pipeline streams, the sink has not failed, and Retainly's latest answer
// (if any) shows it reachable with our credentials: not a connection error or timeout,
// a 5xx, or a 401/403.
ops::Readiness readiness(const PipelineStatus& pipeline, const sink::SinkStats& sink,
                         const std::optional<sink::SinkFailure>& failure);

}  // namespace cdc::pipeline
