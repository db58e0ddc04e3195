#!/usr/bin/env bash
# What the workers share, used by all of them at once (docs/architecture.md,
# "Threads and shared state"): the demo chain with workers = 4 (ES_WORKERS)
# under wrk, every origin request a new handshake whose pin is learned
# (pin_refresh: the learned-pin table, one lock), while SIGHUPs switch the
# runtime and move the log to another file in the other format (the log
# descriptor and format). Every request answered 200, pins learned again
# after each refresh and never a mismatch, every log line a whole record.
# make check-tsan runs it under ThreadSanitizer.
. "$(dirname "$0")/../lib.sh"

if ! command -v wrk >/dev/null 2>&1; then
    not_ok "wrk is not installed (bash scripts/deps.sh installs it)"
    exit 1
fi
WRK_OPTS=()
MIN_REQS=100
if [ "${ES_SANITIZER:-}" = thread ]; then
    # A full handshake per request is slow under ThreadSanitizer (it
    # intercepts every allocation OpenSSL makes): a few a second.
    WRK_OPTS=(--timeout 10s)
    MIN_REQS=20
fi
read -r AP CP <<<"$(ports 2)"

# conf FILE LOG FORMAT: the demo chain, the first edge pinning the second
# by learning (no pin given, pool_size = 0: a handshake per request).
conf() {
    ES_WORKERS=${ES_WORKERS:-4} demo_conf "$1" "$AP" "$CP"
    sed -i -e "s|^log = .*|log = $2\nlog_format = $3|" \
        -e 's/^verify = full$/verify = pin\npin_refresh = 1s\npool_size = 0/' "$1"
}
conf "$T/live.ini" "$T/a.log" text
es_start "$T/live.ini" || exit 1
ES_LOG="$T/a.log"

url="https://127.0.0.1:$AP/api/hello"
wrk "${WRK_OPTS[@]}" -t2 -c20 -d6s -H 'Host: www.example.com' "$url" >"$T/wrk.out" 2>&1 &
WRK=$!
PIDS+=("$WRK")
# Three reloads, each moving the log: a.log (text) -> b.log (json) ->
# a.log (text) -> b.log (json).
for step in "b.log json" "a.log text" "b.log json"; do
    sleep 1.5
    read -r f fmt <<<"$step"
    conf "$T/live.ini" "$T/$f" "$fmt"
    kill -HUP "$ES_PID"
done
wait "$WRK"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"

requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T/wrk.out")
diag "$(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk.out" | tr -s ' ' | tr '\n' ';')"
if [ "${requests:-0}" -ge "$MIN_REQS" ]; then ok "load ran ($requests requests, 4 workers)"
else not_ok "only ${requests:-0} requests"; diag "$(cat "$T/wrk.out")"; fi
check_eq "no response other than 200" "" "$(grep -E 'Non-2xx|Socket errors' "$T/wrk.out")"

cat "$T/a.log" "$T/b.log" >"$T/all.log"
check_eq "the three reloads happened" 3 "$(grep -c 'reloaded: generation' "$T/all.log")"
learned=$(grep -c 'pin_learned' "$T/all.log")
if [ "$learned" -ge 3 ]; then ok "pins learned again after each refresh ($learned pin_learned records)"
else not_ok "pin_learned records: $learned, expected at least 3 over 6 s with pin_refresh = 1s"; fi
check_eq "no pin mismatch (the origin's certificate never changed)" 0 \
    "$(grep -c 'pin_mismatch' "$T/all.log")"
# A record is written whole (alone or in a batch of whole records); a
# record begun before a switch may land in the new file in the old format,
# but never torn or mixed within a line.
text='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z [a-z_]+( |$)'
json='^\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z","event":"[a-z_]+".*\}$'
check_eq "every log line is one whole record, text or JSON" "" \
    "$(grep -vE "$text|$json" "$T/all.log" | head -n 3)"
check_eq "a JSON line holds one record" "" \
    "$(grep -E "$json" "$T/all.log" | grep -E '\}.*\{"ts"' | head -n 3)"
check_eq "a text line holds one record" "" \
    "$(grep -E "$text" "$T/all.log" |
        grep -E '.[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z [a-z_]+' |
        head -n 3)"
check_eq "the JSON file got JSON records after its switch" yes \
    "$(grep -qE "$json" "$T/b.log" && echo yes)"
