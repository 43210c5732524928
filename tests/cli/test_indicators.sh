#!/usr/bin/env bash
# aiots indicators: values against the TTR oracle through the CLI, ranges, errors.
source "$(dirname "$0")/lib.sh"
ORACLE="$AIOTS_SRC/tests/data/oracle-ttr"

"$AIOTS" -q data import "$DATA/msft.csv" "$DATA/ttrc.csv"

# Compares CLI CSV columns with oracle columns under |d| <= 1e-9 * max(1, |oracle|), NA for NA.
compare() {  # compare CLI_CSV ORACLE_CSV "cli_col:oracle_col ..."
  python3 - "$@" <<'PY'
import csv, sys
ours = list(csv.DictReader(open(sys.argv[1])))
oracle = list(csv.DictReader(open(sys.argv[2])))
assert len(ours) == len(oracle), (len(ours), len(oracle))
bad = 0
for pair in sys.argv[3].split():
    a, b = pair.split(":")
    for i, (r, o) in enumerate(zip(ours, oracle)):
        x, y = r[a], o[b]
        if (x == "") != (y == "NA") or (x != "" and abs(float(x) - float(y)) > 1e-9 * max(1, abs(float(y)))):
            print(f"{a} row {i}: ours {x!r} oracle {y!r}"); bad += 1; break
print("mismatches", bad)
PY
}

for ds in msft ttrc; do
  expect_exit 0 "$AIOTS" indicators "$ds" --ind 'sma(20),rsi(14),macd(12,26,9,percent),bbands(20,2,hlc),stoch,atr'
  echo "$OUT" > "$WORK/$ds.csv"
  expect_eq "$ds sma" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/sma_20.csv" sma_20:sma)" "mismatches 0"
  expect_eq "$ds rsi" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/rsi_14.csv" rsi_14:rsi)" "mismatches 0"
  expect_eq "$ds macd" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/macd_12_26_9_percent.csv" "macd_12_26_9_percent:macd macd_12_26_9_percent_signal:signal")" "mismatches 0"
  expect_eq "$ds bbands" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/bbands_20_2_hlc.csv" "bbands_20_2_hlc_lower:dn bbands_20_2_hlc_upper:up bbands_20_2_hlc_pctb:pctB")" "mismatches 0"
  expect_eq "$ds stoch" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/stoch_14_3_3.csv" "stoch_14_3_3_fastk:fastK stoch_14_3_3_slowd:slowD")" "mismatches 0"
  expect_eq "$ds atr" "$(compare "$WORK/$ds.csv" "$ORACLE/$ds/atr_14.csv" atr_14:atr)" "mismatches 0"
done

# The comparison itself catches a wrong value.
awk -F, -v OFS=, 'NR == 100 { $7 = $7 * (1 + 1e-8) } 1' "$WORK/msft.csv" > "$WORK/msft_bad.csv"
expect_eq "comparison detects 1e-8" "$(compare "$WORK/msft_bad.csv" "$ORACLE/msft/sma_20.csv" sma_20:sma | tail -1)" "mismatches 1"

# Straight from a file, without the store; --from still warms up on earlier bars.
expect_exit 0 "$AIOTS" --db "$WORK/none/x.db" indicators "$DATA/msft.csv" --ind 'sma(20)' --from 2001-09-24
expect_eq "file source + warm-up" "$OUT" "time,open,high,low,close,volume,sma_20
2001-09-24,50.65,52.45,49.87,52.01,42790100,56.815999999999995
2001-09-25,52.27,53,50.16,51.3,42470300,56.342
2001-09-26,51.51,51.8,49.55,50.27,29262200,55.822500000000005
2001-09-27,50.1,50.68,48,49.96,40595600,55.3645"
expect_eq "file source does not create a store" "$(ls "$WORK" | grep -c none || true)" 0

expect_exit 0 "$AIOTS" --json indicators MSFT --ind rsi --tail 1
expect_eq "json" "$(python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["time"], round(r["rsi_14"], 6))' <<<"$OUT")" "2001-09-27 32.46905"
expect_exit 0 "$AIOTS" --json indicators MSFT --ind 'sma(20)' --from 2000-09-27 --to 2000-09-28
expect_eq "warm-up is null" "$OUT" '[
  {"time": "2000-09-27", "open": 63.4375, "high": 63.5625, "low": 59.8125, "close": 60.625, "volume": 53077800, "sma_20": null},
  {"time": "2000-09-28", "open": 60.8125, "high": 61.875, "low": 60.625, "close": 61.3125, "volume": 26180200, "sma_20": null}
]'

expect_exit 0 "$AIOTS" indicators --list
expect_contains "list" "$OUT" "macd,"
expect_exit 2 "$AIOTS" indicators MSFT --ind 'smaa(20)'
expect_contains "unknown indicator" "$ERR" "aiots: indicators: unknown indicator 'smaa(20)' (known: sma, ema"
expect_exit 2 "$AIOTS" indicators MSFT --ind 'macd(26,12)'
expect_contains "bad args" "$ERR" "fast must be shorter than slow (usage: macd(fast=12, slow=26, signal=9, abs|percent))"
expect_exit 2 "$AIOTS" indicators MSFT
expect_exit 3 "$AIOTS" indicators NOPE --ind sma
expect_exit 3 "$AIOTS" indicators MSFT --ind sma --from 2005-01-01
expect_contains "empty range" "$ERR" "no bars in the given range"

finish
