#!/usr/bin/env bash
# Backfill speed next to COPY, and its memory as the table grows, from one run.
#
#   tests/bench/backfill_bench.sh [ROWS...]     (default 100000 1000000)
#
# For each size: a fresh table of ROWS rows, then
#   - `COPY bench.items TO STDOUT` through psql into /dev/null (what reading costs),
#   - `retainly-cdc backfill` of the same table into retainly-mock (read, map, deliver,
#     acknowledge), with its peak resident memory (VmHWM, sampled until it exits),
# and the ratio of the two times. Flat memory across sizes means bounded memory.
# Builds Release binaries in build-release/ and starts its own PostgreSQL unless
# CDC_TEST_PG_DSN is set.
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

bench_size() {
  local rows=$1 dir start copy_seconds cdc_seconds pid peak=0 hwm
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$dir'"
  log "loading $rows rows"
  sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
       CREATE TABLE bench.items (id bigint PRIMARY KEY, n int NOT NULL, note text NOT NULL);
       INSERT INTO bench.items SELECT g, g % 1000, 'item ' || g FROM generate_series(1, $rows) g;"
  sql "VACUUM ANALYZE bench.items"
  start=$(now)
  "$CDC_TEST_PG_BIN/psql" -X -q -d "$CDC_TEST_PG_DSN" -c "COPY bench.items TO STDOUT" >/dev/null
  copy_seconds=$(elapsed "$start" "$(now)")

  mkdir -p "$dir/mappings"
  cat >"$dir/mappings/items.yaml" <<'YAML'
table: bench.items
customer:
  id: id
  fields: { n: n, note: note }
YAML
  start_mock "$dir"
  write_connector_config "$dir" bench_backfill
  start=$(now)
  "$BUILD/src/cli/retainly-cdc" backfill -c "$dir/connector.yaml" >"$dir/backfill.log" 2>&1 &
  pid=$!
  while pid_alive "$pid"; do
    hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n $hwm ]] && ((hwm > peak)) && peak=$hwm
    sleep 0.05  # sampling pace
  done
  wait "$pid" || { cat "$dir/backfill.log" >&2; die "backfill failed"; }
  cdc_seconds=$(elapsed "$start" "$(now)")
  stop_pid "$MOCK_PID" retainly-mock
  RESULTS+=("$(printf '%9s rows: COPY %6ss, backfill %6ss, ratio %s, %s rows/s, peak memory %s KiB' \
    "$rows" "$copy_seconds" "$cdc_seconds" \
    "$(awk -v a="$cdc_seconds" -v b="$copy_seconds" 'BEGIN { printf "%.2f", a / b }')" \
    "$(awk -v n="$rows" -v s="$cdc_seconds" 'BEGIN { printf "%.0f", n / s }')" "$peak")")
}

main() {
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_PG_DSN:-} ]]; then
    start_postgres
  fi
  local rows
  for rows in "${@:-100000 1000000}"; do
    # shellcheck disable=SC2086
    for size in $rows; do bench_size "$size"; done
  done
  printf '\nbackfill into retainly-mock next to COPY ... TO STDOUT, one run each:\n'
  printf '  %s\n' "${RESULTS[@]}"
}

main "$@"
