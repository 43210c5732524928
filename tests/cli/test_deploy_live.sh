#!/usr/bin/env bash
# Deployments run by aiotsd on a replayed MSFT feed: a playbook whose gates pass promotes the new
# version, which takes the running version's position with no flat window and no duplicate
# orders; a canary past its drawdown limit fails the deployment (or, caught, rolls it back) and
# the old version trades on untouched; a promotion rolled back hands everything back; abort,
# history, show, watch and their errors; and aiotsd killed (-9) at each kind of step comes back
# with the deployment marked interrupted and everything it changed undone (aiots-deploy(1)).
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"
PB="$AIOTS_SRC/plugins/playbooks"
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
jr() { sqlite3 "$JOURNAL" "$1"; }
V1="$STRAT/sma_crossover.lua"
V2="$WORK/sma_v2.lua"
sed 's/version = "1.0"/version = "2.0"/' "$V1" >"$V2"
mapfile -t DAYS < <(tail -n +2 "$DATA/msft.csv" | cut -d, -f1)
NEXT=0

# A fresh daemon, store and journal, with "live" (v1) trading MSFT.
fresh() {
  "$AIOTS" -q daemon stop 2>/dev/null || true
  rm -rf "$WORK/data" "$WORK/run" "$WORK/state"
  "$AIOTS" -q data import "$DATA/msft.csv"
  "$AIOTS" -q daemon start
  "$AIOTS" -q strategy load "$V1" --symbols MSFT --name live -p fast=5 -p slow=12
  NEXT=0
}
# advance N: replays the next N trading days and waits for them.
advance() {
  local last=$((NEXT + $1 - 1))
  ((last < ${#DAYS[@]})) || last=$((${#DAYS[@]} - 1))
  "$AIOTS" -q feed replay MSFT --speed max --from "${DAYS[$NEXT]}" --to "${DAYS[$last]}"
  NEXT=$((last + 1))
}
# waits_for STATE: until the running deployment waits on STATE (bars, clock, gate) or none runs.
waits_for() {
  local state
  for _ in $(seq 1 300); do
    state=$("$AIOTS" --json deploy status | python3 -c "import json,sys; j=json.load(sys.stdin); print(j['progress']['waiting'] if j['running'] else 'none')")
    [[ $state == "$1" ]] && return 0
    sleep 0.05
  done
  fail "the deployment never waited on $1 (it waits on $state)"
}
# The position of strategy $1 summed from its journaled fills up to record $2.
position_at() {
  jr "SELECT coalesce(sum(CASE json_extract(data,'$.side') WHEN 'buy' THEN json_extract(data,'$.qty') ELSE -json_extract(data,'$.qty') END),0)
      FROM journal WHERE strategy='$1' AND kind='fill' AND seq <= $2"
}
kill_daemon() {
  local pid
  pid=$(cat "$SOCKET.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do sleep 0.01; done
}
loaded_names() { "$AIOTS" --json strategy list | python3 -c "import json,sys; print(' '.join(s['name'] for s in json.load(sys.stdin)))"; }

# 1. Gates pass: shadow, compare, canary, promote with hand-over. "live" holds 100 MSFT when
#    the promotion comes 70 bars later (long from day 135 to 159 of the file), and keeps them.
#    Both are flat when the shadow starts and both buy on day 69 (shadows start flat).
fresh
advance 67
expect_exit 0 "$AIOTS" --json deploy "$PB/canary_promote.lua" -p old=live -p new="$V2" -p fast=5 -p slow=12 \
  -p min_sharpe=-10 -p max_drawdown=0.9 -p canary_drawdown=0.9
expect_eq "started, waiting on its gate or its shadow" "$(py 'j["deployment"], j["status"], j["steps"][0]["kind"]')" "1 running gate.backtest"
waits_for bars
expect_exit 0 "$AIOTS" --json deploy status
expect_eq "shadow under way" "$(py 'j["progress"]["kind"], j["progress"]["bars_needed"], j["progress"]["shadow"]')" "shadow 20 live.shadow-1"
expect_eq "the shadow trades beside live in its own account" \
  "$("$AIOTS" --json strategy list | python3 -c "import json,sys; print([(s['name'], s['account']) for s in json.load(sys.stdin)])")" \
  "[('live', 'paper'), ('live.shadow-1', 'paper.shadow-1')]"
expect_exit 5 "$AIOTS" deploy "$PB/blue_green.lua" -p blue=live -p green="$V2"
expect_contains "one deployment at a time" "$ERR" "DEPLOY_RUNNING: deployment 1 (canary_promote) is running"
advance 100
expect_exit 0 "$AIOTS" --json deploy show 1
expect_eq "succeeded, every step in order" "$(py 'j["status"], [(s["kind"], s["outcome"]) for s in j["steps"]]')" \
  "succeeded [('gate.backtest', 'passed'), ('shadow', 'done'), ('compare', 'done'), ('canary', 'passed'), ('promote', 'done'), ('notify', 'done')]"
expect_eq "who ran it, when, the gate's figures, the canary's" \
  "$(py 'j["user"] == "'"$(id -un)"'", j["started"] <= j["finished"], "sharpe" in j["steps"][0]["result"]["metrics"], j["steps"][3]["result"]["metrics"]["trades"] > 0, j["steps"][3]["result"]["metrics"]["bars"]')" \
  "True True True True 50"
expect_eq "the shadow agreed with live (same code, same warm history)" "$(py 'j["steps"][2]["result"]["signal_agreement"]')" "1.0"
expect_exit 0 "$AIOTS" --json strategy show live
expect_eq "live runs v2 now" "$(py 'j["file"] == "'"$V2"'"')" "True"
promoted=$(jr "SELECT seq FROM journal WHERE kind='strategy.promoted' AND strategy='live'")
before=$(position_at live $((promoted - 1)))
expect_eq "live held a position when promoted" "$before" "100"
expect_eq "no flat window: the position went through the promotion" "$(position_at live "$promoted")" "$before"
expect_eq "handed over, not closed" "$(jr "SELECT json_extract(data,'$.positions') FROM journal WHERE seq=$promoted")" "hand-over"
expect_eq "no closing orders at the promotion" "$(jr "SELECT count(*) FROM journal WHERE strategy='live' AND kind='order' AND json_extract(data,'$.tag') LIKE '%flatten%'")" "0"
expect_eq "no duplicate orders" \
  "$(jr "SELECT count(*) - count(DISTINCT json_extract(data,'$.created') || json_extract(data,'$.side')) FROM journal WHERE strategy='live' AND kind='order' AND json_extract(data,'$.event')='submitted'")" "0"
expect_eq "v2 traded after taking over" "$(jr "SELECT count(*) > 0 FROM journal WHERE strategy='live' AND kind='fill' AND seq > $promoted")" "1"
expect_eq "the canary closed out and left" "$(loaded_names)" "live"
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" deploy watch 1
expect_contains "watch of a finished deployment" "$OUT" "deployment 1: succeeded"
expect_exit 0 "$AIOTS" --json deploy history
expect_eq "history" "$(py 'len(j), j[0]["deployment"], j[0]["status"], j[0]["steps"]')" "1 1 succeeded 6"
# A restart rebuilds live with v2 (the promotion is in the journal).
"$AIOTS" -q daemon stop
"$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json strategy show live
expect_eq "v2 after a restart" "$(py 'j["file"] == "'"$V2"'"')" "True"
expect_exit 0 "$AIOTS" --json deploy show 1
expect_eq "history after a restart" "$(py 'j["status"]')" "succeeded"

# 2. The canary breaches its drawdown limit: the deployment fails at the canary's line and is
#    undone; live never left v1 and made no order because of it.
fresh
advance 55
expect_exit 0 "$AIOTS" -q deploy "$PB/canary_promote.lua" -p old=live -p new="$V2" -p fast=5 -p slow=12 \
  -p min_sharpe=-10 -p max_drawdown=0.9 -p canary_drawdown=0.000001
waits_for bars
advance 150
expect_exit 4 "$AIOTS" deploy watch 1
expect_contains "failed, at the canary's line" "$ERR" "deployment 1 failed: $PB/canary_promote.lua:29: canary: failed: max_drawdown"
expect_exit 0 "$AIOTS" --json deploy show 1
expect_eq "steps up to the canary" "$(py '[(s["kind"], s["outcome"]) for s in j["steps"]]')" \
  "[('gate.backtest', 'passed'), ('shadow', 'done'), ('compare', 'done'), ('canary', 'failed')]"
expect_exit 0 "$AIOTS" --json strategy show live
expect_eq "live still v1" "$(py 'j["file"] == "'"$V1"'"')" "True"
expect_eq "never promoted" "$(jr "SELECT count(*) FROM journal WHERE kind='strategy.promoted'")" "0"
expect_eq "canary gone" "$(loaded_names)" "live"
expect_contains "the canary's account closed out" "$(jr "SELECT group_concat(json_extract(data,'$.code')) FROM journal WHERE kind='risk.event' AND strategy='live.canary-1'")" "DEPLOY_RETIRED"
expect_exit 0 "$AIOTS" journal verify

# 3. rollback_on_drawdown catches the breach (pcall) and rolls back itself: status rolled_back,
#    the notification logged and posted to the webhook with the deployment's end.
python3 "$(dirname "$0")/helpers/webhook_server.py" "$WORK/hook.port" "$WORK/hook.log" 200 &
HOOK=$!
for _ in $(seq 100); do [[ -s $WORK/hook.port ]] && break; sleep 0.05; done
printf 'http://127.0.0.1:%s/hooks/SECRET\n' "$(cat "$WORK/hook.port")" >"$WORK/hook.url"
chmod 600 "$WORK/hook.url"
mkdir -p "$XDG_CONFIG_HOME/aiots"
printf '[notify]\nwebhook_url_file = "%s"\n' "$WORK/hook.url" >"$XDG_CONFIG_HOME/aiots/aiots.toml"
fresh
advance 60
expect_exit 0 "$AIOTS" -q deploy "$PB/rollback_on_drawdown.lua" -p old=live -p new="$V2" -p gate_drawdown=0.9 \
  -p max_drawdown=0.000001 -p watch_bars=40
waits_for bars
advance 100
expect_exit 0 "$AIOTS" --json deploy show 1
expect_eq "rolled back by the playbook" "$(py 'j["status"], [s["kind"] for s in j["steps"]]')" \
  "rolled_back ['gate.backtest', 'canary', 'rollback', 'notify']"
expect_contains "notified" "$(cat "$WORK/state/aiots/aiotsd.log")" "rolled back to live"
expect_eq "canary gone, live stays" "$(loaded_names)" "live"
for _ in $(seq 200); do [[ -f $WORK/hook.log && $(wc -l <"$WORK/hook.log") -ge 2 ]] && break; sleep 0.05; done
expect_eq "posted: the notification, then the end" "$(python3 -c '
import json
rows = [json.loads(l)["body"] for l in open("'"$WORK/hook.log"'")]
rows = [r for r in rows if r["event"]["kind"].startswith("deploy.")]  # the canary account'"'"'s halt is an alert too
print([r["event"]["kind"] for r in rows], rows[0]["text"].startswith("aiotsd: deployment 1: rolled back to live: "), rows[1]["text"])')" \
  "['deploy.notify', 'deploy.finished'] True aiotsd: deployment 1 (rollback_on_drawdown) rolled_back"
expect_eq "the secret is not in the log" "$(grep -c SECRET "$WORK/state/aiots/aiotsd.log" || true)" "0"
kill "$HOOK"
rm "$XDG_CONFIG_HOME/aiots/aiots.toml"

# 4. Promote, then roll back: positions and open orders go to v2 and come back to v1, each time
#    with no flat window.
fresh
cat >"$WORK/promote_then_back.lua" <<EOF
return { name = "promote_then_back", run = function(p)
  promote{ from = "live", to = "$V2", positions = "hand-over" }
  wait{ bars = 15 }
  rollback{ to = "live" }
end }
EOF
advance 70
hold=$(position_at live "$(jr "SELECT max(seq) FROM journal")")
expect_exit 0 "$AIOTS" -q deploy "$WORK/promote_then_back.lua"
expect_exit 0 "$AIOTS" --json strategy show live
expect_eq "v2 at once" "$(py 'j["file"] == "'"$V2"'"')" "True"
advance 30
expect_exit 0 "$AIOTS" --json deploy show 1
expect_eq "rolled back" "$(py 'j["status"], j["steps"][2]["result"]["restored"][0]["file"] == "'"$V1"'"')" "rolled_back True"
expect_exit 0 "$AIOTS" --json strategy show live
expect_eq "v1 again" "$(py 'j["file"] == "'"$V1"'"')" "True"
first=$(jr "SELECT min(seq) FROM journal WHERE kind='strategy.promoted'")
second=$(jr "SELECT max(seq) FROM journal WHERE kind='strategy.promoted'")
expect_eq "the promotion kept the position" "$(position_at live "$first")" "$hold"
expect_eq "the rollback kept v2's position" "$(position_at live "$second")" "$(position_at live $((second - 1)))"
expect_eq "the second swap is the undo" "$(jr "SELECT json_extract(data,'$.undo') FROM journal WHERE seq=$second")" "1"
expect_exit 0 "$AIOTS" journal verify

# 5. Abort, a failing gate, and bad requests.
fresh
advance 55
expect_exit 0 "$AIOTS" -q deploy "$PB/blue_green.lua" -p blue=live -p green="$V2"
waits_for bars
expect_exit 0 "$AIOTS" deploy abort 1
expect_contains "aborted by whom" "$OUT" "aborted by $(id -un)"
expect_eq "the shadow left with it" "$(loaded_names)" "live"
expect_exit 3 "$AIOTS" deploy abort 1
expect_contains "not running" "$ERR" "DEPLOY_NOT_RUNNING: deployment 1 is aborted"
expect_exit 4 "$AIOTS" deploy "$PB/canary_promote.lua" -p old=live -p new="$V2" -p min_sharpe=50 --wait
expect_contains "a failing gate fails the deployment" "$ERR" "deployment 2 failed"
expect_contains "... with the figure" "$ERR" "is not >= 50"
expect_eq "nothing loaded" "$(loaded_names)" "live"
expect_exit 3 "$AIOTS" deploy "$WORK/missing.lua"
expect_contains "missing playbook" "$ERR" "missing.lua: no such playbook"
printf 'return { name = "broken", run = function(p)\n  shadow{ strategy = }\nend }\n' >"$WORK/broken.lua"
expect_exit 3 "$AIOTS" deploy "$WORK/broken.lua"
expect_contains "syntax error at its line" "$ERR" "broken.lua:2:"
expect_exit 2 "$AIOTS" deploy "$PB/canary_promote.lua" -p nosuch=1
expect_exit 3 "$AIOTS" deploy show 99
expect_contains "unknown id" "$ERR" "DEPLOY_NOT_FOUND: no deployment 99"
printf 'return { name = "ghost", run = function(p)\n  shadow{ strategy = "%s", alongside = "ghost", bars = 3 }\nend }\n' "$V2" >"$WORK/ghost.lua"
expect_exit 4 "$AIOTS" deploy "$WORK/ghost.lua" --wait
expect_contains "an unknown strategy fails the step at its line" "$ERR" "ghost.lua:2: shadow: failed: STRATEGY_NOT_FOUND"
printf 'return { name = "spin", run = function(p)\n  wait{ bars = 1 }\n  while true do end\nend }\n' >"$WORK/spin.lua"
expect_exit 0 "$AIOTS" -q deploy "$WORK/spin.lua"
advance 1
expect_exit 0 "$AIOTS" --json deploy show 4
expect_eq "a runaway playbook fails, the daemon lives" "$(py 'j["status"], "instruction budget" in j["error"]')" "failed True"
expect_exit 0 "$AIOTS" status

# A playbook looping over steps that take no time gives the event loop back every 64 steps: it
# finishes, a loop without end can be watched and aborted, and aiotsd never freezes.
printf 'return { name = "chatty", run = function(p)\n  for i = 1, 200 do notify{ text = "n" .. i } end\nend }\n' >"$WORK/chatty.lua"
expect_exit 0 "$AIOTS" deploy "$WORK/chatty.lua" --wait
expect_eq "two hundred steps" "$("$AIOTS" --json deploy history --limit 1 | python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; print(j["status"], j["steps"])')" "succeeded 200"
printf 'return { name = "endless", run = function(p)\n  while true do notify{ text = string.rep("n", 100000) } end\nend }\n' >"$WORK/endless.lua"
expect_exit 0 "$AIOTS" -q deploy "$WORK/endless.lua"
sleep 1
expect_exit 0 "$AIOTS" --json status
expect_exit 0 "$AIOTS" --json deploy status
endless=$(py 'j["progress"]["deployment"]')
expect_eq "still stepping, a turn at a time" "$(py 'j["running"], j["progress"]["step"] > 64')" "True True"
expect_exit 0 "$AIOTS" deploy abort "$endless"
expect_exit 0 "$AIOTS" --json deploy show "$endless"
expect_eq "notes capped" "$(py 'j["status"], max(len(s["detail"]) for s in j["steps"]) < 5000')" "aborted True"

# 6. gate.diff: live fills against a backtest of the same period, as aiots diff, as a gate.
fresh
advance 249
cat >"$WORK/diff_gate.lua" <<'EOF'
return { name = "diff_gate", params = { most = { default = 0 } }, run = function(p)
  local g = gate.diff{ strategy = "live", require = { missed = "<=" .. p.most, extra = "<=" .. p.most, identical = ">=1" } }
  print("identical fills: " .. g.metrics.identical)
end }
EOF
expect_exit 0 "$AIOTS" --json deploy "$WORK/diff_gate.lua" --dry-run
expect_eq "check mode runs the diff gate" "$(py 'j["steps"][0]["outcome"], j["steps"][0]["result"]["metrics"]["missed"], j["steps"][0]["result"]["metrics"]["identical"] > 2')" "passed 0 True"
expect_exit 0 "$AIOTS" deploy "$WORK/diff_gate.lua" --wait
expect_contains "aiotsd runs it too" "$OUT" "step 1 gate.diff passed: extra=0 identical="
expect_contains "... and the playbook sees the figures" "$OUT" "print: identical fills: "
cat >"$WORK/diff_strict.lua" <<'EOF'
return { name = "diff_strict", run = function(p)
  gate.diff{ strategy = "live", require = { identical = ">=1000" } }
end }
EOF
expect_exit 4 "$AIOTS" deploy "$WORK/diff_strict.lua" --wait
expect_contains "a diff gate fails with its figure" "$ERR" "diff_strict.lua:2: gate.diff: failed: identical"
expect_contains "... and its limit" "$ERR" "is not >= 1000"
printf 'return { name = "d", run = function(p)\n  gate.diff{ strategy = "live", require = { sharpe = ">=1" } }\nend }\n' >"$WORK/diff_bad.lua"
expect_exit 1 "$AIOTS" deploy "$WORK/diff_bad.lua" --dry-run
expect_contains "a diff gate names what it measures" "$ERR" "require.sharpe: gate.diff measures backtest_fees, backtest_fills"

# 7. kill -9 at each kind of step: the restart marks the deployment interrupted and undoes it.
#    $1 names the step, the rest is how to get there.
for at in gate shadow canary promoted; do
  fresh
  advance 55
  case $at in
    gate)
      # A gate slow enough (seconds of Lua per backtest) to be killed in.
      printf 'return { name = "slow", on_bar = function(ctx, bar)\n  for i = 1, 2000000 do end\nend }\n' >"$WORK/slow.lua"
      printf 'return { name = "slow_gate", run = function(p)\n  gate.backtest{ strategy = "%s", data = "MSFT" }\nend }\n' \
        "$WORK/slow.lua" >"$WORK/slow_gate.lua"
      "$AIOTS" -q deploy "$WORK/slow_gate.lua"
      step="step 1 (gate.backtest)" ;;
    shadow)
      "$AIOTS" -q deploy "$PB/canary_promote.lua" -p old=live -p new="$V2" -p min_sharpe=-10 -p max_drawdown=0.9
      waits_for bars; advance 5
      step="step 2 (shadow)" ;;
    canary)
      "$AIOTS" -q deploy "$PB/canary_promote.lua" -p old=live -p new="$V2" -p min_sharpe=-10 -p max_drawdown=0.9 -p canary_drawdown=0.9
      waits_for bars; advance 30
      step="step 4 (canary)" ;;
    promoted)
      "$AIOTS" -q deploy "$PB/blue_green.lua" -p blue=live -p green="$V2" -p shadow_bars=5
      waits_for bars; advance 8
      step="step 5 (wait)" ;;
  esac
  kill_daemon
  expect_exit 0 "$AIOTS" -q daemon start
  expect_exit 0 "$AIOTS" --json deploy show 1
  expect_eq "killed at $at: interrupted" "$(py 'j["status"]')" "interrupted"
  expect_contains "killed at $at: says where" "$(py 'j["error"]')" "aiotsd restarted during $step; what the deployment changed was undone"
  expect_exit 0 "$AIOTS" --json strategy show live
  expect_eq "killed at $at: live runs v1" "$(py 'j["file"] == "'"$V1"'"')" "True"
  advance 3  # closes out a shadow or canary that held a position
  expect_eq "killed at $at: nothing of the deployment left" "$(loaded_names)" "live"
  expect_exit 0 "$AIOTS" journal verify
  expect_exit 0 "$AIOTS" --json deploy status
  expect_eq "killed at $at: none running" "$(py 'j["running"]')" "False"
done
"$AIOTS" -q daemon stop
finish
