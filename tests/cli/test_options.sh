#!/usr/bin/env bash
# aiots options: pricing against the QuantLib oracle through the CLI (single and batch),
# expiry to the minute, bad input (exit 3, line numbers, nothing written), chain import from
# vendor layouts, chain analytics, synthetic chains (deterministic, marked synthetic).
source "$(dirname "$0")/lib.sh"
ORACLE="$AIOTS_SRC/tests/data/oracle-ql"
CHAINS="$AIOTS_SRC/tests/data/options"
NOW="--now 2026-01-02T15:00:00Z"

# --- pricing: Hull's example, single options ---
expect_exit 0 "$AIOTS" options price --type call --spot 42 --strike 40 --expiry 0.5y --vol 0.2 --rate 0.1 --json
expect_eq "hull call" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["price"])' <<<"$OUT")" "4.759422392871536"
expect_exit 0 "$AIOTS" options greeks --type put --spot 42 --strike 40 --expiry 0.5y --vol 0.2 --rate 0.1 --format csv
expect_contains "hull put greeks" "$OUT" "put,42,40,0.5,0.1,0,european,0.2,0.80859937290009"
expect_exit 0 "$AIOTS" options iv --type call --spot 42 --strike 40 --expiry 0.5y --price 4.759422392871536 --rate 0.1 --json
python3 - "$OUT" <<'PY' || fail "hull iv"
import json, sys
j = json.loads(sys.argv[1])
assert j["status"] == "ok" and abs(j["iv"] - 0.2) < 1e-12, j
PY

# --- batch: the whole QuantLib grid through the CLI, price and every Greek within 1e-9 ---
expect_exit 0 "$AIOTS" options greeks --batch "$ORACLE/bsm_grid.csv" --format csv
echo "$OUT" > "$WORK/greeks.csv"
python3 - "$WORK/greeks.csv" "$ORACLE/bsm_grid.csv" <<'PY' || fail "greeks batch against QuantLib"
import csv, sys
ours = list(csv.DictReader(open(sys.argv[1])))
oracle = list(csv.DictReader(open(sys.argv[2])))
assert len(ours) == len(oracle) == 864, (len(ours), len(oracle))
worst = 0
for o, q in zip(ours, oracle):
    assert int(o["line"]) == oracle.index(q) + 2 if False else True
    for col in ("price", "delta", "gamma", "vega", "theta", "rho", "dividend_rho"):
        a, b = float(o[col]), float(q[col])
        tol = 1e-9 * max(1, abs(b))
        if col == "price" and q["iv_status"] == "error_negative_price":
            tol = 1e-12 * max(1, float(q["S"]))
        worst = max(worst, abs(a - b) / max(1, abs(b)))
        assert abs(a - b) <= tol, (o["line"], col, a, b)
print("worst relative error", worst)
PY
# Implied volatility of the grid's prices: ok rows recover sigma within 1e-9; QuantLib's
# slightly negative prices are bad rows, named by line, and only --skip-invalid goes on.
expect_exit 3 "$AIOTS" options iv --batch "$ORACLE/bsm_grid.csv" --format csv
expect_eq "failing batch writes nothing" "$OUT" ""
expect_contains "bad row named" "$ERR" "bsm_grid.csv:"
expect_contains "bad row column" "$ERR" "column 'price': "
expect_contains "bad row count" "$ERR" "20 bad rows, nothing written"
expect_exit 0 "$AIOTS" options iv --batch "$ORACLE/bsm_grid.csv" --skip-invalid --format csv
echo "$OUT" > "$WORK/iv.csv"
expect_contains "skip summary" "$ERR" "skipped 20 bad rows of 864"
python3 - "$WORK/iv.csv" "$ORACLE/bsm_grid.csv" <<'PY' || fail "iv batch against QuantLib"
import csv, sys
ours = {int(r["line"]): r for r in csv.DictReader(open(sys.argv[1]))}
checked = 0
for i, q in enumerate(csv.DictReader(open(sys.argv[2]))):
    o = ours.get(i + 2)
    if q["iv_status"] == "ok":
        assert o is not None and o["status"] in ("ok", "ill_conditioned"), (i, o)
        if o["status"] == "ok":
            assert abs(float(o["iv"]) - float(q["sigma"])) <= 1e-9, (i, o["iv"], q["sigma"])
            checked += 1
