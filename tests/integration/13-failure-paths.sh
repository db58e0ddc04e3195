#!/usr/bin/env bash
# Failure paths are main paths: origins whose connection fails at once (the
# socket or connect call itself returns an error, a name that cannot
# resolve without asking anyone), a viewer that leaves while its origin is
# still being reached, and a process out of file descriptors. Each becomes
# its error page and its log record, and the process lives on.
. "$(dirname "$0")/../lib.sh"

read -r EP TP SP <<<"$(ports 3)"
bg "$EDGESIM_TOOLS/blackhole" "$SP" syn --seconds 60 >"$T/syn.out"
cat >"$T/c.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
; no DNS at all: a name outside [resolve] fails before any packet
nameserver = none

[resolve]
syn.test = 127.0.0.1:$SP

[edge front]
persona = akamai
listen = 127.0.0.1:$EP

[host www.example.com]
edge = front
origin = ok
route = /mcast/* mcast
route = /linklocal/* linklocal
route = /nodns/* nodns
route = /syn/* syn

[origin ok]
type = echo

; connect(2) fails at once: ENETUNREACH
[origin mcast]
address = 224.0.0.1:443
; connect(2) fails at once: EINVAL (a link-local address needs a scope)
[origin linklocal]
address = [fe80::1]:443
; resolve fails at once: not in [resolve], and nameserver = none
[origin nodns]
address = nothere.test:443
; the SYN is dropped: the connect hangs until connect_timeout
[origin syn]
address = syn.test:443
connect_timeout = 6s

[edge tunnel]
mode = tcp
listen = 127.0.0.1:$TP

[host tcp.example.com]
edge = tunnel
origin = mcast
INI
es_start "$T/c.ini" || exit 1
wait_for "$T/syn.out" ready || not_ok "the SYN-dropping listener did not start"

# count PATTERN: log records matching PATTERN (ERE)
count() { grep -cE "$1" "$ES_LOG"; }

# One case: three requests on one keep-alive connection, each its page.
# The request head is consumed before the origin is asked for, so nothing
# is parsed twice: exactly three request records, not thousands.
immediate_case() {
    local path=$1 code=$2 detail=$3 what
    what="/$path/ ($code)"
    local n0
    n0=$(count "request .* path=/$path/")
    curl -sS --max-time 10 --cacert "$PKI/ca.pem" \
        --resolve "www.example.com:$EP:127.0.0.1" \
        -o /dev/null -o /dev/null -o /dev/null \
        -w '%{http_code} %{num_connects}\n' \
        "https://www.example.com:$EP/$path/1" \
        "https://www.example.com:$EP/$path/2" \
        "https://www.example.com:$EP/$path/3" >"$T/out" 2>"$T/err"
    check_eq "$what: three 503 pages on one connection" \
        "503 1|503 0|503 0" "$(tr '\n' '|' <"$T/out" | sed 's/|$//')"
    wait_for "$ES_LOG" "request .* path=/$path/3 "
    check_eq "$what: exactly three request records" 3 \
        $(( $(count "request .* path=/$path/") - n0 ))
    check_log "$what: the record names the code" \
        "request .* path=/$path/1 .*status=503 code=$code"
    check_log "$what: the detail says what failed" \
        "request .* path=/$path/1 .*detail=\"[^\"]*$detail"
    check_alive "after $what"
}

immediate_case mcast ERR_CONNECT_FAIL "failed at once: Network is unreachable"
immediate_case linklocal ERR_CONNECT_FAIL "failed at once: Invalid argument"
immediate_case nodns ERR_DNS_FAIL "no DNS nameserver is configured"

# The page itself, with its header and reference.
ecurl www.example.com "$EP" /mcast/page >/dev/null
check_eq "unroutable: X-Edgesim-Error" "ERR_CONNECT_FAIL" "$(header X-Edgesim-Error)"
check_contains "unroutable: Akamai page with the reference" "$(cat "$T/body")" \
    "Reference&#32;&#35;6&#46;"

# Two requests pipelined in one TLS write: two answers, in order.
printf 'GET /mcast/p1 HTTP/1.1\r\nHost: www.example.com\r\n\r\nGET /api/p2 HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EP" \
    -servername www.example.com -CAfile "$PKI/ca.pem" >"$T/pipe.out" 2>/dev/null
check_eq "pipelined after an immediate failure: 503 then 200" "503 200" \
    "$(grep -a '^HTTP/1.1 ' "$T/pipe.out" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"

# mode = tcp towards an address that fails at once: the tunnel ends with
# the error, the process lives.
timeout 10 openssl s_client -connect "127.0.0.1:$TP" -servername tcp.example.com \
    </dev/null >/dev/null 2>&1
check_log "tcp tunnel to an unroutable origin: one error record" \
    'tunnel .* edge=tunnel .*result=error detail="ERR_CONNECT_FAIL'
check_alive "after the tcp tunnel's failure"

# A viewer that leaves while its origin is still being reached: closing
# the connection cancels the origin connection it owned, so no callback
# comes back to it (the abandoned connect never reports its timeout).
# The viewer leaves after 2 s (its request reached the connect long
# before, even on a loaded machine; 4 s before connect_timeout). The
# second request starts after that, so its timeout record comes after
# the one the abandoned connect would have written: once it is logged,
# the count is final.
curl -s --max-time 2 --cacert "$PKI/ca.pem" --resolve "www.example.com:$EP:127.0.0.1" \
    "https://www.example.com:$EP/syn/abandoned" -o /dev/null
ecurl www.example.com "$EP" /syn/waited >/dev/null
check_eq "a connect that hangs: 503 after connect_timeout" 503 "$(status)"
check_log "the waited-for request got its timeout record" \
    'request .* path=/syn/waited .*code=ERR_CONNECT_TIMEOUT'
check_eq "the abandoned request's origin connection was cancelled: one timeout record, not two" \
    1 "$(count 'origin .*code=ERR_CONNECT_TIMEOUT')"
check_log "the abandoned request was logged as the viewer leaving" \
    'request .* path=/syn/abandoned .*status=499'
check_alive "after a viewer left mid-connect"

es_stop
check_eq "stops cleanly after all that" 0 "$ES_STATUS"

# --- out of file descriptors ---
# edgesim with 64 descriptors. Connection A is made first; then idle TLS
# connections take every descriptor left. A's next request needs a socket
# to its origin: it gets its error page. New viewers wait in the listen
# queue while accept rests (no spinning, a log line per episode, not per
# attempt), and are served once descriptors come back.
read -r FP OP <<<"$(ports 2)"
cat >"$T/fd.ini" <<INI
[edgesim]
pki = $PKI
log = $T/fd.log

[edge front]
persona = akamai
listen = 127.0.0.1:$FP

[host www.example.com]
edge = front
origin = inner
route = /local/* ok

[origin ok]
type = echo

[origin inner]
address = 127.0.0.1:$OP
verify = none

[edge inner]
listen = 127.0.0.1:$OP

[host inner.example.com]
edge = inner
origin = ok
INI
( ulimit -n 64 && exec "$EDGESIM" run -c "$T/fd.ini" ) >>"$T/fd.out" 2>&1 &
ES_PID=$!
PIDS+=("$ES_PID")
ES_LOG="$T/fd.log"
wait_port_open "$FP" 30 || not_ok "edgesim did not start with 64 descriptors"

mkfifo "$T/a.in"
timeout 60 openssl s_client -quiet -connect "127.0.0.1:$FP" -servername www.example.com \
    <"$T/a.in" >"$T/a.out" 2>/dev/null &
PIDS+=("$!")
exec 4>"$T/a.in"
printf 'GET /local/first HTTP/1.1\r\nHost: www.example.com\r\n\r\n' >&4
wait_for "$T/a.out" '^HTTP/1.1 200' 10 || not_ok "connection A did not get its first answer"

"$EDGESIM_TOOLS/idleconns" -n 100 -c 100 -T 4 -s 40 --sni www.example.com \
    "127.0.0.1:$FP" >"$T/idle.out" 2>&1 &
IDLE=$!
PIDS+=("$IDLE")
wait_for "$T/idle.out" '^ready' 15
diag "$(head -n1 "$T/idle.out")"
check_log "fd limit: accept paused, with the reason" \
    'accept paused on 127\.0\.0\.1:[0-9]+: Too many open files'
# A viewer waiting in the listen queue keeps the listener readable: the
# loop must rest, not spin. Resting is measured over a fixed window (no
# event marks "did not spin"): 2 s of CPU time, under 10 % (a spinning
# loop takes a core, or most of what a loaded machine leaves it).
exec 5<>"/dev/tcp/127.0.0.1/$FP"
t0=$(awk '{print $14 + $15}' "/proc/$ES_PID/stat")
sleep 2
t1=$(awk '{print $14 + $15}' "/proc/$ES_PID/stat")
ticks=$((t1 - t0))
hz=$(getconf CLK_TCK)
diag "CPU while saturated: $ticks ticks of $((2 * hz)) in 2 s"
if [ $((ticks * 100)) -lt $((2 * hz * 10)) ]; then ok "fd limit: CPU < 10 % while saturated"
else not_ok "fd limit: CPU $((ticks * 50 / hz)) % while saturated"; fi
lines=$(grep -c 'accept' "$ES_LOG")
if [ "$lines" -lt 10 ]; then ok "fd limit: $lines log lines about accept (< 10)"
else not_ok "fd limit: $lines log lines about accept"; fi

printf 'GET /origin/needs-a-socket HTTP/1.1\r\nHost: www.example.com\r\n\r\n' >&4
wait_for "$T/a.out" '^HTTP/1.1 503' 10
check_contains "fd limit: the request that needs an origin socket gets 503" \
    "$(cat "$T/a.out")" "HTTP/1.1 503"
check_log "fd limit: its record says why" \
    'request .* path=/origin/needs-a-socket .*code=ERR_CONNECT_FAIL detail="cannot open a socket to 127\.0\.0\.1:[0-9]+: Too many open files'
check_alive "at the fd limit"

# The clients leave: service resumes by itself (accept rests 200 ms at a
# time; 10 s is for a loaded machine, the point is that nothing else is
# needed).
kill "$IDLE" 2>/dev/null
wait "$IDLE" 2>/dev/null
t0=$(now_ms)
st=000
served_again() {
    st=$(curl -s --max-time 5 --cacert "$PKI/ca.pem" --resolve "www.example.com:$FP:127.0.0.1" \
        -o /dev/null -w '%{http_code}' "https://www.example.com:$FP/local/after")
    [ "$st" = 200 ]
}
wait_until 15 served_again
ms=$(( $(now_ms) - t0 ))
diag "served again $ms ms after the idle clients left"
check_eq "fd limit: served again once the clients left" 200 "$st"
if [ "$ms" -lt 10000 ]; then ok "fd limit: recovery within 10 s (took $ms ms)"
else not_ok "fd limit: recovery took $ms ms"; fi
check_log "fd limit: the episode's end is logged with its count" \
    'accept resumed after [0-9]+ ms: [0-9]+ attempts refused'
exec 5>&- 4>&-
es_stop
check_eq "stops cleanly after the fd episode" 0 "$ES_STATUS"
