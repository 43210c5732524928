#!/usr/bin/env bash
# Docs stay true to the binary: every option of every command is in its man page and in the
# bash, zsh and fish completions; the man pages build; the bash completion completes.
source "$(dirname "$0")/lib.sh"
MAN="$AIOTS_SRC/man"
COMP="$AIOTS_SRC/completions"

long_options() { "$AIOTS" "$@" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u; }

check_command() {  # check_command MANPAGE WORDS...
  local page=$1
  shift
  local opt
  for opt in $(long_options "$@"); do
    [[ $opt == --help ]] && continue
    checks=$((checks + 1))
    grep -qF -- "*$opt*" "$MAN/$page" || fail "$page does not document $* $opt"
    grep -qF -- "$opt" "$COMP/aiots.bash" || fail "bash completion lacks $* $opt"
    grep -qF -- "'$opt" "$COMP/_aiots" || grep -qF -- "$opt[" "$COMP/_aiots" || grep -qF -- "}'[" "$COMP/_aiots" || fail "zsh completion lacks $* $opt"
    grep -qE -- "-l ${opt#--}( |$)" "$COMP/aiots.fish" || fail "fish completion lacks $* $opt"
  done
}

check_command aiots.1.scd
for sub in import list show export rm resample fetch fetch-news; do
  check_command aiots-data.1.scd data "$sub"
done
check_command aiots-indicators.1.scd indicators
for sub in price greeks iv import list chain exposure synth-chain fetch-chain; do
  check_command aiots-options.1.scd options "$sub"
done
check_command aiots-backtest.1.scd backtest
check_command aiots-stress.1.scd stress
for sub in list show compare rerun rm; do
  check_command aiots-runs.1.scd runs "$sub"
done
check_command aiots-strategy.1.scd strategy load
check_command aiots-reconcile.1.scd reconcile
for sub in replay sim live status stop; do
  check_command aiots-feed.1.scd feed "$sub"
done
for cmd in orders positions pnl signals watch status metrics logs doctor; do
  check_command aiots-daemon.1.scd "$cmd"
done
for cmd in halt reduce resume; do
  check_command aiots-risk.1.scd "$cmd"
done
check_command aiots-backup.1.scd backup
check_command aiots-diff.1.scd diff
check_command aiots-sweep.1.scd sweep
check_command aiots-deploy.1.scd deploy
for sub in resume list show rm plan run-shard merge; do
  check_command aiots-sweep.1.scd sweep "$sub"
done
for sub in verify stats compact; do
  check_command aiots-journal.1.scd journal "$sub"
done
check_command aiots-backup.1.scd restore
check_command aiots-risk.1.scd risk status
check_command aiots-risk.1.scd risk load
check_command aiots-risk.1.scd risk report
# Every risk reason code is in aiots-risk(1).
for code in $(grep -o 'k_[a-z_]* = "[A-Z_]*"' "$AIOTS_SRC/daemon/engine/risk/risk_codes.hpp" | cut -d'"' -f2); do
  checks=$((checks + 1))
  grep -qF -- "*$code*" "$MAN/aiots-risk.1.scd" || fail "aiots-risk(1) does not document $code"
done

# Every RPC method in the daemon's own table is documented, and every configuration key.
methods=$(cd "$WORK" && AIOTS_DOCS_DUMMY=1 python3 - "$AIOTS_BUILD/daemon/aiotsd" <<'PY'
import json, os, socket, subprocess, sys, tempfile, time
d = tempfile.mkdtemp()
open(f"{d}/a.toml", "w").write(f'socket = "{d}/s"\njournal = "{d}/j.db"\nlog_file = "{d}/l"\nstore = "{d}/st.db"\n')
p = subprocess.Popen([sys.argv[1], "--config", f"{d}/a.toml"], stderr=subprocess.DEVNULL)
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(f"{d}/s"); break
    except OSError:
        time.sleep(0.02)
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"rpc.list"}\n')
print(" ".join(m["name"] for m in json.loads(s.makefile().readline())["result"]))
p.terminate(); p.wait()
PY
)
checks=$((checks + 1))
[[ $(wc -w <<<"$methods") -gt 20 ]] || fail "rpc.list returned too little: $methods"
for m in $methods; do
  checks=$((checks + 1))
  grep -qF -- "*$m*" "$MAN/aiots-rpc.7.scd" || fail "aiots-rpc(7) does not document $m"
