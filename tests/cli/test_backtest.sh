#!/usr/bin/env bash
# aiots backtest and aiots runs: reference trades checked by independent code, determinism,
# every bad-input path, run records and reruns, the HTML report.
source "$(dirname "$0")/lib.sh"
STRAT="$AIOTS_SRC/plugins/strategies"
FIX="$AIOTS_SRC/tests/data/strategies"

"$AIOTS" -q data import "$DATA/msft.csv" "$DATA/ttrc.csv"

# Independent reference: SMA 10/30 crossover, 100 shares, long only, market orders filled at
# the next bar's open, no costs; written from the definition, not from the engine.
reference_trades() {  # reference_trades CSV FILL(open|close)
  python3 - "$1" "$2" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
c = [float(r["close"]) for r in rows]
o = [float(r["open"]) for r in rows]
at_close = sys.argv[2] == "close"
def sma(n, i): return math.fsum(c[i - n + 1:i + 1]) / n
def fill(i):  # price and date of a market order placed at the close of bar i
    return (c[i], rows[i]["date"]) if at_close else ((o[i + 1], rows[i + 1]["date"]) if i + 1 < len(c) else None)
pos, prev, entry = 0, None, None
print("symbol,direction,quantity,entry_time,exit_time,entry_price,exit_price,pnl")
for i in range(29, len(c)):
    d = sma(10, i) - sma(30, i)
    if prev is not None:
        f = fill(i)
        if prev <= 0 and d > 0 and pos == 0 and f:
            pos, entry = 100, f
        elif prev >= 0 and d < 0 and pos > 0 and f:
            pos = 0
            pnl = round((f[0] - entry[0]) * 100, 6)
            print(f"X,long,100,{entry[1]},{f[1]},{entry[0]:g},{f[0]:g},{pnl:g}")
    prev = d
PY
}
ours() {
  python3 - "$1" <<'PY'
import csv, sys
print("symbol,direction,quantity,entry_time,exit_time,entry_price,exit_price,pnl")
for r in csv.DictReader(open(sys.argv[1])):
    entry, exit_, pnl = float(r["entry_price"]), float(r["exit_price"]), round(float(r["pnl"]), 6)
    print(f"X,{r['direction']},{r['quantity']},{r['entry_time']},{r['exit_time']},{entry:g},{exit_:g},{pnl:g}")
PY
}

for ds in msft ttrc; do
  for fill in open close; do
    expect_exit 0 "$AIOTS" -q backtest "$STRAT/sma_crossover.lua" --data "$ds" --fill "$fill" --no-record --trades "$WORK/$ds.trades.csv"
    expected=$(reference_trades "$DATA/$ds.csv" "$fill")
    expect_eq "$ds SMA 10/30 trades, fill at $fill, match the independent reference" "$(ours "$WORK/$ds.trades.csv")" "$expected"
    checks=$((checks + 1))
    [[ $(wc -l <<<"$expected") -gt 3 ]] || fail "$ds reference has too few trades to mean anything"
  done
done

# Determinism: byte-identical JSON, trades and equity across two runs.
for i in 1 2; do
  "$AIOTS" --json backtest "$STRAT/bollinger_breakout.lua" --data TTRC --seed 7 --commission per-share=0.005,min=1 \
    --slippage bps=3 --no-record --trades "$WORK/t$i.csv" --equity "$WORK/e$i.csv" --orders "$WORK/o$i.csv" > "$WORK/j$i.json"
done
for f in j t e o; do
  checks=$((checks + 1))
  cmp -s "$WORK/${f}1."* "$WORK/${f}2."* || fail "output $f differs between identical runs"
done

# A run keeps its whole equity curve and order log only for --equity and --orders; without them
# it keeps the last of each day and the recent points: the summary must be the same bytes, and
# the equity file still has every bar.
"$AIOTS" --json backtest "$STRAT/bollinger_breakout.lua" --data TTRC --seed 7 --commission per-share=0.005,min=1 \
  --slippage bps=3 --no-record > "$WORK/bounded.json"
