#!/usr/bin/env bash
# Binlog decoding and end-to-end streaming speed against MariaDB's own decoder, from one
# run on one machine.
#
#   tests/bench/mysql_stream_bench.sh [WORKLOAD...]
#
# A WORKLOAD is inserts:ROWS (ROWS inserts) or mixed:ROWS (a bare ROWS means mixed):
# ROWS row changes, the first half inserts and the second half updates of those rows.
# Default: inserts:500000 mixed:2000000 (issue 17's two MariaDB streams); with
# BENCH_QUICK=1: inserts:20000 mixed:40000.
#
# Each workload writes its row changes to a fresh table, in binlog files of their own
# (FLUSH BINARY LOGS before and after), in transactions of 10,000 rows. It copies those
# files and then times
#   - mariadb-binlog --verbose --base64-output=decode-rows over the copies, to /dev/null
#     (as invoked, it does not verify event checksums; ours do),
#   - cdc_binlog_decode_bench over the same copies: every event decoded, every row of
#     every rows event read into values, as the live reader does,
#   - retainly-cdc run streaming the changes from the server into retainly-mock, from a
#     stored position at the start of the workload until the mock has counted every row
#     (or, if the sink merged some, until its stored position, moved only after the mock
#     acknowledged every call and written at most every 500 ms, reaches the end of the
#     workload; bench_lib.sh stream_done; with bench-sink, until the last record
#     arrived there: stream_end_time), timed from its log line saying it started
#     streaming (after the takeover delay of its instance lock: streaming_since),
# and prints times, rows/s, each time's ratio to mariadb-binlog, peak resident memory
# and the CPU time of the connector and the mock (read from /proc just before the
# connector is stopped), and a RESULT line (tests/bench/README.md). Goals (issue 17): at
# most 1.5x mariadb-binlog's time, at most 2 us of connector CPU per row, peak memory at
# most 150 MB. The sink is BENCH_SINK (bench_lib.sh); BENCH_PERF_DIR=DIR records a
# `perf record -g` profile of the connector while it streams (bench_lib.sh perf_attach).
# The mock counts records after the sink merged back-to-back upserts of one customer
# still pending together, so fewer than ROWS can arrive (then end=position).
# Builds Release binaries in build-release/ and starts its own MariaDB
# (scripts/lib/servers.sh) unless CDC_TEST_MYSQL_HOST is set. The binlog files are copied
# from the server's directory when it is readable, else fetched with mariadb-binlog
# --read-from-remote-server --raw (BENCH_REMOTE_BINLOG=1 forces that).
# BENCH_SEND=changed|all sets the mapping's `send` (mappings/README.md; default: the
# connector's, changed): the test server logs FULL row images, so with `changed` every
# update's old row is mapped too and the unchanged name and note are left out.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=mysql_stream_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

BATCH=10000
DB=cdc_bench
WORK=
BINLOGS=()



# The workload, as one stream of statements for one client session: each statement is a
# transaction of its own (autocommit). seq_A_to_B are MariaDB's Sequence engine tables.
workload_sql() {
  local from to
  for ((from = 1; from <= INSERTS; from += BATCH)); do
    to=$((from + BATCH - 1 < INSERTS ? from + BATCH - 1 : INSERTS))
    printf '%s\n' "INSERT INTO items SELECT seq, CONCAT('customer ', seq), seq % 1000,
      (seq % 100000) * 1.37, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND
      + INTERVAL seq % 1000000 MICROSECOND,
      IF(seq % 4 = 0, NULL, CONCAT('signed up through campaign ', seq % 97))
      FROM seq_${from}_to_${to};"
  done
  for ((from = 1; from <= UPDATES; from += BATCH)); do
    to=$((from + BATCH - 1 < UPDATES ? from + BATCH - 1 : UPDATES))
    printf '%s\n' "UPDATE items SET visits = visits + 1, balance = balance + 9.99,
      updated_at = updated_at + INTERVAL 1 DAY WHERE id BETWEEN $from AND $to;"
  done
}

prepare() {
  log "creating $DB.items"
  drop_database
  add_cleanup drop_database
  my_sql -e "CREATE DATABASE $DB; CREATE TABLE $DB.items (
    id BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    visits INT NOT NULL,
    balance DECIMAL(12,2) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    note TEXT NULL)"
  my_sql -e "FLUSH BINARY LOGS"
  read -r START_FILE START_POS < <(binlog_end)
  [[ -n ${START_POS:-} ]] || die "SHOW MASTER STATUS is empty: is the binlog on?"
  log "writing $INSERTS inserts, then $UPDATES updates, in transactions of $BATCH (from $START_FILE:$START_POS)"
  local start
  start=$(now)
  workload_sql | my_sql -D "$DB"
  LOAD_SECONDS=$(elapsed "$start" "$(now)")
  read -r END_FILE END_POS < <(binlog_end)
  # Closes the last file, so every file of the workload is complete and stays as it is.
  my_sql -e "FLUSH BINARY LOGS"
  mapfile -t BINLOGS < <(my_sql -e "SHOW BINARY LOGS" |
    awk -v first="$START_FILE" -v last="$END_FILE" '$1 >= first && $1 <= last { print $1 }')
  log "changes end at $END_FILE:$END_POS (${#BINLOGS[@]} binlog files, written in ${LOAD_SECONDS}s)"
}