done
for key in $("$AIOTS" --format csv config show | tail -n +2 | cut -d, -f1); do
  checks=$((checks + 1))
  grep -qF -- "*$key*" "$MAN/aiots.toml.5.scd" || fail "aiots.toml(5) does not document $key"
done

# Every command is in the overview page and the completions.
for cmd in "data import" "data fetch" "data fetch-news" "data list" "data show" "data export" "data rm" "data resample" indicators options backtest stress runs daemon strategy feed status orders positions pnl signals watch halt reduce resume "risk status" metrics "journal verify" "journal compact" diff deploy reconcile sweep "sweep resume" "sweep plan" "sweep run-shard" "sweep merge" logs doctor config help; do
  checks=$((checks + 1))
  grep -qF -- "*$cmd" "$MAN/aiots.1.scd" || fail "aiots(1) lacks $cmd"
done

# Exit codes are documented where users look.
expect_exit 0 "$AIOTS" --help
expect_contains "help footer" "$OUT" "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 data/validation error."
expect_exit 0 "$AIOTS" help data import
expect_contains "help command" "$OUT" "--skip-invalid"
expect_exit 2 "$AIOTS" help nosuch
expect_exit 0 "$AIOTS" --version
expect_contains "version" "$OUT" "aiots 0."
expect_exit 2 "$AIOTS" nosuch
expect_exit 2 "$AIOTS"

# Man pages were built to roff.
for page in "$MAN"/*.scd; do
  out="$AIOTS_BUILD/man/$(basename "${page%.scd}")"
  checks=$((checks + 1))
  head -c 300 "$out" 2>/dev/null | grep -q '^\.TH' || fail "man page $out not built"
done

# The bash completion completes commands, options and symbols.
mkdir -p "$WORK/bin" && ln -s "$(realpath "$AIOTS")" "$WORK/bin/aiots"
"$AIOTS" -q data import "$DATA/msft.csv"
complete_words() {
  PATH="$WORK/bin:$PATH" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _aiots aiots "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP/aiots.bash" "$@" | sort | tr '\n' ' '
}
expect_eq "complete command" "$(complete_words aiots da)" "daemon data "
expect_eq "complete data subcommand" "$(complete_words aiots data re)" "resample "
expect_eq "complete import option" "$(complete_words aiots data import --sk)" "--skip-invalid "
expect_eq "complete symbol" "$(complete_words aiots data show MS)" "MSFT "
expect_eq "complete format" "$(complete_words aiots --format j)" "json "
expect_eq "complete backtest option" "$(complete_words aiots backtest x.lua --comm)" "--commission "
expect_eq "complete runs" "$(complete_words aiots runs re)" "rerun "
expect_eq "complete options subcommand" "$(complete_words aiots options ex)" "exposure "
expect_eq "complete option type" "$(complete_words aiots options price --type p)" "put "
expect_eq "complete after a valued option" "$(complete_words aiots options greeks --type call --am)" "--american "
expect_eq "complete dealer" "$(complete_words aiots options exposure MSFT --dealer s)" "short-all "
expect_eq "complete synth symbol" "$(complete_words aiots options synth-chain MS)" "MSFT "

# zsh and fish parse their completion files.
if command -v zsh >/dev/null; then
  checks=$((checks + 1)); zsh -n "$COMP/_aiots" || fail "zsh completion has a syntax error"
fi
if command -v fish >/dev/null; then
  checks=$((checks + 1)); fish --no-execute "$COMP/aiots.fish" || fail "fish completion has a syntax error"
fi

finish
