#!/usr/bin/env bash
# Shared accounts from the CLI: several strategies in one account share its cash, positions,
# limits and state, while orders, fills and P&L stay attributable to each. Backtests of several
# strategies (files or a portfolio file), reruns; in aiotsd: strategy load --account, limits that
# two strategies breach together, positions/pnl --by account, halt/resume --account, and the
# accounts coming back after kill -9.
source "$(dirname "$0")/lib.sh"
daemon_env
PLAN="$AIOTS_SRC/tests/data/strategies/order_plan.lua"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

"$AIOTS" -q data import "$DATA/msft.csv"

# Alone, 120 MSFT (about 6.6% of $100,000) passes the default 10% position limit.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:120' --no-record
expect_eq "alone" "$(json 'j["risk"]["denied"], j["final"]["positions"]["MSFT"]')" "0 120"
# Two of them in one account: 13%, the second is refused; each strategy keeps its own ledger.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" "$PLAN" --data MSFT -p 'plan=2:buy:120' -p 'order_plan-2.plan=2:buy:120' --no-record
expect_eq "together" "$(json '[(s["name"], s["denials"], s["positions"]) for s in j["strategies"]], j["risk"]["denials"], j["final"]["positions"]["MSFT"]')" \
  "[('order_plan', {}, {'MSFT': 120}), ('order_plan-2', {'POSITION_LIMIT_EXCEEDED': 1}, {})] {'POSITION_LIMIT_EXCEEDED': 1} 120"
expect_eq "account equity is the sum" "$(json 'round(j["final"]["equity"] - 100000, 2) == round(sum(s["pnl"] for s in j["strategies"]), 2)')" "True"
# A strategy that fails stops alone: the others trade on, the run says which one stopped.
expect_exit 1 "$AIOTS" --json backtest "$PLAN" "$AIOTS_SRC/tests/data/strategies/runtime_error.lua" --data MSFT -p 'plan=2:buy:10;40:sell:10' --no-record
expect_eq "one stops alone" "$(json 'j["status"], j["error"].split(":")[0], [(s["name"], s["status"], s["fills"]) for s in j["strategies"]]')" \
  "stopped runtime_error [('order_plan', 'completed', 2), ('runtime_error', 'stopped', 0)]"
# A portfolio file: names, parameters, paths relative to the file; -p over it; the summary.
mkdir -p "$WORK/pf"
cp "$PLAN" "$WORK/pf/plan.lua"
cat >"$WORK/pf/two.toml" <<'TOML'
[[strategy]]
file = "plan.lua"
name = "first"
params = { plan = "2:buy:60" }

[[strategy]]
file = "plan.lua"
name = "second"
params = { plan = "3:buy:60" }
TOML
expect_exit 0 "$AIOTS" backtest "$WORK/pf/two.toml" --data MSFT -p 'second.plan=3:buy:150' --orders "$WORK/o.csv"
expect_contains "summary names each" "$OUT" "strategy   first: order_plan"
expect_contains "second's params" "$OUT" "plan=3:buy:150"
expect_contains "account line" "$OUT" "account    2 strategies sharing cash, positions and limits"
expect_contains "orders name the strategy" "$(head -1 "$WORK/o.csv")" "reason,strategy"
expect_contains "second refused" "$(cat "$WORK/o.csv")" "POSITION_LIMIT_EXCEEDED: symbol=MSFT limit_pct=10"
expect_exit 0 "$AIOTS" --json runs list
expect_eq "run listed" "$(json 'j[0]["strategy"]')" "first+second"
run=$(json 'j[0]["id"]')
expect_exit 0 "$AIOTS" runs rerun "$run"
expect_contains "rerun identical" "$ERR" "identical to run $run"
sed -i 's/order_plan/order_plan_v2/' "$WORK/pf/plan.lua"
expect_exit 3 "$AIOTS" runs rerun "$run"
expect_contains "changed strategy" "$ERR" "changed since the run"
# Bad portfolios and parameters: file, line and field.
printf '[[strategy]]\nname = "x"\n' >"$WORK/pf/bad.toml"
expect_exit 2 "$AIOTS" backtest "$WORK/pf/bad.toml" --data MSFT --no-record
expect_contains "missing file" "$ERR" "bad.toml:1: field 'file' is missing"
printf '[[strategy]]\nfile = "plan.lua"\nparams = { plan = [1] }\n' >"$WORK/pf/bad2.toml"
expect_exit 2 "$AIOTS" backtest "$WORK/pf/bad2.toml" --data MSFT --no-record
expect_contains "bad param" "$ERR" "bad2.toml:3: parameter 'plan' must be a string, number or boolean"
printf '[[strategy]]\nfile = "plan.lua"\nname = "a"\n[[strategy]]\nfile = "plan.lua"\nname = "a"\n' >"$WORK/pf/dup.toml"
expect_exit 2 "$AIOTS" backtest "$WORK/pf/dup.toml" --data MSFT --no-record
expect_contains "duplicate name" "$ERR" "two strategies of the run are named 'a'"
expect_exit 2 "$AIOTS" backtest "$PLAN" "$PLAN" --data MSFT -p 'nobody.plan=1:buy:1' --no-record
expect_contains "unknown strategy" "$ERR" "-p nobody.plan: no strategy named 'nobody' in this run (strategies: order_plan, order_plan-2)"
expect_exit 3 "$AIOTS" backtest "$WORK/pf/missing.toml" --data MSFT --no-record
expect_contains "missing portfolio" "$ERR" "missing.toml: no such portfolio file"

