#!/usr/bin/env bash
# aiots backup and restore: a backup taken while aiotsd replays (orders and fills flowing) is
# consistent, restores into a fresh place and passes journal verify with the same positions;
# a backup never overwrites, a restore refuses while aiotsd runs, without --yes off a terminal,
# and when a file does not match its manifest (nothing replaced then).
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

"$AIOTS" -q data import "$DATA/msft.csv"
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM -p fast=2 -p slow=5
"$AIOTS" -q feed sim SIM --bars 200000 --seed 3 --detach
sleep 0.5
expect_exit 0 "$AIOTS" --json backup "$WORK/bk"
expect_eq "manifest" "$(json '[(f["name"], len(f["sha256"]), f["bytes"] > 0) for f in j["files"]], j["files"][0]["records"] > 100, j["files"][1]["runs"]')" \
  "[('journal.db', 64, True), ('aiots.db', 64, True)] True 0"
records=$(json 'j["files"][0]["records"]')
expect_eq "owner only" "$(stat -c %a "$WORK/bk") $(stat -c %a "$WORK/bk/journal.db")" "700 600"
expect_eq "only the backup" "$(ls "$WORK/bk" | tr '\n' ' ')" "MANIFEST.json aiots.db journal.db "
expect_exit 2 "$AIOTS" backup "$WORK/bk"
expect_contains "never overwrites" "$ERR" "exists and is not an empty directory"
expect_exit 2 "$AIOTS" restore "$WORK/bk" --yes
expect_contains "not while running" "$ERR" "aiotsd is running: stop it first"
expect_exit 0 "$AIOTS" daemon stop

# Into a fresh place: aiotsd comes back to the state of the backup's instant.
export XDG_DATA_HOME="$WORK/fresh" AIOTS_DB="$WORK/fresh/aiots/aiots.db"
expect_exit 0 "$AIOTS" restore "$WORK/bk"
expect_exit 0 "$AIOTS" daemon start
# The feed running at the backup's instant resumes after its last bar in the backup.
expect_exit 0 "$AIOTS" --json feed status
expect_eq "feed resumed from the backup" "$(json 'j["kind"], j["resumed_after"] is not None, j["skipped"] + j["bars_done"] <= j["bars_total"]')" "sim True True"
expect_exit 0 "$AIOTS" -q feed stop
expect_exit 0 "$AIOTS" --json journal verify
expect_eq "verified, every record back" "$(json 'j["ok"], j["records"] > '"$records")" "True True"
verified=$(json 'j["records"]')
expect_exit 0 "$AIOTS" --json journal stats
expect_eq "journal stats" "$(json 'j["records"] >= '"$verified"', j["last_seq"] == j["records"], j["kinds"]["feed.started"], j["kinds"]["feed.resumed"], j["checkpoints"] >= 1, j["last_checkpoint"]["seq"] + j["last_checkpoint"]["records_after"] == j["last_seq"], j["first_event"] < j["last_event"]')" \
  "True True 1 1 True True True"
expect_exit 0 "$AIOTS" journal stats
expect_contains "stats text" "$OUT" "checkpoint  at record"
expect_exit 0 "$AIOTS" --json data list
expect_eq "store restored" "$(json '[s["symbol"] for s in j]')" "['MSFT']"
expect_exit 0 "$AIOTS" daemon stop
expect_exit 2 "$AIOTS" restore "$WORK/bk" </dev/null
expect_contains "asks first" "$ERR" "pass --yes (stdin is not a terminal)"

# A damaged backup is refused, naming the file; nothing is replaced.
before=$(sha256sum "$AIOTS_DB" | cut -d' ' -f1)
printf 'x' | dd of="$WORK/bk/aiots.db" bs=1 seek=5000 conv=notrunc status=none
expect_exit 3 "$AIOTS" restore "$WORK/bk" --yes
expect_contains "checksum" "$ERR" "$WORK/bk/aiots.db: sha256"
expect_contains "checksum says" "$ERR" "does not match the manifest's"
expect_eq "nothing replaced" "$(sha256sum "$AIOTS_DB" | cut -d' ' -f1)" "$before"
expect_exit 3 "$AIOTS" restore "$WORK/nothing"
expect_contains "no manifest" "$ERR" "no manifest"

finish
