# Helpers for the black-box CLI suites: each suite runs the real aiots binary on a throw-away
# store in a temp dir and fails on the first broken expectation.
set -euo pipefail

: "${AIOTS:?set AIOTS to the aiots binary}"
: "${AIOTS_SRC:?set AIOTS_SRC to the source tree}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export AIOTS_DB="$WORK/store/aiots.db"
export NO_COLOR=1
DATA="$AIOTS_SRC/examples/data"
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE CMD...: runs CMD, keeps stdout in $OUT and stderr in $ERR.
expect_exit() {
  local want=$1
  shift
  checks=$((checks + 1))
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  set -e
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
  if [[ $got != "$want" ]]; then
    fail "exit $got (wanted $want): $*"
    echo "  stdout: ${OUT:0:400}" >&2
    echo "  stderr: ${ERR:0:400}" >&2
  fi
}

# expect_eq WHAT GOT WANT
expect_eq() {
  checks=$((checks + 1))
  [[ "$2" == "$3" ]] || fail "$1: got '$2', wanted '$3'"
}

# expect_contains WHAT TEXT FRAGMENT
expect_contains() {
  checks=$((checks + 1))
  [[ "$2" == *"$3"* ]] || fail "$1: '${2:0:300}' does not contain '$3'"
}

# sql QUERY: asks the store directly.
sql() { sqlite3 "$AIOTS_DB" "$1"; }

finish() {
  echo "$checks checks, $failures failed"
  [[ $failures == 0 ]]
}

# daemon_env: a private aiotsd for this suite (its own XDG dirs, socket, journal, log); the
# daemon is killed when the suite exits, whatever happens.
daemon_env() {
  export XDG_RUNTIME_DIR="$WORK/run" XDG_DATA_HOME="$WORK/data" XDG_STATE_HOME="$WORK/state" XDG_CONFIG_HOME="$WORK/config"
  export AIOTS_DB="$WORK/data/aiots/aiots.db"
  export AIOTSD="${AIOTS_BUILD:?set AIOTS_BUILD}/daemon/aiotsd"
  SOCKET="$WORK/run/aiots/aiotsd.sock"
  JOURNAL="$WORK/data/aiots/journal.db"
  trap 'kill -9 $(cat "$SOCKET.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

# rpc JSON: one raw JSON-RPC request line to the daemon, the reply line on stdout.
rpc() { printf '%s\n' "$1" | socat -t2 - "UNIX-CONNECT:$SOCKET"; }
