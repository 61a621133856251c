# shellcheck shell=bash
# shellcheck disable=SC2034 # sets variables (MEASURED_*, DAEMON_*, ...) for its callers
# Shared by the benchmarks in tests/bench/: Release binaries, psql, timing, a
# retainly-mock to deliver into. Source after scripts/lib/common.sh and servers.sh.

# shellcheck source=scripts/lib/server_clients.sh
source "$ROOT/scripts/lib/server_clients.sh"

BUILD=$ROOT/${CDC_RELEASE_DIR:-build-release}

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
sql() { pg_sql -c "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# drop_database: drops the benchmark's database $DB on the test MariaDB, if it is there.
drop_database() {
  my_sql -e "DROP DATABASE IF EXISTS $DB" || true
}

# build: the Release binaries the benchmarks run, through ccache when it is installed (a
# rebuild after a change, or in another work tree, then costs little): a plain Release
# build, without the profile scripts/bench and scripts/build-release build with, which
# needs a training run. BENCH_SKIP_BUILD=1 skips it: scripts/bench builds once before
# running every benchmark.
build() {
  [[ ${BENCH_SKIP_BUILD:-0} == 1 ]] && return 0
  log "building Release binaries in $BUILD"
  local launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=
  command -v ccache >/dev/null && launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCDC_BUILD_TESTS=OFF \
    -DCDC_PGO= -DCDC_PGO_DIR= "$launcher" >/dev/null
  nice cmake --build "$BUILD" -j2 --target retainly-cdc retainly-mock cdc_binlog_decode_bench \
    cdc_mock_load_bench cdc_dispatcher_bench cdc_transport_bench cdc_table_read_bench \
    cdc_mapping_bench cdc_bench_sink >/dev/null
}

# The sink the benchmarks deliver into, named in every RESULT line:
#   bench-sink  tests/bench/cdc_bench_sink (default): retainly-mock's count-only answers,
#               latency and rate limit from one epoll thread, about a quarter of the
#               mock's CPU per request, so that on a small machine the sink takes little
#               of the CPU the connector it measures needs (docs/benchmarks.md);
#   count-only  retainly-mock --count-only: the same answers, each connection on a thread
#               of its own;
#   validating  retainly-mock as the tests use it: every body parsed, checked, stored.
BENCH_SINK=${BENCH_SINK:-bench-sink}
case $BENCH_SINK in
  bench-sink | count-only | validating) ;;
  *) die "BENCH_SINK must be bench-sink, count-only or validating, got '$BENCH_SINK'" ;;
esac

# start_mock DIR ARGS...: the BENCH_SINK sink (key and secret "bench") logging to
# DIR/mock.log; sets MOCK_ADDRESS (host:port) and MOCK_PID, and stops it on exit.
start_mock() {
  local dir=$1
  shift
  local sink=$BUILD/src/mock/retainly-mock sink_flags=()
  [[ $BENCH_SINK == count-only ]] && sink_flags=(--count-only)
  [[ $BENCH_SINK == bench-sink ]] && sink=$BUILD/tests/bench/cdc_bench_sink
  # Created here, so the poll below never looks before the mock's redirection has.
  : >"$dir/mock.log"
  "$sink" --listen 127.0.0.1:0 --key bench --secret bench \
    "${sink_flags[@]}" "$@" >"$dir/mock.log" 2>&1 &
  MOCK_PID=$!
  add_cleanup "stop_pid $MOCK_PID '$BENCH_SINK sink'"
  poll_until 30 "the $BENCH_SINK sink to listen" grep -q 'listening on' "$dir/mock.log"
  MOCK_ADDRESS=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$dir/mock.log" | head -1)
}

# mock_records ENDPOINT: prints the records the mock at MOCK_ADDRESS has counted (or
# applied) for ENDPOINT ("POST /customers"), 0 before the first.
mock_records() {
  count_mock_records "$1"
  printf '%s\n' "$MOCK_RECORDS"
}

