#!/usr/bin/env bash
# SIGHUP reloads (a changed config, an invalid one, an edge added and
# removed, reloads under traffic), graceful stop on SIGTERM (requests in
# flight finish, new connections are refused, shutdown_timeout bounds it),
# and `run` / `check` refusing invalid configs.
. "$(dirname "$0")/../lib.sh"

read -r AP CP XP P_HANG <<<"$(ports 4)"
# A static root with a file too big to sit in the kernel's socket buffers:
# a slow download of it is still in edgesim's hands for a while.
mkdir -p "$T/site"
cp "$PWD"/docs/demo-site/* "$T/site/"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$T/site/big.bin"
BIG_SHA=$(sha256sum <"$T/site/big.bin" | cut -d' ' -f1)
bg "$EDGESIM_TOOLS/badorigin" "$P_HANG" hang --seconds 60 >/dev/null 2>&1

# write_conf FILE: the demo chain on this test's ports, changed by
#   NEW_ALIAS=1   new.example.com becomes an alias of both hosts
#   NEW_ROUTE=1   route /v2/* -> echo2 on the akamai host
#   NEW_DEFAULT=1 the cloudfront edge's default certificate becomes the
#                 distribution's own (instead of *.cloudfront.net)
#   EXTRA_EDGE=1  a third edge, plain, on port XP, host extra.example.net
#   SHUTDOWN      shutdown_timeout (default 10s)
#   HEADER_TIMEOUT header_timeout (default 2s)
#   HANG_READ     read_timeout of the hanging origin (default 3s)
#   ES_WORKERS    workers (default 1; the environment may set it)
write_conf() {
    local f=$1 alias_a="" alias_c="" route=""
    [ "${NEW_ALIAS:-0}" = 1 ] && alias_a=" new.example.com" && alias_c=" new.example.com"
    [ "${NEW_ROUTE:-0}" = 1 ] && route="route = /v2/* echo2"
    cat >"$f" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
header_timeout = ${HEADER_TIMEOUT:-2s}
shutdown_timeout = ${SHUTDOWN:-10s}
workers = ${ES_WORKERS:-1}

[resolve]
d111111abcdef8.cloudfront.net = 127.0.0.1:$CP

[edge akamai]
persona = akamai
listen = 127.0.0.1:$AP

[host www.example.com]
edge = akamai
aliases = example.com$alias_a
origin = cloudfront-dist
$route

[origin cloudfront-dist]
address = d111111abcdef8.cloudfront.net:443
sni = on
verify = full

[origin echo2]
type = echo

[edge cloudfront]
persona = cloudfront
listen = 127.0.0.1:$CP
no_sni = reject
default_cert = $([ "${NEW_DEFAULT:-0}" = 1 ] && echo d111111abcdef8.cloudfront.net || echo '*.cloudfront.net')

[host d111111abcdef8.cloudfront.net]
edge = cloudfront
aliases = www.example.com api.example.com$alias_c
origin = site
route = /api/* api
route = /hang/* hang

[origin api]
type = echo

[origin site]
type = static
root = $T/site

[origin hang]
address = 127.0.0.1:$P_HANG
tls = off
read_timeout = ${HANG_READ:-3s}
INI
    if [ "${EXTRA_EDGE:-0}" = 1 ]; then
        cat >>"$f" <<INI

[edge extra]
persona = plain
listen = 127.0.0.1:$XP

[host extra.example.net]
edge = extra
origin = api
INI
    fi
}

# hup_and_wait: SIGHUP, then wait (at most 15 s) for the outcome in the
# log. The next SIGHUP must not come before: two pending ones may be
# handled as one reload of whatever the file says by then.
hup_and_wait() {
    local m
    m=$(log_mark)
    kill -HUP "$ES_PID"
    wait_for_since "$m" 'reloaded: generation|reload refused' 15
}

listening() { port_open "$1" && echo yes || echo no; }
# grows FILE: FILE exists and is not empty (a download has begun).
grows() { [ -s "$1" ]; }

CONF="$T/reload.ini"
write_conf "$CONF"
es_start "$CONF" || exit 1
ES_LOG="$T/edgesim.log"

ecurl www.example.com "$AP" /api/before >/dev/null
check_eq "before any reload: 200 through the chain" 200 "$(status)"

# --- a changed config: a new route and a new alias -------------------------
ecurl www.example.com "$AP" /v2/x >/dev/null
check_eq "before the reload, /v2/x goes to the static site: 404" 404 "$(status)"
ecurl new.example.com "$AP" /api/x >/dev/null
check_eq "before the reload, new.example.com is no name of the akamai edge's certificate (curl 000)" 000 "$(status)"

out=$(sclient "$CP" -servername unknown.example.net)
check_contains "before the reload, an unknown SNI gets *.cloudfront.net" "$out" "CN = *.cloudfront.net"

# From here on the config has all three changes.
NEW_ROUTE=1 NEW_ALIAS=1 NEW_DEFAULT=1
write_conf "$CONF"
m=$(log_mark)
hup_and_wait
check_log_since "$m" "SIGHUP with a valid config: the log says reloaded" \
    'info msg="reloaded: generation 2"'
body=$(ecurl www.example.com "$AP" /v2/x)
check_eq "after the reload, the new route answers: 200" 200 "$(status)"
check_contains "after the reload, /v2/* goes to the new origin echo2" "$body" '"origin":"echo2"'
body=$(ecurl new.example.com "$AP" /api/x)
check_eq "after the reload, the new alias is served through both edges: 200" 200 "$(status)"
check_contains "the new alias reached the inner edge's echo" "$body" \
    "[\"Host\",\"new.example.com:$AP\"]"
out=$(sclient "$CP" -servername unknown.example.net)
check_contains "after the reload, an unknown SNI gets the new default certificate" "$out" \
    "CN = d111111abcdef8.cloudfront.net"

# --- an invalid config is refused, the old one keeps serving ---------------
cp "$CONF" "$T/good.ini"
bad_line=$(($(wc -l <"$CONF") + 3))   # the "type = teapot" line
printf '\n[origin broken]\ntype = teapot\n' >>"$CONF"
m=$(log_mark)
hup_and_wait
check_log_since "$m" "SIGHUP with an invalid config: the reload is refused" \
    'reload refused: .*reload\.ini is invalid'
# The record names the file and the line, as FILE:LINE or as file= line=.
check_log_since "$m" "the refusal names the file and the line ($bad_line) of the problem" \
    "(reload\\.ini:$bad_line:|file=[^ ]*reload\\.ini line=$bad_line ).*teapot"
ecurl www.example.com "$AP" /api/after-bad >/dev/null
check_eq "after a refused reload, the old config serves: 200" 200 "$(status)"
body=$(ecurl www.example.com "$AP" /v2/still)
check_contains "after a refused reload, the last good config's route still answers" "$body" \
    '"origin":"echo2"'
check_alive "after a refused reload"
cp "$T/good.ini" "$CONF"

# --- an edge added on a new port, then removed -----------------------------
check_eq "before: nothing listens on the extra edge's port" no "$(listening "$XP")"
EXTRA_EDGE=1 write_conf "$CONF"
m=$(log_mark)
hup_and_wait
check_log_since "$m" "the reload with a new edge is logged with its listener" \
    "edge edge=extra persona=plain mode=http listen=127\\.0\\.0\\.1:$XP"
wait_port_open "$XP"
check_eq "the added edge listens" yes "$(listening "$XP")"
body=$(ecurl extra.example.net "$XP" /hello)
check_eq "the added edge serves its host: 200" 200 "$(status)"
check_contains "the added edge's host reaches its origin" "$body" '"edge":"extra"'
ecurl www.example.com "$AP" /api/x >/dev/null
check_eq "the old edges still serve while a new one is added: 200" 200 "$(status)"
write_conf "$CONF"
hup_and_wait
wait_port_closed "$XP"
check_eq "the removed edge no longer listens" no "$(listening "$XP")"
ecurl www.example.com "$AP" /api/x >/dev/null
check_eq "the remaining edges serve after the removal: 200" 200 "$(status)"

# An edge on a port another process holds: the whole reload is refused.
saved_xp=$XP
XP=$P_HANG
EXTRA_EDGE=1 write_conf "$CONF"
XP=$saved_xp
m=$(log_mark)
hup_and_wait
check_log_since "$m" "SIGHUP with an edge on a port in use: refused, naming the address" \
    "reload refused: .*127\\.0\\.0\\.1:$P_HANG"
ecurl www.example.com "$AP" /v2/after-refused >/dev/null
check_eq "after the refused reload, the old config serves: 200" 200 "$(status)"
write_conf "$CONF"
hup_and_wait

# --- reloads under traffic --------------------------------------------------
# 200 sequential requests through both edges while 5 SIGHUPs arrive, each
# once the last one is done, 0.2 s apart: a reload must not cost a single
# request.
traffic() {
    local fails=0 i code
    for i in $(seq 1 200); do
        code=$(curl -sS --max-time 10 --cacert "$PKI/ca.pem" \
            --resolve "www.example.com:$AP:127.0.0.1" -o /dev/null \
            -w '%{http_code}' "https://www.example.com:$AP/api/n$i" 2>>"$T/traffic.err")
        if [ "$code" != 200 ]; then
            fails=$((fails + 1))
            echo "request $i: $code" >>"$T/traffic.fail"
        fi
    done
    echo "$fails" >"$T/traffic.n"
}
m=$(log_mark)
traffic &
TRAFFIC=$!
PIDS+=("$TRAFFIC")
wait_for_since "$m" 'request ref=[^ ]+ .*edge=akamai .*path=/api/n2 ' ||
    not_ok "the traffic did not start"
for _ in 1 2 3 4 5; do
    hup_and_wait
    sleep 0.2   # pacing: spread the reloads over the traffic
done
check_eq "the 5 reloads came while the traffic ran" yes \
    "$(kill -0 "$TRAFFIC" 2>/dev/null && echo yes)"
wait_exit "$TRAFFIC" 120 || not_ok "200 requests took more than 120 s"
wait "$TRAFFIC" 2>/dev/null
check_eq "200 requests during 5 reloads: no failure" 0 "$(cat "$T/traffic.n" 2>/dev/null || echo 'not finished')"
if [ -s "$T/traffic.fail" ]; then
    diag "$(head -n 5 "$T/traffic.fail")"
    diag "$(tail -n +"$((m + 1))" "$ES_LOG" | grep -E 'status=5[0-9][0-9]' | head -n 3 | cut -c1-400)"
fi
check_eq "the 5 reloads all happened" 5 \
    "$(tail -n +"$((m + 1))" "$ES_LOG" | grep -c 'reloaded: generation')"
check_alive "after reloads under traffic"

# --- a reload during a slow download ---------------------------------------
# The static origin has queued the whole 16 MiB file when the reload comes;
# the viewer reads at 4 MB/s (4 s: time for the reload to come while it
# runs, even on a loaded machine). The old config's connections finish
# what they do: the download must arrive whole, directly and through both
# edges.
slow_download() {   # slow_download HOST PORT OUT: prints "rc code size"
    curl -sS --max-time 60 --limit-rate 4M --cacert "$PKI/ca.pem" \
        --resolve "$1:$2:127.0.0.1" -o "$3" -w '%{http_code} %{size_download}' \
        "https://$1:$2/big.bin" 2>>"$T/dl.err"
    echo " $?"
}
for via in cloudfront akamai; do
    [ $via = akamai ] && port=$AP || port=$CP
    slow_download www.example.com "$port" "$T/dl.$via" >"$T/dl.$via.res" &
    DL=$!
    PIDS+=("$DL")
    wait_until 10 grows "$T/dl.$via" || not_ok "the download ($via edge) did not begin"
    hup_and_wait
    check_eq "the reload came while the download ($via edge) ran" yes \
        "$(kill -0 "$DL" 2>/dev/null && echo yes)"
    wait "$DL"
    check_eq "SIGHUP during a slow 16 MiB download ($via edge): it completes (status, bytes, curl exit)" \
        "200 16777216 0" "$(cat "$T/dl.$via.res")"
    check_eq "... and arrives intact (sha256)" "$BIG_SHA" \
        "$(sha256sum <"$T/dl.$via" | cut -d' ' -f1)"
    rm -f "$T/dl.$via"
done
check_alive "after reloads during downloads"

# --- graceful stop ----------------------------------------------------------
# A request whose origin hangs (read_timeout 3s) and a slow download are
# in flight when SIGTERM comes: the request still gets its 504, the
# download arrives whole, new connections are refused, and the process
# exits 0 once both are done, before shutdown_timeout (10s) forces it.
start=$(now_ms)
(
    ecurl www.example.com "$AP" /hang/slow --http1.1 >/dev/null
    echo $? >"$T/inflight.rc"
    cp "$T/status" "$T/inflight.status"
    cp "$T/headers" "$T/inflight.headers"
    echo $(( $(now_ms) - start )) >"$T/inflight.ms"
) &
INFLIGHT=$!
PIDS+=("$INFLIGHT")
slow_download www.example.com "$AP" "$T/dl.term" >"$T/dl.term.res" &
DL=$!
PIDS+=("$DL")
m=$(log_mark)
wait_for "$ES_LOG" 'hop="cloudfront -> hang" .*result=ok' ||
    not_ok "the request to the hanging origin was not forwarded"
wait_until 10 grows "$T/dl.term" || not_ok "the download did not begin"
check_eq "the request and the download are in flight when SIGTERM comes" "yes yes" \
    "$(kill -0 "$INFLIGHT" 2>/dev/null && echo yes) $(kill -0 "$DL" 2>/dev/null && echo yes)"
term_at=$(now_ms)
kill -TERM "$ES_PID"
wait_port_closed "$AP"
check_eq "after SIGTERM, the akamai edge refuses new connections" no "$(listening "$AP")"
# A chain in one process stops from the front: the cloudfront edge, which
# the akamai edge forwards to, serves until the akamai edge is done.
check_eq "after SIGTERM, the cloudfront edge (an origin of the akamai edge) still accepts while akamai has requests in flight" \
    yes "$(listening "$CP")"
check_eq "the process is still there while the request is in flight" yes \
    "$(kill -0 "$ES_PID" 2>/dev/null && echo yes)"
wait_exit "$ES_PID" 30
exit_at=$(now_ms)
exit_ms=$((exit_at - term_at))
wait "$ES_PID"
ES_STATUS=$?
wait "$INFLIGHT" 2>/dev/null
wait "$DL" 2>/dev/null
check_eq "a slow 16 MiB download in flight at SIGTERM completes (status, bytes, curl exit)" \
    "200 16777216 0" "$(cat "$T/dl.term.res")"
check_eq "... and arrives intact (sha256)" "$BIG_SHA" "$(sha256sum <"$T/dl.term" | cut -d' ' -f1)"
rm -f "$T/dl.term"
check_eq "the in-flight request got its response: 504" 504 "$(cat "$T/inflight.status" 2>/dev/null)"
check_eq "... ERR_READ_TIMEOUT, after read_timeout" ERR_READ_TIMEOUT \
    "$(grep -i '^X-Edgesim-Error:' "$T/inflight.headers" 2>/dev/null | cut -d: -f2- | sed 's/^ *//;s/\r$//;s/;.*//')"
