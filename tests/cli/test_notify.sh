#!/usr/bin/env bash
# Alerts to a webhook, against a local HTTP server: halts and risk transitions posted as JSON
# (text/content for Slack, Discord and Telegram, and the event), a retry after a 500 with its
# backoff, a permanent 4xx not retried, an unreachable endpoint counted as failed, and the secret
# in the URL never shown: not in status, --json, the log or error messages.
source "$(dirname "$0")/lib.sh"
daemon_env
PLAN="$AIOTS_SRC/tests/data/strategies/order_plan.lua"
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$OUT"; }
SERVERS=()
trap 'kill ${SERVERS[*]} 2>/dev/null; kill -9 $(cat "$SOCKET.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# serve NAME STATUSES: a webhook server; its port in $PORT, its requests in $WORK/NAME.log.
serve() {
  rm -f "$WORK/$1.port"
  python3 "$(dirname "$0")/helpers/webhook_server.py" "$WORK/$1.port" "$WORK/$1.log" "$2" &
  SERVERS+=($!)
  for _ in $(seq 100); do [[ -s $WORK/$1.port ]] && break; sleep 0.05; done
  PORT=$(cat "$WORK/$1.port")
}
# wait_lines FILE N: until FILE has N lines (at most 10 s).
wait_lines() { for _ in $(seq 200); do [[ -f $1 && $(wc -l <"$1") -ge $2 ]] && return; sleep 0.05; done; }

"$AIOTS" -q data import "$DATA/msft.csv"
mkdir -p "$XDG_CONFIG_HOME/aiots"
serve hook 500,200
printf 'http://127.0.0.1:%s/hooks/T0PSECRET?token=ALSOSECRET\n' "$PORT" >"$WORK/hook.url"
chmod 644 "$WORK/hook.url"
cat >"$XDG_CONFIG_HOME/aiots/aiots.toml" <<TOML
[notify]
webhook_url_file = "$WORK/hook.url"
backoff_ms = 300
TOML
# A secret others may read is refused, naming the file, not the URL.
expect_exit 1 "$AIOTS" daemon start
expect_contains "mode checked" "$ERR" "notify.webhook_url_file $WORK/hook.url: readable by others (mode 644); it holds a secret: chmod 600 it"
chmod 600 "$WORK/hook.url"
expect_exit 0 "$AIOTS" daemon start
expect_exit 0 "$AIOTS" -q strategy load "$PLAN" --symbols MSFT --name alpha -p 'plan=2:buy:10'
expect_exit 0 "$AIOTS" -q feed replay MSFT --to 2000-10-05
expect_exit 0 "$AIOTS" -q halt --reason drill
# Two alerts (the halt, then the account's transition): the first answered 500, retried after
# the backoff, then both delivered.
wait_lines "$WORK/hook.log" 3
expect_eq "requests" "$(python3 -c '
import json
rows = [json.loads(l) for l in open("'"$WORK/hook.log"'")]
print([(r["status"], r["body"]["event"]["kind"]) for r in rows])')" "[(500, 'halt'), (200, 'halt'), (200, 'risk.event')]"
expect_eq "backoff before the retry" "$(python3 -c '
import json
rows = [json.loads(l) for l in open("'"$WORK/hook.log"'")]
print(rows[1]["time"] - rows[0]["time"] >= 0.3)')" "True"
expect_eq "bodies" "$(python3 -c '
import json
rows = [json.loads(l) for l in open("'"$WORK/hook.log"'")]
print(rows[1]["content_type"], "|", rows[1]["body"]["text"] == rows[1]["body"]["content"], "|", rows[1]["body"]["text"].split(" [")[0], "|", rows[2]["body"]["text"])')" \
  "application/json | True | aiotsd: trading HALTED: drill | aiotsd: account ACTIVE -> HALTED MANUAL_HALT (account paper) by alpha: reason=drill [2000-10-05T00:00:00Z]"
expect_exit 0 "$AIOTS" --json status
expect_eq "status" "$(json 'j["notify"]["webhook"], j["notify"]["sent"], j["notify"]["retries"], j["notify"]["failed"], j["notify"]["dropped"]')" \
  "http://127.0.0.1:$PORT/... 2 1 0 0"
expect_exit 0 "$AIOTS" -q resume --yes
wait_lines "$WORK/hook.log" 5
expect_eq "resume alerted" "$(tail -2 "$WORK/hook.log" | python3 -c 'import json,sys; print([json.loads(l)["body"]["event"]["kind"] for l in sys.stdin])')" "['resume', 'risk.event']"

# A 404 is not retried; an endpoint that does not answer is retried, then counted as failed.
serve gone 404
printf 'http://127.0.0.1:%s/hooks/T0PSECRET\n' "$PORT" >"$WORK/hook.url"
kill -HUP "$(cat "$SOCKET.pid")"
sleep 0.3
expect_exit 0 "$AIOTS" -q halt --reason gone
wait_lines "$WORK/gone.log" 2
sleep 0.3
expect_exit 0 "$AIOTS" --json status
expect_eq "4xx not retried" "$(json 'j["notify"]["sent"], j["notify"]["retries"], j["notify"]["failed"], j["notify"]["last_error"]')" \
  "0 0 2 HTTP 404 from http://127.0.0.1:$PORT/..."
expect_eq "one request each" "$(wc -l <"$WORK/gone.log")" "2"
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
printf 'http://127.0.0.1:%s/hooks/T0PSECRET\n' "$closed" >"$WORK/hook.url"
printf '[notify]\nwebhook_url_file = "%s"\nbackoff_ms = 50\nmax_attempts = 3\n' "$WORK/hook.url" >"$XDG_CONFIG_HOME/aiots/aiots.toml"
kill -HUP "$(cat "$SOCKET.pid")"
sleep 0.3
expect_exit 0 "$AIOTS" -q resume --yes
for _ in $(seq 100); do
  "$AIOTS" --json status >"$WORK/st.json"
  [[ $(python3 -c 'import json; print(json.load(open("'"$WORK/st.json"'"))["notify"]["failed"])') == 2 ]] && break
  sleep 0.05
done
OUT=$(cat "$WORK/st.json")
expect_eq "unreachable: retried, then failed" "$(json 'j["notify"]["retries"], j["notify"]["failed"], j["notify"]["last_error"]')" \
  "4 2 Couldn't connect to server from http://127.0.0.1:$closed/..."

# The secret is nowhere but in its file.
expect_exit 0 "$AIOTS" --json config show
expect_eq "secret not in config show" "$(grep -c T0PSECRET <<<"$OUT" || true)" "0"
expect_exit 0 "$AIOTS" daemon stop
expect_eq "log written" "$(cat "$WORK"/state/aiots/*.log | grep -c 'alerts go to a webhook' || true)" "3"
expect_eq "secret never logged" "$(cat "$WORK"/state/aiots/*.log "$WORK/st.json" | grep -c -e T0PSECRET -e ALSOSECRET || true)" "0"

finish
