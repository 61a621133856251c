#!/usr/bin/env bash
# Memory while Retainly is down, from one run on one machine.
#
#   tests/bench/delivery_bench.sh [SECONDS]    (default 60)
#
# The mock answers every request 503 for SECONDS while a steady load writes 2,000 rows a
# second; the daemon's peak resident memory (VmHWM) is read at the end, next to its
# resident memory after 10 s, with sink.max_pending_calls 10000. Bounded memory means the
# reader is held back. Prints `RESULT name=memory_retainly_down ...` for scripts/bench.
# Events per second are measured by events_bench.sh, latency by latency_bench.sh.
# Builds Release binaries in build-release/ and starts its own PostgreSQL unless
# CDC_TEST_PG_DSN is set.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=delivery_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

SECONDS_DOWN=${1:-60}
SLOT=bench_delivery

# kib PID FIELD: a /proc/PID/status memory field in KiB.
kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

memory_while_down() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$dir'"
  fresh_signups "$dir"
  start_mock "$dir" --fail-rate 1
  write_connector_config "$dir" "$SLOT" "  max_pending_calls: 10000"
  "$BUILD/src/cli/retainly-cdc" run -c "$dir/connector.yaml" >"$dir/connector.log" 2>&1 &
  local pid=$!
  add_cleanup "stop_pid $pid retainly-cdc"
  poll_until 30 "retainly-cdc to stream" grep -q 'streaming from slot' "$dir/connector.log"
  local next=1 second rss_10s=
  for ((second = 1; second <= SECONDS_DOWN; second++)); do
    sql "INSERT INTO bench.signups SELECT g, 'user' || g || '@example.com'
         FROM generate_series($next, $((next + 1999))) g"
    next=$((next + 2000))
    sleep 1  # the write load's pace, not a synchronisation
    pid_alive "$pid" || { cat "$dir/connector.log" >&2; die "retainly-cdc exited"; }
    ((second == 10)) && rss_10s=$(kib "$pid" VmRSS)
  done
  PEAK_KIB=$(kib "$pid" VmHWM)
  RSS_10S_KIB=$rss_10s
  WRITTEN=$((next - 1))
  PENDING=$(sql "SELECT pg_size_pretty(pg_current_wal_lsn() - confirmed_flush_lsn)
                 FROM pg_replication_slots WHERE slot_name = '$SLOT'")
  # SIGTERM waits up to shutdown_timeout_ms (30 s) for the undeliverable calls.
  stop_pid "$pid" retainly-cdc 45
}

main() {
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  add_cleanup drop_slot
  log "memory while the mock answers 503 for ${SECONDS_DOWN}s"
  memory_while_down
  printf '\nRetainly down (every request 503) for %s s, %s rows written, max_pending_calls 10000:\n' \
    "$SECONDS_DOWN" "$WRITTEN"
  printf '  resident memory after 10 s   %s KiB\n' "$RSS_10S_KIB"
  printf '  peak resident memory (VmHWM) %s KiB\n' "$PEAK_KIB"
  printf '  WAL held by the slot at the end: %s\n' "$PENDING"
  awk -v n="$WRITTEN" -v s="$SECONDS_DOWN" -v kib="$PEAK_KIB" \
    'BEGIN { printf "RESULT name=memory_retainly_down rows=%d seconds=%s peak_rss_mib=%.1f sink=retainly-mock-503\n",
             n, s, kib / 1024 }'
}

main "$@"
