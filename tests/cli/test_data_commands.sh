#!/usr/bin/env bash
# data list / show / export / rm / resample.
source "$(dirname "$0")/lib.sh"

"$AIOTS" -q data import "$DATA/msft.csv"
"$AIOTS" -q data import --symbol usdchf "$DATA/usdchf_30m.csv"

expect_exit 0 "$AIOTS" data list
expect_eq "list csv" "$OUT" "symbol,timeframe,kind,first,last,rows,gaps
MSFT,1d,bars,2000-09-27,2001-09-27,249,0
USDCHF,tick,quotes,1996-03-31T22:00:00Z,2001-03-30T21:30:00Z,62496,0"
expect_exit 0 "$AIOTS" data list --json
expect_eq "list json" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["symbol"], d[0]["rows"], d[0]["gaps"])' <<<"$OUT")" "MSFT 249 0"

expect_exit 0 "$AIOTS" data show msft --from 2001-09-10 --to 2001-09-17
expect_eq "show range skips the 9/11 closure" "$OUT" "time,open,high,low,close,volume
2001-09-10,54.92,57.95,54.7,57.58,42235900
2001-09-17,54.02,55.1,52.8,52.91,63751000"
expect_exit 0 "$AIOTS" data show MSFT --tail 2 --format table
expect_contains "table header" "$OUT" "time         open   high    low  close    volume"
expect_exit 3 "$AIOTS" data show NOPE
expect_eq "unknown symbol" "$ERR" "aiots: data show: no data for symbol 'NOPE' (see 'aiots data list')"
expect_exit 3 "$AIOTS" data show MSFT --timeframe 1h
expect_contains "missing timeframe" "$ERR" "no 1h data for 'MSFT' (it has 1d)"
expect_exit 2 "$AIOTS" data show MSFT --from 2001-13-01
expect_exit 2 "$AIOTS" data show MSFT --from 2001-02-01 --to 2001-01-01

# export: CSV by default even to a pipe, atomic file write, round trip.
expect_exit 0 "$AIOTS" data export MSFT -o "$WORK/msft_out.csv"
expect_eq "export rows" "$(wc -l < "$WORK/msft_out.csv")" 250
expect_eq "no temp file left" "$(ls "$WORK" | grep -c tmp || true)" 0
expect_exit 0 "$AIOTS" --db "$WORK/copy.db" data import --symbol MSFT "$WORK/msft_out.csv"
expect_eq "round trip" "$(sqlite3 "$WORK/copy.db" 'SELECT sum(close), sum(volume) FROM bars')" "$(sql "SELECT sum(close), sum(volume) FROM bars JOIN series ON series.id = series_id WHERE symbol = 'MSFT'")"
expect_exit 1 "$AIOTS" data export MSFT -o "$WORK/no/such/dir/x.csv"
expect_exit 0 "$AIOTS" data export MSFT --json --head 1
expect_eq "export json" "$OUT" '[
  {"time": "2000-09-27", "open": 63.4375, "high": 63.5625, "low": 59.8125, "close": 60.625, "volume": 53077800}
]'

# resample: quotes to hourly and daily bars, daily to weekly.
expect_exit 0 "$AIOTS" data resample usdchf --to 1h --session-tz UTC
expect_contains "resample summary" "$OUT" "USDCHF: 62496 tick rows ->"
expect_exit 0 "$AIOTS" data show USDCHF -t 1h --head 2
expect_eq "hourly from quotes" "$OUT" "time,open,high,low,close,volume
1996-03-31T22:00:00Z,1.193,1.1941,1.193,1.1941,2
1996-03-31T23:00:00Z,1.1933,1.1933,1.1931,1.1931,2"
expect_exit 0 "$AIOTS" --json data resample MSFT --to 1w
expect_eq "weekly bars" "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bars"], d["first"])' <<<"$OUT")" "53 2000-09-25"
expect_exit 0 "$AIOTS" data show MSFT -t 1w --head 1
expect_eq "first week aggregates Wed-Fri" "$OUT" "time,open,high,low,close,volume
2000-09-25,63.4375,63.5625,58.625,60.3125,116284800"
expect_exit 2 "$AIOTS" data resample MSFT --to 5m
expect_contains "resample refuses finer" "$ERR" "cannot resample 1d to 5m"

# rm: a range, then everything.
expect_exit 0 "$AIOTS" data rm MSFT -t 1d --from 2001-09-01
expect_eq "rm range" "$OUT" "removed 14 rows from MSFT 1d"
expect_exit 0 "$AIOTS" --json data rm MSFT
expect_eq "rm all json" "$(python3 -c 'import json,sys; print([(r["timeframe"], r["rows_removed"]) for r in json.load(sys.stdin)])' <<<"$OUT")" "[('1d', 235), ('1w', 53)]"
expect_exit 3 "$AIOTS" data show MSFT

finish
