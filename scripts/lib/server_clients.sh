# shellcheck shell=bash
# Clients of the test servers (the CDC_TEST_* of scripts/lib/servers.sh) and where a stream
# stands, for the scripts that drive the connector against them: tests/bench/ and the
# training run of scripts/lib/pgo_training.sh.

# pg_sql ARGS...: psql on the test PostgreSQL, unaligned without headers, stopping at the
# first error; warnings and errors only (DROP ... IF EXISTS notices are noise).
pg_sql() {
  PGOPTIONS='-c client_min_messages=warning' "$CDC_TEST_PG_BIN/psql" -X -q -At \
    -v ON_ERROR_STOP=1 -d "$CDC_TEST_PG_DSN" "$@"
}

# my_sql ARGS...: the mariadb client on the test MariaDB, tab-separated without headers.
# The password goes in the environment, not on a command line others can read.
my_sql() {
  MYSQL_PWD=$CDC_TEST_MYSQL_PASSWORD mariadb --no-defaults -h "$CDC_TEST_MYSQL_HOST" \
    -P "$CDC_TEST_MYSQL_PORT" -u "$CDC_TEST_MYSQL_USER" -N -B "$@"
}

# binlog_end: "FILE POSITION", where the test MariaDB writes its next binlog event.
binlog_end() {
  my_sql -e "SHOW MASTER STATUS" | awk '{ print $1, $2 }'
}

# slot_reached SLOT LSN: the slot's confirmed position (moved only once every call was
# acknowledged) is at or past LSN.
slot_reached() {
  [[ $(pg_sql -c "SELECT confirmed_flush_lsn >= '$2' FROM pg_replication_slots
                  WHERE slot_name = '$1'") == t ]]
}

# binlog_position_reached STATE_DIR END_FILE END_POS: the connector's stored MySQL position
# (STATE_DIR/mysql_position.json, moved only once every call before it was acknowledged)
# is at or past END_FILE:END_POS. Binlog file names have a fixed-width number, so they
# compare as strings.
binlog_position_reached() {
  local stored file offset
  stored=$(cat "$1/mysql_position.json" 2>/dev/null) || return 1
  file=$(sed -n 's/.*"file": *"\([^"]*\)".*/\1/p' <<<"$stored")
  offset=$(sed -n 's/.*"offset": *\([0-9]*\).*/\1/p' <<<"$stored")
  [[ -n $file && -n $offset ]] || return 1
  [[ $file > $2 ]] || { [[ $file == "$2" ]] && ((offset >= $3)); }
}