check_eq "SIGTERM with a request in flight: exit status 0" 0 "$ES_STATUS"
# Its 504 comes read_timeout (3s) after it was sent, which was after start.
check_eq "the process exited only after the request ended ($((exit_at - start))ms >= 3000ms after it was sent)" yes \
    "$([ $((exit_at - start)) -ge 3000 ] && echo yes)"
check_eq "... by itself, before shutdown_timeout 10s (${exit_ms}ms after SIGTERM)" yes \
    "$([ "$exit_ms" -lt 10000 ] && echo yes)"
check_eq "... and nothing was cut (no shutdown_timeout record)" 0 \
    "$(since "$m" | grep -c 'shutdown_timeout: closing')"
check_log_since 0 "SIGTERM is logged" 'SIGTERM: finishing requests in flight'
check_log_since 0 "the stop is logged" 'msg=stopped'

# shutdown_timeout = 1s and a request that would hang for 30 s: the
# process exits anyway, with status 0, about 1 s after SIGTERM. The bound
# is 9 s, below the client's own 10 s limit (so the client giving up cannot
# be what ended it; a loaded machine has stalled a run for 5 s here); the
# shutdown_timeout record and the cut response say the rest.
read -r AP CP XP <<<"$(ports 3)"
SHUTDOWN=1s HANG_READ=30s write_conf "$T/stop.ini"
es_start "$T/stop.ini" stop || exit 1
ES_LOG="$T/edgesim.log"
m=$(log_mark)
(
    ecurl www.example.com "$AP" /hang/slow --http1.1 >/dev/null
    echo $? >"$T/cut.rc"
) &
CUT=$!
PIDS+=("$CUT")
wait_for_since "$m" 'hop="cloudfront -> hang" .*result=ok' ||
    not_ok "the request to the hanging origin was not forwarded"
