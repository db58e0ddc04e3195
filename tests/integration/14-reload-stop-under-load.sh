#!/usr/bin/env bash
# Reload and stop lose nothing, under load. The demo chain (akamai edge ->
# cloudfront edge -> echo, in one process) serves `wrk -c50` keep-alive
# traffic while:
#   - SIGHUP comes every second for 30 s, valid and invalid configs in
#     turn, with workers = 1 and workers = 4: every request answered 200,
#     no read error, descriptors and memory flat;
#   - SIGTERM comes in the middle of the load: every request answered 200
#     (the connections wrk opens after the listener closed are refused,
#     which is not a failed request), and the process exits 0.
. "$(dirname "$0")/../lib.sh"

if ! command -v wrk >/dev/null 2>&1; then
    not_ok "wrk is not installed (bash scripts/deps.sh installs it)"
    exit 1
fi
RELOAD_SECONDS=${RELOAD_SECONDS:-30}
# Under ASan (make check-asan), freed memory waits in a quarantine (256 MB
# by default) to catch uses after free, and counts in RSS until it is full:
# RSS would grow under load with no leak at all. Capped at 16 MB it is
# full after the warm-up, and what grows after that is memory edgesim
# keeps. (Other builds ignore the variable.)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
# Under ThreadSanitizer (make check-tsan) a request takes ~300 ms: fewer
# requests count as load, and memory and descriptors are not measured
# (its shadow memory grows with what is touched; make check and
# check-asan measure them, check-tsan the races).
TSAN=0
MIN_RELOAD_REQS=1000    # the least that counts as "under load"
MIN_STOP_REQS=500
if [ "${ES_SANITIZER:-}" = thread ]; then
    TSAN=1
    MIN_RELOAD_REQS=200
    MIN_STOP_REQS=100
fi

# wrk_field OUT NAME: a counter from wrk's summary (0 when absent).
wrk_field() {
    local out=$1 v=
    case $2 in
    requests) v=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out") ;;
    non2xx) v=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out") ;;
    connect|read|write|timeout)
        v=$(sed -n "s/.*Socket errors:.*[ ,]$2 \([0-9]*\).*/\1/p" "$out") ;;
    esac
    echo "${v:-0}"
}
fds() { ls "/proc/$ES_PID/fd" 2>/dev/null | wc -l; }
fds_back_to() { [ "$(fds)" -le "$1" ]; }
# wrk_start OUT URL: wrk -c50 in the background (WRK_PID), for far longer
# than needed: the test stops it with SIGINT (wrk_stop), after which it
# prints its summary as at the end of its time. A response may take 10 s
# before wrk counts a timeout (its default, 2 s, is tight for a sanitizer
# build on a loaded machine).
wrk_start() {
    wrk -t2 -c50 -d300s --timeout 10s -H 'Host: www.example.com' "$2" >"$1" 2>&1 &
    WRK_PID=$!
    PIDS+=("$WRK_PID")
}
wrk_stop() {
    kill -INT "$WRK_PID" 2>/dev/null
    wait_exit "$WRK_PID" 30 || not_ok "wrk did not stop on SIGINT"
    wait "$WRK_PID" 2>/dev/null
}
# AKAMAI_REQ: a request record of the viewer-facing edge (ERE).
AKAMAI_REQ='request ref=[^ ]+ id=[0-9a-f]+ edge=akamai '

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$ES_PID/status" 2>/dev/null; }

# conf FILE WORKERS ALIAS: the demo chain; ALIAS adds a name to the hosts
# so that each valid reload is a real change.
conf() {
    ES_WORKERS=$2 demo_conf "$1" "$AP" "$CP"
    [ -n "$3" ] && sed -i "s/^aliases = example.com$/aliases = example.com $3/" "$1"
    # Idle pooled connections to the second edge close after 1 s, so that
    # descriptors can be compared with no load at all.
    sed -i "s/^verify = full$/verify = full\npool_idle = 1s/" "$1"
    return 0
}