checks=$((checks + 2))
cmp -s "$WORK/bounded.json" "$WORK/j1.json" || fail "the bounded run's --json differs from the full-curve run's"
[[ $(($(wc -l < "$WORK/e1.csv") - 1)) -eq $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["bars"])' "$WORK/j1.json") ]] ||
  fail "--equity does not have one row per bar"

# Costs: per-share 0.01 with a minimum of 1 on 100 shares is exactly 1 per fill.
expect_exit 0 "$AIOTS" --json backtest "$STRAT/sma_crossover.lua" --data MSFT --commission per-share=0.01,min=1 --no-record
expect_eq "commissions" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["metrics"]["commissions"], j["counts"]["fills"])' <<<"$OUT")" "6.0 6"

# Bracket orders cancel each other; trailing stops trail; rotation trades many symbols.
expect_exit 0 "$AIOTS" -q backtest "$STRAT/bollinger_breakout.lua" --data TTRC --no-record --orders "$WORK/bb.csv"
expect_contains "OCO cancellation" "$(cat "$WORK/bb.csv")" "OCO_SIBLING_FILLED"
expect_exit 0 "$AIOTS" -q backtest "$STRAT/trend_follower.lua" --data TTRC --no-record --orders "$WORK/tf.csv"
expect_contains "trailing stop fills" "$(grep trailing_stop "$WORK/tf.csv" | grep -m1 ',filled,')" "trailing_stop"
expect_exit 0 "$AIOTS" --json backtest "$STRAT/momentum_rotation.lua" --data "$DATA/dowjones30_close.csv" --wide --no-record
expect_eq "rotation" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["data"]["symbols"]), j["metrics"]["trades"] > 50, j["status"])' <<<"$OUT")" "30 True completed"
expect_exit 0 "$AIOTS" -q backtest "$STRAT/rsi_mean_reversion.lua" --data MSFT --no-record

# Bad input: each a clear message and exit code, never a crash.
expect_exit 3 "$AIOTS" backtest "$FIX/missing.lua" --data MSFT --no-record
expect_contains "missing file" "$ERR" "missing.lua: cannot read the strategy file"
expect_exit 3 "$AIOTS" backtest "$FIX/syntax_error.lua" --data MSFT --no-record
expect_contains "syntax error" "$ERR" "syntax_error.lua:4: unexpected symbol near 'then'"
expect_exit 1 "$AIOTS" -q backtest "$FIX/runtime_error.lua" --data MSFT --no-record
expect_contains "runtime error" "$ERR" "strategy stopped: $FIX/runtime_error.lua:8: attempt to index a nil value"
expect_exit 1 "$AIOTS" -q backtest "$FIX/endless_loop.lua" --data MSFT --no-record --instructions 100000
expect_contains "budget" "$ERR" "endless_loop.lua:4: instruction budget of 100000 exceeded"
expect_exit 1 "$AIOTS" -q backtest "$FIX/memory_hog.lua" --data MSFT --no-record --memory-mb 8
expect_contains "memory cap" "$ERR" "memory_hog.lua:5: memory cap of 8 MiB exceeded"
expect_exit 1 "$AIOTS" --json backtest "$FIX/runtime_error.lua" --data MSFT --no-record
expect_eq "a stopped run still reports" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["data"]["bars"])' <<<"$OUT")" "stopped 5"