# aiotsd: alpha and beta share the default account "paper"; gamma trades alone in "solo".
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name alpha -p 'plan=2:buy:120'
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name beta -p 'plan=2:buy:120'
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name gamma --account solo -p 'plan=2:buy:120;3:buy:10'
expect_exit 0 "$AIOTS" --json strategy list
expect_eq "accounts listed" "$(json '[(s["name"], s["account"]) for s in j]')" "[('alpha', 'paper'), ('beta', 'paper'), ('gamma', 'solo')]"
expect_exit 0 "$AIOTS" -q feed replay MSFT --to 2000-10-10
expect_exit 0 "$AIOTS" --json risk status
expect_eq "breached together" "$(json '[(a["account"], a["denials"], [(s["strategy"], s["denied"]) for s in a["strategies"]]) for a in j["accounts"]]')" \
  "[('paper', {'POSITION_LIMIT_EXCEEDED': 1}, [('alpha', 0), ('beta', 1)]), ('solo', {}, [('gamma', 0)])]"
expect_exit 0 "$AIOTS" --json positions --by account
expect_eq "positions by account" "$(json '[(p["account"], p["symbol"], p["qty"], p["strategies"]) for p in j]')" \
  "[('paper', 'MSFT', 120, {'alpha': 120}), ('solo', 'MSFT', 130, {'gamma': 130})]"
expect_exit 0 "$AIOTS" --json positions
expect_eq "positions by strategy" "$(json '[(p["strategy"], p["account"], p["qty"]) for p in j]')" "[('alpha', 'paper', 120), ('gamma', 'solo', 130)]"
expect_exit 0 "$AIOTS" --json pnl --by account
expect_eq "pnl by account" "$(json '[(a["account"], sorted(a["strategies"]), round(a["equity"] - 100000 - sum(a["strategies"].values()), 6)) for a in j]')" \
  "[('paper', ['alpha', 'beta'], 0.0), ('solo', ['gamma'], 0.0)]"
expect_exit 0 "$AIOTS" pnl --by account
expect_contains "pnl table" "$OUT" "paper"
expect_exit 2 "$AIOTS" positions --by sector
expect_exit 3 "$AIOTS" halt --account nowhere
expect_contains "unknown account" "$ERR" "ACCOUNT_NOT_FOUND: no strategy trades in account 'nowhere' (accounts: paper, solo)"

# The kill switch for one account: paper halts and flattens, solo trades on.
expect_exit 0 "$AIOTS" halt --account paper --reason drill --flatten
expect_contains "halt one account" "$OUT" "account paper HALTED (drill): new orders are rejected, 0 open orders cancelled, 1 closing market orders placed"
expect_exit 0 "$AIOTS" -q feed replay MSFT --from 2000-10-11 --to 2000-10-12
expect_exit 0 "$AIOTS" --json positions --by account
expect_eq "paper flat, solo holds" "$(json '[(p["account"], p["qty"]) for p in j]')" "[('solo', 130)]"
expect_exit 0 "$AIOTS" journal verify
expect_contains "verify checks accounts" "$OUT" "account paper (alpha, beta): ok, the sum of its strategies"
expect_exit 0 "$AIOTS" --json risk status
day_use() { json '[(a["account"], [u["detail"] for u in a["limits"] if u["name"] in ("daily_loss_pct", "max_drawdown_pct")]) for a in j["accounts"]]'; }
before=$(day_use)
expect_eq "the day's start is not the first cash" "$(json '[u["detail"] for a in j["accounts"] for u in a["limits"] if u["name"] == "daily_loss_pct" and a["account"] == "solo"]')" "['start of day 99323']"
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json risk status
expect_eq "accounts back after kill -9" "$(json 'j["halted"], [(a["account"], a["state"], a["reason"], a["equity"] > 0) for a in j["accounts"]]')" \
  "False [('paper', 'HALTED', 'MANUAL_HALT', True), ('solo', 'ACTIVE', '', True)]"
expect_eq "start of day and peak back after kill -9 (risk.day)" "$(day_use)" "$before"
expect_exit 0 "$AIOTS" --json positions --by account
expect_eq "positions back" "$(json '[(p["account"], p["qty"], p["strategies"]) for p in j]')" "[('solo', 130, {'gamma': 130})]"
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" -q resume --yes --account paper
expect_exit 0 "$AIOTS" --json risk status
expect_eq "paper resumed" "$(json '[a["state"] for a in j["accounts"]]')" "['ACTIVE', 'ACTIVE']"
expect_exit 0 "$AIOTS" daemon stop

finish
