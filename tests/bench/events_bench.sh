#!/usr/bin/env bash
# Events per second with the default sink config, from one run on one machine.
#
#   tests/bench/events_bench.sh [EVENTS] [RATE_LIMIT]    (defaults 20000 and 2000)
#
# EVENTS rows are inserted before the daemon starts, one event each (events go one per
# request, by the API's design), and timed until the slot's confirmed position passes
# them, into retainly-mock:
#   1. answering every request after 10 ms, then after 100 ms: the adaptive concurrency
#      limit has to grow to about rate x latency requests in flight (sink.concurrency,
#      default 256, is only its ceiling);
#   2. answering after 10 ms but 429 (Retry-After: 1) above RATE_LIMIT requests per
#      second: throughput should settle just under RATE_LIMIT with few 429s.
# Prints one line per case, `RESULT name=... key=value ...`, for scripts/bench:
# rows (events), seconds, rows_per_s, cpu_us_per_row (retainly-cdc's user+system CPU from
# /proc/PID/stat), peak_rss_mib (VmHWM), sink, sink_cpu_us_per_row (the mock's CPU: on a
# small machine it competes with the connector), and http_429 for the rate-limited case.
# CASES=10ms runs only the first case. MOCK_ARGS (environment) adds arguments to every retainly-mock, e.g. a count-only mode;
# BENCH_SINK names that sink in the results (default retainly-mock); PERF_DATA=PREFIX
# records a `perf record -g` profile of retainly-cdc per case into PREFIX.NAME.
# Builds Release binaries in build-release/ and starts its own PostgreSQL unless
# CDC_TEST_PG_DSN is set.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=events_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

EVENTS=${1:-20000}
RATE_LIMIT=${2:-2000}
SLOT=bench_events
SINK_NAME=${BENCH_SINK:-retainly-mock}
# One mock thread per open connection: room for the whole ceiling of 256.
MOCK_THREADS=320

# fresh_run DIR: EVENTS rows in a fresh bench.signups table after a new slot's start, and
# the event-only mapping.
fresh_run() {
  fresh_signups "$1"
  sql "INSERT INTO bench.signups SELECT g, 'user' || g || '@example.com'
       FROM generate_series(1, $EVENTS) g"
}

# run_case NAME MOCK_ARGS...: one timed run; prints its RESULT line.
run_case() {
  local name=$1
  shift
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$dir'"
  fresh_run "$dir"
  local end_lsn
  end_lsn=$(sql "SELECT pg_current_wal_lsn()")
  # shellcheck disable=SC2086 # MOCK_ARGS is a list of words
  start_mock "$dir" --threads "$MOCK_THREADS" ${MOCK_ARGS:-} "$@"
  write_connector_config "$dir" "$SLOT"
  local start pid
  start=$(now)
  local perf_pid=
  if [[ -n ${PERF_DATA:-} ]]; then
    # perf starts the daemon, so that every thread is recorded from the first event.
    perf record -q -g -o "$PERF_DATA.$name" -- \
      "$BUILD/src/cli/retainly-cdc" run -c "$dir/connector.yaml" >"$dir/connector.log" 2>&1 &
    perf_pid=$!
    poll_until 30 "retainly-cdc to start under perf" pgrep -P "$perf_pid" -x retainly-cdc
    pid=$(pgrep -P "$perf_pid" -x retainly-cdc)
  else
    "$BUILD/src/cli/retainly-cdc" run -c "$dir/connector.yaml" >"$dir/connector.log" 2>&1 &
    pid=$!
  fi
  add_cleanup "stop_pid $pid retainly-cdc"
  # The end: the mock counted every event (the slot's confirmed position as a fallback,
  # tried every 20th poll, should a sink that validates count differently).
  local polls=0
  while :; do
    count_mock_records "POST /events"
    ((MOCK_RECORDS >= EVENTS)) && break
    if ((++polls % 20 == 0)) && slot_reached "$SLOT" "$end_lsn"; then break; fi
    pid_alive "$pid" || { cat "$dir/connector.log" >&2; die "retainly-cdc exited"; }
    sleep 0.05 # polling the mock's count, not a synchronisation
  done
  local end total_seconds streaming
  end=$(now)
  total_seconds=$(elapsed "$start" "$end")
  # Timed from the line that says it streams: `run` first waits takeover_delay_ms (5 s by
  # default) after taking its instance lock, which is no delivery work.
  streaming=$(streaming_since "$dir/connector.log") ||
    die "retainly-cdc never logged that it started streaming"
  local seconds cpu mock_cpu peak_kib stats http_429
  seconds=$(elapsed "$streaming" "$end")
  cpu=$(cpu_seconds "$pid")
  mock_cpu=$(cpu_seconds "$MOCK_PID")
  peak_kib=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status")
  stats=$(curl -s "http://$MOCK_ADDRESS/_stats")

  http_429=$(jq -r '[.requests[]?["429"] // 0] | add // 0' <<<"$stats")
  stop_pid "$pid" retainly-cdc
  [[ -z $perf_pid ]] || wait "$perf_pid" || true
  stop_pid "$MOCK_PID" retainly-mock
  grep -E 'lowering the requests in flight|rate limited|pacing' "$dir/connector.log" | head -6 >&2 || true
  awk -v name="$name" -v n="$EVENTS" -v s="$seconds" -v cpu="$cpu" -v kib="$peak_kib" \
    -v mock_cpu="$mock_cpu" \
    -v sink="$SINK_NAME" \
    -v extra=" total_seconds=$total_seconds$([[ $name == *rate_limit* ]] && echo " rate_limit=$RATE_LIMIT http_429=$http_429")$([[ $name == events_latency_10ms ]] && echo " goal_min_rows_per_s=10000")" \
    'BEGIN { printf "RESULT name=%s rows=%d seconds=%s rows_per_s=%.0f cpu_us_per_row=%.1f peak_rss_mib=%.1f sink=%s sink_cpu_us_per_row=%.1f%s\n",
             name, n, s, n / s, cpu * 1e6 / n, kib / 1024, sink, mock_cpu * 1e6 / n, extra }'
}

main() {
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  add_cleanup drop_slot
  log "events into a mock with 10 ms latency, default config"
  run_case events_latency_10ms --latency-ms 10
  [[ ${CASES:-all} == 10ms ]] && return
  log "events into a mock with 100 ms latency, default config"
  run_case events_latency_100ms --latency-ms 100
  log "events into a mock with 10 ms latency and a rate limit of $RATE_LIMIT requests/s"
  run_case events_rate_limit --latency-ms 10 --rate-limit "$RATE_LIMIT"
}

main "$@"
