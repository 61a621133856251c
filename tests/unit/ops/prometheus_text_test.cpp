#include <doctest/doctest.h>

#include <array>

#include "ops/prometheus_text.h"

using cdc::ops::PrometheusText;

TEST_CASE("prometheus text: families, labels escaped, integers without a fraction") {
  PrometheusText out;
  out.family("x_total", "counter", "Things.");
  out.sample("x_total", {{"table", "public.\"odd\"\\name\n"}, {"op", "insert"}}, 42);
  out.sample("x_total", 0.25);
  CHECK(out.text() ==
        "# HELP x_total Things.\n"
        "# TYPE x_total counter\n"
        "x_total{table=\"public.\\\"odd\\\"\\\\name\\n\",op=\"insert\"} 42\n"
        "x_total 0.25\n");
}

TEST_CASE("prometheus text: histogram buckets are cumulative and end with +Inf") {
  PrometheusText out;
  const std::array<double, 3> bounds = {1, 10, 100};
  const std::array<uint64_t, 4> counts = {2, 0, 3, 1};  // the last: above 100
  out.histogram("h", {{"endpoint", "POST /events"}}, bounds, counts, 512.5, 6);
  CHECK(out.text() ==
        "h_bucket{endpoint=\"POST /events\",le=\"1\"} 2\n"
        "h_bucket{endpoint=\"POST /events\",le=\"10\"} 2\n"
        "h_bucket{endpoint=\"POST /events\",le=\"100\"} 5\n"
        "h_bucket{endpoint=\"POST /events\",le=\"+Inf\"} 6\n"
        "h_sum{endpoint=\"POST /events\"} 512.5\n"
        "h_count{endpoint=\"POST /events\"} 6\n");
}
