#!/usr/bin/env bash
# aiots data fetch against a local fake of Alpha Vantage (helpers/fake_alphavantage.py): daily
# bars equal to importing the same rows, intraday month by month in UTC, idempotent (months that
# are over come from the cache), backoff on 429 with Retry-After and on "Note" bodies sent with
# status 200, a bad key and an invalid call failing at once, nothing written when any symbol
# fails, the rate limit held across two processes, and the key never shown.
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME="$WORK/config" XDG_STATE_HOME="$WORK/state"
KEY=TESTKEY7f3a9c
SERVERS=()
trap 'kill ${SERVERS[*]} 2>/dev/null; rm -rf "$WORK"' EXIT
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

# serve NAME [SCRIPT]: a fake; its requests in $WORK/NAME.log; writes aiots.toml pointing at it.
serve() {
  rm -f "$WORK/$1.port" "$WORK/$1.log"
  python3 "$(dirname "$0")/helpers/fake_alphavantage.py" "$WORK/$1.port" "$WORK/$1.log" "$DATA/msft.csv" "$KEY" "${2:-}" &
  SERVERS+=($!)
  for _ in $(seq 100); do [[ -s $WORK/$1.port ]] && break; sleep 0.05; done
  PORT=$(cat "$WORK/$1.port")
  write_config
}
# write_config: aiots.toml for the fake on $PORT, with $KEYLINE and $RPM.
write_config() {
  mkdir -p "$XDG_CONFIG_HOME/aiots"
  cat >"$XDG_CONFIG_HOME/aiots/aiots.toml" <<TOML
[providers.alphavantage]
base_url = "http://127.0.0.1:$PORT/query"
${KEYLINE:-}
backoff_ms = 100
max_attempts = 3
requests_per_minute = ${RPM:-6000}
[http]
cache_dir = "$WORK/cache"
TOML
}
requests() { [[ -f $WORK/$1.log ]] && wc -l <"$WORK/$1.log" || echo 0; }

serve av
# No key: a usage error naming where a key comes from.
expect_exit 2 "$AIOTS" data fetch MSFT
expect_contains "no key" "$ERR" "set \$ALPHAVANTAGE_API_KEY, or providers.alphavantage.key_file"
# A key file others may read is refused, naming the file only.
printf '%s\n' "$KEY" >"$WORK/av.key"
chmod 644 "$WORK/av.key"
KEYLINE="key_file = \"$WORK/av.key\""
write_config
expect_exit 2 "$AIOTS" data fetch MSFT
expect_contains "key file mode" "$ERR" "providers.alphavantage.key_file $WORK/av.key: readable by others (mode 644)"
chmod 600 "$WORK/av.key"

# Daily bars: the same rows as importing the file the fake serves.
expect_exit 0 "$AIOTS" data fetch MSFT
expect_contains "summary" "$OUT" "alphavantage: MSFT 1d bars, 249 rows (249 new, 0 unchanged) 2000-09-27 .. 2001-09-27; 1 requests"
"$AIOTS" --format csv data show MSFT >"$WORK/fetched.csv"
AIOTS_DB="$WORK/other.db" "$AIOTS" -q data import "$DATA/msft.csv"
AIOTS_DB="$WORK/other.db" "$AIOTS" --format csv data show MSFT >"$WORK/imported.csv"
expect_eq "fetched equals imported" "$(cmp -s "$WORK/fetched.csv" "$WORK/imported.csv" && echo same)" "same"
expect_exit 0 "$AIOTS" --json data fetch MSFT
expect_eq "idempotent" "$(py 'j[0]["inserted"], j[0]["unchanged"], j[0]["replaced"]')" "0 249 0"
expect_exit 0 "$AIOTS" --json data fetch MSFT --adjusted --from 2001-01-01 --to 2001-01-31
expect_eq "adjusted: revised rows replace their span" "$(py 'j[0]["rows"], j[0]["replaced"] == j[0]["rows"], j[0]["first"], j[0]["last"]')" "21 True 2001-01-02 2001-01-31"
adjusted=$("$AIOTS" --format csv data show MSFT --from 2001-01-02 --to 2001-01-02 | tail -1)
raw=$(AIOTS_DB="$WORK/other.db" "$AIOTS" --format csv data show MSFT --from 2001-01-02 --to 2001-01-02 | tail -1)
expect_eq "adjusted prices: OHLC scaled by adjusted_close / close, volume kept" "$(python3 -c "
a = '$adjusted'.split(','); r = '$raw'.split(',')
print(a[0] == r[0], all(abs(float(x) - float(y) / 2) < 1e-9 for x, y in zip(a[1:5], r[1:5])), a[5] == r[5])")" "True True True"