# Copies the workload's binlog files to WORK/binlogs, where both decoders read them. A
# copy, because a shared server may purge them meanwhile; reading it once also puts it
# in the page cache, so neither decoder pays for the disk.
copy_binlogs() {
  local dir
  dir=$(dirname "$(my_sql -e "SELECT @@log_bin_basename")")
  mkdir -p "$WORK/binlogs"
  if [[ ${BENCH_REMOTE_BINLOG:-0} != 1 && -r $dir/${BINLOGS[0]} ]]; then
    (cd "$dir" && cp "${BINLOGS[@]}" "$WORK/binlogs/")
  else
    log "fetching the binlog files from the server (mariadb-binlog --raw)"
    MYSQL_PWD=$CDC_TEST_MYSQL_PASSWORD mariadb-binlog --no-defaults --read-from-remote-server \
      -h "$CDC_TEST_MYSQL_HOST" -P "$CDC_TEST_MYSQL_PORT" -u "$CDC_TEST_MYSQL_USER" --raw \
      --result-file="$WORK/binlogs/" "${BINLOGS[@]}"
  fi
  BINLOG_PATHS=("${BINLOGS[@]/#/$WORK/binlogs/}")
  BINLOG_MIB=$(du -cm "${BINLOG_PATHS[@]}" | awk 'END { print $1 }')
}

time_mariadb_binlog() {
  run_measured mariadb-binlog /dev/null \
    mariadb-binlog --no-defaults --verbose --base64-output=decode-rows "${BINLOG_PATHS[@]}"
  MARIADB_SECONDS=$MEASURED_SECONDS
  MARIADB_PEAK="$MEASURED_PEAK KiB"
}

time_decode_bench() {
  run_measured decode "$WORK/decode.out" \
    "$BUILD/tests/bench/cdc_binlog_decode_bench" "${BINLOG_PATHS[@]}"
  DECODE_SECONDS=$MEASURED_SECONDS
  DECODE_PEAK="$MEASURED_PEAK KiB"
  DECODED_ROWS=$(awk '$1 == "row" && $2 == "changes" { print $3 }' "$WORK/decode.out")
  DECODE_ONLY=$(sed -n 's/^decode *//p' "$WORK/decode.out")
  # Other clients of a shared server may have written to the same files.
  ((DECODED_ROWS == ROWS)) ||
    log "note: the files hold $DECODED_ROWS row changes, $ROWS of them ours"
}

position_reached() { binlog_position_reached "$WORK/state" "$END_FILE" "$END_POS"; }

time_connector() {
  mkdir -p "$WORK/mappings" "$WORK/state"
  {
    [[ -n ${BENCH_SEND:-} ]] && echo "send: $BENCH_SEND"
    cat <<YAML
table: $DB.items
customer:
  id: id
  fields: { name: name, visits: visits, balance: balance, updated_at: updated_at, note: note }
YAML
  } >"$WORK/mappings/items.yaml"
  start_mock "$WORK"
  write_mysql_connector_config "$WORK"
  # The documented position format; an empty gtid_state makes it start at file:offset.
  printf '{"file": "%s", "offset": %s, "gtid_state": ""}\n' "$START_FILE" "$START_POS" \
    >"$WORK/state/mysql_position.json"
  local start pid
  start=$(now)
  callgrind_command "mysql_stream_${KIND}_$ROWS"
  "${CALLGRIND_COMMAND[@]}" "$BUILD/src/cli/retainly-cdc" run -c "$WORK/connector.yaml" >"$WORK/connector.log" 2>&1 &
  pid=$!
  add_cleanup "stop_pid $pid retainly-cdc"
  perf_attach "$pid" "mysql_stream_${KIND}_$ROWS"
  while ! stream_done "$ROWS" position_reached; do
    pid_alive "$pid" || {
      cat "$WORK/connector.log" >&2
      die "retainly-cdc exited"
    }
    stream_poll_pause
  done
  local end
  end=$(stream_end_time)
  TOTAL_SECONDS=$(elapsed "$start" "$end")
  STREAM_START=$(streaming_since "$WORK/connector.log") ||
    die "retainly-cdc never logged that it started streaming"
  CDC_SECONDS=$(elapsed "$STREAM_START" "$end")
  perf_detach
  measure_daemon "$pid"
  CDC_PEAK="$DAEMON_PEAK_KIB KiB"
  # On a small machine the connector and the mock share the CPUs: their CPU times say
  # which of them the wall time went to.
  CDC_CPU=$DAEMON_CPU
  MOCK_CPU=$(cpu_seconds "$MOCK_PID")
  stop_pid "$pid" retainly-cdc
  callgrind_done "mysql_stream_${KIND}_$ROWS"
  APPLIED=$(curl -s "http://$MOCK_ADDRESS/_stats")
  stop_pid "$MOCK_PID" retainly-mock
}

