#!/usr/bin/env bash
# The journal's lifecycle: checkpoints, journal compact (with aiotsd running and stopped), the
# archive (verify --archive from the very first record), restarts after compaction, and the
# errors: a bad date, another journal's archive, a compacted journal whose checkpoint is gone.
source "$(dirname "$0")/lib.sh"
daemon_env
STRAT="$AIOTS_SRC/plugins/strategies"
mkdir -p "$XDG_CONFIG_HOME/aiots"
printf 'journal_checkpoint_every = 200\n[feed]\nresume = false\n' > "$XDG_CONFIG_HOME/aiots/aiots.toml"
ARCHIVE="$WORK/data/aiots/journal-archive.db"
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }

"$AIOTS" -q daemon start
"$AIOTS" -q strategy load "$STRAT/sma_crossover.lua" --symbols SIM --name sma -p fast=2 -p slow=5
expect_exit 0 "$AIOTS" -q feed sim SIM --bars 8000 --seed 3 --start 2020-01-02T14:30:00Z
expect_exit 0 "$AIOTS" --json journal stats
total=$(py 'j["records"]')
expect_eq "checkpoints written every 200 records (at the next commit)" "$(py 'j["checkpoints"] >= j["records"] // 500')" "True"
expect_exit 0 "$AIOTS" journal stats
expect_contains "stats names the last checkpoint" "$OUT" "checkpoint  at record"

# Compaction while aiotsd runs: the records before the date go to the archive.
expect_exit 2 "$AIOTS" journal compact --before 2020-13-45
expect_contains "bad date named" "$ERR" "2020-13-45"
expect_exit 0 "$AIOTS" --json journal compact --before 2020-01-06
through=$(py 'j["through"]')
archived=$(py 'j["archived"]')
[[ $archived -gt 1000 ]] || fail "only $archived records archived"
checks=$((checks + 1))
expect_eq "archive at the default path" "$(py 'j["archive"]')" "$ARCHIVE"
expect_eq "the journal begins at the checkpoint it kept" "$(sqlite3 "$JOURNAL" 'SELECT min(seq) FROM journal'):$(sqlite3 "$JOURNAL" 'SELECT min(seq) FROM checkpoints')" "$through:$through"
expect_eq "the archive holds every record through the cut" "$(sqlite3 "$ARCHIVE" 'SELECT count(*), min(seq), max(seq) FROM journal')" "$through|1|$through"
expect_eq "no record archived from on or after the date" \
  "$(sqlite3 "$ARCHIVE" "SELECT count(*) FROM journal WHERE ts >= $(date -u -d 2020-01-06 +%s)000000000")" "0"
expect_eq "nothing lost: archive + journal" \
  "$(( $(sqlite3 "$ARCHIVE" 'SELECT count(*) FROM journal') + $(sqlite3 "$JOURNAL" 'SELECT count(*) FROM journal') - 1 ))" \
  "$(sqlite3 "$JOURNAL" 'SELECT max(seq) FROM journal')"
expect_exit 0 "$AIOTS" --json journal verify
expect_eq "verify starts from the kept checkpoint" "$(py 'j["from"], j["ok"]')" "$through True"
expect_exit 0 "$AIOTS" --json journal verify --archive "$ARCHIVE"
expect_eq "verify --archive replays from record 1" "$(py 'j["from"], j["ok"], j["records"] >= '"$total"', j["checkpoints"]["ok"]')" "1 True True True"
expect_exit 0 "$AIOTS" journal verify --archive "$ARCHIVE"
expect_contains "human verify" "$OUT" "with the archive"
# Compacting again with nothing new before the date moves nothing.
expect_exit 0 "$AIOTS" --json journal compact --before 2020-01-06
expect_eq "second compaction is a no-op" "$(py 'j["archived"]')" "0"

# A kill -9 after compaction: the restart needs nothing from the archive. (Marks come with the
# next bars: positions are compared by quantity and cost.)
held() { python3 -c 'import json,sys; print([(p["strategy"], p["symbol"], p["qty"], p["avg_price"]) for p in json.load(sys.stdin)])' <<<"$OUT"; }
expect_exit 0 "$AIOTS" --json positions
before_kill=$(held)
kill -9 "$(cat "$SOCKET.pid")"
sleep 0.2
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json positions
expect_eq "positions after compaction and kill -9" "$(held)" "$before_kill"
expect_exit 0 "$AIOTS" journal verify

# Another journal's archive is refused, and nothing is deleted.
sqlite3 "$WORK/other.db" "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, strategy TEXT NOT NULL, data TEXT NOT NULL); INSERT INTO journal VALUES (1, 0, 'x', '', '{}'), (2, 0, 'x', '', '{}');"
expect_exit 0 "$AIOTS" -q feed sim SIM --bars 4000 --seed 4 --start 2020-01-13T14:30:00Z
kept=$(sqlite3 "$JOURNAL" 'SELECT count(*) FROM journal')
expect_exit 3 "$AIOTS" journal compact --before 2020-01-15 --archive "$WORK/other.db"
expect_contains "wrong archive named" "$ERR" "not this journal's archive"
expect_eq "nothing deleted" "$(sqlite3 "$JOURNAL" 'SELECT count(*) FROM journal')" "$kept"

# With aiotsd stopped, the CLI compacts the file itself and shrinks it.
"$AIOTS" -q daemon stop
expect_exit 0 "$AIOTS" --json journal compact --before 2020-01-15
expect_eq "offline compaction shrinks the file" "$(py 'j["archived"] > 0 and j["bytes_after"] < j["bytes_before"]')" "True"
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json journal verify --archive "$ARCHIVE"
expect_eq "verify --archive after two compactions" "$(py 'j["ok"], j["from"]')" "True 1"
expect_exit 3 "$AIOTS" journal verify --archive "$WORK/missing.db"
expect_contains "missing archive named" "$ERR" "missing.db"

# A compacted journal whose kept checkpoint is damaged cannot be rebuilt: aiotsd says why.
expect_exit 0 "$AIOTS" --json positions
before_stop=$(held)
"$AIOTS" -q daemon stop
sqlite3 "$JOURNAL" "UPDATE checkpoints SET sha256 = 'x'"
expect_exit 1 "$AIOTS" daemon start
expect_contains "start refuses a compacted journal without a usable checkpoint" "$ERR$OUT" "compacted"
# The runbook's remedy: merge the archive back; the start then replays from an archived checkpoint.
sqlite3 "$JOURNAL" "ATTACH '$ARCHIVE' AS a; INSERT OR IGNORE INTO journal SELECT * FROM a.journal; INSERT OR IGNORE INTO checkpoints SELECT * FROM a.checkpoints;"
expect_exit 0 "$AIOTS" -q daemon start
expect_exit 0 "$AIOTS" --json positions
expect_eq "positions after merging the archive back" "$(held)" "$before_stop"
expect_exit 3 "$AIOTS" --json journal verify
expect_contains "verify names the damaged checkpoints" "$OUT" "checksum does not match"
"$AIOTS" -q daemon stop
finish