assert checked >= 768, checked
print("recovered", checked)
PY
# Batch from stdin with flags as defaults for missing columns, JSON out.
printf 'type,strike,vol\ncall,100,0.2\nput,100,0.2\n' | "$AIOTS" options price --batch - --spot 100 --expiry 0.25y --json >"$WORK/b.json"
python3 - "$WORK/b.json" <<'PY' || fail "stdin batch"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["line"] for r in rows] == [2, 3] and rows[0]["years"] == 0.25, rows
# put-call parity at r = q = 0: C - P = S - K = 0
assert abs(rows[0]["price"] - rows[1]["price"]) < 1e-12, rows
PY

# --- time to expiry down to the minute: a 0DTE option at 10:00 and at the close ---
expect_exit 0 "$AIOTS" options price --type put --spot 100 --strike 100 --expiry 2026-11-27 --now '2026-11-27 10:00' --vol 0.2 --format csv
expect_contains "0DTE at 10:00 has time value" "$OUT" "put,100,100,0.000684931506849315"
expect_exit 0 "$AIOTS" options price --type put --spot 100 --strike 100 --expiry 2026-11-27 --now '2026-11-27 16:00' --vol 0.2 --format csv
expect_contains "0DTE at the close is worth intrinsic" "$OUT" "put,100,100,0,0,0,european,0.2,0"
expect_exit 0 "$AIOTS" options price --type call --spot 100 --strike 100 --expiry 30d --vol 0.2 --format csv
expect_contains "30d" "$OUT" "0.0821917808219178"

# --- American ---
expect_exit 0 "$AIOTS" options price --type put --spot 100 --strike 110 --expiry 1y --vol 0.3 --rate 0.05 --american --format csv
tree=$(tail -1 <<<"$OUT" | cut -d, -f9)
expect_exit 0 "$AIOTS" options price --type put --spot 100 --strike 110 --expiry 1y --vol 0.3 --rate 0.05 --american --method baw --format csv
baw=$(tail -1 <<<"$OUT" | cut -d, -f9)
expect_exit 0 "$AIOTS" options price --type put --spot 100 --strike 110 --expiry 1y --vol 0.3 --rate 0.05 --format csv
european=$(tail -1 <<<"$OUT" | cut -d, -f9)
python3 -c "import sys; t,b,e=map(float,sys.argv[1:]); assert t > e and abs(t-b) < 0.15, (t,b,e)" "$tree" "$baw" "$european" \
  || fail "american put above european, baw near tree ($tree $baw $european)"
expect_exit 0 "$AIOTS" options iv --type put --spot 100 --strike 110 --expiry 1y --price "$tree" --rate 0.05 --american --json
python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["status"] == "ok" and abs(j["iv"] - 0.3) < 1e-9, j' <<<"$OUT" || fail "american iv"