reload_case() {
    local workers=$1 what="workers = $1"
    read -r AP CP <<<"$(ports 2)"
    : >"$T/edgesim.log"
    conf "$T/valid-a.ini" "$workers" ""
    conf "$T/valid-b.ini" "$workers" "new.example.com"
    cp "$T/valid-a.ini" "$T/invalid.ini"
    printf '\n[edge broken]\nlisten = nowhere\n' >>"$T/invalid.ini"
    cp "$T/valid-a.ini" "$T/live.ini"
    es_start "$T/live.ini" || return 1
    ES_LOG="$T/edgesim.log"
    local url="https://127.0.0.1:$AP/api/hello"
    # Descriptors with no load at all; memory once warmed up (pools,
    # allocator arenas) and the warm-up's viewers gone.
    local fd0 rss0
    fd0=$(fds)
    wrk -t2 -c50 -d2s --timeout 10s -H 'Host: www.example.com' "$url" >"$T/warm.out" 2>&1
    wait_no_conns "$AP" || not_ok "$what: the warm-up's connections were not closed"
    rss0=$(rss_kb)

    local m
    m=$(log_mark)
    wrk_start "$T/wrk.out" "$url"
    wait_for_since "$m" "$AKAMAI_REQ" || not_ok "$what: the load did not start"
    # One SIGHUP a second (the sleep is that pacing), each once the last
    # one's outcome is logged: the file must not change under a reload
    # still reading it, and two pending SIGHUPs may make one reload.
    local i
    for i in $(seq 1 "$RELOAD_SECONDS"); do
        sleep 1
        if [ $((i % 2)) -eq 1 ]; then
            cp "$T/invalid.ini" "$T/live.ini"
        elif [ $((i % 4)) -eq 0 ]; then
            cp "$T/valid-a.ini" "$T/live.ini"
        else
            cp "$T/valid-b.ini" "$T/live.ini"
        fi
        m=$(log_mark)
        kill -HUP "$ES_PID"
        wait_for_since "$m" 'reloaded: generation|reload refused' 15 ||
            not_ok "$what: reload $i has no outcome in the log"
    done
    check_eq "$what: the load ran through every reload" yes \
        "$(kill -0 "$WRK_PID" 2>/dev/null && echo yes)"
    wrk_stop
    diag "$what: $(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk.out" | tr -s ' ' | tr '\n' ';')"

    local n
    n=$(wrk_field "$T/wrk.out" requests)
    if [ "$n" -gt "$MIN_RELOAD_REQS" ]; then ok "$what: load ran ($n requests during $RELOAD_SECONDS reloads)"
    else not_ok "$what: only $n requests"; diag "$(cat "$T/wrk.out")"; fi
    check_eq "$what: no response other than 200 under reloads" 0 "$(wrk_field "$T/wrk.out" non2xx)"
    if [ "$(wrk_field "$T/wrk.out" non2xx)" != 0 ]; then
        diag "statuses logged: $(grep -oE ' status=[0-9]+( code=[A-Z_]+)?( sub=[^ ]+)?' "$ES_LOG" | sort | uniq -c | tr '\n' ';')"
        diag "$(grep -E 'request .* status=5' "$ES_LOG" | head -n 3 | cut -c1-600)"
    fi
    check_eq "$what: no read error under reloads" 0 "$(wrk_field "$T/wrk.out" read)"
    check_eq "$what: no connect, write or timeout error under reloads" "0 0 0" \
        "$(wrk_field "$T/wrk.out" connect) $(wrk_field "$T/wrk.out" write) $(wrk_field "$T/wrk.out" timeout)"
    check_eq "$what: every valid reload took effect" "$((RELOAD_SECONDS / 2))" \
        "$(grep -c 'reloaded: generation' "$ES_LOG")"
    check_eq "$what: every invalid one was refused" "$(((RELOAD_SECONDS + 1) / 2))" \
        "$(grep -c 'reload refused' "$ES_LOG")"
    check_alive "($what)"

    # Flat: once the viewers are gone and the pooled connections idled
    # out (pool_idle 1s), the descriptors are those before any load;
    # memory stays within a quarter of the warmed-up baseline.
    local fd1 rss1
    wait_no_conns "$AP" || not_ok "$what: the viewers' connections were not closed"
    wait_until 10 fds_back_to "$fd0"
    fd1=$(fds)
    rss1=$(rss_kb)
    diag "$what: descriptors $fd0 -> $fd1, RSS $rss0 -> $rss1 KiB"
    if [ $TSAN -eq 1 ]; then
        ok "$what: descriptors flat # SKIP under ThreadSanitizer"
        ok "$what: RSS flat # SKIP under ThreadSanitizer"
    else
        if [ "$fd1" -le "$fd0" ]; then ok "$what: descriptors flat ($fd0 -> $fd1)"
        else not_ok "$what: descriptors grew $fd0 -> $fd1"; ls -l "/proc/$ES_PID/fd" | tail -n 20 | sed 's/^/# /'; fi
        if [ "$rss1" -le $((rss0 + rss0 / 4 + 2048)) ]; then ok "$what: RSS flat ($rss0 -> $rss1 KiB)"
        else not_ok "$what: RSS grew $rss0 -> $rss1 KiB"; fi
    fi
    es_stop
    check_eq "$what: exits 0 after the reloads" 0 "$ES_STATUS"
}

