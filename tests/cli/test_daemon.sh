#!/usr/bin/env bash
# aiotsd through the CLI: lifecycle, paper trading on a replay, views, halt, rebuild after a
# restart, hot reload (on demand and on file change), and bad input.
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"

"$AIOTS" -q data import "$DATA/msft.csv"
"$AIOTS" -q data import --symbol USDCHF "$DATA/usdchf_30m.csv"

expect_exit 1 "$AIOTS" status
expect_contains "not running" "$ERR" "aiotsd is not running on $SOCKET"
expect_exit 0 "$AIOTS" daemon start
expect_contains "start" "$OUT" "aiotsd started (pid"
expect_eq "socket dir mode" "$(stat -c %a "$WORK/run/aiots")" 700
expect_eq "socket mode" "$(stat -c %a "$SOCKET")" 600
expect_exit 0 "$AIOTS" daemon start
expect_contains "second start" "$OUT" "already running"
expect_exit 1 "$AIOTSD"
expect_contains "instance lock" "$ERR" "already running"
expect_exit 0 "$AIOTS" daemon status --json
expect_eq "status json" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["socket"] == sys.argv[1], j["pid"] > 0, "uptime_seconds" in j, j["version"])' "$SOCKET" <<<"$OUT")" "True True True 0.1.0"

# Paper trading on a replay: the same engine as the backtest gives the same P&L.
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols MSFT
expect_exit 0 "$AIOTS" feed replay MSFT --speed max
expect_contains "replay" "$OUT" "fed 249 bars"
expect_exit 0 "$AIOTS" --json pnl
live_equity=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["equity"])' <<<"$OUT")
expect_exit 0 "$AIOTS" --json backtest "$STRAT/sma_crossover.lua" --data MSFT --no-record
expect_eq "paper equals backtest" "$live_equity" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["final"]["equity"])' <<<"$OUT")"
expect_exit 0 "$AIOTS" --json orders
expect_eq "orders" "$(python3 -c 'import json,sys; o=json.load(sys.stdin); print(len(o), {x["status"] for x in o})' <<<"$OUT")" "6 {'filled'}"
expect_exit 0 "$AIOTS" journal verify
expect_contains "verify" "$OUT" "journal: "
expect_contains "verify ok" "$OUT" "consistent"

# A quote stream replays tick by tick; a second strategy under another name.
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/rsi_mean_reversion.lua" --symbols USDCHF --name fx -p qty=5000
expect_exit 0 "$AIOTS" --json feed replay USDCHF --to 1996-06-30
expect_eq "quote replay" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["bars"] > 3000)' <<<"$OUT")" "True"
expect_exit 0 "$AIOTS" --json strategy show fx
expect_eq "show" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j["symbols"], j["fills"] > 0)' <<<"$OUT")" "running ['USDCHF'] True"

# Halt is durable: it survives a restart, and orders are refused while it holds.
expect_exit 0 "$AIOTS" -q halt --reason "test halt"
expect_exit 0 "$AIOTS" -q daemon stop
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json status
expect_eq "halt survives restart" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["halted"], j["halt_reason"], sorted(s["name"] for s in j["strategies"]))' <<<"$OUT")" "True test halt ['fx', 'sma_crossover']"
expect_exit 0 "$AIOTS" --json pnl
expect_eq "positions and cash rebuilt" "$(python3 -c 'import json,sys; print([r["equity"] for r in json.load(sys.stdin) if r["strategy"] == "sma_crossover"][0])' <<<"$OUT")" "$live_equity"
expect_exit 0 "$AIOTS" journal verify
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols USDCHF --name halted_one -p fast=2 -p slow=3 -p qty=1000
"$AIOTS" -q feed replay USDCHF --from 1996-07-01 --to 1996-07-10
expect_exit 0 "$AIOTS" --json orders
expect_eq "orders rejected while halted" "$(python3 -c 'import json,sys; o=[x for x in json.load(sys.stdin) if x["strategy"] == "halted_one"]; print(len(o) > 0, all(x["status"] == "rejected" and x["reason"].startswith("ACCOUNT_HALTED: state=HALTED reason=MANUAL_HALT") for x in o))' <<<"$OUT")" "True True"
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" -q strategy unload halted_one

