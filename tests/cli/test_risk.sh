#!/usr/bin/env bash
# The risk engine from the CLI: buying power, limits and their codes in backtests (--limit,
# [risk] in --config, the manifest, reruns), the daily-loss halt and flatten on a gap, and in
# aiotsd: [risk] limits, risk status, the kill switch (halt --flatten), reduce, resume --yes,
# and a halt that survives kill -9.
source "$(dirname "$0")/lib.sh"
daemon_env
PLAN="$AIOTS_SRC/tests/data/strategies/order_plan.lua"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

"$AIOTS" -q data import "$DATA/msft.csv"

# Buying power: the order of the issue (1e9 MSFT on $100,000) is refused, nothing fills.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:1000000000' --no-record
expect_eq "1e9 shares" "$(json 'j["risk"]["denials"], j["counts"]["fills"], j["final"]["equity"]')" "{'INSUFFICIENT_BUYING_POWER': 1} 0 100000.0"
expect_exit 0 "$AIOTS" backtest "$PLAN" --data MSFT -p 'plan=2:buy:1000000000' --no-record
expect_contains "summary line" "$OUT" "risk       state ACTIVE, 1 orders denied (INSUFFICIENT_BUYING_POWER 1)"

# The default position limit (10% of equity) and --limit over it.
expect_exit 0 "$AIOTS" --json --format json backtest "$PLAN" --data MSFT -p 'plan=2:buy:250' --no-record --orders "$WORK/o.csv"
expect_eq "position limit" "$(json 'j["risk"]["denials"], j["counts"]["fills"]')" "{'POSITION_LIMIT_EXCEEDED': 1} 0"
expect_contains "reason in the order log" "$(cat "$WORK/o.csv")" "POSITION_LIMIT_EXCEEDED: symbol=MSFT limit_pct=10 would_be_pct=15.33 would_be=250"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:250' --limit max_position_pct=20 --no-record
expect_eq "limit raised" "$(json 'j["risk"]["denied"], j["counts"]["fills"], j["risk"]["limits"]["max_position_pct"]')" "0 1 20"

# A cash account cannot sell short; a margin account (the default) can.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:sell:10' --limit account=cash --no-record
expect_eq "cash short" "$(json 'j["risk"]["denials"], j["risk"]["limits"]["account"]')" "{'INSUFFICIENT_BUYING_POWER': 1} cash"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:sell:10' --no-record
expect_eq "margin short" "$(json 'j["final"]["positions"]["MSFT"]')" "-10"

# [risk] from --config, then --limit over it; bad limits are usage errors that name the key.
cat >"$WORK/risk.toml" <<'TOML'
[risk]
max_position_pct = 20
max_order_quantity = 200
TOML
expect_exit 0 "$AIOTS" --config "$WORK/risk.toml" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:250' --no-record
expect_eq "config limits" "$(json 'j["risk"]["denials"]')" "{'ORDER_QUANTITY_LIMIT_EXCEEDED': 1}"
expect_exit 0 "$AIOTS" --config "$WORK/risk.toml" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:250' --limit max_order_quantity=0 --no-record
expect_eq "--limit over config" "$(json 'j["risk"]["denied"]')" "0"
expect_exit 2 "$AIOTS" backtest "$PLAN" --data MSFT --limit bogus=1 --no-record
expect_contains "unknown limit" "$ERR" "unknown risk limit 'bogus'"
expect_exit 2 "$AIOTS" backtest "$PLAN" --data MSFT --limit max_position_pct=-5 --no-record
expect_contains "negative limit" "$ERR" "risk limit 'max_position_pct' must be a number from 0 to 1e15, not '-5'"
expect_exit 2 "$AIOTS" backtest "$PLAN" --data MSFT --limit account=offshore --no-record
expect_contains "account kind" "$ERR" "must be cash or margin"
printf '[risk]\nmaintenance_margin_pct = 60\n' >"$WORK/bad.toml"
expect_exit 2 "$AIOTS" --config "$WORK/bad.toml" backtest "$PLAN" --data MSFT --no-record
expect_contains "bad config" "$ERR" "bad.toml: [risk]: risk limit 'maintenance_margin_pct' (60) must not exceed 'initial_margin_pct' (50)"
printf '[risk]\nmax_position_pct = "ten"\n' >"$WORK/bad2.toml"
expect_exit 2 "$AIOTS" --config "$WORK/bad2.toml" config check
expect_contains "config type" "$ERR" "bad2.toml:2: key 'risk.max_position_pct' must be a number"

