#!/usr/bin/env bash
# aiots sweep: grid and random search ranked like single backtests, walk-forward folds checked
# against hand-run backtests, a sweep killed mid-way and resumed ranking exactly as an
# uninterrupted one, a second invocation of a running sweep refused, and plan/run-shard/merge
# on one machine ranking as the local sweep does (the Slurm run is test_sweep_slurm.sh).
source "$(dirname "$0")/lib.sh"
SMA="$AIOTS_SRC/plugins/strategies/sma_crossover.lua"
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
# same_top A B: the ranked rows of two --json reports are identical (ids aside).
same_top() { python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a['top']==b['top'] and len(a['top'])>0 else 1)" "$1" "$2"; }

"$AIOTS" -q data import "$DATA/ttrc.csv"
"$AIOTS" -q data import --wide "$DATA/dowjones30_close.csv"

# --- A grid: every combination runs, the ranking is by Sharpe, best first, and the best row's
# metrics are exactly those of a plain backtest with its parameters.
expect_exit 0 "$AIOTS" --json sweep "$SMA" --data TTRC -g fast=5..20:5 -g slow=20,30,50 --top 0
expect_eq "runs and finished" "$(py 'j["runs"], j["finished"], j["not_completed"], len(j["top"])')" "12 12 1 11"
expect_eq "ranked by sharpe, descending" \
  "$(py 'all(a["metrics"]["sharpe"] >= b["metrics"]["sharpe"] for a, b in zip(j["top"], j["top"][1:]))')" "True"
best_fast=$(py 'j["top"][0]["params"]["fast"]')
best_slow=$(py 'j["top"][0]["params"]["slow"]')
best_sharpe=$(py 'repr(j["top"][0]["metrics"]["sharpe"])')
best_return=$(py 'repr(j["top"][0]["metrics"]["total_return"])')
sweep_id=$(py 'j["sweep"]')
expect_eq "results stored as they finish" "$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $sweep_id")" "12"
expect_eq "the invalid combination is kept with its error" \
  "$(sql "SELECT status, error LIKE '%fast (20) must be shorter than slow (20)%' FROM sweep_results WHERE sweep_id = $sweep_id AND status <> 'completed'")" \
  "stopped|1"
expect_exit 0 "$AIOTS" --json backtest "$SMA" --data TTRC -p fast="$best_fast" -p slow="$best_slow" --no-record
expect_eq "the best run equals its backtest" "$(py 'repr(j["metrics"]["sharpe"]), repr(j["metrics"]["total_return"])')" \
  "$best_sharpe $best_return"

# A CSV file as the data, wide or long, loaded once for every run.
expect_exit 0 "$AIOTS" --json sweep "$SMA" --data "$DATA/dowjones30_close.csv" --wide --symbols MSFT,IBM -g fast=5,10 --top 0
expect_eq "a wide file's columns as symbols" "$(py 'sorted(set(r["symbol"] for r in j["top"])), j["runs"]')" "['IBM', 'MSFT'] 4"
expect_exit 0 "$AIOTS" --json sweep "$SMA" --data "$DATA/msft.csv" -g fast=5,10 -g slow=30,50 --top 1
expect_eq "a long file" "$(py 'j["runs"], j["top"][0]["symbol"]')" "4 MSFT"

# --- The parameter space is checked against the strategy's declarations.
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fsat=5..20
expect_contains "unknown name lists the declared" "$ERR" "declares no parameter 'fsat'"
expect_contains "... with types" "$ERR" "fast (int)"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=2.5..9
expect_contains "type checked" "$ERR" "fast"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g qty=0..10:5
expect_contains "declared minimum" "$ERR" "out of range"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=9..3
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 --rank luck
expect_contains "rank names the metrics" "$ERR" "sortino"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 --where 'sharpe>>1'
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 -p fast=3
expect_exit 3 "$AIOTS" sweep "$SMA" --data NOPE -g fast=5..9
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 --jobs 100000
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 --random 1000000000000
expect_contains "a sweep too large to hold" "$ERR" "narrow"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g qty=1e12
expect_exit 3 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..9 --walk-forward train=9999y,test=1y
expect_eq "nothing stored by refused sweeps" "$(sql "SELECT count(*) FROM sweeps")" "3"

# --- --where and exit status 4; drawdowns compare by size.
expect_exit 0 "$AIOTS" --json sweep "$SMA" --data TTRC -g fast=5..20:5 -g slow=30,50 --where 'max_drawdown<=0.009 and trades>=60' --top 0
expect_eq "every shown run passes the filter" \
  "$(py 'len(j["top"]) == j["passed"] > 0 and all(abs(r["metrics"]["max_drawdown"]) <= 0.009 and r["metrics"]["trades"] >= 60 for r in j["top"])')" "True"