stop_case() {
    local workers=$1 what="SIGTERM under load, workers = $1"
    read -r AP CP <<<"$(ports 2)"
    : >"$T/edgesim.log"
    conf "$T/stop.ini" "$workers" ""
    es_start "$T/stop.ini" || return 1
    ES_LOG="$T/edgesim.log"
    wrk_start "$T/wrk.out" "https://127.0.0.1:$AP/api/hello"
    # SIGTERM in the middle of the load: once 1000 requests were served,
    # with wrk still going.
    wait_count "$ES_LOG" "$AKAMAI_REQ" "$MIN_STOP_REQS" 60 || not_ok "$what: the load did not get going"
    local term_at exit_ms
    term_at=$(now_ms)
    kill -TERM "$ES_PID"
    wait_exit "$ES_PID" 30
    exit_ms=$(( $(now_ms) - term_at ))
    wait "$ES_PID"
    ES_STATUS=$?
    check_eq "$what: wrk was still sending when the process had exited" yes \
        "$(kill -0 "$WRK_PID" 2>/dev/null && echo yes)"
    wrk_stop
    diag "$what: $(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk.out" | tr -s ' ' | tr '\n' ';') exit after ${exit_ms} ms"
    local n
    n=$(wrk_field "$T/wrk.out" requests)
    if [ "$n" -gt "$MIN_STOP_REQS" ]; then ok "$what: load ran ($n requests)"
    else not_ok "$what: only $n requests"; diag "$(cat "$T/wrk.out")"; fi
    check_eq "$what: no response other than 200 (the first edge's requests in flight reached the second)" \
        0 "$(wrk_field "$T/wrk.out" non2xx)"
    check_eq "$what: no read, write or timeout error" "0 0 0" \
        "$(wrk_field "$T/wrk.out" read) $(wrk_field "$T/wrk.out" write) $(wrk_field "$T/wrk.out" timeout)"
    check_eq "$what: exit status 0" 0 "$ES_STATUS"
    if [ "$exit_ms" -lt 10000 ]; then ok "$what: exited within shutdown_timeout (10s) (${exit_ms} ms)"
    else not_ok "$what: took ${exit_ms} ms to exit"; fi
    check_eq "$what: by itself: nothing was cut at shutdown_timeout" 0 \
        "$(grep -c 'shutdown_timeout: closing' "$ES_LOG")"
    check_eq "$what: no 5xx in the log" 0 "$(grep -cE 'request .* status=5[0-9][0-9]' "$ES_LOG")"
}

reload_case 1
reload_case 4
stop_case 1
stop_case 4
