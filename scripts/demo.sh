#!/usr/bin/env bash
# The aiots tour on bundled real data, in a throw-away store: import, inspect, resample,
# indicators, a backtest with its HTML report, the run record, then the daemon: paper trading
# on a replay, positions and P&L, the risk view and the kill switch, the journal check, and a
# canary deployment of a new strategy version. Run through `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
AIOTS=${AIOTS_BIN:-build/cli/aiots}
DATA=examples/data
store_dir=$(mktemp -d)
export AIOTS_DB="$store_dir/aiots.db"
# A private daemon for the tour: its own socket, journal and log.
export XDG_RUNTIME_DIR="$store_dir/run" XDG_DATA_HOME="$store_dir/data" XDG_STATE_HOME="$store_dir/state"
export XDG_CONFIG_HOME="$store_dir/config"
export AIOTSD="${AIOTSD_BIN:-$(dirname "$AIOTS")/../daemon/aiotsd}"
trap '"$AIOTS" -q daemon stop >/dev/null 2>&1; rm -rf "$store_dir"' EXIT

# Checkpoints every 200 journal records (default 50000), so that the tour's short journal has
# some to compact at.
mkdir -p "$XDG_CONFIG_HOME/aiots"
echo "journal_checkpoint_every = 200" > "$XDG_CONFIG_HOME/aiots/aiots.toml"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "aiots demo: a throw-away store in $store_dir"
step "$AIOTS" data import "$DATA/msft.csv" "$DATA/eustock_SMI.csv" "$DATA/eustock_CAC.csv" "$DATA/eustock_FTSE.csv"
step "$AIOTS" data import --symbol USDCHF "$DATA/usdchf_30m.csv"
step "$AIOTS" data resample USDCHF --to 1d --session-tz America/New_York
step "$AIOTS" --format table data list
step "$AIOTS" --format table data show MSFT --from 2001-09-05 --to 2001-09-21
echo "(no bars 2001-09-11..14: the exchange was closed; data list counts no gap there, nor on holidays)"
step "$AIOTS" --format table indicators MSFT --ind 'sma(20),rsi(14),macd(12,26,9),bbands(20,2)' --tail 10
report="${AIOTS_DEMO_REPORT:-build/demo-report.html}"
step "$AIOTS" backtest plugins/strategies/sma_crossover.lua --data MSFT -p fast=10 -p slow=30 \
  --commission per-share=0.005,min=1 --report "$report"
step "$AIOTS" backtest plugins/strategies/momentum_rotation.lua --data "$DATA/dowjones30_close.csv" --wide
step "$AIOTS" --format table runs list

echo
echo "--- risk: every order passes the risk engine (aiots-risk(1)); 1000 MSFT is 60% of the account"
step "$AIOTS" backtest plugins/strategies/sma_crossover.lua --data MSFT -p qty=1000 --no-record
echo "(the same with the position limit raised and a 3% daily loss limit: the halt closes the position)"
step "$AIOTS" backtest plugins/strategies/sma_crossover.lua --data MSFT -p qty=1500 --no-record \
  --limit max_position_pct=100 --limit daily_loss_pct=3

echo "(two strategies in one account share its cash, positions and limits: 100 MSFT each is 5.5%, both together"
echo " pass 10% no more, so the second is refused while the first holds; each keeps its own P&L)"
step "$AIOTS" backtest examples/portfolios/msft_trend_and_reversion.toml --data MSFT --no-record

echo "(a -20% gap on 2001-05-01: the daily-loss rule halts and flattens, exit 0; without it the limits are breached, exit 1)"
step "$AIOTS" stress plugins/strategies/sma_crossover.lua --data MSFT -p qty=1500 --limit max_position_pct=100 \
  --limit daily_loss_pct=0 --scenario gap:-20% --at 2001-05-01 \
  --risk plugins/risk/daily_loss.lua --risk-param daily_loss.max_loss_pct=10
step "$AIOTS" stress plugins/strategies/sma_crossover.lua --data MSFT -p qty=1500 --limit max_position_pct=100 \
  --limit daily_loss_pct=0 --scenario gap:-20% --at 2001-05-01 || echo "(exit $?: breached, as expected)"

echo
echo "--- sweeps: a parameter grid over eight Dow stocks on every core (the file read once), then walk-forward on TTRC"
step "$AIOTS" data import "$DATA/ttrc.csv"
step "$AIOTS" sweep plugins/strategies/sma_crossover.lua --data "$DATA/dowjones30_close.csv" --wide \
  --symbols IBM,KO,GE,HD,AA,AXP,BA,CAT -g fast=5..30:5 -g slow=40..100:20 --where 'max_drawdown<=0.01' --top 5 --format table
