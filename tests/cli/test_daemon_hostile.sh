#!/usr/bin/env bash
# aiotsd against hostile plugins and clients: nothing they send may crash or freeze it. Pattern
# bombs and unmetered spins are stopped with file:line while status and halt keep answering
# within 100 ms; a ctx.state nested 400,000 deep and a request nested 500,000 deep get clear
# errors; the daemon stays up throughout and after a restart. Runs under ASan too
# (make test-asan), where the latency bounds are not asserted.
source "$(dirname "$0")/lib.sh"
daemon_env
FIX="$AIOTS_SRC/tests/data/strategies"
"$AIOTS" -q data import "$DATA/msft.csv"
# Building 400,000 nested tables takes longer than the default 50 ms deadline of a live
# callback; the first part gives it time, so that the depth limit is what stops it.
mkdir -p "$XDG_CONFIG_HOME/aiots"
printf 'lua.deadline_ms = 10000\n' > "$XDG_CONFIG_HOME/aiots/aiots.toml"
"$AIOTS" -q daemon start

alive() { expect_exit 0 "$AIOTS" -q status; }
strategy_field() { "$AIOTS" --json strategy list | python3 -c 'import json,sys; print({s["name"]: s[sys.argv[2]] for s in json.load(sys.stdin)}[sys.argv[1]])' "$1" "$2"; }

# Requests nested deep: refused before parsing with -32600, on a connection that keeps working.
python3 - "$SOCKET" > "$WORK/deep.txt" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); r = s.makefile("rb")
def call(payload):
    s.sendall(payload + b"\n"); return json.loads(r.readline())
out = []
for depth in (500_000, 100_000, 129):
    reply = call(b'{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":' + b"[" * depth + b"]" * depth + b"}")
    out.append("%d:%s:%s" % (depth, reply["error"]["code"], "nested deeper than 128" in reply["error"]["message"]))
out.append(str(call(b'{"jsonrpc":"2.0","id":2,"method":"daemon.status","params":{"x":' + b"[" * 100 + b"]" * 100 + b"}}")["error"]["code"]))
# Members of the wrong type (found by fuzz_rpc: {"jsonrpc": {}} aborted the daemon).
for bad in (b'{"jsonrpc":{},"id":4,"method":"daemon.status"}', b'{"jsonrpc":2,"id":5,"method":"daemon.status"}',
            b'{"jsonrpc":"2.0","id":{},"method":"daemon.status"}', b'{"jsonrpc":"2.0","id":6,"method":[]}'):
    out.append(str(call(bad)["error"]["code"]))
out.append("ok" if "result" in call(b'{"jsonrpc":"2.0","id":3,"method":"daemon.status"}') else "bad")
print(" ".join(out))
PY
expect_eq "deep JSON refused" "$(cat "$WORK/deep.txt")" "500000:-32600:True 100000:-32600:True 129:-32600:True -32602 -32600 -32600 -32600 -32600 ok"
alive

# A ctx.state nested 400,000 deep: the strategy fails naming the limit; its order stays.
expect_exit 0 "$AIOTS" -q strategy load "$FIX/deep_state.lua" --symbols MSFT
expect_exit 0 "$AIOTS" -q feed replay MSFT --speed max
alive
expect_eq "deep state: failed" "$(strategy_field deep_state state)" "failed"
expect_contains "deep state: names the limit" "$(strategy_field deep_state error)" "nested deeper than 100 levels"
expect_exit 0 "$AIOTS" --json orders
expect_eq "deep state: order kept" "$(python3 -c 'import json,sys; print([(o["strategy"], o["qty"], o["status"]) for o in json.load(sys.stdin)])' <<<"$OUT")" "[('deep_state', 1, 'accepted')]"
expect_exit 0 "$AIOTS" -q daemon restart
alive
expect_exit 0 "$AIOTS" --json orders
expect_eq "deep state: order after restart" "$(python3 -c 'import json,sys; print([(o["strategy"], o["qty"], o["status"]) for o in json.load(sys.stdin)])' <<<"$OUT")" "[('deep_state', 1, 'accepted')]"
expect_exit 0 "$AIOTS" -q feed replay MSFT --speed max
alive
expect_eq "deep state: fails again after restart" "$(strategy_field deep_state state)" "failed"
expect_exit 0 "$AIOTS" -q journal verify
expect_exit 0 "$AIOTS" -q strategy unload deep_state
rm "$XDG_CONFIG_HOME/aiots/aiots.toml"
expect_exit 0 "$AIOTS" -q daemon restart

