#!/usr/bin/env bash
# Disk faults: while fsync fails (an LD_PRELOAD shim, tests/fault/fail_sync.cpp), aiotsd
# acknowledges nothing it could not commit, halts trading with JOURNAL_WRITE_FAILED, pauses the
# feed, refuses changes, still answers status and logs, and resumes only by aiots resume --yes
# once the journal takes what waited; nothing acknowledged before the fault is lost, even after
# kill -9. Imports into the store are all-or-nothing likewise.
source "$(dirname "$0")/lib.sh"
daemon_env
PLAN="$AIOTS_SRC/tests/data/strategies/order_plan.lua"
SHIM="${AIOTS_FAIL_SYNC:-$AIOTS_BUILD/tests/libaiots_fail_sync.so}"
FLAG="$WORK/disk-fails"
export AIOTS_FAIL_SYNC_FLAG="$FLAG"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
# until_halted: waits (at most 10 s: CI machines are loaded) for aiotsd to report trading
# halted; its status in $WORK/status.json.
until_halted() {
  for _ in $(seq 200); do
    "$AIOTS" --json status >"$WORK/status.json" 2>/dev/null || true
    [[ $(python3 -c 'import json; print(json.load(open("'"$WORK/status.json"'"))["halted"])' 2>/dev/null) == True ]] && break
    sleep 0.05
  done
}

# The store: an import whose commit cannot be synced leaves nothing behind.
touch "$FLAG"
expect_exit 1 env LD_PRELOAD="$SHIM" "$AIOTS" data import "$DATA/msft.csv"
expect_contains "import error" "$ERR" "disk I/O error"
rm "$FLAG"
expect_exit 0 "$AIOTS" --json data list
expect_eq "nothing half-imported" "$OUT" "[]"
expect_exit 0 "$AIOTS" -q data import "$DATA/msft.csv"

LD_PRELOAD="$SHIM" expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name alpha -p 'plan=2:buy:10;30:buy:10'
expect_exit 0 "$AIOTS" -q feed replay MSFT --to 2000-10-10
expect_exit 0 "$AIOTS" --json positions
expect_eq "acknowledged before the fault" "$(json '[(p["strategy"], p["qty"]) for p in j]')" "[('alpha', 10)]"

# The disk goes: the next commit fails.
"$AIOTS" -q feed sim SIMX --bars 1000000 --seed 1 --detach 2>/dev/null || true
"$AIOTS" -q strategy load "$PLAN" --symbols SIMX --name beta -p 'plan=5:buy:1;6:sell:1' || true
sleep 0.3
touch "$FLAG"
until_halted
OUT=$(cat "$WORK/status.json")
expect_eq "halted, still answering" "$(json 'j["halted"], j["halt_reason"].split(":")[0]')" "True JOURNAL_WRITE_FAILED"
expect_exit 0 "$AIOTS" --json feed status
done_at_fault=$(json 'j["bars_done"]')
sleep 0.5
expect_exit 0 "$AIOTS" --json feed status
expect_eq "the feed waits" "$(json 'j["bars_done"]')" "$done_at_fault"
expect_exit 0 "$AIOTS" --json risk status
expect_eq "accounts halted" "$(json 'sorted({a["state"] + " " + a["reason"] for a in j["accounts"]})')" "['HALTED JOURNAL_WRITE_FAILED']"
expect_exit 3 "$AIOTS" strategy load "$PLAN" --symbols MSFT --name gamma
expect_contains "changes refused" "$ERR" "JOURNAL_WRITE_FAILED: the journal cannot be written; trading is halted and strategy.load is refused"
expect_exit 0 "$AIOTS" logs --level error -n 20
expect_contains "logged" "$OUT" "cannot write the journal"
expect_exit 3 "$AIOTS" resume --yes
expect_contains "resume waits for the disk" "$ERR" "JOURNAL_WRITE_FAILED: the journal still cannot be written"

# The disk comes back: resume writes what waited, in order, and trading goes on.
rm "$FLAG"
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" --json status
expect_eq "resumed" "$(json 'j["halted"]')" "False"
# The feed moves on within 10 s (a fraction of a second on an idle machine).
for _ in $(seq 100); do
  "$AIOTS" --json feed status >"$WORK/feed.json" 2>/dev/null || true
  [[ $(python3 -c 'import json; print(json.load(open("'"$WORK/feed.json"'"))["bars_done"] > '"$done_at_fault"')' 2>/dev/null) == True ]] && break
  sleep 0.1
done
expect_exit 0 "$AIOTS" --json feed status
expect_eq "the feed goes on" "$(json 'j["bars_done"] > '"$done_at_fault")" "True"
expect_exit 0 "$AIOTS" -q feed stop
expect_exit 0 "$AIOTS" journal verify
expect_contains "consistent" "$OUT" "consistent"

# A second fault, then kill -9 while faulted: what was acknowledged before comes back.
expect_exit 0 "$AIOTS" --json positions
before=$(json 'sorted((p["strategy"], p["symbol"], p["qty"]) for p in j)')
expect_exit 0 "$AIOTS" -q feed sim SIMX --bars 1000000 --seed 2 --start 2023-01-01 --detach
sleep 0.2
touch "$FLAG"
until_halted
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
rm "$FLAG"
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q feed stop
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" --json positions
expect_eq "alpha's position survived" "$(json '[(p["strategy"], p["qty"]) for p in j if p["strategy"] == "alpha"]')" "[('alpha', 10)]"
expect_exit 0 "$AIOTS" daemon stop

finish