term_at=$(now_ms)
kill -TERM "$ES_PID"
wait_exit "$ES_PID" 30
exit_ms=$(( $(now_ms) - term_at ))
wait "$ES_PID"
ES_STATUS=$?
check_eq "shutdown_timeout 1s with a request hanging: exit status 0" 0 "$ES_STATUS"
check_eq "the process exited shutdown_timeout after SIGTERM, not after the hang (${exit_ms}ms, < 9000)" yes \
    "$([ "$exit_ms" -ge 800 ] && [ "$exit_ms" -lt 9000 ] && echo yes)"
check_log_since "$m" "the forced stop is logged" 'shutdown_timeout: closing [0-9]+ connections still busy'
wait_exit "$CUT" 10
check_eq "the cut request's client saw its connection end (not left hanging)" no \
    "$(kill -0 "$CUT" 2>/dev/null && echo yes || echo no)"
wait "$CUT" 2>/dev/null
rc=$(cat "$T/cut.rc" 2>/dev/null)
check_eq "... with no response (curl exit 52 empty reply, or 56 reset: got '$rc')" yes \
    "$([[ "$rc" =~ ^(52|56)$ ]] && echo yes)"

# Connections with nothing in flight do not hold the stop up: an idle
# keep-alive connection, a TLS connection that sent no request yet, and a
# TCP connection that never started its handshake. header_timeout is 10s
# and shutdown_timeout 20s: the process must not wait for either, only for
# the 1 s grace a request already on its way gets (under 8 s: before
# either, with room for a stalled machine), and nothing may have timed out
# first. The clients stay 15 s, longer than both (the sleeps are theirs).
read -r AP CP XP <<<"$(ports 3)"
HEADER_TIMEOUT=10s SHUTDOWN=20s write_conf "$T/idle.ini"
es_start "$T/idle.ini" idle || exit 1
ES_LOG="$T/edgesim.log"
( (printf 'GET /api/ka HTTP/1.1\r\nHost: www.example.com\r\n\r\n'; sleep 15) |
    timeout 16 openssl s_client -quiet -connect "127.0.0.1:$AP" -servername www.example.com \
        >"$T/ka.out" 2>&1 ) &
