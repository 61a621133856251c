#!/usr/bin/env bash
# End-to-end streaming speed against PostgreSQL's own reader, from one run on one machine.
#
#   tests/bench/pg_stream_bench.sh [ROWS]        (default 1000000; BENCH_QUICK=1: 20000)
#
# Loads ROWS rows into a fresh table, creates two pgoutput slots at the same position,
# then updates every row (transactions of 10,000 rows). It then times
#   - pg_recvlogical reading those changes from its slot up to the end LSN (to /dev/null),
#   - retainly-cdc run streaming them from its slot into retainly-mock, until the mock
#     has counted every row (or, if the sink merged some, until the slot's confirmed
#     position, moved only after the mock acknowledged every call and reported every
#     status_interval_ms, reaches the end LSN; bench_lib.sh stream_done; with
#     bench-sink, until the last record arrived there: stream_end_time), timed from
#     its log line saying it started streaming (after the takeover delay of its instance
#     lock: bench_lib.sh streaming_since),
# and prints both times, their ratio, the connector's CPU time per row and peak resident
# memory (both read from /proc just before it is stopped), and a RESULT line
# (tests/bench/README.md). The goal (issue 17): at least 0.9x pg_recvlogical's rate, so a
# time ratio of at most 1.11. BENCH_CONNECTOR_FIRST=1 swaps the order. The sink is
# BENCH_SINK (bench_lib.sh). Builds Release binaries in build-release/ and starts its own
# PostgreSQL (scripts/lib/servers.sh) unless CDC_TEST_PG_DSN is set. BENCH_PERF_DIR=DIR
# records a profile of the connector while it streams (bench_lib.sh perf_attach).
#
# Sending only what changed (mappings/README.md): BENCH_REPLICA_IDENTITY=full gives the
# updates old images, BENCH_SEND=changed|all sets the mapping's `send` (default: the
# connector's default, changed). Each update changes the mapped `n`, so every row still
# makes a call; with full old images and send: changed the connector maps each old row
# too and leaves `note` out, which is the cost these two knobs measure. (The rows predate
# the stream, so the last-sent store does not know their customers: for customers it
# knows, the store judges the fields and the old row is not mapped.)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=pg_stream_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

if [[ ${BENCH_QUICK:-0} == 1 ]]; then ROWS=${1:-20000}; else ROWS=${1:-1000000}; fi
BATCH=10000
REPLICA_IDENTITY=${BENCH_REPLICA_IDENTITY:-default}
SEND=${BENCH_SEND:-}
case $REPLICA_IDENTITY in default | full) ;; *) die "BENCH_REPLICA_IDENTITY: default or full" ;; esac
case $SEND in '' | changed | all) ;; *) die "BENCH_SEND: changed or all" ;; esac
SLOT=bench_cdc
RECV_SLOT=bench_recv
WORK=

drop_slots() {
  sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
       WHERE slot_name IN ('$SLOT', '$RECV_SLOT') AND NOT active" >/dev/null || true
  sql "SET client_min_messages = warning; DROP PUBLICATION IF EXISTS $SLOT" || true
}

prepare() {
  log "loading $ROWS rows"
  drop_slots
  sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
       CREATE TABLE bench.items (id bigint PRIMARY KEY, n int NOT NULL, note text NOT NULL);
       INSERT INTO bench.items SELECT g, 0, 'item ' || g FROM generate_series(1, $ROWS) g;
       ALTER TABLE bench.items REPLICA IDENTITY ${REPLICA_IDENTITY^^};
       CREATE PUBLICATION $SLOT FOR TABLE bench.items;"
  sql "SELECT pg_create_logical_replication_slot('$SLOT', 'pgoutput')" >/dev/null
  sql "SELECT pg_create_logical_replication_slot('$RECV_SLOT', 'pgoutput')" >/dev/null
  add_cleanup drop_slots
  log "updating $ROWS rows in transactions of $BATCH"
  local from
  for ((from = 1; from <= ROWS; from += BATCH)); do
    sql "UPDATE bench.items SET n = n + 1 WHERE id BETWEEN $from AND $((from + BATCH - 1))"
  done
  END_LSN=$(sql "SELECT pg_current_wal_lsn()")
  log "changes end at $END_LSN ($(sql "SELECT pg_size_pretty(pg_wal_lsn_diff('$END_LSN',
       confirmed_flush_lsn)) FROM pg_replication_slots WHERE slot_name = '$SLOT'") of WAL)"
}