# The risk report in backtests: VaR/ES (historical and normal), position VaR, betas.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:100' --no-record --var-lookback 100
report='j["risk"]["report"]'
expect_eq "backtest risk report" "$(json "($report[\"observations\"], $report[\"benchmark\"], $report[\"positions\"][\"contributions\"][0][\"symbol\"], round($report[\"positions\"][\"contributions\"][0][\"beta\"], 6), $report[\"parametric\"][\"var95\"][\"pct\"] > 0)")" \
  "(100, 'MSFT', 'MSFT', 1.0, True)"

# The manifest keeps every limit: a rerun reproduces the run without the flags.
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:250;9:buy:100' --limit max_position_pct=20
first=$(json 'j["final"]["equity"], j["risk"]["denials"]')
run_id=$(sqlite3 "$AIOTS_DB" 'SELECT max(id) FROM runs')
expect_exit 0 "$AIOTS" --json runs rerun "$run_id"
expect_eq "rerun with recorded limits" "$(json 'j["final"]["equity"], j["risk"]["denials"]')" "$first"

# A -20% gap in minute bars: the daily loss limit halts, the position is flattened at the next
# bar, the day's later orders are refused, and the next day trades again.
python3 - "$WORK/gap.csv" <<'PY'
import sys
rows = ["time,open,high,low,close,volume"]
price = 100.0
for day, hours in (("2024-03-04", range(14, 20)), ("2024-03-05", range(14, 16))):
    for h in hours:
        for m in range(0, 60, 30):
            if day == "2024-03-04" and h == 16 and m == 0:
                price = 80.0  # the gap
            rows.append(f"{day}T{h:02d}:{m:02d}:00Z,{price},{price},{price},{price},1000000")
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data "$WORK/gap.csv" -p 'plan=2:buy:500;7:buy:10;14:buy:10' --limit max_position_pct=60 --no-record
expect_eq "daily loss halt" "$(json '[(e["to"], e["code"]) for e in j["risk"]["events"]]')" "[('HALTED', 'DAILY_LOSS_LIMIT'), ('ACTIVE', 'NEW_TRADING_DAY')]"
expect_eq "halt detail" "$(json 'j["risk"]["events"][0]["detail"]')" "loss_pct=10 limit_pct=5 start_equity=100000.00 equity=90000.00"
expect_eq "flattened, next day bought" "$(json 'j["risk"]["denials"], j["final"]["positions"]')" "{'ACCOUNT_HALTED': 1} {'GAP': 10}"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data "$WORK/gap.csv" -p 'plan=2:buy:500' --limit max_position_pct=60 --limit halt_action=block --no-record
expect_eq "halt_action=block keeps the position" "$(json 'j["final"]["positions"]["GAP"], j["risk"]["state"]')" "500 ACTIVE"

# Same inputs, byte-identical risk output.
a=$("$AIOTS" --json backtest "$PLAN" --data "$WORK/gap.csv" -p 'plan=2:buy:500;7:buy:10' --limit max_position_pct=60 --no-record)
b=$("$AIOTS" --json backtest "$PLAN" --data "$WORK/gap.csv" -p 'plan=2:buy:500;7:buy:10' --limit max_position_pct=60 --no-record)
expect_eq "deterministic" "$(sha256sum <<<"$a")" "$(sha256sum <<<"$b")"

# Lua risk rules in backtests: denials with the rule's code, its halt, the manifest and reruns.
RULES="$AIOTS_SRC/plugins/risk"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:300;3:buy:300' --limit max_position_pct=100 \
  --risk "$RULES/max_position.lua" --risk-param max_position.max_qty=400 --no-record
expect_eq "rule denial" "$(json 'j["risk"]["denials"], j["final"]["positions"]["MSFT"]')" "{'RULE_MAX_POSITION': 1} 300"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data "$WORK/gap.csv" -p 'plan=2:buy:500' --limit max_position_pct=60 \
  --limit daily_loss_pct=0 --risk "$RULES/daily_loss.lua"
expect_eq "rule halt and flatten" "$(json '[(e["to"], e["code"]) for e in j["risk"]["events"]], j["final"]["positions"]["GAP"]')" "[('HALTED', 'RULE_HALT')] 0"
# greeks_limits.lua on an options strategy: a short put's delta (then the assigned shares) is
# capped at 50, so the strategy's next sales are refused.
expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/short_put_income.lua" --data MSFT --chains synth --no-record
expect_eq "options unlimited" "$(json 'j["risk"]["denials"], j["counts"]["fills"]')" "{} 26"
expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/short_put_income.lua" --data MSFT --chains synth --no-record \
  --risk "$RULES/greeks_limits.lua" --risk-param greeks_limits.max_delta=50
expect_eq "greeks capped" "$(json 'list(j["risk"]["denials"]), j["counts"]["fills"]')" "['RULE_GREEKS_LIMIT'] 5"
run_id=$(sqlite3 "$AIOTS_DB" 'SELECT max(id) FROM runs')
expect_eq "rules in the manifest" "$(sqlite3 "$AIOTS_DB" "SELECT manifest FROM runs WHERE id = $run_id" | python3 -c 'import json,sys; m=json.load(sys.stdin); print([(r["name"], len(r["sha256"]), r["params"]) for r in m["risk_rules"]])')" \
  "[('daily_loss', 64, {'max_loss_pct': '3', 'warn_pct': '2'})]"
expect_exit 0 "$AIOTS" -q runs rerun "$run_id"
expect_exit 2 "$AIOTS" backtest "$PLAN" --data MSFT --risk "$RULES/max_position.lua" --risk-param nosuch.max_qty=1 --no-record
expect_contains "unknown rule" "$ERR" "--risk-param names rule 'nosuch', which is not loaded (--risk FILE)"
expect_exit 2 "$AIOTS" backtest "$PLAN" --data MSFT --risk "$RULES/max_position.lua" --risk-param max_position.max_qty=lots --no-record
expect_contains "bad rule param" "$ERR" "parameter 'max_qty' must be an int"
expect_exit 3 "$AIOTS" backtest "$PLAN" --data MSFT --risk "$WORK/none.lua" --no-record
expect_contains "missing rule" "$ERR" "none.lua: cannot read the risk rule file"
printf 'return { name = "boom", check_order = function(o, a) error("no luck") end }\n' >"$WORK/boom.lua"
expect_exit 0 "$AIOTS" --json backtest "$PLAN" --data MSFT -p 'plan=2:buy:10;3:buy:10' --risk "$WORK/boom.lua" --no-record
expect_eq "failing rule halts" "$(json 'j["risk"]["state"], list(j["risk"]["failed_rules"]), j["risk"]["denials"]')" \
  "HALTED ['boom'] {'ACCOUNT_HALTED': 1, 'RISK_RULE_FAILED': 1}"
expect_contains "rule error has file:line" "$(json 'j["risk"]["failed_rules"]["boom"]')" "boom.lua:1: no luck"

# Stress: a -20% gap on MSFT. With the daily-loss rule the halt fires and the position is closed
# on the next bar (exit 0); the same run without it breaches (exit 1).
STRESS=("$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT -p qty=1500 --limit max_position_pct=100
        --limit daily_loss_pct=0 --scenario gap:-20% --at 2001-05-01)
expect_exit 0 "$AIOTS" --json stress "${STRESS[@]}" --risk "$RULES/daily_loss.lua" --risk-param daily_loss.max_loss_pct=10
expect_eq "stress held" "$(json 'j["held"], j["halt"]["code"], j["halt"]["time"], j["flat"]["bars"], j["worst_daily_loss_pct"]')" "True RULE_HALT 2001-05-01 1 14.99"
expect_exit 1 "$AIOTS" --json stress "${STRESS[@]}"
expect_eq "stress breached" "$(json 'j["held"], j["halt"], j["flat"]')" "False None None"
expect_contains "breach message" "$ERR" "breached: the loss passed the limit and nothing halted the account"
expect_exit 0 "$AIOTS" stress "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT -p qty=1500 \
  --limit max_position_pct=100 --scenario "$AIOTS_SRC/examples/scenarios/gap-down-20.scenario" --at 2001-05-01
expect_contains "built-in daily loss halts" "$OUT" "halt       2001-05-01 DAILY_LOSS_LIMIT loss_pct=14.99 limit_pct=5"
expect_contains "stress text" "$OUT" "flat       2001-05-02, 1 bar after the halt"
expect_exit 1 "$AIOTS" --json stress "${STRESS[@]/gap:-20%/crash:1987}"
expect_eq "crash 1987" "$(json 'j["scenarios"], j["held"], j["worst_daily_loss_pct"] > 15')" "['crash:1987'] False True"
expect_exit 2 "$AIOTS" stress "${STRESS[@]/gap:-20%/meteor:1}"
expect_contains "bad scenario" "$ERR" "--scenario 'meteor:1': neither a scenario"
expect_exit 2 "$AIOTS" stress "${STRESS[@]/2001-05-01/2030-01-01}"
expect_contains "shock after the data" "$ERR" "is after the last bar of MSFT"
printf 'gap:-5%%\nvol:2x/oops\n' >"$WORK/bad.scenario"
expect_exit 2 "$AIOTS" stress "${STRESS[@]/gap:-20%/$WORK/bad.scenario}"
expect_contains "scenario file line" "$ERR" "bad.scenario:2: --scenario 'vol:2x/oops'"

# aiotsd: [risk] in aiots.toml, risk status, per-strategy overrides.
mkdir -p "$XDG_CONFIG_HOME/aiots"
cat >"$XDG_CONFIG_HOME/aiots/aiots.toml" <<'TOML'
[risk]
max_position_pct = 20
[risk.strategy.tight]
max_position_pct = 5
TOML
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name holder --account holder -p 'plan=2:buy:250;3:buy:1000000000'
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name tight --account tight -p 'plan=2:buy:250'
expect_exit 2 "$AIOTS" strategy load "$PLAN" --symbols MSFT --name bad --account 'no spaces'
expect_contains "account name checked" "$ERR" "INVALID_PARAMS: account must be 1-64 letters, digits, '_', '-' or '.', not 'no spaces'"
expect_exit 0 "$AIOTS" -q feed replay MSFT --to 2000-10-10
expect_exit 0 "$AIOTS" --json risk status
expect_eq "risk status" "$(json '[(a["account"], a["state"], a["denials"], [d["code"] for d in a["recent_denials"]]) for a in j["accounts"]]')" \
  "[('holder', 'ACTIVE', {'INSUFFICIENT_BUYING_POWER': 1}, ['INSUFFICIENT_BUYING_POWER']), ('tight', 'ACTIVE', {'POSITION_LIMIT_EXCEEDED': 1}, ['POSITION_LIMIT_EXCEEDED'])]"
expect_exit 0 "$AIOTS" risk status
expect_contains "risk status text" "$OUT" "account  holder (margin) ACTIVE, equity 98390.62"
expect_contains "limit use" "$OUT" "max_position_pct        13.86% of 20%  (MSFT)"
expect_exit 0 "$AIOTS" --json orders
expect_contains "denial reason in orders" "$OUT" "POSITION_LIMIT_EXCEEDED: symbol=MSFT limit_pct=5"
expect_exit 0 "$AIOTS" --json risk report --lookback 5
expect_eq "risk report" "$(json '[(a["account"], a["observations"], a["benchmark"], len(a["positions"]["contributions"]), a["historical"]["var95"]["pct"] >= 0) for a in j["accounts"]]')" \
  "[('holder', 5, 'MSFT', 1, True), ('tight', 5, 'MSFT', 0, True)]"
expect_exit 0 "$AIOTS" risk report
expect_contains "risk report text" "$OUT" "VaR 95%   historical"
expect_exit 2 "$AIOTS" risk report --benchmark SPY
expect_contains "benchmark must be held" "$ERR" "benchmark SPY is not a symbol of account holder"

# The kill switch: halt --flatten closes the position at the next bar and blocks new orders.
expect_exit 0 "$AIOTS" halt --reason "drill" --flatten
expect_contains "halt reply" "$OUT" "trading HALTED (drill): new orders are rejected, 0 open orders cancelled, 1 closing market orders placed"
expect_exit 0 "$AIOTS" -q feed replay MSFT --from 2000-10-11 --to 2000-10-12
expect_exit 0 "$AIOTS" --json positions
expect_eq "flattened" "$(json 'j')" "[]"
expect_exit 0 "$AIOTS" journal verify

# Durable: a daemon killed while HALTED comes back HALTED, with the reason.
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json risk status
expect_eq "halted after kill -9" "$(json 'j["state"], j["halt_reason"], [a["state"] + " " + a["reason"] for a in j["accounts"]]')" "HALTED drill ['HALTED MANUAL_HALT', 'HALTED MANUAL_HALT']"
expect_exit 2 "$AIOTS" resume </dev/null
expect_contains "resume needs --yes" "$ERR" "resume needs --yes when stdin is not a terminal"
expect_exit 0 "$AIOTS" -q reduce --reason "wind down"
expect_exit 0 "$AIOTS" --json risk status
expect_eq "reducing" "$(json '[a["state"] for a in j["accounts"]]')" "['REDUCING', 'REDUCING']"
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" --json risk status
expect_eq "resumed" "$(json 'j["state"], [a["state"] for a in j["accounts"]]')" "ACTIVE ['ACTIVE', 'ACTIVE']"
expect_exit 0 "$AIOTS" journal verify

# Lua risk rules in aiotsd: loaded into every account, journaled, reloaded on file change (the
# old version stays on a broken edit), back after kill -9, fail closed when the file is gone.
cp "$RULES/max_position.lua" "$WORK/maxpos.lua"
expect_exit 0 "$AIOTS" -q risk load "$WORK/maxpos.lua" -p max_qty=50
expect_exit 2 "$AIOTS" risk load "$WORK/maxpos.lua" -p max_qty=lots
expect_contains "rule param checked" "$ERR" "parameter 'max_qty' must be an int"
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name probe -p 'plan=2:buy:100;3:buy:40'
expect_exit 0 "$AIOTS" -q feed replay MSFT --from 2000-10-13 --to 2000-10-20
expect_exit 0 "$AIOTS" --json risk status
expect_eq "rule denies in the daemon" "$(json '[a["denials"] for a in j["accounts"] if a["account"] == "paper"]')" "[{'RULE_MAX_POSITION': 1}]"
expect_exit 0 "$AIOTS" --json risk list
expect_eq "rule listed" "$(json '[(r["name"], r["state"], r["params"], r["reloads"]) for r in j]')" "[('max_position', 'active', 'max_qty=50', 0)]"
sed -i 's/version = "1.0"/version = "1.1"/' "$WORK/maxpos.lua"
for _ in $(seq 50); do
  "$AIOTS" --json risk list >"$WORK/rules.json"
  [[ $(python3 -c 'import json; print(json.load(open("'"$WORK/rules.json"'"))[0]["reloads"])') == 1 ]] && break
  sleep 0.1
done
expect_eq "reloaded on change" "$(python3 -c 'import json; print(json.load(open("'"$WORK/rules.json"'"))[0]["reloads"])')" "1"
echo 'return {' >"$WORK/maxpos.lua"
expect_exit 3 "$AIOTS" risk reload max_position
expect_contains "broken reload" "$ERR" "RELOAD_FAILED: $WORK/maxpos.lua:2: unexpected symbol"
expect_exit 0 "$AIOTS" --json risk list
expect_eq "old version guards" "$(json 'j[0]["state"], j[0]["reload_error"] is not None')" "active True"
cp "$RULES/max_position.lua" "$WORK/maxpos.lua"
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" --json risk list
expect_eq "rule back after kill -9" "$(json '[(r["name"], r["state"], r["params"]) for r in j]')" "[('max_position', 'active', 'max_qty=50')]"
rm "$WORK/maxpos.lua"
expect_exit 0 "$AIOTS" daemon restart
expect_exit 0 "$AIOTS" --json risk list
expect_eq "unloadable rule" "$(json 'j[0]["state"]')" "unloadable"
expect_exit 0 "$AIOTS" --json risk status
expect_eq "fail closed" "$(json 'sorted({a["state"] + " " + a["reason"] for a in j["accounts"]})')" "['HALTED RISK_RULE_FAILED']"
expect_exit 0 "$AIOTS" -q risk unload max_position
expect_exit 0 "$AIOTS" -q resume --yes
expect_exit 0 "$AIOTS" --json risk list
expect_eq "unloaded" "$OUT" "[]"
expect_exit 3 "$AIOTS" risk unload max_position
expect_contains "unknown rule" "$ERR" "RULE_NOT_FOUND: no risk rule 'max_position'"
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" daemon stop

finish
