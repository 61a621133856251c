#include <doctest/doctest.h>

#include "pipeline/metrics_report.h"

using cdc::pipeline::metrics_text;
using cdc::pipeline::PipelineStatus;
using cdc::pipeline::readiness;
using cdc::sink::FailureKind;
using cdc::sink::SinkFailure;
using cdc::sink::SinkStats;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("metrics: changes per table and operation, lag, position and sink counts") {
  PipelineStatus pipeline;
  pipeline.changes["public.users"] = {3, 2, 1, 0, 0};
  pipeline.transactions = 4;
  pipeline.calls = 9;
  pipeline.calls_per_table = {{"public.users", 6}, {"public.orders", 3}};
  pipeline.streaming = true;
  pipeline.source.acknowledged = "pg:0/16B3748";
  pipeline.source.lag_bytes = 4096;
  pipeline.source.retained_bytes = 65536;
  pipeline.source.safe_bytes = 1024;
  pipeline.oldest_unacknowledged_commit_micros = 1'000'000;
  SinkStats sink;
  sink.endpoints[0].requests = 7;
  sink.endpoints[0].responses[200] = 6;
  sink.endpoints[0].responses[0] = 1;
  sink.retries = 1;

  const std::string text = metrics_text(pipeline, sink, std::nullopt, 3'500'000);
  CHECK(has_line(text, "retainly_cdc_changes_read_total{table=\"public.users\",op=\"insert\"} 3"));
  CHECK(has_line(text, "retainly_cdc_changes_read_total{table=\"public.users\",op=\"update\"} 2"));
  CHECK(has_line(text, "retainly_cdc_changes_read_total{table=\"public.users\",op=\"delete\"} 1"));
  CHECK(text.find("op=\"truncate\"") == std::string::npos);  // zero counts are left out
  CHECK(has_line(text, "retainly_cdc_transactions_total 4"));
  CHECK(has_line(text, "retainly_cdc_calls_total{table=\"public.users\"} 6"));
  CHECK(has_line(text, "retainly_cdc_calls_total{table=\"public.orders\"} 3"));
  CHECK(has_line(text, "retainly_cdc_streaming 1"));
  CHECK(has_line(text, "retainly_cdc_ready 1"));
  CHECK(has_line(text, "retainly_cdc_source_lag_bytes 4096"));
  CHECK(has_line(text, "retainly_cdc_source_retained_bytes 65536"));
  CHECK(has_line(text, "retainly_cdc_source_safe_bytes 1024"));
  CHECK(has_line(text, "retainly_cdc_source_lag_seconds 2.5"));
  CHECK(has_line(text, "retainly_cdc_committed_position_info{position=\"pg:0/16B3748\"} 1"));
  CHECK(has_line(text, "retainly_cdc_requests_total{endpoint=\"POST /customers\"} 7"));
  CHECK(has_line(text,
                 "retainly_cdc_responses_total{endpoint=\"POST /customers\",status=\"200\"} 6"));
  CHECK(
      has_line(text, "retainly_cdc_responses_total{endpoint=\"POST /customers\",status=\"0\"} 1"));
  CHECK(has_line(text, "retainly_cdc_retries_total 1"));
}

TEST_CASE("metrics: no lag in seconds when everything read is acknowledged") {
  PipelineStatus pipeline;
  const std::string text = metrics_text(pipeline, SinkStats{}, std::nullopt, 3'500'000);
  CHECK(has_line(text, "retainly_cdc_source_lag_seconds 0"));
  CHECK(text.find("retainly_cdc_source_lag_bytes") == std::string::npos);   // unknown
  CHECK(text.find("retainly_cdc_source_safe_bytes") == std::string::npos);  // no limit
  CHECK(has_line(text, "retainly_cdc_ready 0"));                            // not streaming
}

TEST_CASE("metrics: not ready once the sink failed, though it still streams") {
  PipelineStatus pipeline;
  pipeline.streaming = true;
  CHECK(has_line(metrics_text(pipeline, SinkStats{}, std::nullopt, 0), "retainly_cdc_ready 1"));
  const std::string text =
      metrics_text(pipeline, SinkStats{}, SinkFailure{FailureKind::kAuth, "refused"}, 0);
  CHECK(has_line(text, "retainly_cdc_ready 0"));
}

TEST_CASE("readiness: streaming, and Retainly answering with our credentials") {
  PipelineStatus pipeline;
  SinkStats sink;
  CHECK_FALSE(readiness(pipeline, sink, std::nullopt).ready);  // not streaming yet
  pipeline.streaming = true;
  CHECK(readiness(pipeline, sink, std::nullopt).ready);  // nothing sent yet
  sink.last_status = 422;                                // refused records, but reachable
  CHECK(readiness(pipeline, sink, std::nullopt).ready);
  sink.last_status = 0;
  CHECK(readiness(pipeline, sink, std::nullopt).reason ==
        "Retainly did not answer the latest request");
  sink.last_status = 503;
  CHECK_FALSE(readiness(pipeline, sink, std::nullopt).ready);
  sink.last_status = 403;
  CHECK_FALSE(readiness(pipeline, sink, std::nullopt).ready);
  sink.last_status = 200;
  const auto failed = readiness(pipeline, sink, SinkFailure{FailureKind::kAuth, "refused"});
  CHECK_FALSE(failed.ready);
  CHECK(failed.reason == "delivery stopped: refused");
}

TEST_CASE("metrics: initial snapshot progress per table, only while there is one") {
  const std::string none = metrics_text(PipelineStatus{}, SinkStats{}, std::nullopt, 0);
  CHECK(none.find("retainly_cdc_snapshot_rows") == std::string::npos);
  const std::string text =
      metrics_text(PipelineStatus{}, SinkStats{}, std::nullopt, 0,
                   {{"public.users", 1200, 5000, false}, {"public.orders", 300, 0, true}});
  CHECK(has_line(text, "retainly_cdc_snapshot_rows{table=\"public.users\"} 1200"));
  CHECK(has_line(text, "retainly_cdc_snapshot_rows_estimated{table=\"public.users\"} 5000"));
  CHECK(has_line(text, "retainly_cdc_snapshot_done{table=\"public.users\"} 0"));
  CHECK(has_line(text, "retainly_cdc_snapshot_done{table=\"public.orders\"} 1"));
}
