#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz for SECONDS each, from its seed corpus, in a work
# corpus under BUILD/fuzz-corpus (the seeds in the tree are never written). A crash, leak,
# sanitizer report or timeout stops with its reproducer in BUILD/findings/ and exit 1.
# Usage: run-fuzzers.sh BUILD SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: run-fuzzers.sh BUILD SECONDS}
seconds=${2:?usage: run-fuzzers.sh BUILD SECONDS}
mkdir -p "$build/findings"
status=0
passed=0
failed=0
for harness in fuzz_csv_import fuzz_rpc fuzz_config fuzz_params fuzz_lua_api fuzz_options fuzz_broker_json; do
  name=${harness#fuzz_}
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  log="$build/findings/$name.log"
  if "$build/tests/fuzz/$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/findings/$name-" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo "?")
    echo "fuzz $name: ${seconds}s, $runs runs, coverage $cov edges, no findings"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED; reproducer and log in $build/findings/ ($log):" >&2
    grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' "$log" | head -20 >&2
    status=1
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
