# Shared by the benchmarks in tests/bench/: Release binaries, psql, timing, a
# retainly-mock to deliver into. Source after scripts/lib/common.sh and servers.sh.

BUILD=$ROOT/${CDC_RELEASE_DIR:-build-release}

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
sql() { "$CDC_TEST_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$CDC_TEST_PG_DSN" -c "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# my_sql ARGS...: the mariadb client on the test MariaDB, tab-separated without headers.
# The password goes in the environment, not on a command line others can read.
my_sql() {
  MYSQL_PWD=$CDC_TEST_MYSQL_PASSWORD mariadb --no-defaults -h "$CDC_TEST_MYSQL_HOST" \
    -P "$CDC_TEST_MYSQL_PORT" -u "$CDC_TEST_MYSQL_USER" -N -B "$@"
}

# drop_database: drops the benchmark's database $DB on the test MariaDB, if it is there.
drop_database() {
  my_sql -e "DROP DATABASE IF EXISTS $DB" || true
}

build() {
  log "building Release binaries in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCDC_BUILD_TESTS=OFF \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    >/dev/null
  cmake --build "$BUILD" -j2 --target retainly-cdc retainly-mock cdc_binlog_decode_bench cdc_dispatcher_bench \
    cdc_transport_bench \
    >/dev/null
}

# start_mock DIR ARGS...: a retainly-mock (key and secret "bench") logging to DIR/mock.log;
# sets MOCK_ADDRESS (host:port) and MOCK_PID, and stops it on exit.
start_mock() {
  local dir=$1
  shift
  "$BUILD/src/mock/retainly-mock" --listen 127.0.0.1:0 --key bench --secret bench "$@" \
    >"$dir/mock.log" 2>&1 &
  MOCK_PID=$!
  add_cleanup "stop_pid $MOCK_PID retainly-mock"
  poll_until 30 "retainly-mock to listen" grep -q 'listening on' "$dir/mock.log"
  MOCK_ADDRESS=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$dir/mock.log" | head -1)
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

# slot_reached SLOT LSN: the slot's confirmed position (moved only once every call was
# acknowledged) is at or past LSN.
slot_reached() {
  [[ $(sql "SELECT confirmed_flush_lsn >= '$2' FROM pg_replication_slots
            WHERE slot_name = '$1'") == t ]]
}
