# shellcheck shell=bash
# What a connector's state folder says, for the scripts that wait on it (tests/bench/,
# the training run of scripts/lib/pgo_training.sh).

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