# Whole paths at any depth: a checkout 200+ characters deep, given absolutely and relatively.
DEEP="$WORK/$(printf 'a-directory-with-a-long-name-%02d/' $(seq 1 8))strategies"
mkdir -p "$DEEP"
cp "$FIX/runtime_error.lua" "$FIX/syntax_error.lua" "$FIX/endless_loop.lua" "$FIX/memory_hog.lua" "$DEEP/"
checks=$((checks + 1))
[[ ${#DEEP} -gt 200 ]] || fail "the deep directory is only ${#DEEP} characters"
expect_exit 1 "$AIOTS" -q backtest "$DEEP/runtime_error.lua" --data MSFT --no-record
expect_contains "deep runtime error" "$ERR" "strategy stopped: $DEEP/runtime_error.lua:8: attempt to index a nil value"
expect_exit 3 "$AIOTS" -q backtest "$DEEP/syntax_error.lua" --data MSFT --no-record
expect_contains "deep syntax error" "$ERR" "$DEEP/syntax_error.lua:4: unexpected symbol near 'then'"
expect_exit 1 "$AIOTS" -q backtest "$DEEP/endless_loop.lua" --data MSFT --no-record --instructions 100000
expect_contains "deep budget" "$ERR" "$DEEP/endless_loop.lua:4: instruction budget of 100000 exceeded"
expect_exit 1 "$AIOTS" -q backtest "$DEEP/memory_hog.lua" --data MSFT --no-record --memory-mb 8
expect_contains "deep memory cap" "$ERR" "$DEEP/memory_hog.lua:5: memory cap of 8 MiB exceeded"
aiots_abs="$(cd "$(dirname "$AIOTS")" && pwd)/$(basename "$AIOTS")"
expect_exit 1 bash -c 'cd "$1" && "$2" -q backtest ./runtime_error.lua --data MSFT --no-record' _ "$DEEP" "$aiots_abs"
expect_contains "relative path kept as given" "$ERR" "strategy stopped: ./runtime_error.lua:8: attempt to index a nil value"

# No plugin freezes a backtest: the pattern bomb and every C-function bomb stop at the budget,
# naming the line, at the same place on every run.
for run in 1 2; do
  expect_exit 1 timeout 60 "$AIOTS" -q --json backtest "$FIX/pattern_bomb.lua" --data MSFT --no-record
  cp "$WORK/out" "$WORK/bomb$run.json"
  expect_contains "pattern bomb" "$ERR" "strategy stopped: $FIX/pattern_bomb.lua:6: instruction budget of 10000000 exceeded"
done
checks=$((checks + 1))
cmp -s "$WORK/bomb1.json" "$WORK/bomb2.json" || fail "the pattern bomb stopped differently on two runs"
for bomb in find_plain gsub gmatch match rep move concat unpack sort insert upper; do
  line=$(grep -n "^  $bomb = " "$FIX/c_function_bombs.lua" | cut -d: -f1)
  expect_exit 1 timeout 60 "$AIOTS" -q backtest "$FIX/c_function_bombs.lua" --data MSFT --no-record -p bomb=$bomb
  expect_contains "C bomb $bomb" "$ERR" "$FIX/c_function_bombs.lua:$line: instruction budget of 10000000 exceeded"
done

# A runaway that grows bar by bar stops at the same bar, line and output every run: the budget
# counts the interpreter's steps (calls and loop iterations), never time.
for run in 1 2; do
  expect_exit 1 "$AIOTS" --json backtest "$FIX/growing_loop.lua" --data MSFT --no-record
  cp "$WORK/out" "$WORK/grow$run.json"
  cp "$WORK/err" "$WORK/grow$run.err"
  expect_contains "growing runaway" "$ERR" "strategy stopped: $FIX/growing_loop.lua:9: instruction budget of 10000000 exceeded"
done
checks=$((checks + 1))
cmp -s "$WORK/grow1.json" "$WORK/grow2.json" && cmp -s "$WORK/grow1.err" "$WORK/grow2.err" ||
  fail "the growing runaway stopped differently on two runs"
# 100 bars pass (the 100th loops 10,000,000 times, exactly the budget); the 101st stops.
expect_eq "runaway stops at bar 101" "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["data"]["bars"], j["counts"]["fills"])' "$WORK/grow1.json")" "101 5"

# Metering changes nothing a well-behaved strategy produces.
expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT --no-record --trades "$WORK/metered.csv"
cp "$WORK/out" "$WORK/metered.json"
expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT --no-record --trades "$WORK/unmetered.csv" --instructions 0
checks=$((checks + 2))
cmp -s "$WORK/metered.csv" "$WORK/unmetered.csv" || fail "metering changed the trades"
cmp -s "$WORK/metered.json" "$WORK/out" || fail "metering changed the --json summary"

# A store's row count is only a hint for reading: hand-edited to absurd values, backtests still
# read every bar (a stale count too small, one too large to allocate) with the same result.
expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT --no-record
cp "$WORK/out" "$WORK/honest_count.json"
honest=$(sql "SELECT row_count FROM series WHERE symbol = 'MSFT' AND timeframe = 86400")
for count in 3 1000000000000000; do
  sql "UPDATE series SET row_count = $count WHERE symbol = 'MSFT' AND timeframe = 86400"
  expect_exit 0 "$AIOTS" --json backtest "$AIOTS_SRC/plugins/strategies/sma_crossover.lua" --data MSFT --no-record
  checks=$((checks + 1))
  cmp -s "$WORK/out" "$WORK/honest_count.json" || fail "a row count of $count changed the backtest"
done
sql "UPDATE series SET row_count = $honest WHERE symbol = 'MSFT' AND timeframe = 86400"

# Orders whose notional cannot be represented are rejected, never filled.
expect_exit 0 "$AIOTS" -q backtest "$FIX/extreme_orders.lua" --data MSFT --no-record --orders "$WORK/extreme.csv"
expect_eq "notional overflow rejections" "$(grep -c ',rejected,.*NOTIONAL_OVERFLOW' "$WORK/extreme.csv")" 3
expect_eq "nothing filled" "$(grep -c ',filled,' "$WORK/extreme.csv" || true)" 0
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT -p fast="$(printf '9%.0s' $(seq 1 5000))" --no-record
expect_contains "long param value quoted" "$ERR" "...' (5000 characters) ("
expect_exit 0 "$AIOTS" -q backtest "$FIX/sandbox_probe.lua" --data MSFT --no-record
expect_exit 0 "$AIOTS" -q backtest "$FIX/bad_orders.lua" --data MSFT --no-record --orders "$WORK/bad.csv"
expect_eq "every bad order rejected" "$(grep -c ',rejected,' "$WORK/bad.csv")" 8
expect_eq "rejection codes" "$(grep ',rejected,' "$WORK/bad.csv" | grep -oE '(INVALID_QUANTITY|INVALID_PRICE)' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 4 INVALID_PRICE; 4 INVALID_QUANTITY;"
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT -p fast=abc --no-record
expect_contains "ill-typed param" "$ERR" "parameter 'fast' must be an int, got 'abc' (valid: fast (int, default 10, 1..10000)"
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT -p nope=1 --no-record
expect_contains "unknown param" "$ERR" "unknown parameter 'nope' for sma_crossover"
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT -p fast=0 --no-record
expect_contains "param range" "$ERR" "out of range"
expect_exit 3 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data NOPE --no-record
expect_exit 3 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT --from 2005-01-01 --no-record
expect_contains "empty range" "$ERR" "no bars for MSFT in the given range"
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT --fill middle --no-record
expect_exit 2 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data MSFT --commission per-lot=3 --no-record

# A CSV file streams into the run a block at a time: a bad row past the first blocks still fails
# the run with its line (exit 3, nothing recorded), and a good file gives the bytes a whole
# parse gives (a file backtest against the same bars imported: same metrics and trades).
python3 - "$WORK/long.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("time,open,high,low,close,volume\n")
    for i in range(200_000):
        c = 40 + (i % 300) / 20 if (i // 300) % 2 == 0 else 55 - (i % 300) / 20
        f.write(f"{1_577_975_400 + 60 * i},{c:.2f},{c + 0.5:.2f},{c - 0.5:.2f},{c:.2f},{1000 + i}\n")
PY
awk -F, -v OFS=, 'NR == 199990 { $2 = "x" } 1' "$WORK/long.csv" > "$WORK/long_bad.csv"
runs_before=$(sql "SELECT count(*) FROM runs")
expect_exit 3 "$AIOTS" backtest "$STRAT/sma_crossover.lua" --data "$WORK/long_bad.csv"
expect_contains "late bad row" "$ERR" "long_bad.csv:199990: column 'open'"
expect_eq "a failed file run is not recorded" "$(sql "SELECT count(*) FROM runs")" "$runs_before"
expect_exit 0 "$AIOTS" --json backtest "$STRAT/sma_crossover.lua" --data "$WORK/long.csv" --no-record --trades "$WORK/long_file.csv"
cp "$WORK/out" "$WORK/long_file.json"
"$AIOTS" -q data import "$WORK/long.csv"
expect_exit 0 "$AIOTS" --json backtest "$STRAT/sma_crossover.lua" --data LONG --no-record --trades "$WORK/long_store.csv"
checks=$((checks + 2))
cmp -s "$WORK/long_file.csv" "$WORK/long_store.csv" || fail "streamed file and store runs traded differently"
[[ $(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(a["metrics"] == b["metrics"] and a["data"]["sha256"] == b["data"]["sha256"] and a["metrics"]["trades"] > 100)' "$WORK/long_file.json" "$WORK/out") == True ]] ||
  fail "streamed file and store runs differ in metrics or bars hash"

# Runs: recorded, listed, shown, compared, rerun identically, refused when code or data change.
cp "$STRAT/sma_crossover.lua" "$WORK/sma.lua"
expect_exit 0 "$AIOTS" --json backtest "$WORK/sma.lua" --data MSFT
first_json=$OUT
expect_contains "recorded" "$ERR" "recorded as run 1"
expect_exit 0 "$AIOTS" -q backtest "$WORK/sma.lua" --data MSFT -p fast=5 -p slow=20
expect_exit 0 "$AIOTS" runs list --json
expect_eq "runs list" "$(python3 -c 'import json,sys; print([(r["id"], r["strategy"], r["trades"]) for r in json.load(sys.stdin)])' <<<"$OUT")" "[(2, 'sma_crossover', 7), (1, 'sma_crossover', 3)]"
expect_exit 0 "$AIOTS" runs show 1 --json
expect_eq "runs show keeps the result" "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(json.dumps(j["result"], indent=2))' <<<"$OUT")" "$first_json"
expect_exit 0 "$AIOTS" runs compare 1 2
expect_contains "compare" "$OUT" "metric,run_1,run_2"
expect_exit 0 "$AIOTS" --json runs rerun 1
expect_eq "rerun reproduces" "$OUT" "$first_json"
expect_contains "rerun says so" "$ERR" "identical to run 1"
echo "-- edited" >> "$WORK/sma.lua"
expect_exit 3 "$AIOTS" runs rerun 1
expect_contains "rerun refuses changed code" "$ERR" "sma.lua changed since the run"
cp "$STRAT/sma_crossover.lua" "$WORK/sma.lua"
awk -F, -v OFS=, 'NR == 100 { $5 = $5 + 0.01; if ($3 < $5) $3 = $5 } 1' "$DATA/msft.csv" > "$WORK/msft2.csv"
"$AIOTS" -q data import --replace --symbol MSFT "$WORK/msft2.csv"
expect_exit 3 "$AIOTS" runs rerun 1
expect_contains "rerun refuses changed data" "$ERR" "the bars of MSFT changed since the run"
expect_exit 0 "$AIOTS" runs rm 2
expect_exit 3 "$AIOTS" runs show 2
expect_exit 3 "$AIOTS" runs rerun 99

# The HTML report: self-contained, and Chromium renders it.
expect_exit 0 "$AIOTS" -q backtest "$STRAT/bollinger_breakout.lua" --data TTRC --no-record --report "$WORK/report.html"
html=$(cat "$WORK/report.html")
expect_contains "report has charts" "$html" "<svg"
expect_contains "report has monthly returns" "$html" "Monthly returns"
# Metrics grouped with units, every round trip, and what reproduces the run.
expect_contains "report groups metrics" "$html" '<th colspan="2" class="group">Returns</th>'
expect_contains "report shows percentages" "$html" "<th>max drawdown</th><td>-"
expect_contains "report has the trades table" "$html" "<th>entry price</th><th>exit price</th><th>P&amp;L</th><th>bars held</th>"
expect_eq "report lists every round trip" "$(grep -o '<tr><td>[0-9]*</td><td>TTRC</td>' "$WORK/report.html" | wc -l)" \
  "$("$AIOTS" --json backtest "$STRAT/bollinger_breakout.lua" --data TTRC --no-record | python3 -c 'import json,sys; print(json.load(sys.stdin)["metrics"]["trades"])')"
expect_contains "report names the code hash" "$html" "$(sha256sum "$STRAT/bollinger_breakout.lua" | cut -d' ' -f1)"
checks=$((checks + 1))
! grep -qE '(src|href)="?https?:' "$WORK/report.html" || fail "the report loads something from the network"
if command -v chromium >/dev/null; then
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$WORK/chrome" \
    --hide-scrollbars --window-size=1100,1400 --screenshot="$WORK/report.png" "file://$WORK/report.html" >/dev/null 2>&1 || true
  size=$(stat -c %s "$WORK/report.png" 2>/dev/null || echo 0)
  checks=$((checks + 1))
  [[ $size -gt 50000 ]] || fail "chromium rendered no report (png of $size bytes)"
  # A rendered page with charts has many colours; a blank or error page has few.
  colours=$(python3 -c '
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
print(len(set(data[i:i+3] for i in range(0, min(len(data), 400000), 3))))' "$WORK/report.png")
  checks=$((checks + 1))
  [[ $colours -gt 1000 ]] || fail "rendered report looks empty"
fi

finish
