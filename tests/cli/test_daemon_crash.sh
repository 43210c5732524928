#!/usr/bin/env bash
# kill -9 aiotsd at random moments of a replay with orders flowing, 20 times. After every
# restart the journal must verify (positions, cash and orders recomputed from journaled fills
# equal the daemon's; each account the sum of its strategies; every checkpoint equal to the
# replay of the records before it), and every fill that a client was told about must be in the
# journal. Two strategies share the account "paper", one trades alone. Checkpoints are written
# every 300 records, so kills land while one is being written too; restarts start from them.
source "$(dirname "$0")/lib.sh"
daemon_env
mkdir -p "$XDG_CONFIG_HOME/aiots"
# Feeds are not resumed here (test_feed_resume.sh does that): views compared below must not
# move with bars processed between a start and a feed stop.
printf 'journal_checkpoint_every = 300\n[feed]\nresume = false\n' > "$XDG_CONFIG_HOME/aiots/aiots.toml"
STRAT="$AIOTS_SRC/plugins/strategies"
RANDOM=42  # reproducible kill moments

"$AIOTS" -q daemon start
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM --name fast -p fast=2 -p slow=5
"$AIOTS" -q strategy load "$STRAT/rsi_mean_reversion.lua" --symbols SIM --name rsi -p period=5 -p max_hold=3
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM --name solo --account solo -p fast=3 -p slow=8 -p qty=50

for round in $(seq 1 20); do
  start=$(date -u -d "2020-01-01 + $((round * 60)) days" +%Y-%m-%dT%H:%M:%SZ)
  timeout 20 "$AIOTS" --json watch --topics fills > "$WORK/seen.$round" &
  watcher=$!
  sleep 0.1
  "$AIOTS" -q feed sim SIM --bars 60000 --seed "$round" --start "$start" --detach
  sleep "0.$((RANDOM % 30 + 5))"
  pid=$(cat "$SOCKET.pid")
  kill -9 "$pid"
  # SIGKILL is delivered asynchronously; a zombie (not yet reaped by whoever adopted it) is dead.
  while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do sleep 0.01; done
  wait "$watcher" 2>/dev/null || true
  expect_exit 0 "$AIOTS" -q daemon start
  expect_exit 0 "$AIOTS" journal verify
  # The interrupted feed resumed (test_feed_resume.sh); this suite starts its own each round.
  "$AIOTS" -q feed stop 2>/dev/null || true
  [[ $failures == 0 ]] || { echo "round $round: $OUT" >&2; break; }
done

# Every fill a client saw (it is notified only after the commit) is in the journal.
missing=$(python3 - "$JOURNAL" "$WORK"/seen.* <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
journal = set()
for strategy, data in db.execute("SELECT strategy, data FROM journal WHERE kind = 'fill'"):
    d = json.loads(data)
    journal.add((strategy, d["order_id"], d["ts"], d["qty"], d["price"]))
seen = 0
missing = 0
for path in sys.argv[2:]:
    for line in open(path):
        e = json.loads(line)["event"]
        seen += 1
        if (e["strategy"], e["order_id"], e["ts"], e["qty"], e["price"]) not in journal:
            missing += 1
print(f"{missing} of {seen}")
PY
)
expect_eq "no acknowledged fill lost" "${missing%% of *}" "0"
checks=$((checks + 1))
[[ ${missing##* of } -gt 100 ]] || fail "too few fills seen to mean anything: $missing"
# Kills around the kill switch: halt --flatten while the feed runs, then kill -9. A halt that was
# acknowledged comes back HALTED after the restart, and its closing orders (journaled with the
# halt, in one commit) complete on the next bars.
for round in $(seq 1 5); do
  "$AIOTS" -q resume --yes
  start=$(date -u -d "2021-06-01 + $((round * 60)) days" +%Y-%m-%dT%H:%M:%SZ)
  "$AIOTS" -q feed sim SIM --bars 60000 --seed "$((round + 100))" --start "$start" --detach
  sleep "0.$((RANDOM % 20 + 5))"
  set +e
  "$AIOTS" -q halt --reason "crash drill $round" --flatten
  halted=$?
  set -e
  sleep "0.0$((RANDOM % 9))"
  pid=$(cat "$SOCKET.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do sleep 0.01; done
  expect_exit 0 "$AIOTS" -q daemon start
  expect_exit 0 "$AIOTS" journal verify
  "$AIOTS" -q feed stop 2>/dev/null || true
  if [[ $halted == 0 ]]; then
    expect_exit 0 "$AIOTS" --json risk status
    expect_eq "round $round: halted after kill -9" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j["halt_reason"])' <<<"$OUT")" "HALTED crash drill $round"
    expect_exit 0 "$AIOTS" -q feed sim SIM --bars 3 --seed 7 --start "$(date -u -d "2022-01-01 + $round days" +%Y-%m-%dT%H:%M:%SZ)"
    expect_exit 0 "$AIOTS" --json positions
    expect_eq "round $round: flatten completed after the restart" "$OUT" "[]"
  fi
  [[ $failures == 0 ]] || break
done
"$AIOTS" -q resume --yes

# Restarts started from checkpoints, and replayed only what came after them.
read -r restarts from_checkpoint max_replayed < <(python3 - "$JOURNAL" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [json.loads(d) for (d,) in db.execute("SELECT data FROM journal WHERE kind = 'daemon.started'")]
print(len(rows), sum(1 for r in rows if r.get("checkpoint", 0) > 0), max(r.get("replayed", 0) for r in rows))
PY
)
expect_eq "restarts from a checkpoint" "$((from_checkpoint >= restarts - 1))" "1"
[[ $max_replayed -le 2000 ]] || fail "a restart replayed $max_replayed records, more than a checkpoint interval's worth"
checks=$((checks + 1))
expect_exit 0 "$AIOTS" --json journal verify
expect_eq "checkpoints verified" "$(python3 -c 'import json,sys; c=json.load(sys.stdin)["checkpoints"]; print(c["ok"], c["checked"] > 20)' <<<"$OUT")" "True True"

# A restart from the last checkpoint and one that replays the whole journal (checkpoints
# deleted) come back to the same strategies, ledgers and open orders.
"$AIOTS" -q feed sim SIM --bars 60000 --seed 77 --start 2023-01-02T00:00:00Z --detach
sleep 0.4
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
views() {
  for v in "strategy list" "positions" "orders --open" "pnl" "risk status"; do
    "$AIOTS" --json $v | python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("uptime_seconds", None) if isinstance(j, dict) else None; print(json.dumps(j, sort_keys=True))'
  done
}
"$AIOTS" -q daemon start
views > "$WORK/from_checkpoint.json"
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
sqlite3 "$JOURNAL" "DELETE FROM checkpoints" 2>/dev/null || python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM checkpoints"); d.commit()' "$JOURNAL"
"$AIOTS" -q daemon start
views > "$WORK/full_replay.json"
expect_exit 0 diff "$WORK/from_checkpoint.json" "$WORK/full_replay.json"
[[ $(wc -c < "$WORK/full_replay.json") -gt 200 ]] || fail "views too small to compare: $(cat "$WORK/full_replay.json")"

expect_exit 0 "$AIOTS" --json pnl
echo "crash test: $missing fills missing; final: $(python3 -c 'import json,sys; print([(r["strategy"], r["equity"]) for r in json.load(sys.stdin)])' <<<"$OUT")"
"$AIOTS" -q daemon stop
finish