PIDS+=("$!")
( sleep 15 | timeout 16 openssl s_client -brief -connect "127.0.0.1:$AP" \
    -servername www.example.com >"$T/hs.out" 2>&1 ) &
PIDS+=("$!")
bg timeout 16 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && : >"$2"; sleep 15' _ "$AP" "$T/tcp.up"
# Each is where it should be: answered and idle, handshake done, connected.
wait_for "$T/ka.out" '^HTTP/1.1 200' || not_ok "the keep-alive connection got no answer"
wait_for "$T/hs.out" 'CONNECTION ESTABLISHED' || not_ok "the TLS connection did not finish its handshake"
wait_until 10 test -e "$T/tcp.up" || not_ok "the TCP connection did not connect"
m=$(log_mark)
term_at=$(now_ms)
kill -TERM "$ES_PID"
wait_exit "$ES_PID" 30
exit_ms=$(( $(now_ms) - term_at ))
wait "$ES_PID"
ES_STATUS=$?
check_eq "SIGTERM with only idle connections open: exit status 0" 0 "$ES_STATUS"
check_eq "... after the 1 s grace, not after header_timeout 10s (${exit_ms}ms < 8000ms)" yes \
    "$([ "$exit_ms" -lt 8000 ] && echo yes)"
check_eq "... and no connection timed out before the exit" 0 \
    "$(since "$m" | grep -cE 'header_timeout|idle_timeout|status=408|shutdown_timeout')"

