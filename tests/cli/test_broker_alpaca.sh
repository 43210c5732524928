#!/usr/bin/env bash
# aiotsd routing an account's orders to Alpaca (a local fake of its trading API v2,
# helpers/fake_alpaca.py): fills booked from the broker, partial fills, a cancel that loses the
# race to a fill, aiotsd killed (-9) between sending an order and hearing back (resolved by its
# client order id on restart, never sent twice), a send that failed (looked up, rejected, not
# sent again), reconciliation finding an order placed outside aiots and a position changed
# outside aiots (exit 4, account HALTED), 429 with backoff, a bad key, live mode needing
# --confirm-live, a self-signed TLS endpoint trusted through http.ca_file, and the secret never
# shown (aiots-brokers(7)).
source "$(dirname "$0")/lib.sh"
daemon_env
source "$(dirname "$0")/helpers/broker_lib.sh"
export APCA_API_KEY_ID=PKTEST123 APCA_API_SECRET_KEY=SECRETx9f2q7

# fake [CERT KEY]: a fresh fake Alpaca ($SCHEME https with a certificate).
fake() {
  start_fake fake_alpaca.py "$APCA_API_KEY_ID" "$APCA_API_SECRET_KEY" "$@"
  SCHEME=${1:+https}
  SCHEME=${SCHEME:-http}
}
# config: aiots.toml routing account live1 to the fake, plus $BROKER_LINES in [broker],
# $ALPACA_LINES in [brokers.alpaca] and $TAIL at the end.
config() {
  mkdir -p "$XDG_CONFIG_HOME/aiots"
  cat >"$XDG_CONFIG_HOME/aiots/aiots.toml" <<TOML
[broker]
poll_ms = 100
reconcile_interval_s = 0
${BROKER_LINES:-}
[broker.account]
live1 = "alpaca"
[brokers.alpaca]
paper_url = "$SCHEME://127.0.0.1:$PORT"
live_url = "$SCHEME://127.0.0.1:$PORT"
data_url = "$SCHEME://127.0.0.1:$PORT"
requests_per_minute = 6000
backoff_ms = 50
${ALPACA_LINES:-}
${TAIL:-}
TOML
}
# --- Fills booked from the broker, reconciled in agreement.
fake
fresh
control config '{"price": 50.0}'
expect_exit 0 "$AIOTS" --json strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:100;4:sell:40"
expect_eq "account opens with the broker's cash" "$(py 'j["cash"], j["broker"]')" "100000.0 alpaca"
replay 0 5
until_order 2 filled || fail "second order never filled"
expect_eq "fills at the broker's price" "$(order_field 1 avg_fill_price) $(order_field 1 filled) $(order_field 2 filled)" "50.0 100 40"
expect_contains "client order id" "$(order_field 1 client_order_id)" "aiots-order_plan-"
expect_eq "the broker got two orders" "$(fake_state 'j["posts"], sorted(j["positions"].items())')" "2 [('MSFT', 60)]"
expect_exit 0 "$AIOTS" --json positions
expect_eq "journal position" "$(py '[(p["symbol"], p["qty"]) for p in j]')" "[('MSFT', 60)]"
expect_exit 0 "$AIOTS" --json reconcile
expect_eq "reconciled" "$(py 'j["within_tolerance"], j["differences"], j["cash"]["journal"], j["cash"]["broker"]')" "True 0 97000.0 97000.0"
expect_exit 0 "$AIOTS" status
expect_contains "status shows the broker" "$OUT" "broker   live1 alpaca-paper 0 open orders; reconciled: in agreement"
expect_exit 0 "$AIOTS" metrics
expect_contains "orders ended, counted" "$OUT" 'aiots_orders_ended_total{state="filled"} 2'
expect_contains "open orders, gauged" "$OUT" 'aiots_orders{state="accepted"} 0'
expect_exit 0 "$AIOTS" --format csv doctor
expect_contains "doctor reaches the broker" "$OUT" "broker live1,ok,alpaca-paper answers; cash 97000.00"

