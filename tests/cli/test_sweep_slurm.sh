#!/usr/bin/env bash
# A sweep on a real single-node Slurm (munged, slurmctld, slurmd started privately by
# scripts/slurm/start-local-slurm.sh): an 8-shard plan submitted with aiots-sweep.sbatch as a job
# array plus an afterok merge job ranks exactly as the same sweep run locally; a plan whose
# shards fail is not merged and the script says so. Skipped (exit 77) only where Slurm cannot
# run: its packages missing (scripts/setup-deps.sh --test installs them) or neither root nor
# password-less sudo to start its daemons (jobs then run as the user who submits them).
source "$(dirname "$0")/lib.sh"
for tool in sbatch squeue sinfo slurmctld slurmd munged; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/setup-deps.sh --test installs slurmctld slurmd slurm-client munge)"
    exit 77
  fi
done
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if sudo -n true 2>/dev/null; then
    as_root=(sudo -n --preserve-env=SLURM_LOCAL_DIR,SLURM_LOCAL_CTLD_PORT,SLURM_LOCAL_SLURMD_PORT,SLURM_LOCAL_PURGE)
  else
    echo "SKIP: starting a private Slurm needs root or password-less sudo (slurmd launches jobs as their user)"
    exit 77
  fi
fi

SMA="$AIOTS_SRC/plugins/strategies/sma_crossover.lua"
SBATCH="$AIOTS_SRC/scripts/slurm/aiots-sweep.sbatch"
# The cluster's directory must be reachable by the munge user: directly under /tmp, not in $WORK.
export SLURM_LOCAL_DIR="/tmp/aiots-slurm-test.$$"
# Ports of their own, so a Slurm already running on the machine is left alone.
export SLURM_LOCAL_CTLD_PORT=$((20000 + $$ % 20000)) SLURM_LOCAL_SLURMD_PORT=$((40001 + $$ % 20000))
trap 'SLURM_LOCAL_PURGE=1 "${as_root[@]}" "$AIOTS_SRC/scripts/slurm/stop-local-slurm.sh" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"${as_root[@]}" "$AIOTS_SRC/scripts/slurm/start-local-slurm.sh" >/dev/null 2>"$WORK/slurm-start.log" || {
  cat "$WORK/slurm-start.log" >&2
  echo "FAIL: the local Slurm did not start"
  exit 1
}
source "$SLURM_LOCAL_DIR/env.sh"
export AIOTS  # the jobs run the binary under test

"$AIOTS" -q data import --wide "$DATA/dowjones30_close.csv"
ARGS=(--symbols MSFT,IBM,KO,GE,HD,AA,AXP,BA -g fast=2..30:2 -g slow=35..80:5 --top 0)
expect_exit 0 "$AIOTS" --json sweep "$SMA" "${ARGS[@]}"
cp "$WORK/out" "$WORK/local.json"

expect_exit 0 "$AIOTS" sweep plan "$SMA" "${ARGS[@]}" --shards 8 --out "$WORK/plan"
expect_exit 0 "$SBATCH" "$WORK/plan" --wait
expect_contains "submitted as an array" "$ERR" "8 shards submitted as array job"
checks=$((checks + 1))
[[ -f "$WORK/plan/merged.json" ]] || fail "no merged.json after the merge job"
id=$(python3 -c "import json; print(json.load(open('$WORK/plan/merged.json'))['sweep'])" 2>/dev/null || echo none)
expect_eq "every shard ran under Slurm" "$(ls "$WORK/plan/results/"*.done | wc -l) $(ls "$WORK/plan/logs/"shard-*.out | wc -l)" "8 8"
expect_exit 0 "$AIOTS" --json sweep show "$id"
cp "$WORK/out" "$WORK/merged.json"
checks=$((checks + 1))
python3 - "$WORK/local.json" "$WORK/merged.json" <<'PY' || fail "the Slurm sweep ranks differently from the local one"
import json, sys
local, merged = (json.load(open(p)) for p in sys.argv[1:3])
assert merged["runs"] == local["runs"] and merged["finished"] == local["finished"], (merged["runs"], local["runs"])
assert len(local["top"]) > 100 and merged["top"] == local["top"]
PY

# A failing shard: Slurm cancels the merge, the script exits 1, nothing is merged.
expect_exit 0 "$AIOTS" sweep plan "$SMA" --symbols MSFT,IBM -g fast=2..10:2 -g slow=30,50 --shards 2 --out "$WORK/broken"
echo "-- edited after planning" >>"$WORK/broken/strategy.lua"
sweeps=$(sql "SELECT count(*) FROM sweeps")
expect_exit 1 "$SBATCH" "$WORK/broken" --wait
expect_contains "the script says it was not merged" "$ERR" "was not merged"
expect_contains "the shard's log says why" "$(cat "$WORK/broken/logs/shard-0.out")" "changed since the sweep was defined"
expect_eq "nothing merged" "$(sql "SELECT count(*) FROM sweeps")" "$sweeps"

finish