# Intraday: one request per month, times converted from US/Eastern to UTC (09:30 EST = 14:30Z,
# 09:30 EDT = 13:30Z), the months that are over cached: a second fetch sends nothing.
before=$(requests av)
expect_exit 0 "$AIOTS" --json data fetch IBM -i 60m --from 2024-02-01 --to 2024-04-30
expect_eq "three months, three requests" "$(( $(requests av) - before ))" "3"
expect_eq "intraday summary" "$(py 'j[0]["timeframe"], j[0]["rows"], j[0]["first"], j[0]["last"]')" \
  "1h $((( 21 + 21 + 22 ) * 7)) 2024-02-01T14:30:00Z 2024-04-30T19:30:00Z"
expect_eq "EDT after the change" "$("$AIOTS" --format csv data show IBM --from 2024-04-01 --to 2024-04-01 | sed -n 2p | cut -d, -f1)" "2024-04-01T13:30:00Z"
before=$(requests av)
expect_exit 0 "$AIOTS" --json data fetch IBM -i 60m --from 2024-02-01 --to 2024-04-30
expect_eq "second fetch from the cache" "$(( $(requests av) - before )) $(py 'j[0]["cached"], j[0]["inserted"], j[0]["unchanged"]')" "0 3 0 448"
expect_eq "the cache holds no key" "$(grep -rl "$KEY" "$WORK/cache" | wc -l)" "0"

# Option chains: a past session's chain into the chain store (as options import reads it),
# cached, and written again the same on a second fetch.
before=$(requests av)
expect_exit 0 "$AIOTS" --json options fetch-chain IBM --date 2024-01-05
expect_eq "chain fetched" "$(py 'j[0]["underlying"], j[0]["as_of"], j[0]["contracts"], j[0]["requests"]')" "IBM 2024-01-05T21:00:00Z 30 1"
expect_exit 0 "$AIOTS" --json options list IBM
expect_eq "chain stored" "$(py 'j[0]["contracts"], j[0]["expiries"], j[0]["source"]')" "30 3 alphavantage"
expect_exit 0 "$AIOTS" --json options chain IBM --expiry 2024-01-12 --type call --spot 100
expect_eq "contracts read back" "$(py 'len(j["contracts"]) if isinstance(j, dict) else len(j)')" "5"
expect_exit 0 "$AIOTS" --json options fetch-chain IBM --date 2024-01-05
expect_eq "second chain fetch from the cache" "$(( $(requests av) - before )) $(py 'j[0]["cached"], j[0]["contracts"]')" "1 1 30"
expect_exit 1 "$AIOTS" options fetch-chain BADCO --date 2024-01-05
expect_contains "chain of an unknown symbol" "$ERR" "BADCO options 2024-01-05: Alpha Vantage: Invalid API call"
expect_exit 2 "$AIOTS" options fetch-chain IBM --date 2024-01

# News with sentiment: a year of articles in one request, a second fetch from the cache updating
# the same articles, pages of a thousand for a longer span, and backtests reading them through
# ctx:sentiment (backtest --sentiment store), reproducible while the news stay the same.
before=$(requests av)
expect_exit 0 "$AIOTS" --json data fetch-news MSFT --from 2000-09-01 --to 2001-09-30
expect_eq "a year of news" "$(py 'j[0]["articles"], j[0]["inserted"], j[0]["first"], j[0]["last"]') $(( $(requests av) - before ))" \
  "281 281 2000-09-01T18:00:00Z 2001-09-28T18:00:00Z 1"
expect_exit 0 "$AIOTS" --json data fetch-news MSFT --from 2000-09-01 --to 2001-09-30
expect_eq "again: cached, updated in place" "$(py 'j[0]["articles"], j[0]["inserted"], j[0]["updated"], j[0]["cached"]')" "281 0 281 1"
expect_eq "stored once" "$(sql "SELECT count(*) FROM news") $(sql "SELECT count(*) FROM news_tickers WHERE symbol = 'MSFT'")" "281 281"
before=$(requests av)
expect_exit 0 "$AIOTS" --json data fetch-news IBM --from 1992-01-01 --to 1999-12-31
expect_eq "pages of a thousand" "$(py 'j[0]["articles"]') $(( $(requests av) - before ))" "2088 3"
"$AIOTS" -q data import "$DATA/msft.csv" 2>/dev/null || true
PROBE="$AIOTS_SRC/tests/data/strategies/sentiment_probe.lua"
expect_exit 0 "$AIOTS" --json backtest "$PROBE" --data MSFT --sentiment store
expect_eq "trades on sentiment" "$(py 'j["metrics"]["trades"] > 5, j["status"]')" "True completed"
run=$(grep -o 'recorded as run [0-9]*' <<<"$ERR" | grep -o '[0-9]*$')
expect_exit 0 "$AIOTS" --json runs show "$run"
expect_eq "the news are in the manifest" "$(py 'len(j["manifest"]["news_sha256"]), j["manifest"]["spec"]["sentiment"]')" "64 store"
expect_exit 0 "$AIOTS" runs rerun "$run"
expect_exit 1 "$AIOTS" --json backtest "$PROBE" --data MSFT --no-record
expect_contains "without news, the strategy stops at its line" "$ERR" "sentiment_probe.lua:12: NO_SENTIMENT: this run has no news"
expect_exit 0 "$AIOTS" -q data fetch-news MSFT --from 2001-10-01 --to 2001-10-31
expect_exit 0 "$AIOTS" -q data fetch-news MSFT --from 2000-01-03 --to 2000-09-26
expect_exit 3 "$AIOTS" runs rerun "$run"
expect_contains "new news: not a reproduction" "$ERR" "the stored news of MSFT changed since the run"
expect_exit 2 "$AIOTS" backtest "$PROBE" --data MSFT --sentiment maybe

