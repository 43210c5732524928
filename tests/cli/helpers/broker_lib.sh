# What the broker suites share (sourced after lib.sh and daemon_env): a fake broker process,
# its controls, a fresh daemon configured for it (the suite's `config` writes aiots.toml), a
# replayed MSFT feed, and waiting on orders.
STRAT="$AIOTS_SRC/tests/data/strategies/order_plan.lua"
FAKE_PID=""
trap 'kill -9 $(cat "$SOCKET.pid" 2>/dev/null) $FAKE_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
mapfile -t DAYS < <(tail -n +2 "$DATA/msft.csv" | cut -d, -f1)

# start_fake SCRIPT ARGS...: a fresh fake (the last one stopped); its port in $PORT, its
# requests in $WORK/fake.log.
start_fake() {
  if [[ -n $FAKE_PID ]]; then
    kill "$FAKE_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.02; done
  fi
  rm -f "$WORK/fake.port" "$WORK/fake.log"
  local script=$1
  shift
  python3 "$AIOTS_SRC/tests/cli/helpers/$script" "$WORK/fake.port" "$WORK/fake.log" "$@" &
  FAKE_PID=$!
  disown "$FAKE_PID"  # killed by the suite, quietly
  for _ in $(seq 100); do [[ -s $WORK/fake.port ]] && break; sleep 0.05; done
  PORT=$(cat "$WORK/fake.port")
}
# control NAME JSON, fake_state EXPR: the fake's test controls ($SCHEME, $CACERT).
control() { curl -s ${CACERT:+--cacert "$CACERT"} -X POST "$SCHEME://127.0.0.1:$PORT/_control/$1" -d "$2" >/dev/null; }
fake_state() { curl -s ${CACERT:+--cacert "$CACERT"} "$SCHEME://127.0.0.1:$PORT/_control/state" | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# fresh: a fresh daemon, store and journal, configured for the fake.
fresh() {
  "$AIOTS" -q daemon stop 2>/dev/null || true
  rm -rf "$WORK/data" "$WORK/run" "$WORK/state"
  config
  "$AIOTS" -q data import "$DATA/msft.csv"
  "$AIOTS" -q daemon start
}
# replay FROM_INDEX TO_INDEX: trading days of the MSFT file.
replay() { "$AIOTS" -q feed replay MSFT --speed max --from "${DAYS[$1]}" --to "${DAYS[$2]}"; }
# until_order ID STATUS: waits (5 s at most) for order ID to reach STATUS.
until_order() {
  for _ in $(seq 100); do
    [[ $("$AIOTS" --json orders | python3 -c "import json,sys; print(next((o['status'] for o in json.load(sys.stdin) if o['id']==$1), 'none'))") == "$2" ]] && return 0
    sleep 0.05
  done
  return 1
}
order_field() { "$AIOTS" --json orders | python3 -c "import json,sys; print(next(o['$2'] for o in json.load(sys.stdin) if o['id']==$1))"; }
