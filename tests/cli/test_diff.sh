#!/usr/bin/env bash
# aiots diff: live fills against a backtest of the same period. A replay the daemon traded
# without interruption matches the backtest fill for fill; a halt in the middle shows up as
# missed fills explained by ACCOUNT_HALTED; a changed file, an unknown strategy and a simulated
# feed are told apart.
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

"$AIOTS" -q data import "$DATA/msft.csv"
"$AIOTS" -q daemon start
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols MSFT --name steady -p fast=10 -p slow=30
expect_exit 0 "$AIOTS" -q feed replay MSFT --speed max
expect_exit 0 "$AIOTS" --json diff --strategy steady
expect_eq "an uninterrupted replay matches its backtest" \
  "$(py 'j["summary"]["live_fills"] == j["summary"]["backtest_fills"] > 2, j["summary"]["identical"] == j["summary"]["live_fills"], len(j["differences"]), j["code_matches"], round(j["summary"]["live_pnl"] - j["summary"]["backtest_pnl"], 6)')" \
  "True True 0 True 0.0"
expect_exit 0 "$AIOTS" diff --strategy steady
expect_contains "human summary" "$OUT" "live and backtest made the same fills"
"$AIOTS" -q strategy unload steady

# A halt for two months: the fills the backtest made then are missed live, and say why.
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols MSFT --name halted -p fast=5 -p slow=12
"$AIOTS" -q feed replay MSFT --speed max --to 2000-12-31
"$AIOTS" -q halt --reason "test halt"
"$AIOTS" -q feed replay MSFT --speed max --from 2001-01-01 --to 2001-02-28
"$AIOTS" -q resume --yes
"$AIOTS" -q feed replay MSFT --speed max --from 2001-03-01
expect_exit 0 "$AIOTS" --json diff --strategy halted
expect_eq "missed during the halt, with the reason" \
  "$(py 'j["summary"]["missed"] >= 1, any((d["explanation"] or "").startswith("ACCOUNT_HALTED") for d in j["differences"] if d["kind"] == "missed"), all("2001-01-01" <= d["backtest_time"] < "2001-03-02" for d in j["differences"] if d["kind"] == "missed" and (d["explanation"] or "").startswith("ACCOUNT_HALTED"))')" \
  "True True True"
expect_exit 0 "$AIOTS" diff --strategy halted
expect_contains "human table" "$OUT" "missed"
expect_contains "human explanation" "$OUT" "ACCOUNT_HALTED"
expect_exit 0 "$AIOTS" --json diff --strategy halted --from 2001-03-01
expect_eq "--from narrows the period" "$(py 'j["from"] >= "2001-03-01"')" "True"

# The file changed since it was loaded: compared anyway, and said so.
cp "$STRAT/sma_crossover.lua" "$WORK/edited.lua"
"$AIOTS" -q strategy load "$WORK/edited.lua" --symbols MSFT --name edited -p fast=10 -p slow=30
"$AIOTS" -q feed replay MSFT --speed max --to 2000-12-31
echo "-- edited after loading" >> "$WORK/edited.lua"
expect_exit 0 "$AIOTS" --json diff --strategy edited
expect_eq "changed code flagged" "$(py 'j["code_matches"], j["sha256_now"] != j["sha256_journaled"]')" "False True"
expect_exit 0 "$AIOTS" diff --strategy edited
expect_contains "human warning" "$OUT" "WARNING: the file changed"

# Errors: an unknown strategy, a simulated feed without a period, a bad window.
expect_exit 3 "$AIOTS" diff --strategy nosuch
expect_contains "unknown strategy named with the known ones" "$ERR" "'nosuch' is not in the journal"
expect_contains "known strategies listed" "$ERR" "halted"
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM --name simmed --account sim -p fast=2 -p slow=5
"$AIOTS" -q feed sim SIM --bars 500 --seed 3
expect_exit 2 "$AIOTS" diff --strategy simmed
expect_contains "sim feed explained" "$ERR" "simulated feed"
expect_exit 2 "$AIOTS" diff --strategy halted --window -1
"$AIOTS" -q daemon stop
# The journal is read from its file: aiotsd need not run.
expect_exit 0 "$AIOTS" --json diff --strategy steady
expect_eq "diff with aiotsd stopped" "$(py 'len(j["differences"])')" "0"
finish