# Hot reload on demand: ctx.state and positions carry over; a broken version is refused.
cat > "$WORK/counter.lua" <<'LUA'
return {
  name = "counter", version = "1",
  on_start = function(ctx) ctx.state.bars = ctx.state.bars or 0 end,
  on_bar = function(ctx, bar)
    ctx.state.bars = ctx.state.bars + 1
    if ctx.state.bars == 3 then ctx:buy(100) end
  end,
}
LUA
expect_exit 0 "$AIOTS" -q strategy load "$WORK/counter.lua" --symbols MSFT
"$AIOTS" -q feed replay MSFT --to 2000-10-31
state() { "$AIOTS" --json strategy show counter | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["ctx_state"]["bars"], j.get("version"), j["fills"])'; }
expect_eq "before reload" "$(state)" "25 1 1"
sed -i 's/version = "1"/version = "2"/; s/ctx.state.bars + 1/ctx.state.bars + 10/' "$WORK/counter.lua"
expect_exit 0 "$AIOTS" -q strategy reload counter
expect_eq "after a good reload: state and fills kept, new code" "$(state)" "25 2 1"
"$AIOTS" -q feed replay MSFT --from 2000-11-01 --to 2000-11-03
expect_eq "new code runs" "$(state)" "55 2 1"
cp "$WORK/counter.lua" "$WORK/counter.good"
printf 'return { name = "counter", on_bar = function(ctx, bar) if then end }\n' > "$WORK/counter.lua"
expect_exit 3 "$AIOTS" strategy reload counter
expect_contains "syntax error reported" "$ERR" "counter.lua:1:"
expect_exit 0 "$AIOTS" --json status
expect_contains "status shows the failed reload" "$OUT" "counter.lua:1:"
printf 'return { name = "counter", on_start = function(ctx) error("refusing to start") end }\n' > "$WORK/counter.lua"
expect_exit 3 "$AIOTS" strategy reload counter
expect_contains "failing on_start reported" "$ERR" "counter.lua:1: refusing to start"
"$AIOTS" -q feed replay MSFT --from 2000-11-06 --to 2000-11-06
expect_eq "old version still trading" "$(state)" "65 2 1"

# Hot reload on file change (inotify): a good edit is picked up by itself.
sed 's/version = "2"/version = "3"/' "$WORK/counter.good" > "$WORK/counter.tmp" && mv "$WORK/counter.tmp" "$WORK/counter.lua"
for _ in $(seq 50); do [[ $(state) == "65 3 1" ]] && break; sleep 0.1; done
expect_eq "reloaded on file change" "$(state)" "65 3 1"

# Bad input.
expect_exit 3 "$AIOTS" strategy load "$WORK/missing.lua" --symbols MSFT
expect_contains "missing file" "$ERR" "FILE_NOT_FOUND"
expect_exit 3 "$AIOTS" strategy load "$STRAT/sma_crossover.lua" --symbols MSFT
expect_contains "duplicate name" "$ERR" "STRATEGY_EXISTS"
expect_exit 2 "$AIOTS" strategy load "$STRAT/sma_crossover.lua" --symbols MSFT --name x -p fast=abc
expect_exit 3 "$AIOTS" strategy show nope
expect_contains "unknown strategy" "$ERR" "STRATEGY_NOT_FOUND: no strategy 'nope'"
expect_exit 3 "$AIOTS" feed replay NOPE
expect_exit 2 "$AIOTS" feed replay MSFT --speed fast

# Logs, metrics, doctor.
expect_exit 0 "$AIOTS" logs -n 200 --level info
expect_contains "structured log" "$OUT" "component=strategy msg=loaded"
expect_exit 0 "$AIOTS" metrics
expect_contains "metrics" "$OUT" "aiots_bar_to_order_seconds_bucket"
if command -v promtool >/dev/null; then
  checks=$((checks + 1))
  promtool check metrics <<<"$OUT" || fail "promtool rejects the metrics"
fi
expect_exit 0 "$AIOTS" doctor
chmod 755 "$WORK/run/aiots"
expect_exit 1 "$AIOTS" doctor
expect_contains "doctor names the fix" "$OUT" "chmod 700"
chmod 700 "$WORK/run/aiots"

expect_exit 0 "$AIOTS" daemon stop
expect_exit 1 "$AIOTS" status
[[ $failures == 0 ]] || cp "$WORK/state/aiots/aiotsd.log" /tmp/aiotsd-test.log 2>/dev/null
finish
