# shellcheck shell=bash
# The training run of a profile-guided build (scripts/lib/release_build.sh): the work the
# instrumented connector does so that the compiler learns which paths are hot.
#
# It is the product's own example, not the benchmarks' tables: examples/*/schema.sql
# (users, orders, subscriptions) through mappings/ (transforms, a template, an array,
# events with `when`, `on_delete: set`), on PostgreSQL and on MariaDB, as a stream (run)
# with inserts, updates (some touching nothing mapped), deletes and cascades, then as
# backfills (one the last-sent store skips, one --full). The benchmarks' tables, mappings
# and value types differ, so what they measure is not what the profile was taught.
#
# Needs the throw-away servers of scripts/lib/servers.sh (CDC_TEST_* set) and
# scripts/lib/common.sh. Leaves nothing behind on them.

# shellcheck source=scripts/lib/server_clients.sh
source "$ROOT/scripts/lib/server_clients.sh"

# pgo_train BUILD [ROWS]: runs BUILD's instrumented retainly-cdc over ROWS users (default
# 20000) with about two orders and one subscription each, on both servers.
pgo_train() {
  local build=$1 rows=${2:-20000} work
  work=$(mktemp -d "${TMPDIR:-/tmp}/cdc-pgo.XXXXXX")
  PGO_BUILD=$build
  PGO_ROWS=$rows
  log "training the profile: $rows users with their orders and subscriptions, PostgreSQL then MariaDB"
  pgo_start_mock "$work"
  pgo_train_postgres "$work/postgres"
  pgo_train_mysql "$work/mysql"
  pgo_check_delivered "$work"
  stop_pid "$PGO_MOCK_PID" retainly-mock
  rm -rf "$work"
}