step "$AIOTS" sweep plugins/strategies/sma_crossover.lua --data TTRC -g fast=5..20:5 -g slow=30,50 \
  --walk-forward train=4y,test=2y --format table
step "$AIOTS" --format table sweep list
echo "(a deployment playbook in check mode: its backtest gate runs, its live steps are planned)"
step "$AIOTS" --format table deploy plugins/playbooks/canary_promote.lua --dry-run

echo
echo "--- options: pricing, a synthetic MSFT chain and its exposure, options in a backtest"
step "$AIOTS" --format table options greeks --type put --spot 100 --strike 100 --expiry 2001-09-28 --now '2001-09-28 10:00' --vol 0.45
step "$AIOTS" options synth-chain MSFT --seed 7 --format table
step "$AIOTS" options exposure MSFT --format table --chart
step "$AIOTS" backtest plugins/strategies/short_put_income.lua --data MSFT --chains synth --option-commission per-contract=0.65

echo
echo "--- the daemon: the same engine, paper trading live"
step "$AIOTS" daemon start
step "$AIOTS" strategy load plugins/strategies/sma_crossover.lua --symbols MSFT -p fast=10 -p slow=30
echo "(a second strategy in the same account, paper, and a third in an account of its own)"
step "$AIOTS" strategy load plugins/strategies/rsi_mean_reversion.lua --symbols MSFT
step "$AIOTS" strategy load plugins/strategies/sma_crossover.lua --symbols MSFT --name slow_trend --account hedge -p fast=20 -p slow=50
step "$AIOTS" feed replay MSFT --speed max --to 2001-05-31
step "$AIOTS" --format table positions
step "$AIOTS" --format table positions --by account
step "$AIOTS" risk status
echo "(the kill switch: block new orders, close the position at the next bar)"
step "$AIOTS" halt --reason "demo drill" --flatten
step "$AIOTS" --format table orders --open
step "$AIOTS" feed replay MSFT --speed max --from 2001-06-01
step "$AIOTS" --format table orders
step "$AIOTS" --format table pnl
step "$AIOTS" --format table pnl --by account
step "$AIOTS" resume --yes
echo "(live against a backtest of the same period: the halt shows up as fills missed live, and why)"
step "$AIOTS" diff --strategy sma_crossover
step "$AIOTS" journal verify
step "$AIOTS" status
echo "(a clean stop writes a checkpoint: the next start replays nothing; then old records go to an archive)"
step "$AIOTS" daemon stop
step "$AIOTS" journal stats
step "$AIOTS" journal compact --before 2001-06-01
step "$AIOTS" daemon start
step "$AIOTS" journal verify --archive "$XDG_DATA_HOME/aiots/journal-archive.db"
step "$AIOTS" daemon stop

echo
echo "--- a deployment: version 2 of a running strategy, gated, shadowed, canaried, then promoted"
echo "(a second daemon with a journal of its own, on the same store: live trades MSFT with fast=5, slow=12)"
export XDG_DATA_HOME="$store_dir/data2" XDG_RUNTIME_DIR="$store_dir/run2"
sed 's/version = "1.0"/version = "2.0"/' plugins/strategies/sma_crossover.lua > "$store_dir/sma_v2.lua"
step "$AIOTS" daemon start
step "$AIOTS" strategy load plugins/strategies/sma_crossover.lua --symbols MSFT --name live -p fast=5 -p slow=12
step "$AIOTS" feed replay MSFT --speed max --to 2000-12-29
echo "(aiotsd runs the playbook; its gate backtests in a child process, then the shadow counts bars)"
step "$AIOTS" deploy plugins/playbooks/canary_promote.lua -p old=live -p new="$store_dir/sma_v2.lua" \
  -p fast=5 -p slow=12 -p min_sharpe=-1 -p max_drawdown=0.2 -p canary_drawdown=0.05
for _ in $(seq 1 100); do
  "$AIOTS" --json deploy status | grep -q '"waiting": "gate"' || break
  sleep 0.1
done
step "$AIOTS" deploy status
step "$AIOTS" --format table strategy list
echo "(the next bars drive the shadow, the comparison, the canary and the promotion)"
step "$AIOTS" feed replay MSFT --speed max --from 2001-01-02 --to 2001-04-30
step "$AIOTS" --format table deploy show 1
echo "(live now runs version 2 and kept the position version 1 had opened)"
step "$AIOTS" --format table strategy list
step "$AIOTS" --format table positions
step "$AIOTS" --format table deploy history
step "$AIOTS" journal verify
step "$AIOTS" daemon stop
echo
echo "HTML report of the MSFT backtest: $report"