expect_exit 4 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5..20:5 -g slow=30,50 --where 'max_drawdown<=0.0001'
expect_contains "exit 4 says why" "$ERR" "no run passed the filter"

# --- Random search: the same seed draws the same points; another seed others.
expect_exit 0 "$AIOTS" --json sweep "$SMA" --symbols MSFT,IBM -g fast=2..20 -g slow=25..80 --random 15 --seed 7 --top 0
cp "$WORK/out" "$WORK/random7a.json"
expect_eq "random: runs = points x symbols" "$(py 'j["runs"]')" "30"
expect_eq "random points in range" \
  "$(py 'all(2 <= r["params"]["fast"] <= 20 and 25 <= r["params"]["slow"] <= 80 for r in j["top"])')" "True"
expect_exit 0 "$AIOTS" --json sweep "$SMA" --symbols MSFT,IBM -g fast=2..20 -g slow=25..80 --random 15 --seed 7 --top 0
cp "$WORK/out" "$WORK/random7b.json"
checks=$((checks + 1)); same_top "$WORK/random7a.json" "$WORK/random7b.json" || fail "random: the same seed ranks the same"
expect_exit 0 "$AIOTS" --json sweep "$SMA" --symbols MSFT,IBM -g fast=2..20 -g slow=25..80 --random 15 --seed 8 --top 0
checks=$((checks + 1)); ! same_top "$WORK/random7a.json" "$WORK/out" || fail "random: another seed draws other points"

# --- --estimate runs one run and records nothing; --progress=lines prints one line per run.
before=$(sql "SELECT count(*) FROM sweeps")
expect_exit 0 "$AIOTS" --json sweep "$SMA" --symbols MSFT,IBM,KO -g fast=2..40:2 -g slow=45..100:5 --estimate
expect_eq "estimate counts the runs" "$(py 'j["runs"], j["jobs"] >= 1, j["estimated_seconds"] > 0')" "720 True True"
expect_eq "estimate records nothing" "$(sql "SELECT count(*) FROM sweeps")" "$before"
expect_exit 0 "$AIOTS" sweep "$SMA" --symbols MSFT,KO -g fast=5,10 -g slow=30,50 --progress lines
expect_eq "one progress line per run" "$(grep -c ' completed sharpe=' <<<"$ERR")" "8"

