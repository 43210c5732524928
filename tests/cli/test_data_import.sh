#!/usr/bin/env bash
# data import: formats, validation messages, idempotence, conflicts, atomicity.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$AIOTS" data import "$DATA/msft.csv" "$DATA/ttrc.csv"
expect_contains "import summary" "$OUT" "MSFT 1d bars, 249 rows (249 new, 0 unchanged) 2000-09-27 .. 2001-09-27"
expect_eq "MSFT rows in store" "$(sql "SELECT count(*) FROM bars JOIN series ON series.id = series_id WHERE symbol = 'MSFT'")" 249
expect_eq "first MSFT bar" "$(sql "SELECT open, high, low, close, volume FROM bars JOIN series ON series.id = series_id WHERE symbol = 'MSFT' ORDER BY ts LIMIT 1")" "63.4375|63.5625|59.8125|60.625|53077800.0"

# Re-import is idempotent.
expect_exit 0 "$AIOTS" data import "$DATA/msft.csv"
expect_contains "re-import" "$OUT" "(0 new, 249 unchanged)"

# A changed row is a conflict naming file and line; nothing changes.
awk -F, -v OFS=, 'NR == 11 { $5 = 55.5 } 1' "$DATA/msft.csv" > "$WORK/msft.csv"
before=$(sql "SELECT group_concat(close) FROM bars")
expect_exit 3 "$AIOTS" data import "$WORK/msft.csv"
expect_contains "conflict message" "$ERR" "aiots: data import: $WORK/msft.csv:11: MSFT 1d at 2000-10-10 differs from the stored row"
expect_contains "conflict hint" "$ERR" "pass --replace to overwrite"
expect_eq "store unchanged after conflict" "$(sql "SELECT group_concat(close) FROM bars")" "$before"
expect_exit 0 "$AIOTS" data import --replace "$WORK/msft.csv"
expect_contains "replace summary" "$OUT" "249 replaced"
expect_eq "replaced close" "$(sql "SELECT close FROM bars JOIN series ON series.id = series_id WHERE symbol = 'MSFT' AND ts = $(( 11240 * 86400 * 1000000000 ))")" "55.5"

# A bad row fails the whole multi-file import: the good file before it is not written either.
printf 'date,open,high,low,close,volume\n2001-01-02,10,11,9,10.5,100\n2001-01-03,11,10.5,11.0,10.8,5\n' > "$WORK/bad.csv"
expect_exit 3 "$AIOTS" data import "$DATA/eustock_CAC.csv" "$WORK/bad.csv"
expect_eq "bad row message" "$ERR" "aiots: data import: $WORK/bad.csv:3: column 'high': 10.5 is below low 11.0"
expect_eq "no partial import" "$(sql "SELECT count(*) FROM series WHERE symbol = 'EUSTOCK_CAC'")" 0

# --skip-invalid imports the rest and counts per reason.
cat > "$WORK/dirty.csv" <<'CSV'
date,open,high,low,close,volume
2001-01-02,10,11,9,10.5,100
2001-01-03,11,10.5,11.0,10.8,5
2001-01-04,10,11,9,10,-1
2001-01-05,10,11,9,10,abc
2001-01-05,10,11,9,10,3
2001-01-08,10,11,9,10,3
2001-01-08,10,11,9,10,4
2001-01-09,10,11,9,10,3
CSV
expect_exit 0 "$AIOTS" --json data import --skip-invalid --symbol dirty "$WORK/dirty.csv"
expect_eq "skip counts" "$(python3 -c 'import json,sys; f=json.load(sys.stdin)["files"][0]; print(f["skipped"]["total"], sorted(f["skipped"]["by_reason"].items()), f["series"][0]["rows"])' <<<"$OUT")" \
  "4 [('bad_number', 1), ('high_below_low', 1), ('negative_volume', 1), ('not_increasing', 1)] 4"

# gzip, stdin, quotes, wide, adjusted.
gzip -c "$DATA/eustock_SMI.csv" > "$WORK/smi.csv.gz"
expect_exit 0 "$AIOTS" data import "$WORK/smi.csv.gz"
expect_contains "gz import" "$OUT" "SMI 1d bars, 1860 rows"
expect_exit 2 "$AIOTS" data import - < "$DATA/eustock_FTSE.csv"
expect_contains "stdin needs a symbol" "$ERR" "reading stdin needs --symbol"
expect_exit 0 "$AIOTS" data import --symbol ftse - < "$DATA/eustock_FTSE.csv"
expect_contains "stdin import" "$OUT" "<stdin>: FTSE 1d bars, 1860 rows"
expect_exit 0 "$AIOTS" data import --symbol usdchf "$DATA/usdchf_30m.csv"
expect_contains "quote import" "$OUT" "USDCHF tick quotes, 62496 rows"
expect_exit 0 "$AIOTS" --db "$WORK/wide.db" data import --wide "$DATA/dowjones30_close.csv"
expect_eq "wide series" "$(sqlite3 "$WORK/wide.db" "SELECT count(*), sum(row_count) FROM series")" "30|75870"

# Time zones: naive intraday times in New York land 5 hours later in UTC in winter.
printf 'datetime,price\n2001-01-02 09:30,1.5\n2001-01-02 09:31,1.6\n' > "$WORK/ny.csv"
expect_exit 0 "$AIOTS" --json data import --tz America/New_York "$WORK/ny.csv"
expect_eq "tz conversion" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["series"][0]["first"])' <<<"$OUT")" "2001-01-02T14:30:00Z"
expect_exit 2 "$AIOTS" data import --tz Mars/Base "$WORK/ny.csv"
expect_contains "bad zone" "$ERR" "unknown time zone 'Mars/Base'"