# Errors: an invalid call fails at once, naming the request; nothing of the other symbols is
# written (one transaction).
before=$(requests av)
expect_exit 1 "$AIOTS" data fetch AAPL BADSYM
expect_contains "invalid call" "$ERR" "BADSYM daily: Alpha Vantage: Invalid API call"
expect_eq "AAPL not written" "$(sql "SELECT count(*) FROM series WHERE symbol = 'AAPL'")" "0"
expect_eq "no retry of a permanent error" "$(( $(requests av) - before ))" "2"
printf 'WRONGKEY\n' >"$WORK/av.key"
expect_exit 1 "$AIOTS" data fetch MSFT
expect_contains "bad key" "$ERR" "Alpha Vantage refused the API key: the parameter apikey is invalid or missing"
expect_contains "... not retried" "$(tail -1 "$WORK/av.log")" '"kind": "badkey"'
printf '%s\n' "$KEY" >"$WORK/av.key"
expect_exit 2 "$AIOTS" data fetch IBM -i 7m
expect_exit 2 "$AIOTS" data fetch IBM --from 2024-05-01 --to 2024-04-01
expect_exit 2 "$AIOTS" data fetch IBM -i 5m --from 1999-01-01 --to 1999-02-01
expect_contains "history starts in 2000" "$ERR" "begins in 2000-01"

# Backoff: a Note body (status 200, no data), a 429 with Retry-After: 1, then data.
serve flaky note,429:1
expect_exit 0 "$AIOTS" --json data fetch MSFT --to 2000-10-31
expect_eq "retried to success" "$(py 'j[0]["requests"], j[0]["rows"]')" "3 25"
expect_eq "what the fake answered" "$(python3 -c 'import json; print([json.loads(l)["kind"] for l in open("'"$WORK/flaky.log"'")])')" "['note', '429', 'data']"
expect_eq "Retry-After honoured" "$(python3 -c '
import json; t = [json.loads(l)["time"] for l in open("'"$WORK/flaky.log"'")]; print(t[2] - t[1] >= 1.0, t[1] - t[0] >= 0.05)')" "True True"
# Notes every time: give up after max_attempts with the provider's words.
serve noisy note,information,note
expect_exit 1 "$AIOTS" data fetch MSFT
expect_contains "gave up" "$ERR" "Alpha Vantage sent no data: Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute. (gave up after 3 attempts)"

# The rate limit holds across processes: two fetches at once, 120 requests a minute between
# them, so no two requests less than 0.5 s apart.
RPM=120 serve shared
rm -rf "$WORK/cache"
"$AIOTS" -q data fetch AAA -i 60m --from 2023-01-01 --to 2023-04-30 &
one=$!
"$AIOTS" -q data fetch BBB -i 60m --from 2023-01-01 --to 2023-04-30 &
two=$!
wait "$one" "$two"
expect_eq "eight requests, spaced" "$(python3 -c '
import json; t = sorted(json.loads(l)["time"] for l in open("'"$WORK/shared.log"'"))
print(len(t), min(b - a for a, b in zip(t, t[1:])) >= 0.45)')" "8 True"

# The key is not in anything aiots prints or keeps.
expect_exit 0 "$AIOTS" config show
checks=$((checks + 1))
[[ $(grep -rl "$KEY" "$WORK/state" "$WORK/store" 2>/dev/null | wc -l) == 0 && $OUT != *"$KEY"* ]] || fail "the key leaked"
KEYLINE="" write_config
expect_exit 1 env ALPHAVANTAGE_API_KEY=BADKEY2 "$AIOTS" --json data fetch MSFT
expect_eq "env key not echoed" "$([[ $OUT$ERR == *BADKEY2* ]] && echo leaked || echo clean)" "clean"
# aiotsd's strategies read the store's news too: the probe trades on a replay.
daemon_env
trap 'kill ${SERVERS[*]} 2>/dev/null; kill -9 $(cat "$SOCKET.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEYLINE="key_file = \"$WORK/av.key\"" write_config
"$AIOTS" -q data import "$DATA/msft.csv"
expect_exit 0 "$AIOTS" -q data fetch-news MSFT --from 2000-09-01 --to 2001-09-30
"$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" -q strategy load "$PROBE" --symbols MSFT --name probe
expect_exit 0 "$AIOTS" -q feed replay MSFT --speed max
expect_exit 0 "$AIOTS" --json strategy show probe
expect_eq "live: trades on the stored news" "$(py 'j.get("failure") in (None, ""), j["fills"] > 5')" "True True"
"$AIOTS" -q daemon stop
finish
