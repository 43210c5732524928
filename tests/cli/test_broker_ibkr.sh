#!/usr/bin/env bash
# aiotsd routing an account's orders to Interactive Brokers through a local fake of the Client
# Portal gateway (helpers/fake_ibkr_gateway.py, HTTPS with a self-signed certificate trusted
# through http.ca_file): the session tickled and checked, contract ids looked up, orders confirmed
# through the reply round trip (or refused with auto_confirm off), fills and partial fills from
# the live orders, a cancel, aiotsd killed (-9) while the gateway holds an order's answer
# (resolved by cOID on restart, sent once), a gateway that is not logged in, and reconciliation
# finding an order placed in TWS and a position changed outside aiots (aiots-brokers(7)).
source "$(dirname "$0")/lib.sh"
daemon_env
source "$(dirname "$0")/helpers/broker_lib.sh"
SCHEME=https
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/gw.key" -out "$WORK/gw.pem" -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
CACERT="$WORK/gw.pem"
fake() { start_fake fake_ibkr_gateway.py "$WORK/gw.pem" "$WORK/gw.key"; }
config() {
  mkdir -p "$XDG_CONFIG_HOME/aiots"
  cat >"$XDG_CONFIG_HOME/aiots/aiots.toml" <<TOML
[broker]
poll_ms = 100
reconcile_interval_s = 0
[broker.account]
ib = "ibkr"
[brokers.ibkr]
base_url = "https://127.0.0.1:$PORT/v1/api"
backoff_ms = 50
requests_per_minute = 6000
${IBKR_LINES:-}
[http]
ca_file = "$WORK/gw.pem"
TOML
}

# --- Orders confirmed through the reply round trip, filled, reconciled.
fake
fresh
control config '{"price": 250.0, "questions": 2, "snapshot_false_once": true}'
expect_exit 0 "$AIOTS" --json strategy load "$STRAT" --symbols MSFT --account ib -p plan="2:buy:100;4:sell:30"
expect_eq "cash from the account summary" "$(py 'j["cash"], j["broker"]')" "100000.0 ibkr"
replay 0 5
until_order 2 filled || fail "orders not filled"
expect_eq "fills" "$(order_field 1 filled) $(order_field 1 avg_fill_price) $(order_field 2 filled)" "100 250.0 30"
expect_eq "two orders, two questions each, tickled" "$(fake_state 'j["posts"], j["replies"], j["tickles"] >= 1, j["positions"]')" "2 4 True {'MSFT': 70}"
expect_contains "cOID" "$(fake_state '[o["order_ref"] for o in j["orders"]]')" "aiots-order_plan-"
expect_exit 0 "$AIOTS" --json reconcile
expect_eq "in agreement" "$(py 'j["within_tolerance"], j["cash"]["broker"]')" "True 82500.0"
expect_exit 0 "$AIOTS" --json status
expect_eq "venue" "$(py '[(b["account"], b["venue"]) for b in j["brokers"]]')" "[('ib', 'ibkr-paper')]"

# --- Partial fills and a cancel.
fake
fresh
control config '{"fill": "manual", "price": 100.0}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account ib -p plan="2:buy:100;3:buy:10:limit=50"
replay 0 5
until_order 2 accepted || fail "orders not accepted"
C1=$(order_field 1 client_order_id)
control fill "{\"client_order_id\": \"$C1\", \"qty\": 40, \"price\": 99}"
until_order 1 partially_filled || fail "partial fill not seen"
control fill "{\"client_order_id\": \"$C1\", \"qty\": 60, \"price\": 100}"
until_order 1 filled || fail "fill not seen"
expect_eq "average" "$(order_field 1 avg_fill_price)" "99.6"
expect_exit 0 "$AIOTS" halt --account ib --cancel-open
until_order 2 cancelled || fail "cancel not confirmed"
expect_exit 0 "$AIOTS" reconcile

# --- Questions refused when auto_confirm is off.
fake
IBKR_LINES="auto_confirm = false"
fresh
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account ib -p plan="2:buy:10"
replay 0 3
until_order 1 rejected || fail "question not refused"
expect_contains "question" "$(order_field 1 reason)" "BROKER_QUESTION: IBKR asks: You are submitting an order without market data"
expect_eq "no order at the gateway" "$(fake_state 'len(j["orders"])')" "0"
IBKR_LINES=""

# --- aiotsd killed while the gateway holds the answer: resolved by cOID, sent once.
fake
fresh
control config '{"price": 80.0, "questions": 0, "hang_next_post": 3}'
"$AIOTS" -q strategy load "$STRAT" --symbols MSFT --account ib -p plan="2:buy:20"
replay 0 3
for _ in $(seq 60); do [[ $(fake_state 'j["posts"]') == 1 ]] && break; sleep 0.05; done
kill -9 "$(cat "$SOCKET.pid")"
sleep 3.2
"$AIOTS" -q daemon start
until_order 1 filled || fail "not resolved after restart"
expect_eq "sent once" "$(fake_state 'j["posts"], len(j["orders"]), j["positions"]')" "1 1 {'MSFT': 20}"
expect_exit 0 "$AIOTS" journal verify

# --- Reconciliation: an order placed in TWS, a position changed outside aiots.
control outside_order '{"symbol": "AAPL", "qty": 3}'
control position '{"symbol": "MSFT", "qty": 5}'
expect_exit 4 "$AIOTS" --json reconcile
expect_eq "differences" "$(py 'j["action"], [(p["symbol"], p["journal"], p["broker"]) for p in j["positions"]], [o["symbol"] for o in j["unknown_orders"]]')" "halted [('MSFT', 20, 5)] ['AAPL']"

# --- A gateway that is not logged in.
fake
fresh
control config '{"authenticated": false}'
expect_exit 1 "$AIOTS" strategy load "$STRAT" --symbols MSFT --account ib
expect_contains "not logged in" "$ERR" "IBKR_NOT_AUTHENTICATED: the Client Portal gateway at 127.0.0.1:$PORT is not logged in"
"$AIOTS" -q daemon stop

finish