# pgo_check_delivered WORK: Retainly (the mock) took customers, array items and events,
# and nothing was dead-lettered: a training whose calls all failed would teach the
# compiler the error paths.
pgo_check_delivered() {
  local stats endpoint letters=0 file
  stats=$(curl -s "http://$PGO_MOCK/_stats")
  for endpoint in "POST /customers" "POST /arrays" "POST /events" "DELETE /customers" \
    "DELETE /arrays"; do
    [[ $stats =~ \"records_applied\":\{[^}]*\"$endpoint\":[1-9] ]] ||
      die "the training delivered no $endpoint (mock stats: $stats)"
  done
  for file in "$1"/*/state/dead-letters.jsonl; do
    [[ -f $file ]] && letters=$((letters + $(wc -l <"$file")))
  done
  ((letters == 0)) || die "the training dead-lettered $letters calls (see $1/*/state)"
}

# The validating mock: the sink's answers, and the mappings' records checked as Retainly
# would.
pgo_start_mock() {
  : >"$1/mock.log"
  "$PGO_BUILD/src/mock/retainly-mock" --listen 127.0.0.1:0 --key pgo --secret pgo \
    >"$1/mock.log" 2>&1 &
  PGO_MOCK_PID=$!
  add_cleanup "stop_pid $PGO_MOCK_PID retainly-mock"
  poll_until 30 "retainly-mock to listen" grep -q 'listening on' "$1/mock.log"
  PGO_MOCK=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$1/mock.log" | head -1)
}

# pgo_config DIR SOURCE_LINES: DIR/connector.yaml with the repository's mappings.
pgo_config() {
  mkdir -p "$1/state"
  cat >"$1/connector.yaml" <<YAML
source:
$2
sink:
  url: http://$PGO_MOCK
  key: pgo
  secret: pgo
mappings: $ROOT/mappings
state_dir: state
high_availability: { check_interval_ms: 10, lease_ms: 50, takeover_delay_ms: 100 }
YAML
}

# pgo_workload_sql GENERATE: the stream's changes, one transaction per statement.
# GENERATE prints a row source of 1..N for N given ("generate_series(1, N) AS s(seq)" on
# PostgreSQL, "seq_1_to_N" on MariaDB); the columns are the examples' own.
pgo_workload_sql() {
  local n=$PGO_ROWS from to
  for ((from = 1; from <= n; from += 5000)); do
    to=$((from + 4999 < n ? from + 4999 : n))
    cat <<SQL
INSERT INTO public.users (id, email, first_name, last_name, plan_code)
  SELECT seq, CONCAT('  User', seq, '@Example.com '), CONCAT('First', seq),
         CASE WHEN seq % 5 = 0 THEN NULL ELSE CONCAT('Last ', seq) END,
         CASE seq % 3 WHEN 0 THEN 'FREE' WHEN 1 THEN 'Pro' ELSE 'TEAM' END
  FROM $($1 "$to") WHERE seq >= $from;
INSERT INTO public.orders (id, user_id, total, status)
  SELECT seq, FLOOR((seq + 1) / 2), (seq % 1000) * 1.25,
         CASE seq % 4 WHEN 0 THEN 'draft' WHEN 1 THEN 'placed' ELSE 'shipped' END
  FROM $($1 $((2 * to))) WHERE seq >= $((2 * from - 1));
INSERT INTO public.subscriptions (id, user_id, plan, renews_on, active)
  SELECT seq, seq, CASE WHEN seq % 2 = 0 THEN 'monthly' ELSE 'yearly' END,
         CASE WHEN seq % 7 = 0 THEN NULL ELSE DATE '2027-01-01' END, seq % 9 <> 0
  FROM $($1 "$to") WHERE seq >= $from;
SQL
  done
  cat <<SQL
UPDATE public.users SET plan_code = 'PRO' WHERE id % 7 = 0;
UPDATE public.users SET created_at = created_at WHERE id % 3 = 0;
UPDATE public.orders SET status = 'shipped' WHERE status = 'placed' AND id % 2 = 1;
UPDATE public.orders SET total = total + 1 WHERE id % 5 = 0;
UPDATE public.subscriptions SET active = NOT active WHERE id % 11 = 0;
DELETE FROM public.subscriptions WHERE id % 13 = 0;
DELETE FROM public.orders WHERE id % 17 = 0;
DELETE FROM public.orders WHERE user_id % 400 = 0;
DELETE FROM public.subscriptions WHERE user_id % 400 = 0;
DELETE FROM public.users WHERE id % 400 = 0;
SQL
}

pgo_series() { printf 'generate_series(1, %s) AS s(seq)' "$1"; }
pgo_seq_table() { printf 'seq_1_to_%s' "$1"; }

# pgo_backfills DIR: a backfill the last-sent store finds unchanged, then a --full one.
pgo_backfills() {
  (cd "$1" && "$PGO_BUILD/src/cli/retainly-cdc" backfill -c connector.yaml >>connector.log 2>&1 &&
    "$PGO_BUILD/src/cli/retainly-cdc" backfill --full -c connector.yaml >>connector.log 2>&1) || {
    tail -n 20 "$1/connector.log" >&2
    die "the training backfill failed"
  }
}

# pgo_stream DIR REACHED...: `run` in DIR until REACHED... succeeds, then stops it (a
# clean exit writes the profile).
pgo_stream() {
  local dir=$1 pid
  shift
  (cd "$dir" && exec "$PGO_BUILD/src/cli/retainly-cdc" run -c connector.yaml >connector.log 2>&1) &
  pid=$!
  add_cleanup "stop_pid $pid retainly-cdc"
  poll_until 600 "the training stream to reach its end" pgo_reached "$pid" "$dir" "$@"
  stop_pid "$pid" retainly-cdc
}

pgo_reached() {
  local pid=$1 dir=$2
  shift 2
  pid_alive "$pid" || {
    tail -n 20 "$dir/connector.log" >&2
    die "retainly-cdc exited during the training stream"
  }
  "$@"
}

pgo_train_postgres() {
  local dir=$1 end
  mkdir -p "$dir"
  pg_sql -f "$ROOT/examples/postgres/schema.sql"
  pg_sql -c "CREATE PUBLICATION pgo_training FOR TABLE public.users, public.orders,
               public.subscriptions"
  pg_sql -c "SELECT pg_create_logical_replication_slot('pgo_training', 'pgoutput')" >/dev/null
  add_cleanup pgo_drop_postgres
  pgo_config "$dir" "  type: postgres
  dsn: \"$CDC_TEST_PG_DSN\"
  slot: pgo_training
  publication: pgo_training
  snapshot: never"
  pgo_workload_sql pgo_series | pg_sql
  end=$(pg_sql -c "SELECT pg_current_wal_lsn()")
  pgo_stream "$dir" slot_reached pgo_training "$end"
  pgo_backfills "$dir"
  pgo_drop_postgres
}

pgo_drop_postgres() {
  pg_sql -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
             WHERE slot_name = 'pgo_training' AND NOT active" >/dev/null || true
  pg_sql -c "DROP PUBLICATION IF EXISTS pgo_training;
             DROP TABLE IF EXISTS public.subscriptions, public.orders, public.users" || true
}

pgo_train_mysql() {
  local dir=$1 start_file start_pos end_file end_pos
  mkdir -p "$dir"
  my_sql <"$ROOT/examples/mysql/schema.sql"
  add_cleanup pgo_drop_mysql
  read -r start_file start_pos < <(binlog_end)
  pgo_config "$dir" "  type: mysql
  host: \"$CDC_TEST_MYSQL_HOST\"
  port: $CDC_TEST_MYSQL_PORT
  user: \"$CDC_TEST_MYSQL_USER\"
  password: \"$CDC_TEST_MYSQL_PASSWORD\"
  server_id: $((700000 + RANDOM))
  snapshot: never"
  printf '{"file": "%s", "offset": %s, "gtid_state": ""}\n' "$start_file" "$start_pos" \
    >"$dir/state/mysql_position.json"
  pgo_workload_sql pgo_seq_table | my_sql -D public
  read -r end_file end_pos < <(binlog_end)
  pgo_stream "$dir" binlog_position_reached "$dir/state" "$end_file" "$end_pos"
  pgo_backfills "$dir"
  pgo_drop_mysql
}

pgo_drop_mysql() {
  my_sql -e "DROP DATABASE IF EXISTS public" || true
}