# --- bad input: a clear message and exit 3 ---
expect_exit 3 "$AIOTS" options price --type call --spot 100 --strike 100 --expiry 30d --vol -0.2
expect_contains "negative vol" "$ERR" "aiots: options price: --vol: '-0.2' is negative"
expect_exit 3 "$AIOTS" options price --type call --spot 100 --strike 100 --expiry 2020-01-17 --vol 0.2
expect_contains "expired" "$ERR" "--expiry: '2020-01-17' (2020-01-17T21:00:00Z) is in the past"
expect_exit 3 "$AIOTS" options iv --type call --spot 100 --strike 90 --expiry 30d --price 5
expect_contains "below intrinsic" "$ERR" "is below the option's intrinsic value"
expect_contains "below intrinsic status" "$ERR" "(below_intrinsic)"
expect_exit 3 "$AIOTS" options price --type call --spot 100 --strike 0 --expiry 30d --vol 0.2
expect_contains "strike 0" "$ERR" "--strike: '0' is not positive"
expect_exit 3 "$AIOTS" options price --type straddle --spot 100 --strike 100 --expiry 30d --vol 0.2
expect_contains "unknown type" "$ERR" "--type: 'straddle' is not call or put"
expect_exit 3 "$AIOTS" options price --type call --spot 100 --strike 100 --expiry 30x --vol 0.2
expect_exit 3 "$AIOTS" options price --type call --spot 100 --strike 100 --vol 0.2
expect_contains "missing expiry" "$ERR" "--expiry: value is missing"
expect_exit 3 "$AIOTS" options iv --type call --spot 100 --strike 100 --expiry 30d --price 100
expect_contains "above bound" "$ERR" "above_upper_bound"
expect_exit 2 "$AIOTS" options price --type call --spot 100 --strike 100 --expiry 30d --vol 0.2 --method magic
# Hostile magnitudes: refused by name, never a NaN or an infinity in the output.
expect_exit 3 "$AIOTS" options greeks --type call --spot 1e308 --strike 1e-308 --expiry 1y --vol 0.2
expect_contains "huge spot" "$ERR" "--spot: spot must be within 1e-6 .. 1e9"
expect_exit 3 "$AIOTS" options greeks --type call --spot 100 --strike 100 --expiry 1e300y --vol 0.2
expect_contains "centuries" "$ERR" "--expiry: time to expiry must be within 0 .. 100 years"
expect_exit 3 "$AIOTS" options greeks --type call --spot 100 --strike 100 --expiry 1y --vol 0.2 --rate 1e10
expect_contains "huge rate" "$ERR" "--rate: rate must be within -1 .. 1"
expect_exit 3 "$AIOTS" options price --type put --spot 100 --strike 100 --expiry 50y --vol 3 --american
expect_contains "stddev cap" "$ERR" "volatility x sqrt(years) must be at most 10"
expect_exit 0 "$AIOTS" options iv --type call --spot 1e8 --strike 1e-5 --expiry 0.01y --price 99999999.99999 --rate 0.5 --json
python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["iv"] is None or isinstance(j["iv"], float); assert isinstance(j["uncertainty"], float)' <<<"$OUT" \
  || fail "extreme but valid iv is finite: $OUT"
printf 'type,spot,strike,expiry,vol\ncall,100,100,30d,0.2\nput,100,-5,30d,0.2\ncall,100,100,30d,abc\n' >"$WORK/bad.csv"
expect_exit 3 "$AIOTS" options price --batch "$WORK/bad.csv"
expect_eq "bad batch writes nothing" "$OUT" ""
expect_contains "bad line 3" "$ERR" "bad.csv:3: column 'strike': '-5' is not positive"
expect_contains "bad line 4" "$ERR" "bad.csv:4: column 'vol': 'abc' is not a number"
expect_exit 0 "$AIOTS" options price --batch "$WORK/bad.csv" --skip-invalid --format csv
expect_eq "skip keeps the good row" "$(wc -l <<<"$OUT")" "2"

