#include "pipeline/metrics_report.h"

#include <string>

#include "ops/prometheus_text.h"
#include "retainly/request_body.h"

namespace cdc::pipeline {
namespace {

constexpr Operation kOperations[kOperationCount] = {Operation::kInsert, Operation::kUpdate,
                                                    Operation::kDelete, Operation::kTruncate,
                                                    Operation::kSnapshotRead};

// "POST /customers": the label Retainly's endpoints go by, as in the API text.
std::string endpoint_label(size_t kind) {
  const auto endpoint = retainly::endpoint_of(static_cast<retainly::CallKind>(kind));
  return std::string(endpoint.method) + " " + endpoint.path;
}

void counter(ops::PrometheusText& out, const char* name, const char* help, uint64_t value) {
  out.family(name, "counter", help);
  out.sample(name, static_cast<double>(value));
}

void gauge(ops::PrometheusText& out, const char* name, const char* help, double value) {
  out.family(name, "gauge", help);
  out.sample(name, value);
}

void write_reselected(ops::PrometheusText& out, const PipelineStatus& pipeline) {
  if (pipeline.reselected_per_table.empty()) return;
  out.family("retainly_cdc_rows_reselected_total", "counter",
             "Rows of updates read again from the source because the update left out values "
             "the mapping needs (PostgreSQL's unchanged TOAST), per table.");
  for (const auto& [table, counts] : pipeline.reselected_per_table) {
    out.sample("retainly_cdc_rows_reselected_total", {{"table", table}},
               static_cast<double>(counts.rows));
  }
  out.family("retainly_cdc_rows_reselect_gone_total", "counter",
             "Rows to read again that were gone (deleted since): their updates went as sent.");
  for (const auto& [table, counts] : pipeline.reselected_per_table) {
    out.sample("retainly_cdc_rows_reselect_gone_total", {{"table", table}},
               static_cast<double>(counts.gone));
  }
  out.family("retainly_cdc_reselect_queries_total", "counter",
             "Statements that read rows again, per table (many keys each).");
  for (const auto& [table, counts] : pipeline.reselected_per_table) {
    out.sample("retainly_cdc_reselect_queries_total", {{"table", table}},
               static_cast<double>(counts.queries));
  }
}

void write_pipeline(ops::PrometheusText& out, const PipelineStatus& pipeline, int64_t now_micros) {
  out.family("retainly_cdc_changes_read_total", "counter",
             "Row changes read from the source, per table and operation.");
  for (const auto& [table, counts] : pipeline.changes) {
    for (size_t op = 0; op < kOperationCount; ++op) {
      if (counts[op] == 0) continue;
      out.sample("retainly_cdc_changes_read_total",
                 {{"table", table}, {"op", to_string(kOperations[op])}},
                 static_cast<double>(counts[op]));
    }
  }
  counter(out, "retainly_cdc_transactions_total", "Source transactions read.",
          pipeline.transactions);
  out.family("retainly_cdc_calls_total", "counter",
             "Retainly calls the mappings produced, per table of the change that made them.");
  for (const auto& [table, calls] : pipeline.calls_per_table) {
    out.sample("retainly_cdc_calls_total", {{"table", table}}, static_cast<double>(calls));
  }
  out.family("retainly_cdc_fields_skipped_total", "counter",
             "Fields not sent because Retainly already holds their value, per table and why: "
             "old_image (unchanged in the change itself, for a customer the last-sent store "
             "does not know) or last_sent (equal to the last acknowledged send).");
  for (const auto& [table, skipped] : pipeline.skipped_per_table) {
    out.sample("retainly_cdc_fields_skipped_total", {{"table", table}, {"reason", "old_image"}},
               static_cast<double>(skipped.fields_old_image));
    out.sample("retainly_cdc_fields_skipped_total", {{"table", table}, {"reason", "last_sent"}},
               static_cast<double>(skipped.fields_last_sent));
  }
  out.family("retainly_cdc_calls_skipped_total", "counter",
             "Calls not sent at all because Retainly already holds everything they carry, per "
             "table and why (old_image, last_sent).");
  for (const auto& [table, skipped] : pipeline.skipped_per_table) {
    out.sample("retainly_cdc_calls_skipped_total", {{"table", table}, {"reason", "old_image"}},
               static_cast<double>(skipped.calls_old_image));
    out.sample("retainly_cdc_calls_skipped_total", {{"table", table}, {"reason", "last_sent"}},
               static_cast<double>(skipped.calls_last_sent));
  }
  write_reselected(out, pipeline);
  if (pipeline.last_sent) {
    gauge(out, "retainly_cdc_last_sent_store_bytes",
          "Size on disk of the last-sent store (what Retainly holds from us, as hashes).",
          static_cast<double>(pipeline.last_sent->bytes));
    gauge(out, "retainly_cdc_last_sent_customers", "Customers the last-sent store knows.",
          static_cast<double>(pipeline.last_sent->customers));
    gauge(out, "retainly_cdc_last_sent_items", "Array items the last-sent store knows.",
          static_cast<double>(pipeline.last_sent->items));
  }
  counter(out, "retainly_cdc_mapping_rejections_total",
          "Changes the mapping sent to the dead-letter file (values Retainly would refuse).",
          pipeline.rejections);
  out.family("retainly_cdc_mapping_reloads_total", "counter",
             "Mapping reloads (SIGHUP) applied, and failed (the running mappings stayed).");
  out.sample("retainly_cdc_mapping_reloads_total", {{"result", "applied"}},
             static_cast<double>(pipeline.reloads_applied));
  out.sample("retainly_cdc_mapping_reloads_total", {{"result", "failed"}},
             static_cast<double>(pipeline.reloads_failed));
  gauge(out, "retainly_cdc_mapping_reload_failed",
        "1 while the latest mapping reload failed and the previous mappings still run.",
        pipeline.reload_error.empty() ? 0 : 1);
  gauge(out, "retainly_cdc_streaming", "1 while the source is connected and read.",
        pipeline.streaming ? 1 : 0);
  gauge(out, "retainly_cdc_standby", "1 while another instance holds the lock and streams.",
        pipeline.standby ? 1 : 0);
  if (pipeline.source.lag_bytes) {
    gauge(out, "retainly_cdc_source_lag_bytes",
          "Source log bytes between the acknowledged position and the server's newest.",
          static_cast<double>(*pipeline.source.lag_bytes));
  }
  if (pipeline.source.retained_bytes) {
    gauge(out, "retainly_cdc_source_retained_bytes",
          "Source log the server keeps for this connector (PostgreSQL: WAL from the slot's "
          "restart_lsn on).",
          static_cast<double>(*pipeline.source.retained_bytes));
  }
  if (pipeline.source.safe_bytes) {
    gauge(out, "retainly_cdc_source_safe_bytes",
          "Source log the server may still write before it drops log this connector needs "
          "(PostgreSQL: the slot's safe_wal_size under max_slot_wal_keep_size).",
          static_cast<double>(*pipeline.source.safe_bytes));
  }
  const int64_t oldest = pipeline.oldest_unacknowledged_commit_micros;
  gauge(out, "retainly_cdc_source_lag_seconds",
        "Age of the oldest committed source transaction not yet acknowledged; 0 when all is.",
        oldest > 0 && now_micros > oldest ? static_cast<double>(now_micros - oldest) / 1e6 : 0);
  if (!pipeline.source.acknowledged.empty()) {
    out.family("retainly_cdc_committed_position_info", "gauge",
               "The source position acknowledged last, as a label.");
    out.sample("retainly_cdc_committed_position_info", {{"position", pipeline.source.acknowledged}},
               1);
  }
}

void write_sink(ops::PrometheusText& out, const sink::SinkStats& sink) {
  out.family("retainly_cdc_requests_total", "counter",
             "HTTP requests to Retainly per endpoint, resends included.");
  for (size_t kind = 0; kind < sink.endpoints.size(); ++kind) {
    out.sample("retainly_cdc_requests_total", {{"endpoint", endpoint_label(kind)}},
               static_cast<double>(sink.endpoints[kind].requests));
  }
  out.family("retainly_cdc_request_bytes_total", "counter",
             "Bytes of request bodies sent to Retainly per endpoint, resends included.");
  for (size_t kind = 0; kind < sink.endpoints.size(); ++kind) {
    out.sample("retainly_cdc_request_bytes_total", {{"endpoint", endpoint_label(kind)}},
               static_cast<double>(sink.endpoints[kind].request_bytes));
  }
  out.family("retainly_cdc_responses_total", "counter",
             "Retainly's answers per endpoint and HTTP status; status 0: none (timeout, "
             "connection error).");
  for (size_t kind = 0; kind < sink.endpoints.size(); ++kind) {
    const std::string endpoint = endpoint_label(kind);
    for (const auto& [status, count] : sink.endpoints[kind].responses) {
      out.sample("retainly_cdc_responses_total",
                 {{"endpoint", endpoint}, {"status", std::to_string(status)}},
                 static_cast<double>(count));
    }
  }
  counter(out, "retainly_cdc_calls_acknowledged_total",
          "Calls Retainly acknowledged (merged and superseded ones included).",
          sink.calls_acknowledged);
  counter(out, "retainly_cdc_dead_letters_total",
          "Calls Retainly refused that went to the dead-letter file.", sink.calls_dead_lettered);
  counter(out, "retainly_cdc_retries_total",
          "Requests resent after a 5xx, a timeout or a connection error.", sink.retries);
  counter(out, "retainly_cdc_rate_limited_total", "429 answers.", sink.rate_limited);
  counter(out, "retainly_cdc_splits_total", "Requests split after a 422 or 413.", sink.splits);
  gauge(out, "retainly_cdc_concurrency_limit",
        "Requests to Retainly allowed in flight now: grows while answers are fast, halves on "
        "429, 5xx and timeouts; sink.concurrency is its ceiling.",
        static_cast<double>(sink.concurrency_limit));
  out.family("retainly_cdc_batch_records", "histogram", "Records per request to Retainly.");
  out.histogram("retainly_cdc_batch_records", {}, sink::kRecordsPerRequestBounds,
                sink.records_per_request.counts, sink.records_per_request.sum,
                sink.records_per_request.count);
  out.family("retainly_cdc_request_duration_seconds", "histogram",
             "Time from sending a request to Retainly's answer (or giving up).");
  out.histogram("retainly_cdc_request_duration_seconds", {}, sink::kRequestSecondsBounds,
                sink.request_seconds.counts, sink.request_seconds.sum, sink.request_seconds.count);
}

void write_snapshot(ops::PrometheusText& out, const std::vector<SnapshotTableProgress>& tables) {
  if (tables.empty()) return;
  out.family("retainly_cdc_snapshot_rows", "gauge",
             "Rows of the initial snapshot or a re-snapshot acknowledged so far, per table.");
  for (const auto& table : tables) {
    out.sample("retainly_cdc_snapshot_rows", {{"table", table.table}},
               static_cast<double>(table.rows));
  }
  out.family("retainly_cdc_snapshot_rows_estimated", "gauge",
             "The table's row count as the database estimates it (0: unknown).");
  for (const auto& table : tables) {
    out.sample("retainly_cdc_snapshot_rows_estimated", {{"table", table.table}},
               static_cast<double>(table.estimated_rows));
  }
  out.family("retainly_cdc_snapshot_done", "gauge", "1 once the table's snapshot is complete.");
  for (const auto& table : tables) {
    out.sample("retainly_cdc_snapshot_done", {{"table", table.table}}, table.done ? 1 : 0);
  }
}

}  // namespace

std::string metrics_text(const PipelineStatus& pipeline, const sink::SinkStats& sink,
                         const std::optional<sink::SinkFailure>& failure, int64_t now_micros,
                         const std::vector<SnapshotTableProgress>& snapshot) {
  ops::PrometheusText out;
  gauge(out, "retainly_cdc_ready", "1 while /readyz answers 200: streaming, and Retainly answers.",
        readiness(pipeline, sink, failure).ready ? 1 : 0);
  write_pipeline(out, pipeline, now_micros);
  write_snapshot(out, snapshot);
  write_sink(out, sink);
  return out.text();
}

ops::Readiness readiness(const PipelineStatus& pipeline, const sink::SinkStats& sink,
                         const std::optional<sink::SinkFailure>& failure) {
  if (failure) return {false, "delivery stopped: " + failure->message};
  if (pipeline.standby) return {false, "standby: another instance holds the lock and streams"};
  if (!pipeline.streaming) return {false, "the source is not connected"};
  const int status = sink.last_status;
  if (status == 0) return {false, "Retainly did not answer the latest request"};
  if (status >= 500) {
    return {false, "Retainly answered the latest request with " + std::to_string(status)};
  }
  if (status == 401 || status == 403) return {false, "Retainly refused the credentials"};
  // Still streaming with the previous mappings: ready, with the reason in the detail.
  if (!pipeline.reload_error.empty()) {
    return {true, "",
            "the latest mapping reload failed; the previous mappings still run: " +
                pipeline.reload_error};
  }
  return {true, ""};
}

}  // namespace cdc::pipeline