# run_workload KIND ROWS: one workload, start to RESULT line.
run_workload() {
  KIND=$1
  ROWS=$2
  if ! [[ $ROWS =~ ^[0-9]+$ ]] || ((ROWS < 2)); then
    die "ROWS must be a number >= 2, got '$ROWS'"
  fi
  if [[ $KIND == inserts ]]; then
    INSERTS=$ROWS
    UPDATES=0
  else
    INSERTS=$(((ROWS + 1) / 2))
    UPDATES=$((ROWS / 2))
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  prepare
  copy_binlogs
  time_mariadb_binlog
  time_decode_bench
  time_connector
  printf '\n%s row changes (%s inserts, %s updates, %s transactions), %s MiB of binlog in %s file(s), one run:\n' \
    "$ROWS" "$INSERTS" "$UPDATES" $(((INSERTS + BATCH - 1) / BATCH + (UPDATES + BATCH - 1) / BATCH)) \
    "$BINLOG_MIB" "${#BINLOGS[@]}"
  printf '  %-40s %8ss %9s rows/s  ratio %5s  peak memory %s\n' \
    "mariadb-binlog --verbose to /dev/null" "$MARIADB_SECONDS" \
    "$(rate "$DECODED_ROWS" "$MARIADB_SECONDS")" 1.00 "$MARIADB_PEAK" \
    "cdc_binlog_decode_bench" "$DECODE_SECONDS" "$(rate "$DECODED_ROWS" "$DECODE_SECONDS")" \
    "$(ratio "$DECODE_SECONDS" "$MARIADB_SECONDS")" "$DECODE_PEAK" \
    "retainly-cdc to retainly-mock ($BENCH_SINK)" "$CDC_SECONDS" "$(rate "$ROWS" "$CDC_SECONDS")" \
    "$(ratio "$CDC_SECONDS" "$MARIADB_SECONDS")" "$CDC_PEAK"
  printf '  (ratio: time / mariadb-binlog time; decoding alone, files in memory: %s)\n' \
    "$DECODE_ONLY"
  printf '  CPU time while streaming: retainly-cdc %ss (%s us/row), retainly-mock %ss (%s CPUs)\n' \
    "$CDC_CPU" "$(per_row_us "$CDC_CPU" "$ROWS")" "$MOCK_CPU" "$(nproc)"
  printf '  mock stats: %s\n' "$APPLIED"
  result "mysql_stream_${KIND}_$ROWS" "$ROWS" "$CDC_SECONDS" mariadb-binlog_verbose \
    "$MARIADB_SECONDS" "$CDC_CPU" "$DAEMON_PEAK_KIB" goal_max_ratio=1.5 \
    goal_max_cpu_us_per_row=2 end="$STREAM_END" total_seconds="$TOTAL_SECONDS" \
    decode_seconds="$DECODE_SECONDS" send="${BENCH_SEND:-default}" \
    mock_cpu_seconds="$MOCK_CPU" \
    thread_cpu_us_per_row="$(threads_per_row "$DAEMON_THREAD_CPU" "$ROWS")"
}

main() {
  local workloads=("$@") workload
  if ((${#workloads[@]} == 0)); then
    if [[ ${BENCH_QUICK:-0} == 1 ]]; then
      workloads=(inserts:20000 mixed:40000)
    else
      workloads=(inserts:500000 mixed:2000000)
    fi
  fi
  for workload in "${workloads[@]}"; do
    [[ $workload =~ ^((inserts|mixed):)?[0-9]+$ ]] ||
      die "a WORKLOAD is inserts:ROWS, mixed:ROWS or ROWS, got '$workload'"
  done
  install_cleanup_traps
  build
  if [[ -z ${CDC_TEST_MYSQL_HOST:-} ]]; then
    start_mariadb
  fi
  for workload in "${workloads[@]}"; do
    [[ $workload == *:* ]] || workload=mixed:$workload
    run_workload "${workload%%:*}" "${workload#*:}"
  done
}

main "$@"