# --- run and check refuse an invalid config ---------------------------------
cat >"$T/three.ini" <<INI
[edgesim]
pki = $PKI
header_timeout = forever

[edge a]
persona = nope
listen = 127.0.0.1:$AP

[host h.example]
edge = a
origin = o

[origin o]
type = echo
bogus_key = 1
INI
timeout 10 "$EDGESIM" run -c "$T/three.ini" >"$T/run.out" 2>"$T/run.err"
rc=$?
check_eq "run on an invalid config: exit status 2" 2 "$rc"
check_contains "run names FILE:LINE of the problem on stderr" "$(cat "$T/run.err")" \
    "$T/three.ini:6: [edge a] persona: 'nope'"
check_eq "run did not start listening" no "$(listening "$AP")"
out=$(timeout 10 "$EDGESIM" check -c "$T/three.ini" 2>&1)
rc=$?
check_eq "check on a config with 3 problems: exit status 2" 2 "$rc"
check_eq "check lists all 3 problems as FILE:LINE: lines" 3 \
    "$(grep -cE "^$(sed 's/[.]/\\./g' <<<"$T")/three\\.ini:[0-9]+: " <<<"$out")"
check_contains "problem 1: the duration, line 3" "$out" "$T/three.ini:3: [edgesim] header_timeout"
check_contains "problem 2: the persona, line 6" "$out" "$T/three.ini:6: [edge a] persona"
check_contains "problem 3: the unknown key, line 15" "$out" "$T/three.ini:15: [origin o] unknown key 'bogus_key'"

check_eq "no sanitizer report in the log (make check-asan)" 0 \
    "$(cat "$T"/*.log | grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:')"
