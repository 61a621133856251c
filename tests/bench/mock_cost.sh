#!/usr/bin/env bash
# What each sink the benchmarks can deliver into costs per request (bench_lib.sh
# BENCH_SINK): the measurement behind their default. Not a benchmark of the connector,
# so scripts/bench does not run it (its name does not end in _bench.sh).
#
#   tests/bench/mock_cost.sh [REQUESTS] [RECORDS] [CLIENTS]   (defaults 2000 1000 4)
#
# For each sink (cdc_bench_sink, retainly-mock --count-only, then validating), starts
# it, sends REQUESTS POST /customers requests of RECORDS customers each over CLIENTS
# keep-alive connections (cdc_mock_load_bench), and prints the sink's CPU time per
# request and per record (utime + stime from /proc/PID/stat, read before it is
# stopped), requests/s and its peak resident memory. CPU per request does not depend on
# what else the machine runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=mock_cost
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

REQUESTS=${1:-2000}
RECORDS=${2:-1000}
CLIENTS=${3:-4}

measure_mode() {
  local mode=$1 dir load cpu
  dir=$WORK/$mode
  mkdir -p "$dir"
  BENCH_SINK=$mode start_mock "$dir" --threads 16
  load=$("$BUILD/tests/bench/cdc_mock_load_bench" "${MOCK_ADDRESS%:*}" "${MOCK_ADDRESS##*:}" \
    "$REQUESTS" "$RECORDS" "$CLIENTS") || die "the load failed: $load"
  cpu=$(cpu_seconds "$MOCK_PID")
  printf '  %-11s %8.1f us/request %6.3f us/record  %s  peak memory %s KiB\n' "$mode" \
    "$(per_row_us "$cpu" "$REQUESTS")" "$(per_row_us "$cpu" "$((REQUESTS * RECORDS))")" \
    "$load" "$(peak_rss_kib "$MOCK_PID")"
  stop_pid "$MOCK_PID" "$mode sink"
}

main() {
  install_cleanup_traps
  build
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  printf 'Sink CPU per request: %s requests of %s records over %s connections\n' \
    "$REQUESTS" "$RECORDS" "$CLIENTS"
  measure_mode bench-sink
  measure_mode count-only
  measure_mode validating
}

main "$@"