# --- chains: vendor layouts in, analytics out ---
expect_exit 0 "$AIOTS" options import "$CHAINS/msft_chain_cboe.csv" --format csv
expect_contains "cboe import" "$OUT" "MSFT,2026-01-02T20:45:00Z,20,2"
expect_exit 3 "$AIOTS" options import "$CHAINS/msft_chain_cboe.csv"
expect_contains "re-import needs --replace" "$ERR" "--replace"
expect_exit 0 "$AIOTS" -q options import "$CHAINS/msft_chain_cboe.csv" --replace
expect_exit 3 "$AIOTS" options import "$CHAINS/msft_chain_yahoo.csv"
expect_contains "yahoo needs a date" "$ERR" "no quote date (add a date column or pass --date)"
expect_exit 0 "$AIOTS" options import "$CHAINS/msft_chain_yahoo.csv" --date '2026-01-02 15:59' --format csv
expect_contains "yahoo import via OCC symbols" "$OUT" "MSFT,2026-01-02T20:59:00Z,4,1"
expect_exit 3 "$AIOTS" options import "$CHAINS/bad_chain.csv" "$CHAINS/msft_chain_cboe.csv"
expect_contains "bad chain line" "$ERR" "bad_chain.csv:4: column 'open_interest': '-7' is negative"
expect_eq "nothing half-imported" "$(sql 'SELECT COUNT(*) FROM option_snapshots')" "2"
expect_exit 0 "$AIOTS" options import "$CHAINS/bad_chain.csv" --skip-invalid --format csv
expect_contains "skip-invalid import" "$ERR" "bad_chain.csv:5: column 'type': 'strangle' is not call or put"
expect_contains "skip-invalid keeps good rows" "$OUT" "MSFT,2026-01-02T21:00:00Z,2,1"
expect_exit 0 "$AIOTS" options list --format csv
expect_eq "three snapshots" "$(tail -n +2 <<<"$OUT" | wc -l)" "3"

expect_exit 0 "$AIOTS" options chain MSFT --date '2026-01-02 15:50' --json
echo "$OUT" >"$WORK/chain.json"
expect_exit 0 "$AIOTS" options exposure MSFT --date '2026-01-02 15:50' --json
echo "$OUT" >"$WORK/exposure.json"
python3 - "$WORK/chain.json" "$WORK/exposure.json" <<'PY' || fail "chain and exposure agree with a recomputation"
import json, math, sys
from datetime import datetime, timezone
chain = json.load(open(sys.argv[1])); ex = json.load(open(sys.argv[2]))
as_of = datetime(2026, 1, 2, 20, 45, tzinfo=timezone.utc)
def years(expiry):  # 16:00 New York (21:00 UTC in January) on the expiry date
    y, m, d = map(int, expiry.split("-"))
    return (datetime(y, m, d, 21, 0, tzinfo=timezone.utc) - as_of).total_seconds() / (365 * 86400)
assert chain["as_of"] == "2026-01-02T20:45:00Z" and chain["spot"] == 412.35 and not chain["synthetic"], chain["as_of"]
assert len(chain["contracts"]) == 20
S = chain["spot"]
def gamma(T, K, v):
    d1 = (math.log(S / K) + (v * v / 2) * T) / (v * math.sqrt(T))
    return math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi) / (S * v * math.sqrt(T))
total = 0
for c in chain["contracts"]:
    assert c["iv_status"] == "ok" and 0.15 < c["iv"] < 0.35, c
    # The mid of the quote inverts to an IV near the one the quotes were made with.
    assert abs(c["days"] - years(c["expiry"]) * 365) < 1e-4, c["days"]
    g = gamma(years(c["expiry"]), c["strike"], c["iv"])
    assert abs(g - c["gamma"]) < 1e-9 * max(1, g), (g, c["gamma"])
    total += (1 if c["type"] == "call" else -1) * g * c["open_interest"] * 100 * S * S * 0.01
