#!/usr/bin/env bash
# What "send only what changed" saves, and what it costs, from one run on one machine.
#
#   tests/bench/send_changed_bench.sh [CUSTOMERS [UPDATES]]
#
# A MariaDB table of CUSTOMERS rows (default 100,000; BENCH_QUICK=1: 10,000) gets UPDATES
# updates (default 9 x CUSTOMERS), 90% of which touch only a column no mapping names
# (last_seen_at, as production tables churn) and 10% one mapped field. retainly-cdc then
# streams the inserts and the updates into retainly-mock twice from the same binlog
# position, once with `send: all` and once with `send: changed` (a fresh state folder each
# time, so the last-sent store learns the customers from their inserts), and prints for
# each: the calls and records Retainly received, the request bytes (from /metrics), the
# time, the connector's CPU per row change, its peak memory and the store's size. RESULT
# lines (tests/bench/README.md): send_changed_all and send_changed_changed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_NAME=send_changed_bench
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/servers.sh
source "$ROOT/scripts/lib/servers.sh"
# shellcheck source=tests/bench/bench_lib.sh
source "$ROOT/tests/bench/bench_lib.sh"

DB=cdc_bench_changed
BATCH=10000

workload_sql() {
  local from to
  for ((from = 1; from <= CUSTOMERS; from += BATCH)); do
    to=$((from + BATCH - 1 < CUSTOMERS ? from + BATCH - 1 : CUSTOMERS))
    printf '%s\n' "INSERT INTO users SELECT seq, CONCAT('user', seq, '@example.com'),
      CONCAT('User ', seq), 'free', seq % 90, 0, 0 FROM seq_${from}_to_${to};"
  done
  # Updates in transactions of BATCH rows: ids cycle through the table; every tenth
  # transaction changes a mapped field (score), the others only last_seen_at.
  local done_rows=0 t=0 first last
  while ((done_rows < UPDATES)); do
    first=$(((done_rows % CUSTOMERS) + 1))
    last=$((first + BATCH - 1 < CUSTOMERS ? first + BATCH - 1 : CUSTOMERS))
    if ((t % 10 == 9)); then
      printf '%s\n' "UPDATE users SET score = score + 1, last_seen_at = last_seen_at + 1 WHERE id BETWEEN $first AND $last;"
    else
      printf '%s\n' "UPDATE users SET last_seen_at = last_seen_at + 1 WHERE id BETWEEN $first AND $last;"
    fi
    done_rows=$((done_rows + last - first + 1))
    t=$((t + 1))
  done
}

prepare() {
  drop_database
  add_cleanup drop_database
  my_sql -e "CREATE DATABASE $DB; CREATE TABLE $DB.users (id BIGINT PRIMARY KEY,
    email VARCHAR(100), name VARCHAR(100), plan VARCHAR(20), age INT, score INT,
    last_seen_at BIGINT NOT NULL)"
  my_sql -e "FLUSH BINARY LOGS"
  read -r START_FILE START_POS < <(binlog_end)
  log "writing $CUSTOMERS inserts and $UPDATES updates (90% of unmapped columns only)"
  workload_sql | my_sql -D "$DB"
  read -r END_FILE END_POS < <(binlog_end)
  my_sql -e "FLUSH BINARY LOGS"
}

position_reached() { binlog_position_reached "$RUN/state" "$END_FILE" "$END_POS"; }

# metric NAME: the sum of a metric's samples on the connector's /metrics.
metric() {
  curl -s "http://$METRICS/metrics" |
    awk -v name="$1" 'index($0, name "{") == 1 || index($0, name " ") == 1 { s += $NF }
                      END { printf "%.0f", s }'
}

# stream MODE: one run with `send: MODE`; sets the figures of the run.
stream() {
  local mode=$1 pid start end
  RUN=$WORK/$mode
  mkdir -p "$RUN/mappings" "$RUN/state"
  cat >"$RUN/mappings/users.yaml" <<YAML
table: $DB.users
send: $mode
customer:
  id: id
  fields: { email: email, name: name, plan: plan, age: age, score: score }
YAML
  start_mock "$RUN"
  METRICS=127.0.0.1:$((20000 + RANDOM % 20000))
  write_mysql_connector_config "$RUN"
  printf 'metrics: %s\n' "$METRICS" >>"$RUN/connector.yaml"
  printf '{"file": "%s", "offset": %s, "gtid_state": ""}\n' "$START_FILE" "$START_POS" \
    >"$RUN/state/mysql_position.json"
  start=$(now)
  "$BUILD/src/cli/retainly-cdc" run -c "$RUN/connector.yaml" >"$RUN/connector.log" 2>&1 &
  pid=$!
  add_cleanup "stop_pid $pid retainly-cdc"
  until position_reached; do
    pid_alive "$pid" || {
      cat "$RUN/connector.log" >&2
      die "retainly-cdc exited"
    }
    sleep 0.05  # polling pace
  done
  end=$(now)
  STREAM_START=$(streaming_since "$RUN/connector.log") || die "never streamed"
  SECONDS_TAKEN=$(elapsed "$STREAM_START" "$end")
  measure_daemon "$pid"
  REQUESTS=$(metric retainly_cdc_requests_total)
  BYTES=$(metric retainly_cdc_request_bytes_total)
  SKIPPED_CALLS=$(metric retainly_cdc_calls_skipped_total)
  SKIPPED_FIELDS=$(metric retainly_cdc_fields_skipped_total)
  STORE_BYTES=$(metric retainly_cdc_last_sent_store_bytes)
  stop_pid "$pid" retainly-cdc
  RECORDS=$(curl -s "http://$MOCK_ADDRESS/_stats" | grep -o '"records_applied":{[^}]*}' |
    grep -o '"POST /customers":[0-9]*' | cut -d: -f2)
  stop_pid "$MOCK_PID" retainly-mock
  local rows=$((CUSTOMERS + UPDATES))
  printf '  send: %-8s %7ss  %9s records  %6s requests  %11s request bytes  %8s calls / %9s fields skipped  %6s us CPU/row  peak %s MiB  store %s bytes\n' \
    "$mode" "$SECONDS_TAKEN" "${RECORDS:-0}" "$REQUESTS" "$BYTES" "$SKIPPED_CALLS" "$SKIPPED_FIELDS" \
    "$(per_row_us "$DAEMON_CPU" "$rows")" "$(kib_to_mib "$DAEMON_PEAK_KIB")" "$STORE_BYTES"
  result "send_changed_$mode" "$rows" "$SECONDS_TAKEN" - - "$DAEMON_CPU" "$DAEMON_PEAK_KIB" \
    records="${RECORDS:-0}" requests="$REQUESTS" request_bytes="$BYTES" \
    calls_skipped="$SKIPPED_CALLS" fields_skipped="$SKIPPED_FIELDS" store_bytes="$STORE_BYTES"
}

main() {
  if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    CUSTOMERS=${1:-10000}
  else
    CUSTOMERS=${1:-100000}
  fi
  UPDATES=${2:-$((CUSTOMERS * 9))}
  install_cleanup_traps
  build
  [[ -n ${CDC_TEST_MYSQL_HOST:-} ]] || start_mariadb
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/cdc-bench.XXXXXX")
  add_cleanup "rm -rf '$WORK'"
  prepare
  printf '\n%s customers inserted, then %s updates (90%% of an unmapped column only):\n' \
    "$CUSTOMERS" "$UPDATES"
  stream all
  stream changed
}

main "$@"
