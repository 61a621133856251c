#!/usr/bin/env bash
# Backfill speed next to COPY, and its memory as the table grows, from one run.
#
#   tests/bench/backfill_bench.sh [ROWS...]   (default 1000000 10000000; BENCH_QUICK=1: 20000)
#
# For each size: a fresh table of ROWS rows, then
#   - `COPY bench.items TO STDOUT` through psql into /dev/null (what reading costs),
#   - `retainly-cdc backfill` of the same table into retainly-mock (read, map, deliver,
#     acknowledge), with its CPU time and peak resident memory (GNU time, or /proc),
#   - the same backfill again over the unchanged table: the last-sent store the first
#     filled lets no call go out (issue 18), so it reads the table and judges each row,
# and each backfill's ratio to COPY's time, and RESULT lines pg_backfill_ROWS and
# pg_backfill_again_ROWS (tests/bench/README.md).
# Flat memory across sizes means bounded memory. Goals (issue 17): at most 3x COPY's
# time, and peak memory at most 150 MB even at 10M rows. The sink is BENCH_SINK.
# Builds Release binaries in build-release/ and starts its own PostgreSQL unless
# CDC_TEST_PG_DSN is set. BENCH_EXTRA_CONFIG: lines added to the connector's config (for
# example "backfill:\n  page_rows: 20000", as printf %b reads it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=backfill_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

RESULTS=()
RESULT_LINES=()
WORK=

bench_size() {
  local rows=$1 dir copy_seconds read_rows
  dir=$WORK/$rows
  mkdir -p "$dir"
  log "loading $rows rows"
  sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
       CREATE TABLE bench.items (id bigint PRIMARY KEY, n int NOT NULL, note text NOT NULL);
       INSERT INTO bench.items SELECT g, g % 1000, 'item ' || g FROM generate_series(1, $rows) g;"
  sql "VACUUM ANALYZE bench.items"
  log "reading them with COPY ... TO STDOUT"
  run_measured "copy-$rows" /dev/null \
    "$CDC_TEST_PG_BIN/psql" -X -q -d "$CDC_TEST_PG_DSN" -c "COPY bench.items TO STDOUT"
  copy_seconds=$MEASURED_SECONDS

  mkdir -p "$dir/mappings"
  cat >"$dir/mappings/items.yaml" <<'YAML'
table: bench.items
customer:
  id: id
  fields: { n: n, note: note }
YAML
  log "backfilling them into retainly-mock ($BENCH_SINK)"
  start_mock "$dir"
  write_connector_config "$dir" bench_backfill "$(printf '%b' "${BENCH_EXTRA_CONFIG:-}")"
  perf_command "pg_backfill_$rows"
  callgrind_command "pg_backfill_$rows"
  run_measured "backfill-$rows" "$dir/backfill.out" "${PERF_COMMAND[@]}" \
    "${CALLGRIND_COMMAND[@]}" "$BUILD/src/cli/retainly-cdc" backfill -c "$dir/connector.yaml"
  perf_command_done "pg_backfill_$rows"
  callgrind_done "pg_backfill_$rows"
  stop_pid "$MOCK_PID" retainly-mock
  read_rows=$(sed -n 's/^backfill done: \([0-9]*\) rows read.*/\1/p' "$dir/backfill.out")
  [[ $read_rows == "$rows" ]] || {
    cat "$dir/backfill.out" "$WORK/backfill-$rows.err" >&2
    die "backfill read ${read_rows:-no} rows, not $rows"
  }
  add_result "backfill" "pg_backfill_$rows" "$rows" "$copy_seconds"

  # The same table again, unchanged, over the last-sent store the first run filled: no
  # call goes out (send: changed), so this is reading the table and judging every row
  # against the store.
  log "backfilling them again, unchanged"
  start_mock "$dir"
  write_connector_config "$dir" bench_backfill "$(printf '%b' "${BENCH_EXTRA_CONFIG:-}")"
  run_measured "backfill-again-$rows" "$dir/again.out" \
    "$BUILD/src/cli/retainly-cdc" backfill -c "$dir/connector.yaml"
  stop_pid "$MOCK_PID" retainly-mock
  local sent
  sent=$(sed -n 's/^backfill done: [0-9]* rows read, \([0-9]*\) calls sent.*/\1/p' "$dir/again.out")
  [[ $sent == 0 ]] || {
    cat "$dir/again.out" >&2
    die "the second backfill sent ${sent:-an unknown number of} calls, not 0"
  }
  add_result "again  " "pg_backfill_again_$rows" "$rows" "$copy_seconds"
}

# add_result LABEL NAME ROWS COPY_SECONDS: the measured run (run_measured's figures) as a
# line of the summary and a RESULT line.
add_result() {
  local label=$1 name=$2 rows=$3 copy_seconds=$4
  RESULTS+=("$(printf '%9s rows: COPY %7ss, %s %7ss, ratio %6s, %8s rows/s, CPU %s us/row, peak memory %s KiB' \
    "$rows" "$copy_seconds" "$label" "$MEASURED_SECONDS" \
    "$(ratio "$MEASURED_SECONDS" "$copy_seconds")" "$(rate "$rows" "$MEASURED_SECONDS")" \
    "$(per_row_us "$MEASURED_CPU" "$rows")" "$MEASURED_PEAK")")
  RESULT_LINES+=("$(result "$name" "$rows" "$MEASURED_SECONDS" copy_to_stdout \
    "$copy_seconds" "$MEASURED_CPU" "$MEASURED_PEAK" goal_max_ratio=3)")
}

main() {
  local sizes=("$@")
  if ((${#sizes[@]} == 0)); then
    if [[ ${BENCH_QUICK:-0} == 1 ]]; then sizes=(20000); else sizes=(1000000 10000000); fi
  fi
  local size
  for size in "${sizes[@]}"; do
    [[ $size =~ ^[1-9][0-9]*$ ]] || die "ROWS must be positive numbers, got '$size'"
  done
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  add_cleanup "sql 'SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE' || true"
  for size in "${sizes[@]}"; do bench_size "$size"; done
  printf '\nbackfill into retainly-mock (%s) next to COPY ... TO STDOUT, one run each:\n' \
    "$BENCH_SINK"
  printf '  %s\n' "${RESULTS[@]}"
  printf '%s\n' "${RESULT_LINES[@]}"
}

main "$@"
