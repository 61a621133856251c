# shellcheck shell=bash
# Shared by the scripts in scripts/: messages, root access, clean-up on every exit path and
# polling with a deadline. Sourced, never run.

# The script's own name prefixes every message, so interleaved output says who spoke.
SCRIPT_NAME=${SCRIPT_NAME:-${0##*/}}

log() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

is_root() {
  ((EUID == 0))
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "'$*' needs root: run as root or install sudo"
  fi
}

# Clean-up hooks run on every exit path (normal end, error, Ctrl-C, SIGTERM), the last
# registered first, so whatever was started last is stopped first.
CLEANUP_HOOKS=()

add_cleanup() {
  CLEANUP_HOOKS+=("$1")
}

run_cleanup() {
  local i
  for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
    # Each hook runs even if an earlier one failed: a half-stopped run must still remove
    # what it can.
    eval "${CLEANUP_HOOKS[i]}" || log "clean-up step failed: ${CLEANUP_HOOKS[i]}"
  done
  CLEANUP_HOOKS=()
}

# The EXIT trap does the work; INT and TERM only turn the signal into an exit, so the
# clean-up runs exactly once and the exit status tells what happened (130 = Ctrl-C).
install_cleanup_traps() {
  trap run_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# poll_until SECONDS WHAT COMMAND...: runs COMMAND until it succeeds; after SECONDS logs
# that WHAT did not happen and fails.
poll_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "gave up after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

# pid_alive PID: the process exists and is not a zombie. Reads /proc, since procps (ps)
# is not on every minimal Debian.
pid_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  # The state letter follows the command name, which is in parentheses and may hold spaces.
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

pid_gone() {
  ! pid_alive "$1"
}

# stop_pid PID WHAT [SECONDS]: SIGTERM, wait up to SECONDS (default 30) for the exit,
# then SIGKILL. Succeeds when the process is gone.
stop_pid() {
  local pid=$1 what=$2 timeout=${3:-30}
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! poll_until "$timeout" "$what (pid $pid) to exit" pid_gone "$pid"; then
    log "killing $what (pid $pid)"
    kill -KILL "$pid" 2>/dev/null || true
    poll_until 10 "$what (pid $pid) to die" pid_gone "$pid"
  fi
}