# --- Partial fills, then a cancel that loses the race to a fill, then one that wins.
fake
fresh
control config '{"fill": "manual", "price": 100.0}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:100;3:buy:50:limit=40;4:buy:20:limit=30"
replay 0 5
until_order 3 accepted || fail "orders never accepted"
# Resting orders cost one list request a poll, not a lookup each.
count() { grep -c "\"path\": \"$1\"" "$WORK/fake.log" || true; }
LOOKUPS=$(count "/v2/orders:by_client_order_id")
LISTS=$(count "/v2/orders")
sleep 1
expect_eq "polls list, no lookups" "$(count "/v2/orders:by_client_order_id") $(( $(count "/v2/orders") - LISTS >= 5 ))" "$LOOKUPS 1"
CLIENT1=$(order_field 1 client_order_id)
control fill "{\"client_order_id\": \"$CLIENT1\", \"qty\": 30, \"price\": 100}"
until_order 1 partially_filled || fail "partial fill not seen"
expect_eq "partial fill" "$(order_field 1 filled)" "30"
control fill "{\"client_order_id\": \"$CLIENT1\", \"qty\": 70, \"price\": 101}"
until_order 1 filled || fail "rest not seen"
expect_eq "average of both fills" "$(order_field 1 avg_fill_price)" "100.7"
expect_exit 3 "$AIOTS" strategy unload order_plan
expect_contains "unload with orders at the broker" "$ERR" "ORDERS_OPEN: order_plan has 2 orders open at alpaca"
control config '{"fill_on_cancel": true}'
expect_exit 0 "$AIOTS" halt --account live1 --cancel-open --reason "test race"
until_order 2 filled || fail "the race's fill not booked"
until_order 3 filled || fail "the race's fill not booked"
expect_eq "the fill won the race" "$(order_field 2 filled) $(order_field 3 filled)" "50 20"
expect_exit 0 "$AIOTS" --json positions
expect_eq "position after the race" "$(py '[p["qty"] for p in j]')" "[170]"
expect_exit 0 "$AIOTS" reconcile

fake
fresh
control config '{"fill": "manual", "price": 100.0}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:50:limit=40"
replay 0 3
until_order 1 accepted || fail "limit order never accepted"
expect_exit 0 "$AIOTS" halt --account live1 --cancel-open
until_order 1 cancelled || fail "cancel not confirmed"
expect_eq "cancelled at the broker" "$(fake_state '[o["status"] for o in j["orders"]]')" "['canceled']"

# --- aiotsd killed between sending an order and hearing back: resolved, never sent twice.
fake
fresh
control config '{"price": 60.0, "hang_next_post": 3}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:100"
replay 0 3
for _ in $(seq 60); do [[ $(fake_state 'j["posts"]') == 1 ]] && break; sleep 0.05; done
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
expect_eq "journaled, never acknowledged" "$(sqlite3 "$JOURNAL" "select count(*) from journal where kind='order' and data like '%accepted%'") $(sqlite3 "$JOURNAL" "select count(*) from journal where kind='order' and data like '%submitted%'")" "0 1"
sleep 3
"$AIOTS" -q daemon start
until_order 1 filled || fail "the order was not resolved after the restart"
expect_eq "sent once, filled once" "$(fake_state 'j["posts"], len(j["orders"]), j["positions"]')" "1 1 {'MSFT': 100}"
expect_eq "booked at the broker's price" "$(order_field 1 avg_fill_price)" "60.0"
expect_exit 0 "$AIOTS" journal verify
expect_exit 0 "$AIOTS" reconcile

# --- A send that timed out after the broker took it: looked up, booked, not sent again.
fake
TAIL="[http]
timeout_ms = 1000"
fresh
control config '{"price": 70.0, "hang_next_post": 2}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
replay 0 3
until_order 1 filled || fail "timed-out send not resolved"
expect_eq "taken once" "$(fake_state 'j["posts"], len(j["orders"])')" "1 1"
expect_contains "logged as unsure" "$(cat "$WORK/state/aiots/aiotsd.log")" "order placement unsure, looking it up"
TAIL=""

# --- A send that failed (500, not taken): looked up, rejected, not sent again.
fake
fresh
control config '{"fail_next_post": true}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
replay 0 3
until_order 1 rejected || fail "lost order not rejected"
expect_contains "why" "$(order_field 1 reason)" "BROKER_NEVER_RECEIVED"
expect_eq "not sent again" "$(fake_state 'j["posts"], len(j["orders"])')" "1 0"

# --- A refusal maps to a stable code (the broker's cash shrank after the account opened, so
# aiots's own buying-power check lets the order through).
fake
fresh
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
control config '{"cash": 100.0, "price": 100.0}'
replay 0 3
until_order 1 rejected || fail "refusal not booked"
expect_contains "refusal code" "$(order_field 1 reason)" "INSUFFICIENT_BUYING_POWER: Alpaca: insufficient buying power"

