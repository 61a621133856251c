#!/usr/bin/env bash
# Latency from commit to arrival at the sink, from one run on one machine.
#
#   tests/bench/latency_bench.sh [RATE] [SECONDS]    (defaults 1000 and 20)
#
# pgbench commits RATE single-row transactions per second for SECONDS into a table whose
# rows become Retainly customer upserts, with the default sink config. Each row carries
# its insert time (the database's clock_timestamp(), in microseconds; the row's commit
# follows within the same statement's autocommit); tests/bench/latency_sink.py, a tiny
# HTTP stand-in for Retainly that answers at once, notes each record's arrival on the
# same machine's clock. Prints `RESULT name=latency ...` with p50_ms and p99_ms over every
# row, rows, seconds, rows_per_s, cpu_us_per_row (retainly-cdc's CPU from /proc/PID/stat),
# peak_rss_mib (VmHWM) and sink.
# Builds Release binaries in build-release/ and starts its own PostgreSQL unless
# CDC_TEST_PG_DSN is set.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=latency_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

RATE=${1:-1000}
DURATION=${2:-20}
SLOT=bench_latency

main() {
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  add_cleanup drop_slot
  drop_slot
  sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
       CREATE TABLE bench.pings (id bigserial PRIMARY KEY, t bigint NOT NULL);
       CREATE PUBLICATION $SLOT FOR TABLE bench.pings;"
  sql "SELECT pg_create_logical_replication_slot('$SLOT', 'pgoutput')" >/dev/null

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$dir'"
  mkdir -p "$dir/mappings"
  cat >"$dir/mappings/pings.yaml" <<'YAML'
table: bench.pings
customer:
  id: id
  fields:
    t: t
YAML
  cat >"$dir/insert.sql" <<'SQL'
INSERT INTO bench.pings (t) VALUES ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
SQL

  python3 "$ROOT/tests/bench/latency_sink.py" >"$dir/sink.log" 2>&1 &
  local sink_pid=$!
  add_cleanup "stop_pid $sink_pid latency_sink"
  poll_until 30 "latency_sink.py to listen" grep -q 'listening on' "$dir/sink.log"
  MOCK_ADDRESS=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$dir/sink.log" | head -1)
  write_connector_config "$dir" "$SLOT"
  "$BUILD/src/cli/retainly-cdc" run -c "$dir/connector.yaml" >"$dir/connector.log" 2>&1 &
  local pid=$!
  add_cleanup "stop_pid $pid retainly-cdc"
  poll_until 30 "retainly-cdc to stream" grep -q 'streaming from slot' "$dir/connector.log"

  log "$RATE single-row transactions per second for ${DURATION}s"
  local cpu_before start
  cpu_before=$(cpu_seconds "$pid")
  start=$(now)
  "$CDC_TEST_PG_BIN/pgbench" -n -f "$dir/insert.sql" -R "$RATE" -T "$DURATION" -c 4 -j 2 \
    "$CDC_TEST_PG_DSN" >"$dir/pgbench.log" 2>&1 || { cat "$dir/pgbench.log" >&2; die "pgbench failed"; }
  local end_lsn rows
  end_lsn=$(sql "SELECT pg_current_wal_lsn()")
  rows=$(sql "SELECT count(*) FROM bench.pings")
  while ! slot_reached "$SLOT" "$end_lsn"; do
    pid_alive "$pid" || { cat "$dir/connector.log" >&2; die "retainly-cdc exited"; }
    sleep 0.1 # polling the slot's position, not a synchronisation
  done
  local seconds cpu peak_kib report
  seconds=$(elapsed "$start" "$(now)")
  cpu=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$pid")" 'BEGIN { print b - a }')
  peak_kib=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status")
  report=$(curl -s "http://$MOCK_ADDRESS/_latency")
  stop_pid "$pid" retainly-cdc
  [[ $(jq -r .count <<<"$report") == "$rows" ]] ||
    die "the sink saw $(jq -r .count <<<"$report") rows, the table has $rows"
  awk -v n="$rows" -v s="$seconds" -v cpu="$cpu" -v kib="$peak_kib" \
    -v p50="$(jq -r .p50_ms <<<"$report")" -v p99="$(jq -r .p99_ms <<<"$report")" \
    -v max="$(jq -r .max_ms <<<"$report")" \
    'BEGIN { printf "RESULT name=latency rows=%d seconds=%s rows_per_s=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f cpu_us_per_row=%.1f peak_rss_mib=%.1f sink=latency_sink.py goal_max_p99_ms=50\n",
             n, s, n / s, p50, p99, max, cpu * 1e6 / n, kib / 1024 }'
}

main "$@"