# count_mock_records ENDPOINT: the same into MOCK_RECORDS, with bash alone (/dev/tcp, no
# curl, no subshell): benchmarks poll it every 50-100 ms on a machine whose CPUs the
# connector needs. MOCK_LAST_APPLIED: the sink's last_applied_at, if it reports one.
count_mock_records() {
  local fd response=
  MOCK_RECORDS=0
  # The braces keep 2>/dev/null to the connect: on a bare exec it would silence the
  # script's stderr from here on.
  { exec {fd}<>"/dev/tcp/${MOCK_ADDRESS%:*}/${MOCK_ADDRESS##*:}"; } 2>/dev/null || return 0
  printf 'GET /_stats HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&"$fd"
  read -r -d '' response <&"$fd" || true  # until the mock closes the connection
  exec {fd}>&-
  local pattern
  pattern='"records_applied":\{[^}]*"'$1'":([0-9]+)'
  [[ $response =~ $pattern ]] && MOCK_RECORDS=${BASH_REMATCH[1]}
  MOCK_LAST_APPLIED=
  pattern='"last_applied_at":([0-9.e+]+)'
  [[ $response =~ $pattern ]] && MOCK_LAST_APPLIED=${BASH_REMATCH[1]}
  return 0
}

# stream_end_time: when a stream benchmark's stream ended (after stream_done succeeded):
# the arrival of the last record at the sink when the sink's count ended it and the sink
# says when that was (bench-sink), else now, the poll that saw the end (up to a polling
# pace, 50 ms, after it: 4% of a 0.6 s run; stream_poll_pause).
stream_end_time() {
  if [[ $STREAM_END == sink && -n ${MOCK_LAST_APPLIED:-} ]]; then
    awk -v t="$MOCK_LAST_APPLIED" 'BEGIN { printf "%.6f\n", t }'
  else
    now
  fi
}

# STREAM_END tells how a stream benchmark saw its end: "sink", every row counted by the
# mock, or "position", the connector's stored position past the workload (which moves
# only every few hundred milliseconds, so it ends later). The sink's count is the end
# when nothing merged; the sink merges back-to-back upserts of one customer while they
# are pending, so a count short of the rows ends on the position instead.
STREAM_END=

# stream_done ROWS POSITION_COMMAND...: the mock counted ROWS records for POST /customers,
# or POSITION_COMMAND succeeds (tried once a second only: it runs psql or reads a file,
# which costs CPU the connector is using); sets STREAM_END.
STREAM_POSITION_TRIED=0  # when, in microseconds since the epoch
stream_done() {
  local rows=$1 now_us
  shift
  count_mock_records "POST /customers"
  if ((MOCK_RECORDS >= rows)); then
    STREAM_END=sink
    return 0
  fi
  now_us=${EPOCHREALTIME/./}
  ((now_us - STREAM_POSITION_TRIED >= 1000000)) || return 1
  STREAM_POSITION_TRIED=$now_us
  "$@" || return 1
  STREAM_END=position
}

# stream_poll_pause: waits between two stream_done polls without a process of its own
# (`sleep` is a fork and an exec each time, CPU the connector needs on a small machine): a
# read that times out on a FIFO nobody writes to. 0.1 s once the sink reports when its
# last record arrived, since stream_end_time then does not depend on the pace; else
# 0.05 s.
STREAM_POLL_FD=
stream_poll_pause() {
  if [[ -z $STREAM_POLL_FD ]]; then
    local fifo
    fifo=$(mktemp -u "${TMPDIR:-/tmp}/cdc-bench-poll.XXXXXX")
    mkfifo "$fifo"
    exec {STREAM_POLL_FD}<>"$fifo"
    rm -f "$fifo"
  fi
  local pace=0.05
  [[ -n ${MOCK_LAST_APPLIED:-} ]] && pace=0.1
  read -r -t "$pace" -u "$STREAM_POLL_FD" _ || true
}

# streaming_since LOG: the time (seconds since the epoch, as EPOCHREALTIME) of the line
# in the connector's JSON log LOG that says it started reading its source, for timing a
# stream from there: `run` first waits takeover_delay_ms (5 s by default) after taking
# the instance lock, so that a previous holder has surely stopped, which is no streaming
# work. Fails while there is no such line.
streaming_since() {
  local stamp
  stamp=$(grep -m 1 -E '"msg":"streaming (from|the binlog)' "$1" 2>/dev/null |
    sed -n 's/.*"time":"\([^"]*\)".*/\1/p') || return 1
  [[ -n $stamp ]] || return 1
  date -u -d "$stamp" +%s.%N
}

# cpu_seconds PID: the user and system CPU time PID has used so far (/proc/PID/stat
# fields 14 and 15, counted after the parenthesised command name, which may hold spaces).
cpu_seconds() {
  local stat
  read -r stat <"/proc/$1/stat"
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($12 + $13) / hz }' <<<"${stat##*) }"
}

# drop_slot: the benchmark's slot $SLOT and its publication, when no one streams from it.
drop_slot() {
  sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
       WHERE slot_name = '$SLOT' AND NOT active" >/dev/null || true
  sql "SET client_min_messages = warning; DROP PUBLICATION IF EXISTS $SLOT" || true
}