# --- Reconciliation: an order placed outside aiots, a position changed outside aiots.
fake
fresh
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
replay 0 3
until_order 1 filled || fail "order not filled"
control outside_order '{"symbol": "AAPL", "qty": 5}'
control position '{"symbol": "MSFT", "qty": 25}'
expect_exit 4 "$AIOTS" --json reconcile
expect_eq "differences" "$(py 'j["action"], [(p["symbol"], p["journal"], p["broker"]) for p in j["positions"]], [o["symbol"] for o in j["unknown_orders"]]')" "halted [('MSFT', 10, 25)] ['AAPL']"
expect_exit 0 "$AIOTS" --json risk status
expect_eq "account halted" "$(py '[(a["account"], a["state"], a["reason"]) for a in j["accounts"]]')" "[('live1', 'HALTED', 'RECONCILE_MISMATCH')]"
expect_exit 4 "$AIOTS" reconcile
expect_contains "text report" "$OUT" "position  MSFT  journal 10  broker 25  difference 15"
expect_contains "exit 4 says why" "$ERR" "account live1 differs from its broker beyond tolerance"
expect_eq "mismatch journaled" "$(sqlite3 "$JOURNAL" "select count(*) >= 2 from journal where kind='broker.mismatch'")" "1"

# Reported only, within a tolerance.
fake
BROKER_LINES='reconcile_action = "report"
reconcile_position_tolerance = 20.0'
fresh
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
replay 0 3
until_order 1 filled || fail "order not filled"
control position '{"symbol": "MSFT", "qty": 25}'
expect_exit 0 "$AIOTS" --json reconcile
expect_eq "within tolerance, reported" "$(py 'j["within_tolerance"], j["differences"], j["action"]')" "True 1 none"
BROKER_LINES=""

# --- Live bars from Alpaca's data API: a warm-up since a time, then live; resumed after kill -9.
fake
fresh
control config '{"page_size": 7}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="3:buy:10"
SINCE=$(python3 -c "import time; print(time.strftime('%Y-%m-%dT%H:%M:00Z', time.gmtime(time.time() // 60 * 60 - 20 * 60)))")
expect_exit 0 "$AIOTS" feed live MSFT --source alpaca --interval 1m --since "$SINCE" --poll 1
expect_contains "started" "$OUT" "live feed started: 1m bars of 1 symbols from alpaca"
until_order 1 filled || fail "no order from live bars"
for _ in $(seq 100); do
  "$AIOTS" --json feed status >/dev/null && [[ $(python3 -c "import json,sys; print(json.load(sys.stdin)['bars_done'])" <<<"$("$AIOTS" --json feed status)") -ge 20 ]] && break
  sleep 0.05
done
expect_exit 0 "$AIOTS" --json feed status
# The 20 minutes since SINCE have closed (the bar in progress has not), paged 7 at a time.
expect_eq "warm-up bars" "$(py 'j["kind"], j["source"], j["bars_done"] >= 20, j["bars_done"] <= 21, j["poll_errors"], j["last_time"] is not None')" "live alpaca True True 0 True"
expect_eq "paged" "$(fake_state 'j["bar_requests"] >= 3')" "True"
BEFORE=$(py 'j["bars_done"]')
LAST=$(py 'j["last_time"]')
kill -9 "$(cat "$SOCKET.pid")"
"$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json feed status
expect_eq "resumed after the last bar" "$(py 'j["running"], j["kind"], j["resumed_after"]')" "True live $LAST"
sleep 1.5  # a poll or more after the restart
expect_exit 0 "$AIOTS" --json feed status
# Resumed after the last journaled bar, not from --since: at most the minute or two since.
expect_eq "no bar twice" "$(py 'j["bars_done"] <= 2, j["polls"] >= 1, j["late_bars_dropped"]')" "True True 0"
expect_exit 0 "$AIOTS" feed stop
expect_exit 0 "$AIOTS" journal verify
expect_exit 2 "$AIOTS" feed live MSFT --source alpaca --interval 2h
expect_exit 2 "$AIOTS" feed live MSFT --source yahoo

# Live bars from Alpha Vantage (its latest intraday series, the shared budget and key).
python3 "$AIOTS_SRC/tests/cli/helpers/fake_alphavantage.py" "$WORK/av.port" "$WORK/av.log" "$DATA/msft.csv" AVKEY123 &
AV_PID=$!
disown "$AV_PID"
for _ in $(seq 100); do [[ -s $WORK/av.port ]] && break; sleep 0.05; done
TAIL="[providers.alphavantage]
base_url = \"http://127.0.0.1:$(cat "$WORK/av.port")/query\"
requests_per_minute = 6000"
"$AIOTS" -q daemon stop
config
ALPHAVANTAGE_API_KEY=AVKEY123 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" feed live MSFT --source alphavantage --interval 5m --since "$(date -u -d '-40 days' +%Y-%m-%d)" --poll 1
for _ in $(seq 100); do
  [[ $(python3 -c "import json,sys; print(json.load(sys.stdin)['bars_done'])" <<<"$("$AIOTS" --json feed status)") -gt 0 ]] && break
  sleep 0.05
