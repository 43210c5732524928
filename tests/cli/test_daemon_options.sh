#!/usr/bin/env bash
# Options in aiotsd: a strategy sells puts from the chain snapshots in the store during a replay;
# the contracts, their settlement and the net Greeks show in the views; the journal verifies;
# after kill -9 the restarted daemon holds the same option positions. Without chains, option
# symbols stop the strategy with a reason, never the daemon.
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"

"$AIOTS" -q data import "$DATA/msft.csv"
# Stored (synthetic) snapshots: the strategy trades from the latest one before each bar.
for d in 2001-05-31 2001-06-29 2001-07-31; do
  expect_exit 0 "$AIOTS" -q options synth-chain MSFT --date "$d" --seed 11
done
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/short_put_income.lua" --symbols MSFT --name wheel
expect_exit 0 "$AIOTS" feed replay MSFT --from 2001-05-31 --to 2001-08-22 --speed max
expect_exit 0 "$AIOTS" --json orders
echo "$OUT" >"$WORK/orders.json"
python3 - "$WORK/orders.json" <<'PY' || fail "option orders in the daemon"
import json, sys
orders = json.load(open(sys.argv[1]))
contracts = {o["symbol"] for o in orders if o["symbol"] != "MSFT"}
assert len(contracts) >= 2 and all(c.startswith("MSFT01") and len(c) == 19 for c in contracts), contracts
assert all(o["status"] == "filled" for o in orders), [o for o in orders if o["status"] != "filled"]
PY
expect_exit 0 "$AIOTS" --json positions
# What is durable: symbols, quantities and average prices (marks come back with the next bar).
held() { python3 -c 'import json,sys; print(sorted((r["symbol"], r["qty"], r["avg_price"]) for r in json.load(sys.stdin)))'; }
before=$(held <<<"$OUT")
python3 -c '
import json, sys
rows = json.load(sys.stdin)
opts = [r for r in rows if r["symbol"] != "MSFT"]
assert len(opts) == 1 and opts[0]["qty"] == -1 and opts[0]["multiplier"] == 100 and 0.05 < opts[0]["iv"] < 2, rows
' <<<"$OUT" || fail "an open short put in positions ($OUT)"
expect_exit 0 "$AIOTS" --json pnl
python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; assert r["delta"] > 0 and r["gamma"] < 0 and r["theta"] > 0, r' <<<"$OUT" \
  || fail "net Greeks of a short put: long delta, short gamma, positive theta ($OUT)"
expect_exit 0 "$AIOTS" journal verify
expect_contains "verify with options" "$OUT" "consistent"
# Paper equals backtest: the same engine, chains and strategy give the same books.
live=$(python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(round(r["equity"], 6), round(r["cash"], 6))' <<<"$("$AIOTS" --json pnl)")
expect_exit 0 "$AIOTS" --json backtest "$STRAT/short_put_income.lua" --data MSFT --from 2001-05-31 --to 2001-08-22 --chains store --no-record
expect_eq "options: paper equals backtest" "$live" "$(python3 -c 'import json,sys; r=json.load(sys.stdin)["final"]; print(round(r["equity"], 6), round(r["cash"], 6))' <<<"$OUT")"
expect_exit 0 "$AIOTS" --format table pnl
expect_contains "greeks columns" "$OUT" "delta"

# kill -9, restart: the contract comes back from the journal with its position.
pid=$(cat "$SOCKET.pid")
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do sleep 0.01; done
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json positions
expect_eq "option positions survive kill -9" "$(held <<<"$OUT")" "$before"
expect_exit 0 "$AIOTS" journal verify
expect_contains "verify after restart" "$OUT" "consistent"
# The restarted strategy knows it is short the put (it does not sell a second one).
expect_exit 0 "$AIOTS" feed replay MSFT --from 2001-08-23 --to 2001-08-24 --speed max
expect_exit 0 "$AIOTS" --json positions
python3 -c 'import json,sys; rows=json.load(sys.stdin); assert sum(1 for r in rows if r["symbol"] != "MSFT") == 1, rows' <<<"$OUT" \
  || fail "the restarted strategy sold again: $OUT"

# Without chains (options.chains = none) an option strategy stops with the reason.
"$AIOTS" -q daemon stop
mkdir -p "$WORK/config/aiots"
printf '[options]\nchains = "none"\n' >"$WORK/config/aiots/aiots.toml"
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/gamma_pin.lua" --symbols MSFT --name pin
expect_exit 0 "$AIOTS" feed replay MSFT --from 2001-09-04 --to 2001-09-07 --speed max
expect_exit 0 "$AIOTS" --json strategy show pin
expect_contains "stopped with the reason" "$OUT" "NO_OPTION_CHAINS"
expect_exit 0 "$AIOTS" status
printf '[options]\nchains = "sometimes"\n' >"$WORK/config/aiots/aiots.toml"
expect_exit 2 "$AIOTS" config check
expect_contains "bad options.chains" "$ERR" "options.chains' must be store or none"
printf '[options]\nchains = "none"\n' >"$WORK/config/aiots/aiots.toml"
"$AIOTS" -q daemon stop
finish