assert abs(total - ex["totals"]["gex"]) <= 1, (total, ex["totals"]["gex"])
assert abs(sum(s["gex"] for s in ex["strikes"]) - ex["totals"]["gex"]) <= len(ex["strikes"])
assert ex["convention"] == "long-calls-short-puts"
t = ex["totals"]
assert abs(t["pc_oi"] - t["put_oi"] / t["call_oi"]) < 1e-12
assert [e["expiry"] for e in ex["expiries"]] == ["2026-01-09", "2026-01-16"]
assert all(e["max_pain"] in (390, 400, 410, 420, 430) for e in ex["expiries"])
assert ex["unusual"][0]["strike"] == 420 and ex["unusual"][0]["type"] == "call", ex["unusual"]
assert ex["totals"]["zero_gamma"] is None or 300 < ex["totals"]["zero_gamma"] < 520
print("gex", total)
PY
expect_exit 0 "$AIOTS" options exposure MSFT --date '2026-01-02 15:50' --view expiries --format csv
expect_contains "expiries view" "$(head -1 <<<"$OUT")" "expiry,days,forward,atm_iv,put_25d_iv,call_25d_iv,skew_25d,max_pain"
expect_exit 0 "$AIOTS" options exposure MSFT --date '2026-01-02 15:50' --format table --chart
expect_contains "chart" "$OUT" "GEX by strike:"
expect_contains "chart spot marker" "$OUT" "<- spot 412.35"
expect_exit 0 "$AIOTS" options chain MSFT --date '2026-01-02 15:50' --expiry 2026-01-09 --type put --format csv
expect_eq "filters" "$(tail -n +2 <<<"$OUT" | wc -l)" "5"
expect_exit 3 "$AIOTS" options chain MSFT --date '2026-01-02 15:50' --expiry 2026-01-10
expect_contains "expiry list" "$ERR" "expiries: 2026-01-09, 2026-01-16"
expect_exit 3 "$AIOTS" options chain AAPL
expect_contains "no chain" "$ERR" "no option chain of AAPL"
expect_exit 2 "$AIOTS" options exposure MSFT --dealer sideways

# --- synthetic chains from the bundled MSFT bars: deterministic and marked everywhere ---
export AIOTS_DB="$WORK/synth.db"
"$AIOTS" -q data import "$DATA/msft.csv"
expect_exit 0 "$AIOTS" options synth-chain MSFT --seed 7 --json
expect_contains "synth summary" "$OUT" '"synthetic": "yes"'
expect_exit 0 "$AIOTS" options chain MSFT --format csv
echo "$OUT" >"$WORK/synth1.csv"
expect_contains "synthetic column" "$(sed -n 2p <<<"$OUT")" ",yes"
expect_exit 0 "$AIOTS" options exposure MSFT --json
expect_contains "exposure json synthetic" "$OUT" '"synthetic": true'
expect_exit 0 "$AIOTS" options exposure MSFT --format table
expect_contains "exposure banner" "$OUT" "SYNTHETIC chain, not market data (synth-chain seed=7"
expect_exit 3 "$AIOTS" options synth-chain MSFT --seed 7
expect_contains "synth needs --replace" "$ERR" "--replace"
AIOTS_DB="$WORK/other.db" "$AIOTS" -q data import "$DATA/msft.csv"
AIOTS_DB="$WORK/other.db" "$AIOTS" -q options synth-chain MSFT --seed 7
AIOTS_DB="$WORK/other.db" "$AIOTS" options chain MSFT --format csv >"$WORK/synth2.csv"
checks=$((checks + 1))
cmp -s "$WORK/synth1.csv" "$WORK/synth2.csv" || fail "synth-chain is not deterministic"
AIOTS_DB="$WORK/other.db" "$AIOTS" -q options synth-chain MSFT --seed 8 --replace
AIOTS_DB="$WORK/other.db" "$AIOTS" options chain MSFT --format csv >"$WORK/synth3.csv"
checks=$((checks + 1))
! cmp -s "$WORK/synth1.csv" "$WORK/synth3.csv" || fail "another seed gives the same chain"
expect_exit 0 "$AIOTS" options synth-chain MSFT --date 2001-06-29 --expiries 0d,7d,2001-07-20,2m --strikes ±10% --format csv
expect_contains "explicit expiries" "$OUT" "MSFT,2001-06-29T20:00:00Z"
expect_exit 2 "$AIOTS" options synth-chain MSFT --expiries 3q
expect_exit 2 "$AIOTS" options synth-chain MSFT --strikes 150%

