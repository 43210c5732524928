#!/usr/bin/env bash
# The JSON-RPC protocol from plain clients (socat, a few lines of python3): every bad request is
# answered with a stable error code while other clients keep working; another uid is refused.
source "$(dirname "$0")/lib.sh"
daemon_env
"$AIOTS" -q daemon start

code() { python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(r["error"]["code"] if "error" in r else "ok")'; }

# socat, one request per line.
expect_eq "status over socat" "$(rpc '{"jsonrpc":"2.0","id":1,"method":"daemon.status"}' | code)" "ok"
expect_eq "malformed JSON" "$(rpc '{"jsonrpc":"2.0","id":2,"method":' | code)" "-32700"
expect_eq "not JSON-RPC" "$(rpc '{"id":3,"method":"daemon.status"}' | code)" "-32600"
expect_eq "batch" "$(rpc '[{"jsonrpc":"2.0","id":4,"method":"daemon.status"}]' | code)" "-32600"
expect_eq "unknown method" "$(rpc '{"jsonrpc":"2.0","id":5,"method":"nope"}' | code)" "-32601"
expect_eq "missing param" "$(rpc '{"jsonrpc":"2.0","id":6,"method":"strategy.show","params":{}}' | code)" "-32602"
expect_eq "wrong type" "$(rpc '{"jsonrpc":"2.0","id":7,"method":"strategy.show","params":{"name":5}}' | code)" "-32602"
expect_eq "unknown param" "$(rpc '{"jsonrpc":"2.0","id":8,"method":"daemon.status","params":{"x":1}}' | code)" "-32602"
expect_eq "data error code" "$(rpc '{"jsonrpc":"2.0","id":9,"method":"strategy.show","params":{"name":"x"}}' | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; print(e["code"], e["data"]["code"])')" "-32001 STRATEGY_NOT_FOUND"

# python3: one connection survives every bad request, including one over 1 MiB, and another
# client is served meanwhile.
python3 - "$SOCKET" > "$WORK/py.txt" <<'PY'
import json, socket, sys
path = sys.argv[1]
def connect():
    s = socket.socket(socket.AF_UNIX); s.connect(path); return s, s.makefile("rb")
a, ra = connect()
b, rb = connect()
def call(sock, reader, payload):
    sock.sendall(payload + b"\n")
    return json.loads(reader.readline())
out = []
out.append(call(a, ra, b'{"jsonrpc":"2.0","id":1,"method":"daemon.status"}').get("error", {}).get("code", "ok"))
out.append(call(a, ra, b'{"jsonrpc":"2.0","id":2,"method":"daemon.status","params":{"pad":"' + b"x" * (2 << 20) + b'"}}')["error"]["code"])
out.append(call(b, rb, b'{"jsonrpc":"2.0","id":3,"method":"daemon.status"}').get("error", {}).get("code", "ok"))
out.append(call(a, ra, b'not json at all')["error"]["code"])
out.append(call(a, ra, b'{"jsonrpc":"2.0","id":4,"method":"rpc.list"}')["result"][0]["name"])
print(" ".join(str(x) for x in out))
PY
expect_eq "python client: survives oversized and bad requests" "$(cat "$WORK/py.txt")" "ok -32600 ok -32700 daemon.status"

# Notifications: a subscriber sees the fills of a simulated market as they are committed.
"$AIOTS" -q strategy load "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --symbols SIM -p fast=3 -p slow=8
timeout 10 "$AIOTS" --json watch --topics fills,feed > "$WORK/watch.txt" &
watcher=$!
sleep 0.3
"$AIOTS" -q feed sim SIM --bars 2000 --seed 3
sleep 0.3
kill $watcher 2>/dev/null; wait $watcher 2>/dev/null || true
fills_seen=$(grep -c '"topic":"fills"' "$WORK/watch.txt" || true)
fills_journal=$(sqlite3 "$JOURNAL" "SELECT count(*) FROM journal WHERE kind = 'fill'")
expect_eq "every fill notified once" "$fills_seen" "$fills_journal"
checks=$((checks + 1))
[[ $fills_seen -gt 10 ]] || fail "too few fills to mean anything ($fills_seen)"
expect_contains "feed notification" "$(cat "$WORK/watch.txt")" '"kind":"feed.done"'

# A client of another uid is refused by SO_PEERCRED (the directory is opened up for the test
# so that the socket itself is reached), and the daemon logs it.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  chmod 711 "$WORK" "$WORK/run" "$WORK/run/aiots"; chmod 666 "$SOCKET"
  # Read-only: the daemon answers a refused peer at once and closes, before reading anything.
  other=$(setpriv --reuid=65534 --regid=65534 --clear-groups socat -u "UNIX-CONNECT:$SOCKET" - 2>&1 || true)
  chmod 700 "$WORK" "$WORK/run/aiots"; chmod 600 "$SOCKET"
  expect_contains "other uid refused" "$other" "NOT_ALLOWED: uid 65534"
  expect_contains "refusal logged" "$(cat "$WORK/state/aiots/aiotsd.log")" "refused a client of another user"
  expect_eq "owner still served" "$(rpc '{"jsonrpc":"2.0","id":1,"method":"daemon.status"}' | code)" "ok"
fi

"$AIOTS" -q daemon stop
finish
