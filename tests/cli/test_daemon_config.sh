#!/usr/bin/env bash
# aiots.toml: check/show/path, errors with key and line, metrics over loopback HTTP, SIGHUP.
source "$(dirname "$0")/lib.sh"
daemon_env
CONF="$WORK/config/aiots/aiots.toml"
mkdir -p "$(dirname "$CONF")"

expect_exit 0 "$AIOTS" config path
expect_eq "default path" "$OUT" "$CONF"
expect_exit 0 "$AIOTS" config show --json
expect_eq "defaults" "$(python3 -c 'import json,sys; r={x["key"]: x for x in json.load(sys.stdin)}; print(r["lua.memory_mb"]["value"], r["lua.memory_mb"]["origin"], r["socket"]["value"])' <<<"$OUT")" "64 default '$SOCKET'"

printf 'log_level = "debug"\n\n[lua]\nmemory_mb = 128\nbogus = 1\n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_eq "unknown key" "$ERR" "aiots: config check: $CONF:5: unknown key 'lua.bogus' (see aiots config show, aiots.toml(5))"
printf '[lua]\nmemory_mb = "lots"\n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_eq "wrong type" "$ERR" "aiots: config check: $CONF:2: key 'lua.memory_mb' must be an integer"
printf '[lua]\ndeadline_ms = -1\n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_eq "negative limit" "$ERR" "aiots: config check: $CONF:2: key 'lua.deadline_ms' must not be negative (0 turns the limit off where allowed)"
printf 'log_level = "loud"\n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_contains "bad level" "$ERR" "$CONF:1: key 'log_level' must be trace, debug, info, warn or error"
printf '[broker]\npoll_ms = 5\n\n[broker.account]\nmain = "robinhood"\n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_eq "bad broker" "$ERR" "aiots: config check: $CONF:5: key 'broker.account.main' must be paper, alpaca or ibkr, not 'robinhood'"
printf 'socket = \n' > "$CONF"
expect_exit 2 "$AIOTS" config check
expect_contains "syntax error has a line" "$ERR" "$CONF:1:"
expect_exit 2 "$AIOTS" daemon start
expect_contains "start checks the config first" "$ERR" "$CONF:1:"
expect_exit 2 "$AIOTSD"
expect_contains "aiotsd refuses a bad config" "$ERR" "aiotsd: $CONF:1:"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'log_level = "debug"\nmetrics_listen = "127.0.0.1:%s"\n[broker]\ncash = 5000.0\n' "$port" > "$CONF"
expect_exit 0 "$AIOTS" config check
expect_exit 0 "$AIOTS" config show
expect_contains "origin is the file" "$OUT" "broker.cash,5000.0,$CONF"
expect_exit 0 "$AIOTS" -q daemon start
http=$(python3 -c 'import sys, urllib.request; r=urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics"); print(r.status); sys.stdout.write(r.read().decode())' "$port")
expect_contains "metrics over HTTP" "$http" "200"
expect_contains "metrics body" "$http" "aiots_journal_commit_seconds_bucket"
if command -v promtool >/dev/null; then
  checks=$((checks + 1))
  tail -n +2 <<<"$http" | promtool check metrics || fail "promtool rejects the HTTP metrics"
fi
"$AIOTS" -q strategy load "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --symbols SIM
expect_exit 0 "$AIOTS" --json pnl
expect_eq "broker.cash applies" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cash"])' <<<"$OUT")" "5000.0"

# SIGHUP: logrotate moved the log; the daemon reopens it and re-reads the configuration.
mv "$WORK/state/aiots/aiotsd.log" "$WORK/state/aiots/aiotsd.log.1"
kill -HUP "$(cat "$SOCKET.pid")"
for _ in $(seq 50); do [[ -s "$WORK/state/aiots/aiotsd.log" ]] && break; sleep 0.05; done
expect_contains "log reopened" "$(cat "$WORK/state/aiots/aiotsd.log" 2>/dev/null)" "component=config msg=reloaded"
expect_exit 0 "$AIOTS" -q daemon stop

printf 'metrics_listen = "0.0.0.0:%s"\n' "$port" > "$CONF"
expect_exit 2 "$AIOTSD"
expect_contains "metrics only on loopback" "$ERR" "must be a loopback address"
finish
