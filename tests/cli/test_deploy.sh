#!/usr/bin/env bash
# aiots deploy --dry-run (check mode): the bundled playbooks' backtest gates run real backtests
# (their figures equal aiots backtest's) and their live steps are planned in order; a failing
# gate stops the deploy at its line with exit 1; bad playbooks fail with file:line; nothing
# reaches a daemon or the store's runs.
source "$(dirname "$0")/lib.sh"
PB="$AIOTS_SRC/plugins/playbooks"
SMA="$AIOTS_SRC/plugins/strategies/sma_crossover.lua"
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
"$AIOTS" -q data import "$DATA/msft.csv"
cd "$AIOTS_SRC"  # the bundled playbooks name plugins/strategies/... relative to the source tree

expect_exit 0 "$AIOTS" --json deploy "$PB/canary_promote.lua" --dry-run
expect_eq "steps in order" "$(py '" ".join(s["kind"] for s in j["steps"])')" \
  "gate.backtest shadow compare canary promote notify"
expect_eq "gate passed, live steps planned" "$(py '[s["outcome"] for s in j["steps"]], j["status"], j["dry_run"]')" \
  "['passed', 'planned', 'planned', 'planned', 'planned', 'planned'] ok True"
expect_eq "steps know their lines" "$(py 'j["steps"][0]["where"].endswith("canary_promote.lua:24: "), j["steps"][4]["where"].endswith(":32: ")')" "True True"
gate_sharpe=$(py 'repr(j["steps"][0]["result"]["metrics"]["sharpe"])')
expect_exit 0 "$AIOTS" --json backtest "$SMA" --data MSFT -p fast=10 -p slow=30 --no-record
expect_eq "the gate's figures are the backtest's" "$(py 'repr(j["metrics"]["sharpe"])')" "$gate_sharpe"
expect_eq "nothing recorded" "$(sql "SELECT count(*) FROM runs")" "0"

# A gate that fails stops the deploy there (exit 1), naming the line and the figure.
expect_exit 1 "$AIOTS" --json deploy "$PB/canary_promote.lua" --dry-run -p min_sharpe=5
expect_eq "stopped at the gate" "$(py 'len(j["steps"]), j["steps"][0]["outcome"], j["status"]')" "1 failed failed"
expect_contains "the failure says why and where" "$ERR" "canary_promote.lua:24: gate.backtest: failed: sharpe"
expect_contains "... the figure" "$ERR" "is not >= 5"
expect_exit 1 "$AIOTS" deploy "$PB/rollback_on_drawdown.lua" --dry-run -p gate_drawdown=0.001
expect_contains "drawdowns compare by size" "$ERR" "max_drawdown 0.0087"

# The other bundled playbooks check.
expect_exit 0 "$AIOTS" --json deploy "$PB/blue_green.lua" --dry-run
expect_eq "blue_green plan" "$(py '" ".join(s["kind"] for s in j["steps"])')" "gate.backtest shadow compare promote wait notify"
expect_exit 0 "$AIOTS" --format table deploy "$PB/rollback_on_drawdown.lua" --dry-run
expect_contains "table output" "$OUT" "would swap sma_crossover for plugins/strategies/sma_crossover.lua, positions hand-over"
expect_contains "check mode says what it did" "$OUT" "live steps were planned, not run"

# Bad playbooks and bad use.
printf 'return { name = "bad", run = function(p)\n  shadow{ strategy = "x", alongside = "y", bar = 3 }\nend }\n' >"$WORK/bad.lua"
expect_exit 1 "$AIOTS" deploy "$WORK/bad.lua" --dry-run
expect_contains "bad step argument at its line" "$ERR" "bad.lua:2: shadow: unknown field 'bar'"
printf 'return { name = "spin", run = function(p)\n  while true do end\nend }\n' >"$WORK/spin.lua"
expect_exit 1 "$AIOTS" deploy "$WORK/spin.lua" --dry-run
expect_contains "a runaway playbook stops" "$ERR" "spin.lua:2: instruction budget"
printf 'return { name = "gate", run = function(p)\n  gate.backtest{ strategy = "nope.lua", data = "MSFT" }\nend }\n' >"$WORK/gate.lua"
expect_exit 1 "$AIOTS" deploy "$WORK/gate.lua" --dry-run
expect_contains "a gate on a missing file fails closed" "$ERR" "gate.lua:2: gate.backtest: failed: 'nope.lua' is not a strategy file"
expect_exit 3 "$AIOTS" deploy "$WORK/missing.lua" --dry-run
expect_exit 2 "$AIOTS" deploy "$PB/canary_promote.lua" --dry-run -p nosuch=1
# Without --dry-run the daemon runs it (test_deploy_live.sh): none runs here.
expect_exit 1 "$AIOTS" deploy "$PB/canary_promote.lua"
expect_contains "live deploys need aiotsd" "$ERR" "aiotsd"
expect_exit 2 "$AIOTS" deploy
expect_contains "a playbook or a subcommand" "$ERR" "deploy needs a PLAYBOOK"

finish