time_pg_recvlogical() {
  local start
  start=$(now)
  "$CDC_TEST_PG_BIN/pg_recvlogical" -d "$CDC_TEST_PG_DSN" --slot "$RECV_SLOT" --start \
    --no-loop -o proto_version=2 -o publication_names="$SLOT" -o streaming=on \
    --endpos "$END_LSN" -f /dev/null
  RECV_SECONDS=$(elapsed "$start" "$(now)")
}

time_connector() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  mkdir -p "$WORK/mappings"
  {
    [[ -n $SEND ]] && echo "send: $SEND"
    cat <<'YAML'
table: bench.items
customer:
  id: id
  fields: { n: n, note: note }
YAML
  } >"$WORK/mappings/items.yaml"
  start_mock "$WORK"
  write_connector_config "$WORK" "$SLOT"
  local start
  start=$(now)
  callgrind_command "pg_stream_$ROWS"
  "${CALLGRIND_COMMAND[@]}" "$BUILD/src/cli/retainly-cdc" run -c "$WORK/connector.yaml" >"$WORK/connector.log" 2>&1 &
  local connector_pid=$!
  add_cleanup "stop_pid $connector_pid retainly-cdc"
  perf_attach "$connector_pid" "pg_stream_$ROWS"
  while ! stream_done "$ROWS" slot_reached "$SLOT" "$END_LSN"; do
    pid_alive "$connector_pid" || { cat "$WORK/connector.log" >&2; die "retainly-cdc exited"; }
    stream_poll_pause
  done
  local end
  end=$(stream_end_time)
  TOTAL_SECONDS=$(elapsed "$start" "$end")
  STREAM_START=$(streaming_since "$WORK/connector.log") ||
    die "retainly-cdc never logged that it started streaming"
  CDC_SECONDS=$(elapsed "$STREAM_START" "$end")
  perf_detach
  measure_daemon "$connector_pid"
  stop_pid "$connector_pid" retainly-cdc
  callgrind_done "pg_stream_$ROWS"
  APPLIED=$(curl -s "http://$MOCK_ADDRESS/_stats")
}

main() {
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  prepare
  # Whichever reads first may pay for WAL not yet in the page cache; read it once first.
  cat "$CDC_TEST_PG_DATA"/pg_wal/0* >/dev/null 2>&1 || true
  if [[ ${BENCH_CONNECTOR_FIRST:-0} == 1 ]]; then
    time_connector
    time_pg_recvlogical
  else
    time_pg_recvlogical
    time_connector
  fi
  printf '\n%s row updates (%s transactions), one run:\n' "$ROWS" $((ROWS / BATCH))
  printf '  pg_recvlogical to /dev/null      %8ss\n' "$RECV_SECONDS"
  printf '  retainly-cdc to retainly-mock    %8ss  (sink %s; %ss from its start)\n' \
    "$CDC_SECONDS" "$BENCH_SINK" "$TOTAL_SECONDS"
  printf '  ratio (retainly-cdc / pg_recvlogical)  %s\n' "$(ratio "$CDC_SECONDS" "$RECV_SECONDS")"
  printf '  retainly-cdc CPU %ss (%s us/row), peak memory %s KiB\n' "$DAEMON_CPU" \
    "$(per_row_us "$DAEMON_CPU" "$ROWS")" "$DAEMON_PEAK_KIB"
  printf '  mock stats: %s\n' "$APPLIED"
  result "pg_stream_$ROWS" "$ROWS" "$CDC_SECONDS" pg_recvlogical "$RECV_SECONDS" "$DAEMON_CPU" \
    "$DAEMON_PEAK_KIB" goal_max_ratio=1.11 end="$STREAM_END" total_seconds="$TOTAL_SECONDS" \
    replica_identity="$REPLICA_IDENTITY" send="${SEND:-default}" \
    thread_cpu_us_per_row="$(threads_per_row "$DAEMON_THREAD_CPU" "$ROWS")"
}

main "$@"