# --- Killed mid-way and resumed: exactly the ranking of the uninterrupted sweep.
# (Under the sanitizers, half the runs: the point is the kill and the resume, not the count.)
big_symbols=MSFT,IBM,KO,GE
[[ ${AIOTS_SANITIZED:-0} == 1 ]] && big_symbols=MSFT,IBM
BIG=(--symbols $big_symbols -g fast=2..40:2 -g slow=45..100:5 --top 25 --jobs 2)
expect_exit 0 "$AIOTS" --json sweep "$SMA" "${BIG[@]}"
cp "$WORK/out" "$WORK/uninterrupted.json"
total=$(py 'j["runs"]')
"$AIOTS" --json sweep "$SMA" "${BIG[@]}" --progress none >"$WORK/killed.json" 2>"$WORK/killed.err" &
victim=$!
id=""
for _ in $(seq 300); do
  id=$(sql "SELECT max(id) FROM sweeps WHERE status = 'running'")
  [[ -n "$id" && $(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $id") -ge 100 ]] && break
  sleep 0.05
done
# While it runs, the same sweep started again (a second cron invocation) is refused.
expect_exit 5 "$AIOTS" sweep "$SMA" "${BIG[@]}"
expect_contains "the second invocation names the first" "$ERR" "already running (pid $victim, sweep $id)"
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
done_before=$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $id")
checks=$((checks + 1))
[[ $done_before -ge 100 && $done_before -lt $total ]] || fail "the kill came mid-way ($done_before of $total runs done)"
expect_exit 0 "$AIOTS" --json sweep list
expect_eq "a killed sweep lists as interrupted" "$(py "[s['status'] for s in j if s['id'] == $id]")" "['interrupted']"
expect_exit 0 "$AIOTS" --json sweep resume "$id"
cp "$WORK/out" "$WORK/resumed.json"
expect_contains "resume continues" "$ERR" "resuming sweep $id: $done_before of $total runs done"
expect_eq "resumed sweep is complete" "$(sql "SELECT status, (SELECT count(*) FROM sweep_results WHERE sweep_id = $id) FROM sweeps WHERE id = $id")" "done|$total"
checks=$((checks + 1)); same_top "$WORK/uninterrupted.json" "$WORK/resumed.json" || fail "resumed ranking differs from the uninterrupted one"
expect_exit 0 "$AIOTS" sweep resume "$id"
expect_contains "resuming a done sweep only reports" "$ERR" "already done"
# A strategy edited after the sweep began cannot be resumed into the same ranking.
cp "$SMA" "$WORK/sma.lua"
"$AIOTS" --json sweep "$WORK/sma.lua" --symbols MSFT,IBM -g fast=2..40:2 -g slow=45..100:5 >/dev/null 2>&1 &
victim=$!
for _ in $(seq 300); do
  id2=$(sql "SELECT max(id) FROM sweeps WHERE status = 'running'")
  [[ -n "$id2" ]] && break
  sleep 0.02
done
kill -9 "$victim"; wait "$victim" 2>/dev/null || true
echo "-- edited" >>"$WORK/sma.lua"
if [[ $(sql "SELECT status FROM sweeps WHERE id = $id2") == running ]]; then
  expect_exit 3 "$AIOTS" sweep resume "$id2"
  expect_contains "an edited strategy is refused" "$ERR" "changed since the sweep was defined"
fi

# --- show re-ranks without running; rm removes.
expect_exit 0 "$AIOTS" --json sweep show "$sweep_id" --rank calmar --top 3
expect_eq "show re-ranks" "$(py 'j["rank"], len(j["top"]), all(a["metrics"]["calmar"] >= b["metrics"]["calmar"] for a, b in zip(j["top"], j["top"][1:]))')" "calmar 3 True"
expect_exit 0 "$AIOTS" sweep rm "$sweep_id"
expect_exit 3 "$AIOTS" sweep show "$sweep_id"
expect_eq "rm removes the results" "$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $sweep_id")" "0"

# --- Walk-forward, hand-checked on fold 0: the chosen point is the best training backtest, and
# the out-of-sample figure is the backtest of the test window with it.
expect_exit 0 "$AIOTS" --json sweep "$SMA" --data TTRC -g fast=5,10 -g slow=30,50 --walk-forward train=4y,test=2y
cp "$WORK/out" "$WORK/wf.json"
expect_eq "folds (8 of 4y+2y, stepping 2y over 1985-2006)" "$(py 'len(j["walk_forward"]["folds"]), j["runs"]')" "8 40"
expect_eq "fold 0 windows" \
  "$(py '[j["walk_forward"]["folds"][0][k] for k in ("train_from", "train_to", "test_from", "test_to")]')" \
  "['1985-01-02', '1989-01-01', '1989-01-02', '1991-01-01']"
chosen=$(py '"%d %d" % (j["walk_forward"]["folds"][0]["params"]["fast"], j["walk_forward"]["folds"][0]["params"]["slow"])')
best=""; best_sharpe=-1e9
for fast in 5 10; do
  for slow in 30 50; do
    expect_exit 0 "$AIOTS" --json backtest "$SMA" --data TTRC --from 1985-01-02 --to 1989-01-01 -p fast=$fast -p slow=$slow --no-record
    s=$(py 'j["metrics"]["sharpe"]')
    if python3 -c "import sys; sys.exit(0 if float('$s') > float('$best_sharpe') else 1)"; then best="$fast $slow"; best_sharpe=$s; fi
  done
done
expect_eq "fold 0 chose the best training backtest" "$chosen" "$best"
expect_exit 0 "$AIOTS" --json backtest "$SMA" --data TTRC --from 1989-01-02 --to 1991-01-01 -p fast=${chosen% *} -p slow=${chosen#* } --no-record
oos=$(py 'repr(j["metrics"]["sharpe"])')
OUT=$(cat "$WORK/wf.json")
expect_eq "fold 0 out of sample is the test-window backtest" "$(py 'repr(j["walk_forward"]["folds"][0]["out_of_sample"]["sharpe"])')" "$oos"
expect_eq "overfitting rule applied per fold" \
  "$(py 'all(f["overfit"] == (f["in_sample"]["sharpe"] > 0 and f["out_of_sample"]["sharpe"] < 0.5 * f["in_sample"]["sharpe"]) for f in j["walk_forward"]["folds"])')" "True"
expect_exit 3 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5,10 --walk-forward train=30y,test=1y
expect_contains "too little data for one fold" "$ERR" "shorter than one training and one test window"
expect_exit 2 "$AIOTS" sweep "$SMA" --data TTRC -g fast=5,10 --walk-forward train=4y

# --- plan / run-shard / merge on one machine: the merged ranking is the local one.
PLAN_ARGS=(--symbols MSFT,IBM,KO,GE -g fast=2..20:2 -g slow=30,50 --top 0)
expect_exit 0 "$AIOTS" --json sweep "$SMA" "${PLAN_ARGS[@]}"
cp "$WORK/out" "$WORK/local.json"
expect_exit 0 "$AIOTS" sweep plan "$SMA" "${PLAN_ARGS[@]}" --shards 3 --out "$WORK/plan"
expect_exit 2 "$AIOTS" sweep plan "$SMA" "${PLAN_ARGS[@]}" --shards 3 --out "$WORK/plan"
expect_contains "a plan never overwrites" "$ERR" "not empty"
expect_exit 0 "$AIOTS" -q sweep run-shard "$WORK/plan" --shard 0
expect_exit 0 "$AIOTS" -q sweep run-shard "$WORK/plan" --shard 2
expect_exit 1 "$AIOTS" sweep merge "$WORK/plan"
expect_contains "merge waits for every shard" "$ERR" "shards 1 have not finished"
expect_exit 2 "$AIOTS" sweep run-shard "$WORK/plan" --shard 3
# A shard cut short (a kill mid-line) resumes on a line boundary.
"$AIOTS" -q sweep run-shard "$WORK/plan" --shard 1
head -c -40 "$WORK/plan/results/shard-1.jsonl" >"$WORK/cut" && cp "$WORK/cut" "$WORK/plan/results/shard-1.jsonl"
rm "$WORK/plan/results/shard-1.done"
expect_exit 0 "$AIOTS" -q sweep run-shard "$WORK/plan" --shard 1
expect_eq "the cut run is redone once" "$(wc -l <"$WORK/plan/results/shard-1.jsonl")" "27"
expect_exit 0 "$AIOTS" --json sweep merge "$WORK/plan"
checks=$((checks + 1)); same_top "$WORK/local.json" "$WORK/out" || fail "merged shards rank as the local sweep"
expect_exit 3 "$AIOTS" sweep merge "$WORK/plan"
expect_contains "merging twice is refused" "$ERR" "already merged"
expect_exit 2 "$AIOTS" sweep plan "$SMA" --data TTRC -g fast=5,10 --walk-forward train=4y,test=2y --shards 2 --out "$WORK/wfplan"

# --- The cron wrapper: logs, exit status, keeping the last N sweeps, one night at a time.
NIGHTLY="$AIOTS_SRC/scripts/nightly-sweep.sh"
LOGS="$WORK/nightly"
NARGS=(-- "$SMA" --symbols MSFT,KO -g fast=5,10 -g slow=30,50)
expect_exit 0 env AIOTS="$AIOTS" "$NIGHTLY" --keep 1 --log-dir "$LOGS" "${NARGS[@]}"
expect_exit 0 env AIOTS="$AIOTS" "$NIGHTLY" --keep 1 --log-dir "$LOGS" "${NARGS[@]}"
expect_eq "keeps the last sweep of the strategy" \
  "$(sql "SELECT count(*) FROM sweeps WHERE strategy = 'sma_crossover' AND status = 'done'")" "1"
expect_eq "and its log and summary" "$(ls "$LOGS"/sma_crossover-*.log | wc -l) $(ls "$LOGS"/sma_crossover-*.json | wc -l)" "1 1"
expect_eq "the log has one line per run" "$(grep -c ' completed sharpe=' "$LOGS"/sma_crossover-*.log)" "8"
expect_eq "the summary is the sweep's JSON" "$(python3 -c "import json,glob; print(json.load(open(glob.glob('$LOGS/*.json')[0]))['runs'])")" "8"
expect_exit 4 env AIOTS="$AIOTS" "$NIGHTLY" --log-dir "$LOGS" "${NARGS[@]}" --where 'trades>100000'
flock "$LOGS/sma_crossover.lock" sleep 5 &
holder=$!
sleep 0.3
expect_exit 5 env AIOTS="$AIOTS" "$NIGHTLY" --log-dir "$LOGS" "${NARGS[@]}"
expect_contains "an overlapping night is skipped" "$ERR" "already running"
kill "$holder" 2>/dev/null || true
expect_exit 2 "$NIGHTLY" --keep x -- "$SMA"

finish
