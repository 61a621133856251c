#!/usr/bin/env bash
# MySQL backfill speed next to the mariadb client, and its memory as the table grows, from
# one run.
#
#   tests/bench/mysql_backfill_bench.sh [ROWS...]   (default 1000000; BENCH_QUICK=1: 20000)
#
# For each size: a fresh table of ROWS rows (BIGINT key, VARCHAR, INT, DECIMAL, DATETIME(6)),
# loaded without writing the binlog, then
#   - `mariadb --batch --quick -e "SELECT * FROM ..."` into /dev/null: the server's own
#     client reading the whole table, row by row as it arrives (what reading costs),
#   - `retainly-cdc backfill` of the same table into retainly-mock (read, map, deliver,
#     acknowledge), until it exits 0, which it does once every call was acknowledged,
# each with its time, rows/s and peak resident memory, the ratio of the two times, the
# connector's CPU time per row, and a RESULT line per size (tests/bench/README.md). Goal
# (issue 17): at most 3x the client's time, peak memory at most 150 MB. The sink is
# BENCH_SINK (bench_lib.sh).
# Flat memory across sizes means bounded memory. The client reads first, so both find
# the freshly loaded table in the buffer pool.
# Builds Release binaries in build-release/ and starts its own MariaDB
# (scripts/lib/servers.sh) unless CDC_TEST_MYSQL_HOST is set.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=mysql_backfill_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

DB=cdc_backfill_bench
WORK=
RESULTS=()
RESULT_LINES=()



# load ROWS: a fresh $DB.items of ROWS rows from seq_1_to_ROWS (MariaDB's Sequence engine,
# whose tables need a current database, hence the USE). sql_log_bin = 0 keeps the
# session's statements out of the binlog, which would otherwise grow by the table each run.
load() {
  my_sql -e "SET sql_log_bin = 0;
    DROP DATABASE IF EXISTS $DB;
    CREATE DATABASE $DB;
    USE $DB;
    CREATE TABLE $DB.items (
      id BIGINT NOT NULL PRIMARY KEY,
      name VARCHAR(100) NOT NULL,
      n INT NOT NULL,
      amount DECIMAL(12,2) NOT NULL,
      created DATETIME(6) NOT NULL);
    INSERT INTO $DB.items SELECT seq, CONCAT('customer ', seq), seq % 1000,
      (seq % 100000) * 1.37, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND
      + INTERVAL seq % 1000000 MICROSECOND
      FROM seq_1_to_$1;"
}

write_config() {
  local dir=$1
  mkdir -p "$dir/mappings"
  cat >"$dir/mappings/items.yaml" <<YAML
table: $DB.items
customer:
  id: id
  fields: { name: name, n: n, amount: amount, created: created }
YAML
  write_mysql_connector_config "$dir" "backfill: { connections: 2, page_rows: 5000 }"
}

bench_size() {
  local rows=$1 dir client_seconds client_peak cdc_seconds cdc_peak cdc_cpu read_rows
  dir=$WORK/$rows
  mkdir -p "$dir"
  log "loading $rows rows"
  load "$rows"

  log "reading them with the mariadb client"
  run_measured "mariadb-$rows" /dev/null env MYSQL_PWD="$CDC_TEST_MYSQL_PASSWORD" \
    mariadb --no-defaults -h "$CDC_TEST_MYSQL_HOST" -P "$CDC_TEST_MYSQL_PORT" \
    -u "$CDC_TEST_MYSQL_USER" --batch --quick -e "SELECT * FROM $DB.items"
  client_seconds=$MEASURED_SECONDS
  client_peak=$MEASURED_PEAK

  log "backfilling them into retainly-mock ($BENCH_SINK)"
  start_mock "$dir"
  write_config "$dir"
  perf_command "mysql_backfill_$rows"
  callgrind_command "mysql_backfill_$rows"
  run_measured "backfill-$rows" "$dir/backfill.out" "${PERF_COMMAND[@]}" \
    "${CALLGRIND_COMMAND[@]}" "$BUILD/src/cli/retainly-cdc" backfill -c "$dir/connector.yaml"
  perf_command_done "mysql_backfill_$rows"
  callgrind_done "mysql_backfill_$rows"
  cdc_seconds=$MEASURED_SECONDS
  cdc_peak=$MEASURED_PEAK
  cdc_cpu=$MEASURED_CPU
  stop_pid "$MOCK_PID" retainly-mock
  read_rows=$(sed -n 's/^backfill done: \([0-9]*\) rows read.*/\1/p' "$dir/backfill.out")
  [[ $read_rows == "$rows" ]] || {
    cat "$dir/backfill.out" "$WORK/backfill-$rows.err" >&2
    die "backfill read ${read_rows:-no} rows, not $rows"
  }
  grep -q ', 0 dead letters' "$dir/backfill.out" || {
    cat "$dir/backfill.out" >&2
    die "backfill wrote dead letters"
  }

  RESULTS+=("$(printf '%9s %9ss %9s %9s KiB  %9ss %9s %6s %9s KiB %8s' \
    "$rows" "$client_seconds" "$(rate "$rows" "$client_seconds")" "$client_peak" \
    "$cdc_seconds" "$(rate "$rows" "$cdc_seconds")" \
    "$(ratio "$cdc_seconds" "$client_seconds")" "$cdc_peak" "$(per_row_us "$cdc_cpu" "$rows")")")
  RESULT_LINES+=("$(result "mysql_backfill_$rows" "$rows" "$cdc_seconds" mariadb_batch_quick \
    "$client_seconds" "$cdc_cpu" "$cdc_peak" goal_max_ratio=3)")
}

main() {
  local sizes=("$@")
  if ((${#sizes[@]} == 0)); then
    if [[ ${BENCH_QUICK:-0} == 1 ]]; then sizes=(20000); else sizes=(1000000); fi
  fi
  local size
  for size in "${sizes[@]}"; do
    [[ $size =~ ^[1-9][0-9]*$ ]] || die "ROWS must be positive numbers, got '$size'"
  done
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_MYSQL_HOST:-} ]]; then
    start_mariadb
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  add_cleanup drop_database
  for size in "${sizes[@]}"; do bench_size "$size"; done
  printf '\nbackfill into retainly-mock (%s) next to SELECT through the mariadb client, one run each:\n' \
    "$BENCH_SINK"
  printf '  %9s %10s %9s %13s  %10s %9s %6s %13s %8s\n' rows "mariadb" "rows/s" "peak memory" \
    backfill "rows/s" ratio "peak memory" "CPU us/row"
  printf '  %s\n' "${RESULTS[@]}"
  printf '  (mariadb: --batch --quick to /dev/null; ratio: backfill time / mariadb time;\n'
  printf '   backfill: connections 2, page_rows 5000, one table so one connection reads)\n'
  printf '%s\n' "${RESULT_LINES[@]}"
}

main "$@"
