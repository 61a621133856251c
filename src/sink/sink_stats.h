// Counters of the sink, for metrics and tests. Plain data, copied out by Sink::stats().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>

#include "retainly/request_body.h"

namespace cdc::sink {

// Observations per bucket: counts[i] holds values in (bounds[i-1], bounds[i]], the last
// entry values above every bound. Prometheus wants them cumulated, which the exporter does.
template <size_t N>
struct Histogram {
  std::array<uint64_t, N + 1> counts{};
  double sum = 0;
  uint64_t count = 0;

  void observe(double value, const std::array<double, N>& bounds) {
    size_t bucket = 0;
    while (bucket < N && value > bounds[bucket]) ++bucket;
    ++counts[bucket];
    sum += value;
    ++count;
  }
};

inline constexpr std::array<double, 7> kRecordsPerRequestBounds = {1,    10,   100,  1000,
                                                                   2500, 5000, 10000};
inline constexpr std::array<double, 12> kRequestSecondsBounds = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

struct EndpointStats {
  uint64_t requests = 0;       // started, resends included
  uint64_t request_bytes = 0;  // their bodies
  // Answers by HTTP status; 0 counts requests that got none (timeout, connection error).
  std::map<int, uint64_t> responses;
};

struct SinkStats {
  uint64_t calls_submitted = 0;
  // Settled by a 2xx, merged and superseded calls included.
  uint64_t calls_acknowledged = 0;
  uint64_t calls_dead_lettered = 0;
  // Calls that travelled inside another one: merged upserts, superseded upserts.
  uint64_t calls_coalesced = 0;
  // Resends after a 5xx, a timeout, a connection error or an unexpected answer.
  uint64_t retries = 0;
  uint64_t rate_limited = 0;  // 429 answers
  uint64_t splits = 0;        // requests split after a 422 or 413
  // Requests allowed in flight now (ConcurrencyLimit), at most sink.concurrency.
  size_t concurrency_limit = 0;
  // The HTTP status of the latest answer, 0 when the latest request got none (timeout,
  // connection error), -1 before the first.
  int last_status = -1;
  // Indexed by retainly::CallKind: one endpoint per kind.
  std::array<EndpointStats, retainly::kCallKindCount> endpoints;
  Histogram<kRecordsPerRequestBounds.size()> records_per_request;
  Histogram<kRequestSecondsBounds.size()> request_seconds;
};

}  // namespace cdc::sink