# --- options in backtests: the example strategies on synthetic chains ---
STRATS="$AIOTS_SRC/plugins/strategies"
expect_exit 0 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --chains synth --option-commission per-contract=0.65 --json
echo "$OUT" >"$WORK/wheel.json"
python3 - "$WORK/wheel.json" <<'PY' || fail "short put income on synthetic chains"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "completed", r["error"]
o = r["options"]
assert o["contracts"] >= 10, o
s = o["settlements"]
# Puts expire worthless most months; some are assigned (shares delivered), and the covered
# calls written against the shares are exercised.
assert s.get("expired_worthless", 0) >= 5 and s.get("assignment", 0) >= 1 and s.get("exercise", 0) >= 1, s
assert r["config"]["option_commission"] == "per-contract=0.65" and r["metrics"]["commissions"] > 0
assert r["config"]["chains"] == "synth"
PY
expect_exit 0 "$AIOTS" --json runs list
wheel_run=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])' <<<"$OUT")
expect_exit 0 "$AIOTS" --json runs rerun "$wheel_run"
expect_contains "options run reruns identically" "$ERR" "identical to run $wheel_run"
expect_exit 0 "$AIOTS" backtest "$STRATS/gamma_pin.lua" -d MSFT --chains synth:3 --fill close --no-record --json
echo "$OUT" >"$WORK/pin1.json"
python3 - "$WORK/pin1.json" <<'PY' || fail "gamma pin on synthetic chains"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "completed", r["error"]
o = r["options"]
assert o["contracts"] >= 4 and o["contracts"] % 2 == 0, o  # straddles: a call and a put each
assert r["final"]["positions"]["MSFT"] == 0  # delivered shares are flattened
assert all(v == 0 for k, v in r["final"]["positions"].items())
PY
"$AIOTS" backtest "$STRATS/gamma_pin.lua" -d MSFT --chains synth:3 --fill close --no-record --json >"$WORK/pin2.json"
checks=$((checks + 1))
cmp -s "$WORK/pin1.json" "$WORK/pin2.json" || fail "option backtests are not deterministic"
expect_exit 0 "$AIOTS" backtest "$STRATS/gamma_pin.lua" -d MSFT --chains synth:3 --fill close --settlement cash --no-record --json
python3 -c 'import json,sys; s=json.load(sys.stdin)["options"]["settlements"]; assert "assignment" not in s and "exercise" not in s, s' <<<"$OUT" \
  || fail "cash settlement delivers no shares"
# Stored chains: a snapshot on 2001-06-29 serves the bars after it (its volatilities held).
expect_exit 0 "$AIOTS" -q options synth-chain MSFT --date 2001-06-29 --seed 5 --replace
expect_exit 0 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --from 2001-06-29 --to 2001-08-31 --chains store --no-record --json
python3 -c 'import json,sys; r=json.load(sys.stdin); o=r["options"]; assert r["status"]=="completed" and o["contracts"] >= 1 and sum(o["settlements"].values()) >= 1, o' <<<"$OUT" \
  || fail "stored chains in a backtest"
expect_exit 2 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --chains bogus --no-record
expect_contains "bad --chains" "$ERR" "--chains must be none, store, synth or synth:SEED"
expect_exit 2 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --chains synth --settlement maybe --no-record
expect_exit 2 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --chains synth:x --no-record
"$AIOTS" -q data import "$DATA/ttrc.csv"
expect_exit 3 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d TTRC --chains store --no-record
expect_contains "no stored chains" "$ERR" "no option chains of TTRC"
# Without chains an option strategy stops with the reason, not a crash.
expect_exit 1 "$AIOTS" backtest "$STRATS/short_put_income.lua" -d MSFT --no-record --json
expect_contains "options need chains" "$OUT" "NO_OPTION_CHAINS"

finish
