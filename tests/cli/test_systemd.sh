#!/usr/bin/env bash
# systemd readiness by the sd_notify protocol, against a fake notify socket: READY=1 only once
# the socket answers, WATCHDOG=1 pings at half of WATCHDOG_USEC while the event loop turns (none
# for another WATCHDOG_PID), STOPPING=1 on SIGTERM; an abstract-namespace socket works too, and
# without NOTIFY_SOCKET nothing is sent.
source "$(dirname "$0")/lib.sh"
daemon_env
LISTENERS=()
trap 'kill ${LISTENERS[*]} 2>/dev/null; kill -9 $(cat "$SOCKET.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# listen ADDRESS NAME: a fake notify socket; what it receives goes to $WORK/NAME.log.
listen() {
  python3 "$(dirname "$0")/helpers/notify_socket.py" "$1" "$WORK/$2.log" &
  LISTENERS+=($!)
  for _ in $(seq 100); do [[ -f $WORK/$2.log.ready ]] && break; sleep 0.05; done
}
states() { python3 -c 'import json,sys; print([json.loads(l)["state"].split("\n")[0] for l in open(sys.argv[1])])' "$1"; }

listen "$WORK/notify.sock" main
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=200000 "$AIOTSD" --foreground >"$WORK/aiotsd.out" 2>&1 &
daemon=$!
for _ in $(seq 200); do grep -q READY=1 "$WORK/main.log" 2>/dev/null && break; sleep 0.02; done
# Ready means ready: the socket answers as soon as READY=1 arrived.
expect_exit 0 "$AIOTS" status
expect_contains "ready first" "$(head -1 "$WORK/main.log")" "READY=1"
expect_contains "status line" "$(head -1 "$WORK/main.log")" "STATUS=journal rebuilt, listening on $SOCKET"
expect_contains "main pid" "$(head -1 "$WORK/main.log")" "MAINPID=$daemon"
t0=$(date +%s%N)
sleep 1
pings=$(grep -c WATCHDOG=1 "$WORK/main.log" || true)
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
checks=$((checks + 1))
# Every 100 ms since READY: a loaded machine may delay some (none at all would be a bug), and
# there can be no more than the time since allows.
[[ $pings -ge 3 && $pings -le $((elapsed_ms / 100 + 10)) ]] || fail "watchdog pings every 100 ms: $pings in $elapsed_ms ms"
kill -TERM "$daemon"
wait "$daemon" || true
expect_eq "stopping last" "$(states "$WORK/main.log" | python3 -c 'import ast,sys; s=ast.literal_eval(sys.stdin.read()); print(s[-1], s.count("READY=1"))')" "STOPPING=1 1"

# The abstract namespace; a watchdog meant for another process is not pinged.
listen "@aiots-test-$$" abstract
NOTIFY_SOCKET="@aiots-test-$$" WATCHDOG_USEC=200000 WATCHDOG_PID=1 "$AIOTSD" --foreground >"$WORK/aiotsd.out" 2>&1 &
daemon=$!
for _ in $(seq 200); do grep -q READY=1 "$WORK/abstract.log" 2>/dev/null && break; sleep 0.02; done
sleep 0.4
kill -TERM "$daemon"
wait "$daemon" || true
expect_eq "abstract socket, no foreign watchdog" "$(states "$WORK/abstract.log")" "['READY=1', 'STOPPING=1']"

# Without NOTIFY_SOCKET aiotsd runs as before.
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" daemon stop

finish