done
expect_exit 0 "$AIOTS" --json feed status
expect_eq "alphavantage bars" "$(py 'j["source"], 0 < j["bars_done"] <= 100, j["poll_errors"]')" "alphavantage True 0"
expect_eq "no key in the log" "$(grep -c AVKEY123 "$WORK/state/aiots/aiotsd.log")" "0"
"$AIOTS" -q feed stop
kill "$AV_PID" 2>/dev/null || true
TAIL=""

# --- A hostile or broken broker costs the request, never the daemon.
fake
fresh
control config '{"hostile": "deep"}'
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "deep JSON" "$ERR" "BROKER_UNREACHABLE: Alpaca account: the response is not JSON"
control config '{"hostile": "huge"}'
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "huge body" "$ERR" "is larger than 16 MiB"
control config '{"hostile": "absurd"}'
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "absurd cash" "$ERR" "BROKER_DATA: the broker reports cash 1e+300"
control config '{"hostile": null}'
expect_exit 0 "$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1
expect_exit 0 "$AIOTS" -q status

# --- 429 answered with backoff; a bad key fails clearly without showing the secret.
fake
fresh
control config '{"rate_limit_next": 2}'
expect_exit 0 "$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1
expect_eq "retried after 429" "$(python3 -c "import json; print([json.loads(l)['status'] for l in open('$WORK/fake.log') if '_control' not in l][:3])")" "[429, 429, 200]"
fresh
APCA_API_SECRET_KEY=wrongsecret "$AIOTS" -q daemon stop
APCA_API_SECRET_KEY=wrongsecret "$AIOTS" -q daemon start
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "bad key" "$ERR" "BROKER_UNREACHABLE: Alpaca account: HTTP 401: request is not authorized"
"$AIOTS" -q daemon stop
unset_key() { env -u APCA_API_KEY_ID "$@"; }
unset_key "$AIOTS" -q daemon start
expect_exit 2 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "no key" "$ERR" "no Alpaca keys: set \$APCA_API_KEY_ID and \$APCA_API_SECRET_KEY"
APCA_API_SECRET_KEY=wrongsecret expect_exit 1 "$AIOTS" --format csv doctor
expect_contains "doctor: bad key" "$OUT" "broker live1,FAIL,alpaca-paper: Alpaca account: HTTP 401"
"$AIOTS" -q daemon stop
for f in "$WORK/state/aiots/aiotsd.log" "$JOURNAL"; do
  expect_eq "no secret in $(basename "$f")" "$(grep -c -e "$APCA_API_SECRET_KEY" -e wrongsecret "$f")" "0"
done
expect_exit 0 "$AIOTS" config show
expect_eq "no secret in config show" "$(grep -c "$APCA_API_SECRET_KEY" <<<"$OUT")" "0"

# --- Live mode needs --confirm-live.
ALPACA_LINES='mode = "live"'
fresh
expect_exit 2 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "live refused" "$ERR" "LIVE_NOT_CONFIRMED: account 'live1' trades real money at alpaca"
expect_exit 0 "$AIOTS" --json strategy load "$STRAT" --symbols MSFT --account live1 --confirm-live
expect_eq "confirmed" "$(py 'j["confirmed_live"]')" "True"
expect_exit 0 "$AIOTS" --json status
expect_eq "live venue" "$(py '[b["venue"] for b in j["brokers"]]')" "['alpaca-live']"
# One aiots account per broker account.
TAIL='other = "alpaca"'
ALPACA_LINES=""
"$AIOTS" -q daemon stop
sed -i 's/^live1 = "alpaca"$/live1 = "alpaca"\nother = "alpaca"/; s/^mode = "live"$//' "$XDG_CONFIG_HOME/aiots/aiots.toml"
"$AIOTS" -q daemon start
expect_exit 3 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account other --name second
expect_contains "one account per broker account" "$ERR" "VENUE_IN_USE: alpaca already trades account 'live1'"
TAIL=""
"$AIOTS" -q daemon stop

# --- A self-signed TLS endpoint: refused by default, trusted through http.ca_file.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/gw.key" -out "$WORK/gw.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
CACERT="$WORK/gw.pem"
fake "$WORK/gw.pem" "$WORK/gw.key"
fresh
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account live1
expect_contains "untrusted certificate" "$ERR" "certificate"
TAIL="[http]
ca_file = \"$WORK/gw.pem\""
fresh
expect_exit 0 "$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account live1 -p plan="2:buy:10"
replay 0 3
until_order 1 filled || fail "order over TLS not filled"
"$AIOTS" -q daemon stop

finish
