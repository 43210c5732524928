#!/usr/bin/env bash
# nightly-sweep.sh: one aiots sweep for cron. Takes a lock so that overlapping invocations do not
# both run, logs every run (one line each) and the JSON summary under a log directory, keeps the
# last N sweeps of the strategy (and their logs), and exits with aiots's status.
#
#   scripts/nightly-sweep.sh [--keep N] [--log-dir DIR] [--name NAME] -- STRATEGY.lua SWEEP_OPTIONS...
#
#   --keep N      sweeps of this strategy to keep in the store, newest first (default 7; 0 = all)
#   --log-dir DIR where logs go (default: $XDG_STATE_HOME/aiots/sweeps, else ~/.local/state/...)
#   --name NAME   names the lock and the log files (default: the strategy file's name)
#
# Environment: AIOTS (the binary, default aiots on PATH), AIOTS_DB (the store).
# Exit status: 0 done; 4 no run passed --where; 5 this sweep is already running (the lock is
# held; nothing was done); 2 usage; anything else: the sweep failed (see the log).
set -euo pipefail

aiots=${AIOTS:-aiots}
keep=7
log_dir=${XDG_STATE_HOME:-$HOME/.local/state}/aiots/sweeps
name=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep) keep=$2; shift 2 ;;
    --log-dir) log_dir=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "nightly-sweep.sh: unknown option $1 (options go before --)" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 1 || ! $keep =~ ^[0-9]+$ ]]; then
  echo "usage: nightly-sweep.sh [--keep N] [--log-dir DIR] [--name NAME] -- STRATEGY.lua SWEEP_OPTIONS..." >&2
  exit 2
fi
strategy=$1
[[ -n $name ]] || name=$(basename "$strategy" .lua)
mkdir -p "$log_dir"

# One invocation at a time per name (aiots's own lock also refuses the same definition, but the
# data may have changed since the last night: this lock covers "the nightly job" itself).
exec 9>"$log_dir/$name.lock"
if ! flock -n 9; then
  echo "nightly-sweep.sh: $name is already running (lock $log_dir/$name.lock held); skipped" >&2
  exit 5
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
log="$log_dir/$name-$stamp.log"
summary="$log_dir/$name-$stamp.json"
echo "nightly-sweep.sh: $(date -u +%FT%TZ) starting $name; log $log" >&2
status=0
"$aiots" --json sweep "$@" --progress lines >"$summary.tmp" 2>"$log" || status=$?
mv "$summary.tmp" "$summary"
echo "nightly-sweep.sh: $(date -u +%FT%TZ) $name finished with status $status" >>"$log"

if [[ $status -eq 0 || $status -eq 4 ]] && [[ $keep -gt 0 ]]; then
  # The sweep's strategy name as the store lists it, then every done sweep of it past the newest N.
  strategy_name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["strategy"])' "$summary" 2>/dev/null || true)
  if [[ -n $strategy_name ]]; then
    "$aiots" --format csv sweep list | tail -n +2 |
      awk -F, -v s="$strategy_name" '$3 == s && $4 == "done" { print $1 }' | tail -n +$((keep + 1)) |
      while read -r old; do
        "$aiots" -q sweep rm "$old" && echo "nightly-sweep.sh: removed sweep $old (keeping $keep)" >>"$log"
      done
  fi
  # Logs of the runs past the newest N.
  ls -1t "$log_dir/$name"-*.log 2>/dev/null | tail -n +$((keep + 1)) | while read -r old; do
    rm -f "$old" "${old%.log}.json"
  done
fi
exit "$status"
