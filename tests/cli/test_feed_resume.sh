#!/usr/bin/env bash
# Feeds resume after a crash: a sim or replay feed killed mid-way (kill -9) goes on after a
# restart from the bar after its last durable one, so that every bar is processed once and no
# more; a finished or stopped feed does not restart; feed.resume = false leaves it stopped.
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
kill_daemon() {
  local pid
  pid=$(cat "$SOCKET.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do sleep 0.01; done
}
# until_done: waits (at most 60 s) for the feed to finish.
until_done() {
  for _ in $(seq 600); do
    "$AIOTS" --json feed status >"$WORK/feed.json"
    [[ $(python3 -c 'import json; print(json.load(open("'"$WORK/feed.json"'"))["running"])') == False ]] && break
    sleep 0.1
  done
  OUT=$(cat "$WORK/feed.json")
}

expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM -p fast=2 -p slow=5
"$AIOTS" -q feed sim SIM --bars 300000 --seed 5 --detach
sleep 0.5
kill_daemon
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json feed status
expect_eq "resumed" "$(json 'j["kind"], j["resumed_after"] is not None, j["skipped"] > 0, j["bars_total"]')" "sim True True 300000"
skipped=$(json 'j["skipped"]')
until_done
# Every bar once: those before the crash (durable) plus those after it make the whole feed.
expect_eq "every bar once" "$(json 'j["skipped"] + j["bars_done"] == j["bars_total"], j["skipped"]')" "True $skipped"
expect_eq "the resumed feed journaled its end" "$(sqlite3 "$JOURNAL" "SELECT count(*) FROM journal WHERE kind = 'feed.done'")" "1"
expect_exit 0 "$AIOTS" journal verify

# A finished feed does not start again.
expect_exit 0 "$AIOTS" daemon restart
expect_exit 0 "$AIOTS" --json feed status
expect_eq "finished stays finished" "$(json 'j["running"]')" "False"

# A replay at 3000x (a one-minute bar every 20 ms): killed, resumed after its last durable bar.
python3 -c '
import datetime
t = datetime.datetime(2021, 3, 1, 14, 30)
print("symbol,time,open,high,low,close,volume")
for i in range(400):
    when = (t + datetime.timedelta(minutes=i)).isoformat() + "Z"
    print(f"MIN,{when},{100+i%7},{107},{99},{100+i%5},1000")
' >"$WORK/min.csv"
expect_exit 0 "$AIOTS" -q data import "$WORK/min.csv"
"$AIOTS" -q feed replay MIN --speed 3000x --detach
sleep 1
kill_daemon
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json feed status
expect_eq "replay resumed" "$(json 'j["kind"], j["running"], j["skipped"] > 10, j["skipped"] < 400, j["resumed_after"] > "2021-03-01T14:40"')" "replay True True True True"
expect_exit 0 "$AIOTS" -q feed stop
expect_exit 0 "$AIOTS" daemon restart
expect_exit 0 "$AIOTS" --json feed status
expect_eq "stopped stays stopped" "$(json 'j["running"]')" "False"

# feed.resume = false: the interrupted feed is journaled as stopped, not resumed.
mkdir -p "$XDG_CONFIG_HOME/aiots"
printf '[feed]\nresume = false\n' >"$XDG_CONFIG_HOME/aiots/aiots.toml"
expect_exit 0 "$AIOTS" daemon restart
"$AIOTS" -q feed sim SIM --bars 300000 --seed 6 --start 2022-01-01 --detach
sleep 0.3
kill_daemon
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json feed status
expect_eq "not resumed" "$(json 'j["running"]')" "False"
expect_eq "journaled why" "$(sqlite3 "$JOURNAL" "SELECT json_extract(data, '\$.reason') FROM journal WHERE kind = 'feed.stopped' ORDER BY rowid DESC LIMIT 1")" \
  "not resumed after a restart (feed.resume = false)"
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" daemon stop

finish