# fresh_signups DIR: an empty bench.signups table published as $SLOT, a new slot $SLOT at
# the current position, and DIR/mappings/signups.yaml sending one event per insert.
fresh_signups() {
  drop_slot
  sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
       CREATE TABLE bench.signups (id bigint PRIMARY KEY, email text NOT NULL);
       CREATE PUBLICATION $SLOT FOR TABLE bench.signups;"
  sql "SELECT pg_create_logical_replication_slot('$SLOT', 'pgoutput')" >/dev/null
  mkdir -p "$1/mappings"
  cat >"$1/mappings/signups.yaml" <<'YAML'
table: bench.signups
events:
  - name: signed_up
    on: insert
    customer_id: id
    data: { email: email }
YAML
}

# peak_rss_kib PID: the kernel's high-water mark of PID's resident memory (VmHWM), for
# its whole life so far.
peak_rss_kib() {
  awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

# thread_cpu_seconds PID: the user + system CPU seconds of each of PID's threads, summed
# by thread name (the connector names its threads: cdc-sink, cdc-reader, cdc-store...;
# the main thread keeps the program's name), busiest first: "retainly-cdc:0.612,...".
thread_cpu_seconds() {
  local hz stat_file stat name
  hz=$(getconf CLK_TCK)
  for stat_file in /proc/"$1"/task/*/stat; do
    read -r stat <"$stat_file" 2>/dev/null || continue
    name=${stat#*(}
    name=${name%%)*}
    printf '%s %s\n' "${name// /_}" "${stat##*) }"
  done | awk -v hz="$hz" '{ t[$1] += $13 + $14 }
      END { for (n in t) printf "%s %.3f\n", n, t[n] / hz }' |
    sort -k2 -rn | awk '{ printf "%s%s:%s", (NR > 1 ? "," : ""), $1, $2 }'
}

# threads_per_row LIST ROWS: thread_cpu_seconds' LIST in microseconds per row.
threads_per_row() {
  awk -v list="$1" -v rows="$2" 'BEGIN {
    n = split(list, parts, ",")
    for (i = 1; i <= n; i++) {
      split(parts[i], kv, ":")
      printf "%s%s:%.2f", (i > 1 ? "," : ""), kv[1], kv[2] * 1e6 / rows
    }
  }'
}

# measure_daemon PID: for a process the benchmark stops itself, read just before it is
# stopped: sets DAEMON_CPU (seconds), DAEMON_THREAD_CPU (thread_cpu_seconds) and
# DAEMON_PEAK_KIB.
measure_daemon() {
  DAEMON_CPU=$(cpu_seconds "$1")
  DAEMON_THREAD_CPU=$(thread_cpu_seconds "$1")
  DAEMON_PEAK_KIB=$(peak_rss_kib "$1")
}

# run_measured NAME OUTPUT COMMAND...: runs COMMAND, which ends by itself, with its output
# to OUTPUT and its errors to $WORK/NAME.err; dies if it fails. Sets MEASURED_SECONDS,
# MEASURED_CPU (user + system seconds) and MEASURED_PEAK (peak resident KiB). GNU time
# (/usr/bin/time) reads CPU and peak from the kernel when COMMAND ends; without it, both
# are sampled from /proc every 20 ms until COMMAND exits, which misses at most the last
# 20 ms.
run_measured() {
  local name=$1 output=$2 start pid sample user system
  shift 2
  MEASURED_PEAK=0
  MEASURED_CPU=0
  start=$(now)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%U %S %M' -o "$WORK/$name.time" "$@" >"$output" 2>"$WORK/$name.err" || {
      cat "$WORK/$name.err" >&2
      die "$name failed"
    }
    MEASURED_SECONDS=$(seconds_since "$start")
    # On failure GNU time writes a status line first; the figures are the last line.
    read -r user system MEASURED_PEAK < <(tail -n 1 "$WORK/$name.time")
    MEASURED_CPU=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
  else
    "$@" >"$output" 2>"$WORK/$name.err" &
    pid=$!
    while pid_alive "$pid"; do
      sample=$(peak_rss_kib "$pid" 2>/dev/null || true)
      [[ -n $sample ]] && ((sample > MEASURED_PEAK)) && MEASURED_PEAK=$sample
      sample=$(cpu_seconds "$pid" 2>/dev/null || true)
      [[ -n $sample ]] && MEASURED_CPU=$sample
      sleep 0.02  # sampling pace
    done
    wait "$pid" || {
      cat "$WORK/$name.err" >&2
      die "$name failed"
    }
    MEASURED_SECONDS=$(seconds_since "$start")
  fi
}

# Three decimals: a reference tool reads 100,000 rows in a fraction of a second, and a
# ratio is only as good as that time.
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# per_row_us SECONDS ROWS: microseconds per row.
per_row_us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0 ? s * 1e6 / n : 0) }'; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# The goals of issue 17 that hold for every benchmark. 150 MB (the issue's bound on peak
# resident memory) is 143 MiB.
GOAL_MAX_PEAK_RSS_MIB=143

# result NAME ROWS SECONDS REF REF_SECONDS CPU_SECONDS PEAK_KIB [KEY=VALUE...]: prints the
# benchmark's RESULT line (the format scripts/bench reads, tests/bench/README.md):
#   RESULT name=NAME rows=ROWS seconds=S rows_per_s=R ref=REF ref_seconds=RS ratio=S/RS
#          cpu_us_per_row=U peak_rss_mib=M sink=BENCH_SINK goal_max_peak_rss_mib=143 KEY=VALUE...
# REF is the reference tool's name without spaces ("-" and ref_seconds "-" when there is
# none); the extra KEY=VALUEs carry more figures and the benchmark's own goals.
result() {
  local name=$1 rows=$2 seconds=$3 ref=$4 ref_seconds=$5 cpu=$6 peak=$7 ratio=-
  shift 7
  [[ $ref_seconds != - ]] && ratio=$(ratio "$seconds" "$ref_seconds")
  printf 'RESULT name=%s rows=%s seconds=%s rows_per_s=%s ref=%s ref_seconds=%s ratio=%s' \
    "$name" "$rows" "$seconds" "$(rate "$rows" "$seconds")" "$ref" "$ref_seconds" "$ratio"
  printf ' cpu_us_per_row=%s peak_rss_mib=%s sink=%s goal_max_peak_rss_mib=%s' \
    "$(per_row_us "$cpu" "$rows")" "$(kib_to_mib "$peak")" "$BENCH_SINK" \
    "$GOAL_MAX_PEAK_RSS_MIB"
  (($# > 0)) && printf ' %s' "$@"
  printf '\n'
}

# write_connector_config DIR SLOT [SINK_LINES]: DIR/connector.yaml streaming SLOT into the
# mock at MOCK_ADDRESS with the mappings in DIR/mappings; SINK_LINES are added under sink:.
write_connector_config() {
  cat >"$1/connector.yaml" <<YAML
source:
  type: postgres
  dsn: "$CDC_TEST_PG_DSN"
  slot: $2
  publication: $2
  snapshot: never
sink:
  url: http://$MOCK_ADDRESS
  key: bench
  secret: bench
${3:-}
mappings: mappings
state_dir: state
YAML
}

# write_mysql_connector_config DIR [LINES]: DIR/connector.yaml reading the test MariaDB as a
# replica with a random server id, into the mock at MOCK_ADDRESS, with the mappings in
# DIR/mappings; LINES are added at the top level.
write_mysql_connector_config() {
  cat >"$1/connector.yaml" <<YAML
source:
  type: mysql
  host: "$CDC_TEST_MYSQL_HOST"
  port: $CDC_TEST_MYSQL_PORT
  user: "$CDC_TEST_MYSQL_USER"
  password: "$CDC_TEST_MYSQL_PASSWORD"
  server_id: $((900000 + RANDOM))
  snapshot: never
sink:
  url: http://$MOCK_ADDRESS
  key: bench
  secret: bench
${2:-}
mappings: mappings
state_dir: state
YAML
}

# perf_attach PID NAME: with BENCH_PERF_DIR set, samples PID's call stacks (perf record,
# 999 Hz, --call-graph BENCH_PERF_CALL_GRAPH: fp by default, which the Release build's
# omitted frame pointers cut short; dwarf gives whole stacks at a larger file and a slow
# report) into BENCH_PERF_DIR/NAME.perf.data until perf_detach, which writes the flat
# profile (`perf report --no-children -g none`: where the CPU time itself goes) beside
# it as NAME.perf.txt. Without BENCH_PERF_DIR, or without perf, both do nothing.
PERF_PID=
PERF_NAME=
# perf_wanted: BENCH_PERF_DIR is set and perf is there (its directory then made); sets
# PERF_RECORD to the sampling options every profile here shares.
PERF_RECORD=()
perf_wanted() {
  [[ -n ${BENCH_PERF_DIR:-} ]] || return 1
  command -v perf >/dev/null || {
    log "BENCH_PERF_DIR is set but perf is not installed (Debian: linux-perf)"
    return 1
  }
  mkdir -p "$BENCH_PERF_DIR"
  # BENCH_PERF_EVENTS replaces the sampling: "-e sched:sched_switch" records every switch
  # (where threads wait, and who preempts whom), "-e page-faults -c 1" every page fault.
  # shellcheck disable=SC2206 # options, split on purpose
  local events=(${BENCH_PERF_EVENTS:--F 999})
  PERF_RECORD=(perf record --call-graph "${BENCH_PERF_CALL_GRAPH:-fp}" "${events[@]}")
}

perf_attach() {
  perf_wanted || return 0
  PERF_NAME=$BENCH_PERF_DIR/$2
  # BENCH_PERF_SYSTEM=1: the whole machine (the mock, the server, the kernel's idle
  # loop), to see what the other core does while the connector runs.
  local target=(-p "$1")
  [[ ${BENCH_PERF_SYSTEM:-0} == 1 ]] && target=(-a)
  "${PERF_RECORD[@]}" "${target[@]}" -o "$PERF_NAME.perf.data" >"$PERF_NAME.perf.log" 2>&1 &
  PERF_PID=$!
  add_cleanup perf_detach
}

perf_detach() {
  [[ -n $PERF_PID ]] || return 0
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=
  perf_report "$PERF_NAME"
}

perf_report() {
  perf report -i "$1.perf.data" --stdio --no-children -g none --percent-limit 0.2 \
    2>/dev/null | grep -v -e '^#' -e '^$' >"$1.perf.txt" ||
    log "perf report failed; see $1.perf.log"
  log "profile in $1.perf.txt"
}

# perf_command NAME: sets PERF_COMMAND to the words that put a command which ends by
# itself (a backfill) under `perf record`, sampling as perf_attach does, when
# BENCH_PERF_DIR is set; empty otherwise. perf_command_done NAME then writes its flat
# profile. Time, CPU and peak memory measured around such a run include perf's share.
PERF_COMMAND=()
perf_command() {
  PERF_COMMAND=()
  perf_wanted || return 0
  PERF_COMMAND=("${PERF_RECORD[@]}" -q -o "$BENCH_PERF_DIR/$1.perf.data" --)
}

perf_command_done() {
  ((${#PERF_COMMAND[@]} > 0)) || return 0
  perf_report "$BENCH_PERF_DIR/$1"
}

# callgrind_command NAME: with BENCH_CALLGRIND_DIR set, CALLGRIND_COMMAND is the prefix
# that runs the connector under `valgrind --tool=callgrind` (plus the options in
# BENCH_CALLGRIND_ARGS, such as --cache-sim=yes) into
# BENCH_CALLGRIND_DIR/NAME.callgrind (with CDC_STORE_MAP_BYTES exported: valgrind cannot
# map the last-sent store's default 256 GiB); empty otherwise. callgrind_done NAME, once
# the connector exited, writes the instruction counts per function, inclusive, beside it
# (NAME.callgrind.txt). Instruction counts do not move with the machine's load, so two
# builds compare to the percent where timed runs cannot. The run's own times, ratios and
# CPU are valgrind's, tens of times slower; and as valgrind runs one thread at a time the
# sink's batches grow far beyond a real run's, so its count per row comes out low.
CALLGRIND_COMMAND=()
callgrind_command() {
  CALLGRIND_COMMAND=()
  [[ -n ${BENCH_CALLGRIND_DIR:-} ]] || return 0
  command -v valgrind >/dev/null ||
    die "BENCH_CALLGRIND_DIR is set but valgrind is not installed (Debian: valgrind)"
  mkdir -p "$BENCH_CALLGRIND_DIR"
  export CDC_STORE_MAP_BYTES=$((4 << 30))
  local -a extra
  read -r -a extra <<<"${BENCH_CALLGRIND_ARGS:-}"
  CALLGRIND_COMMAND=(valgrind --tool=callgrind -q "${extra[@]}"
    "--callgrind-out-file=$BENCH_CALLGRIND_DIR/$1.callgrind")
}

callgrind_done() {
  ((${#CALLGRIND_COMMAND[@]} > 0)) || return 0
  callgrind_annotate --inclusive=yes "$BENCH_CALLGRIND_DIR/$1.callgrind" \
    >"$BENCH_CALLGRIND_DIR/$1.callgrind.txt" 2>/dev/null || true
}