# Whole paths in plugin errors from a directory over 200 characters deep.
DEEP="$WORK/$(printf 'a-directory-with-a-long-name-%02d/' $(seq 1 8))strategies"
mkdir -p "$DEEP"
cp "$FIX/runtime_error.lua" "$FIX/syntax_error.lua" "$DEEP/"
expect_exit 3 "$AIOTS" -q strategy load "$DEEP/syntax_error.lua" --symbols MSFT
expect_contains "deep syntax error (daemon)" "$ERR" "$DEEP/syntax_error.lua:4: unexpected symbol near 'then'"
expect_exit 0 "$AIOTS" -q strategy load "$DEEP/runtime_error.lua" --symbols MSFT
expect_exit 0 "$AIOTS" -q feed replay MSFT --speed max
expect_contains "deep runtime error (daemon)" "$(strategy_field runtime_error error)" "$DEEP/runtime_error.lua:8: attempt to index a nil value"
expect_exit 0 "$AIOTS" -q strategy unload runtime_error

# Timed control requests while plugins work: a slow but legal strategy (about 10 ms a bar)
# and, loaded next, the pattern bomb. Status and halt must answer within 100 ms meanwhile.
latency_probe() {
  python3 - "$SOCKET" "$1" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); r = s.makefile("rb")
worst = 0.0
for i in range(int(sys.argv[2])):
    t = time.monotonic()
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": i, "method": "daemon.status"}).encode() + b"\n")
    json.loads(r.readline())
    worst = max(worst, time.monotonic() - t)
    time.sleep(0.02)
t = time.monotonic()
s.sendall(b'{"jsonrpc":"2.0","id":99,"method":"trading.halt","params":{"reason":"probe"}}\n')
reply = json.loads(r.readline())
worst_halt = time.monotonic() - t
print("%.1f %.1f %s" % (worst * 1000, worst_halt * 1000, "result" in reply))
PY
}
check_latency() {
  local what=$1 figures=$2
  read -r worst halt ok <<<"$figures"
  expect_eq "$what: halt answered" "$ok" "True"
  echo "$what: worst status ${worst} ms, halt ${halt} ms"
  if [[ ${AIOTS_SANITIZED:-0} != 1 ]]; then
    checks=$((checks + 1))
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 100 and float(sys.argv[2]) < 100 else 1)' "$worst" "$halt" ||
      fail "$what: control path slower than 100 ms (status $worst ms, halt $halt ms)"
  fi
}
expect_exit 0 "$AIOTS" -q strategy load "$FIX/slow_but_legal.lua" --symbols MSFT
"$AIOTS" -q feed replay MSFT --speed max > /dev/null 2>&1 &
feeder=$!
sleep 0.3
check_latency "slow strategy" "$(latency_probe 20)"
wait $feeder || true
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" -q strategy unload slow_but_legal

# The pattern bomb: stopped with its file:line (by the budget, or by the deadline if that comes
# first on a slow machine), while status and halt answer.
expect_exit 0 "$AIOTS" -q strategy load "$FIX/pattern_bomb.lua" --symbols MSFT
"$AIOTS" -q feed replay MSFT --speed max > /dev/null 2>&1 &
feeder=$!
check_latency "pattern bomb" "$(latency_probe 10)"
wait $feeder || true
alive
expect_eq "bomb: failed" "$(strategy_field pattern_bomb state)" "failed"
expect_contains "bomb: file and line" "$(strategy_field pattern_bomb error)" "$FIX/pattern_bomb.lua:6: "
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" -q strategy unload pattern_bomb

# Unmetered plugins (lua.instructions = 0) are still stopped by the deadline, in
# Lua code and inside the pattern matcher alike.
printf 'lua.instructions = 0\nlua.deadline_ms = 50\n' > "$XDG_CONFIG_HOME/aiots/aiots.toml"
expect_exit 0 "$AIOTS" -q daemon restart
for fixture in endless_loop pattern_bomb; do
  expect_exit 0 "$AIOTS" -q strategy load "$FIX/$fixture.lua" --symbols MSFT
done
"$AIOTS" -q feed replay MSFT --speed max > /dev/null 2>&1 &
feeder=$!
check_latency "unmetered spin" "$(latency_probe 10)"
wait $feeder || true
alive
for fixture in endless_loop pattern_bomb; do
  expect_eq "$fixture unmetered: failed" "$(strategy_field $fixture state)" "failed"
  expect_contains "$fixture unmetered: deadline" "$(strategy_field $fixture error)" "$FIX/$fixture.lua:"
  expect_contains "$fixture unmetered: deadline named" "$(strategy_field $fixture error)" "deadline of 50 ms of CPU time"
done
expect_exit 0 "$AIOTS" -q journal verify
expect_exit 0 "$AIOTS" -q daemon stop
finish