# Usage and data errors.
expect_exit 3 "$AIOTS" data import "$WORK/missing.csv"
expect_contains "missing file" "$ERR" "missing.csv: cannot open"
expect_exit 2 "$AIOTS" data import --timeframe 7x "$DATA/msft.csv"
expect_exit 2 "$AIOTS" data import
# Times outside what int64 nanoseconds hold are data errors naming the range and the line.
printf 'date,close\n2261-01-01,1\n2263-01-02,2\n' > "$WORK/far.csv"
expect_exit 3 "$AIOTS" data import "$WORK/far.csv"
expect_contains "2263" "$ERR" "far.csv:3: column 'date': '2263-01-02' is outside the representable time range 1678-01-01 to 2261-12-31 (UTC)"
printf '1600-01-01,1,2,0.5,1.5\n1600-01-02,1,2,0.5,1.5\n' > "$WORK/old.csv"
expect_exit 3 "$AIOTS" data import --symbol OLD "$WORK/old.csv"
expect_contains "1600" "$ERR" "old.csv:1: column 'time': '1600-01-01' is outside the representable time range"
expect_exit 3 "$AIOTS" data show MSFT --from 1500-01-01
# A field of 500,000 digits is quoted shortly; a line over 1 MiB is refused while reading.
python3 -c 'print("date,close"); print("2001-01-02," + "9" * 500000 + "x")' > "$WORK/longfield.csv"
expect_exit 3 "$AIOTS" data import "$WORK/longfield.csv"
expect_contains "long field quoted" "$ERR" "...' (500001 characters) is not a number"
checks=$((checks + 1))
[[ ${#ERR} -lt 300 ]] || fail "error message is ${#ERR} characters long"
python3 -c 'import sys; sys.stdout.write("date,close\n2001-01-02,1\n2001-01-03," + "1" * 50_000_000 + "\n")' > "$WORK/longline.csv"
checks=$((checks + 1))
peak=$( { /usr/bin/time -f '%M' "$AIOTS" data import "$WORK/longline.csv" 2>&1 >/dev/null || true; } | tail -1)
expect_exit 3 "$AIOTS" data import "$WORK/longline.csv"
expect_contains "long line" "$ERR" "longline.csv:3: line is longer than 1 MiB, the limit for one line (not a CSV file?)"
[[ $peak -lt 40000 ]] || fail "a 50 MB line peaked at $peak KB of memory"
printf 'when,close\nx,1\n' > "$WORK/nohead.csv"
expect_exit 3 "$AIOTS" data import "$WORK/nohead.csv"
expect_contains "no time column" "$ERR" "nohead.csv:1: no time column"

# Files larger than a block (8 MiB) are written block by block in one transaction: a conflict in
# the last block leaves nothing of the first; --replace replaces the whole span of the file,
# stored rows between two blocks' rows included.
python3 - "$WORK" <<'PY'
import sys
def write(path, step, bump, conflict_at=None):
    # An ignored note column keeps the sparse file over two blocks too.
    with open(path, "w") as f:
        f.write("time,open,high,low,close,volume,note\n")
        for i in range(0, 300_000, step):
            close = 100 + (i % 50) / 100 + bump + (1 if i == conflict_at else 0)
            f.write(f"{1_600_000_000 + 60 * i},100.25,102.5,99.5,{close:.2f},{1000 + i},{'x' * (40 * step - 40)}\n")
write(sys.argv[1] + "/big.csv", 1, 0)
write(sys.argv[1] + "/big_conflict.csv", 1, 0, 290_000)
write(sys.argv[1] + "/big_sparse.csv", 2, 0.5)
PY
checks=$((checks + 1))
[[ $(stat -c %s "$WORK/big.csv") -gt $((9 << 20)) && $(stat -c %s "$WORK/big_sparse.csv") -gt $((9 << 20)) ]] ||
  fail "a big file is smaller than two blocks"
expect_exit 0 "$AIOTS" -q data import "$WORK/big.csv" --symbol BIG
expect_eq "big file rows" "$(sql "SELECT row_count FROM series WHERE symbol = 'BIG'")" "300000"
expect_exit 3 "$AIOTS" data import "$WORK/big_conflict.csv" --symbol BIG
expect_contains "conflict in the last block" "$ERR" "big_conflict.csv:290002: BIG 1m at"
expect_exit 0 "$AIOTS" -q data import "$WORK/big_conflict.csv" --symbol BIG2
expect_exit 3 "$AIOTS" data import "$WORK/big_sparse.csv" "$WORK/big.csv" --symbol BIG2 --timeframe 1m
expect_eq "a conflict in the last file and block leaves the store as it was" \
  "$(sql "SELECT s.timeframe, count(*), sum(b.close) FROM bars b JOIN series s ON s.id = b.series_id WHERE symbol = 'BIG2' GROUP BY s.id")" \
  "60|300000|30073501.0"
expect_exit 0 "$AIOTS" --json data import "$WORK/big_sparse.csv" --symbol BIG --timeframe 1m --replace
expect_eq "replace counts" "$(python3 -c 'import json,sys; s=json.load(sys.stdin)["files"][0]["series"][0]; print(s["rows"], s["inserted"], s["replaced"])' <<<"$OUT")" "150000 150000 299999"
# The file's rows, plus the stored row after its last (outside its span: kept).
expect_eq "replace leaves exactly the file's rows in its span, and the summary says so" \
  "$(sql "SELECT count(*), sum(((b.ts / 1000000000 - 1600000000) / 60) % 2), max(b.volume), s.row_count FROM bars b JOIN series s ON s.id = b.series_id WHERE symbol = 'BIG'")" \
  "150001|1|300999.0|150001"

finish
