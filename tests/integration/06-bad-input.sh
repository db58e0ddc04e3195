#!/usr/bin/env bash
# Bad input of every kind, from viewers and from origins: plain HTTP on the
# TLS port, garbage and truncated ClientHellos, a 255-byte SNI, malformed
# request heads, oversized heads, smuggling-shaped framing, slow and silent
# viewers, and origins that hang, close, reset or talk nonsense. After each
# one the proxy must still run, still serve a normal request through the
# demo chain, and have logged what happened.
. "$(dirname "$0")/../lib.sh"

read -r AP CP P_HANG P_CLOSE P_RESET P_GARBAGE P_PARTIAL P_TRUNCATE P_SLOWBODY P_DOWN \
    <<<"$(ports 10)"

# The demo chain, with a small head limit and a route per misbehaving
# origin on the akamai host (routes belong to the [host] section, so the
# config is written whole here). header_timeout is 5s so that "served
# while silent viewers wait" can have a bound (3 s) generous for a loaded
# machine and still well under it; idle_timeout is far from it, so that a
# close about 5 s after the start can only be header_timeout's.
cat >"$T/bad.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
header_timeout = 5s
idle_timeout = 30s
max_header_size = 4k

[resolve]
d111111abcdef8.cloudfront.net = 127.0.0.1:$CP

[edge akamai]
persona = akamai
listen = 127.0.0.1:$AP

[host www.example.com]
edge = akamai
aliases = example.com
origin = cloudfront-dist
route = /bad/hang/* bad_hang
route = /bad/close/* bad_close
route = /bad/reset/* bad_reset
route = /bad/garbage/* bad_garbage
route = /bad/partial/* bad_partial
route = /bad/truncate/* bad_truncate
route = /bad/slowbody/* bad_slowbody
route = /bad/down/* bad_down

[origin cloudfront-dist]
address = d111111abcdef8.cloudfront.net:443
sni = on
verify = full

[edge cloudfront]
persona = cloudfront
listen = 127.0.0.1:$CP
no_sni = reject
default_cert = *.cloudfront.net

[host d111111abcdef8.cloudfront.net]
edge = cloudfront
aliases = www.example.com api.example.com
origin = site
route = /api/* api

[origin api]
type = echo

[origin site]
type = static
root = $PWD/docs/demo-site
INI
for m in hang close reset garbage partial truncate slowbody down; do
    var="P_${m^^}"
    printf '\n[origin bad_%s]\naddress = 127.0.0.1:%s\ntls = off\nread_timeout = 1s\n' \
        "$m" "${!var}" >>"$T/bad.ini"
done

for m in hang close reset garbage partial truncate slowbody; do
    var="P_${m^^}"
    bg "$EDGESIM_TOOLS/badorigin" "${!var}" "$m" --seconds 60 >/dev/null 2>&1
done
# Nothing listens on P_DOWN: that origin is down.

es_start "$T/bad.ini" || exit 1
ES_LOG="$T/edgesim.log"

# --- helpers ---------------------------------------------------------------

# re_quote STRING: STRING with the ERE metacharacters escaped.
re_quote() { sed 's#[][\.*^$?+(){}|]#\\&#g' <<<"$1"; }

# served AFTER: the proxy still runs and still answers a normal request
# through both edges. Returns once both edges logged it: that request came
# after everything before it, so a record that is not in the log by then
# (see no_records_since) was never going to be written.
served() {
    check_alive "after $1"
    local body m
    m=$(log_mark)
    body=$(ecurl www.example.com "$AP" /api/still-ok)
    if [ "$(status)" = 200 ] && [[ "$body" == *'"origin":"api"'* ]]; then
        ok "a normal request through the chain still gets 200 after $1"
    else
        not_ok "a normal request through the chain after $1: status '$(status)'"
        diag "$(cat "$T/curl.err")"
    fi
    wait_until 10 final_unless _served_logged "$m" ||
        not_ok "the request after $1 was not logged by both edges"
}
_served_logged() {
    [ "$(since "$1" | grep -cE ' request ref=[^ ]+ .*path=/api/still-ok ')" -ge 2 ]
}

# served_then_none MARK AFTER WHAT PATTERN: served AFTER; then no log line
# after MARK, other than the marker's own, matches PATTERN (ERE). The
# request of served is the marker: what did not reach the log before it
# never will.
served_then_none() {
    local mark=$1 what=$3 pat=$4 n
    served "$2"
    n=$(since "$mark" | grep -vF ' path=/api/still-ok ' | grep -cE -- "$pat")
    check_eq "$what" 0 "$n"
    [ "$n" -eq 0 ] || diag "$(since "$mark" | grep -E -- "$pat" | head -n 3 | cut -c1-400)"
}

# tls_send BYTES: send BYTES (printf %b escapes) on a TLS connection to the
# akamai edge with SNI www.example.com and print what comes back; the
# connection stays open until the edge closes it (at most 10 s). The exit
# status of s_client goes to $T/tls_rc (124: the edge never closed).
tls_send() {
    printf '%b' "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$AP" \
        -servername www.example.com -CAfile "$PKI/ca.pem" 2>"$T/sclient.err"
    echo $? >"$T/tls_rc"
}

# tls_hold BYTES SECONDS OUT: like tls_send, but the viewer then stays
# silent for at most SECONDS, never closing first. What came back goes to
# OUT; prints how many milliseconds passed until the edge closed.
tls_hold() {
    local data=$1 hold=$2 out=$3 start
    rm -f "$T/held"
    start=$(date +%s%N)
    {
        printf '%b' "$data"
        for _ in $(seq 1 $((hold * 10))); do
            [ -f "$T/held" ] && break
            sleep 0.1
        done
    } | {
        timeout $((hold + 2)) openssl s_client -quiet -connect "127.0.0.1:$AP" \
            -servername www.example.com -CAfile "$PKI/ca.pem" >"$out" 2>"$T/sclient.err"
        echo $? >"$T/tls_rc"
        echo $(( ($(date +%s%N) - start) / 1000000 )) >"$T/held"
    }
    cat "$T/held"
}

# resp_header OUTPUT NAME: a header's value in a raw response.
resp_header() {
    grep -ai "^$2:" <<<"$1" | head -n1 | cut -d: -f2- | sed 's/^ *//;s/\r$//'
}

served "start"

# --- plain HTTP on the TLS port --------------------------------------------
m=$(log_mark)
out=$(curl -sS --max-time 10 -i "http://127.0.0.1:$AP/" 2>&1)
check_contains "plain HTTP on the TLS port: answered 400 in plain HTTP" \
    "$out" "HTTP/1.1 400 Bad Request"
check_contains "plain HTTP: the answer is plain text" "$out" "Content-Type: text/plain"
check_contains "plain HTTP: the body says what happened" "$out" \
    "a plain HTTP request was sent to a TLS port"
check_log_since "$m" "plain HTTP is logged as a tls record" \
    '^[^ ]+ tls edge=akamai .*result="plain HTTP on a TLS port'
served "plain HTTP on the TLS port"
# Any plain HTTP request, whatever its method, is one (nginx answers them
# all); OpenSSL itself only recognises GET, POST, HEAD and PUT.
for method in DELETE OPTIONS; do
    m=$(log_mark)
    out=$(curl -sS --max-time 10 -i -X "$method" "http://127.0.0.1:$AP/" 2>&1)
    check_contains "plain HTTP $method on the TLS port: answered 400 in plain HTTP" \
        "$out" "HTTP/1.1 400 Bad Request"
    check_log_since "$m" "plain HTTP $method is logged as plain HTTP" \
        '^[^ ]+ tls edge=akamai .*result="plain HTTP on a TLS port'
done
served "plain HTTP with other methods"

# --- garbage bytes instead of a ClientHello --------------------------------
m=$(log_mark)
(
    exec 3<>"/dev/tcp/127.0.0.1/$AP"
    printf '\x99\x42garbage\xff\xfe\x00\x01 this is not TLS at all\r\n\r\n' >&3
    head -c 400 /dev/zero | tr '\0' '\377' >&3
    exec 3>&-
) 2>/dev/null
check_log_since "$m" "garbage bytes: the failed handshake is logged" \
    '^[^ ]+ tls edge=akamai .*sni=- .*result="handshake failed: '
served "garbage bytes"

# --- a truncated ClientHello, then close -----------------------------------
# The first 20 bytes of a ClientHello: a handshake record of 255 bytes
# announced, 15 sent.
m=$(log_mark)
(
    exec 3<>"/dev/tcp/127.0.0.1/$AP"
    printf '\x16\x03\x01\x00\xff\x01\x00\x00\xfb\x03\x03\x11\x22\x33\x44\x55\x66\x77\x88\x99' >&3
    sleep 0.2   # the scenario: the bytes, a pause, then the close
    exec 3>&-
) 2>/dev/null
check_log_since "$m" "truncated ClientHello: logged as closed during the handshake" \
    '^[^ ]+ tls edge=akamai .*result="viewer closed the connection during the handshake"'
served "a truncated ClientHello"

# --- an SNI of 255 bytes ---------------------------------------------------
L63=$(printf 'a%.0s' $(seq 63))
LONG_SNI="$L63.${L63//a/b}.${L63//a/c}.${L63//a/d}"
check_eq "the long SNI is 255 bytes" 255 "${#LONG_SNI}"
m=$(log_mark)
out=$(printf 'GET /api/long-sni HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:$AP" \
        -servername "$LONG_SNI" -CAfile "$PKI/ca.pem" 2>&1)
check_contains "255-byte SNI (unknown_sni = default): the default certificate, www.example.com's" \
    "$out" "subject=O = edgesim lab, CN = www.example.com"
check_contains "255-byte SNI: the handshake completes and verifies" "$out" \
    "Verify return code: 0 (ok)"
check_contains "255-byte SNI: the request is served" "$out" "HTTP/1.1 200 OK"
check_log_since "$m" "255-byte SNI: the request record carries the whole SNI" \
    "request ref=[^ ]+ .*edge=akamai .*sni=$LONG_SNI .*path=/api/long-sni .*status=200"
served "a 255-byte SNI"

# --- malformed request heads over TLS --------------------------------------
# bad_head NAME BYTES STATUS-LINE SUB
bad_head() {
    local name=$1 bytes=$2 want=$3 sub=$4 out ref m
    m=$(log_mark)
    out=$(tls_send "$bytes")
    check_contains "$name: $want" "$(head -n1 <<<"$out")" "$want"
    check_eq "$name: X-Edgesim-Error" "ERR_BAD_REQUEST; $sub" \
        "$(resp_header "$out" X-Edgesim-Error)"
    check_eq "$name: the edge closed the connection" yes \
        "$([ "$(cat "$T/tls_rc")" != 124 ] && echo yes)"
    ref=$(resp_header "$out" X-Edgesim-Ref)
    check_log_since "$m" "$name: a request record with the code" \
        "request ref=$(re_quote "${ref:-none}") .*status=${want:9:3} code=ERR_BAD_REQUEST"
    served "$name"
}
bad_head "request without Host" 'GET / HTTP/1.1\r\n\r\n' \
    "HTTP/1.1 400 Bad Request" "missing Host header"
bad_head "GARBAGE request line" 'GARBAGE\r\n\r\n' \
    "HTTP/1.1 400 Bad Request" "malformed request line"
bad_head "HTTP/2.0 request line" 'GET / HTTP/2.0\r\nHost: www.example.com\r\n\r\n' \
    "HTTP/1.1 505 HTTP Version Not Supported" "unsupported HTTP version"
bad_head "control byte in the target" 'GET /a\x01b HTTP/1.1\r\nHost: www.example.com\r\n\r\n' \
    "HTTP/1.1 400 Bad Request" "malformed request target"

# --- a head over max_header_size (4k) --------------------------------------
big=$(head -c 8192 /dev/zero | tr '\0' x)
m=$(log_mark)
ecurl www.example.com "$AP" /api/big -H "X-Big: $big" >/dev/null
check_eq "8 KiB of headers with max_header_size = 4k: 431" 431 "$(status)"
check_eq "431: X-Edgesim-Error" "ERR_BAD_REQUEST; request head too large" \
    "$(header X-Edgesim-Error)"
check_log_since "$m" "431 is logged" 'request ref=[^ ]+ .*edge=akamai .*status=431 code=ERR_BAD_REQUEST'
served "an oversized head"
# The limit is the cause: 2 KiB of headers pass.
ecurl www.example.com "$AP" /api/medium -H "X-Medium: ${big:0:2048}" >/dev/null
check_eq "2 KiB of headers are under the limit: 200" 200 "$(status)"

# --- Content-Length with Transfer-Encoding, a second request pipelined -----
m=$(log_mark)
out=$(tls_send 'POST /api/smuggle HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /api/second HTTP/1.1\r\nHost: www.example.com\r\n\r\n')
check_contains "Content-Length + Transfer-Encoding: 400" "$(head -n1 <<<"$out")" \
    "HTTP/1.1 400 Bad Request"
check_eq "CL + TE: X-Edgesim-Error" "ERR_BAD_REQUEST; both Content-Length and Transfer-Encoding" \
    "$(resp_header "$out" X-Edgesim-Error)"
check_eq "CL + TE: exactly one response on the connection (the pipelined one is not answered)" 1 \
    "$(grep -ac '^HTTP/1\.[01] ' <<<"$out")"
check_eq "CL + TE: the edge closed the connection" yes \
    "$([ "$(cat "$T/tls_rc")" != 124 ] && echo yes)"
check_contains "CL + TE: the response says Connection: close" "$out" "Connection: close"
check_log_since "$m" "CL + TE is logged" \
    'request ref=[^ ]+ .*edge=akamai .*status=400 code=ERR_BAD_REQUEST sub="both Content-Length and Transfer-Encoding"'
served_then_none "$m" "Content-Length with Transfer-Encoding" \
    "CL + TE: the pipelined request never reached an origin" 'path=/api/second' 

# --- two different Content-Length values -----------------------------------
m=$(log_mark)
out=$(tls_send 'POST /api/twocl HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')
check_contains "two different Content-Length values: 400" "$(head -n1 <<<"$out")" \
    "HTTP/1.1 400 Bad Request"
check_eq "two Content-Lengths: X-Edgesim-Error" "ERR_BAD_REQUEST; invalid Content-Length" \
    "$(resp_header "$out" X-Edgesim-Error)"
check_eq "two Content-Lengths: the edge closed the connection" yes \
    "$([ "$(cat "$T/tls_rc")" != 124 ] && echo yes)"
check_log_since "$m" "two Content-Lengths are logged" \
    'request ref=[^ ]+ .*edge=akamai .*status=400 code=ERR_BAD_REQUEST sub="invalid Content-Length"'
served "two Content-Length values"

# --- a malformed chunked body ------------------------------------------------
m=$(log_mark)
out=$(tls_send 'POST /api/badchunk HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n')
check_contains "a chunk size that is not hex: 400" "$(head -n1 <<<"$out")" \
    "HTTP/1.1 400 Bad Request"
check_eq "bad chunk size: X-Edgesim-Error" "ERR_BAD_REQUEST; bad chunked body" \
    "$(resp_header "$out" X-Edgesim-Error)"
check_eq "bad chunk size: the edge closed the connection" yes \
    "$([ "$(cat "$T/tls_rc")" != 124 ] && echo yes)"
check_log_since "$m" "the bad chunked body is logged" \
    'request ref=[^ ]+ .*edge=akamai .*path=/api/badchunk .*status=400 code=ERR_BAD_REQUEST'
served "a malformed chunked body"

# --- a slow viewer: half a head, then silence ------------------------------
m=$(log_mark)
ms=$(tls_hold 'GET /api/slow HTTP/1.1\r\nHost: www.exa' 12 "$T/slow.out")
out=$(cat "$T/slow.out")
check_contains "half a head, then silence past header_timeout: 408" \
    "$(head -n1 <<<"$out")" "HTTP/1.1 408 Request Timeout"
check_eq "408: X-Edgesim-Error" ERR_REQUEST_TIMEOUT "$(resp_header "$out" X-Edgesim-Error)"
check_eq "408: closed by the edge header_timeout (5s) after the start, not idle_timeout (30s) (${ms}ms)" yes \
    "$([ "$ms" -ge 4800 ] && [ "$ms" -lt 12000 ] && echo yes)"
check_log_since "$m" "408 is logged" \
    'request ref=[^ ]+ .*edge=akamai .*status=408 code=ERR_REQUEST_TIMEOUT'
served "a slow viewer"

# --- an idle TLS connection that sends nothing -----------------------------
m=$(log_mark)
ms=$(tls_hold '' 12 "$T/idle.out")
check_eq "an idle TLS connection is closed after header_timeout (5s), not idle_timeout (${ms}ms)" yes \
    "$([ "$ms" -ge 4800 ] && [ "$ms" -lt 12000 ] && echo yes)"
check_eq "the idle TLS connection is closed quietly: no bytes sent back" 0 \
    "$(wc -c <"$T/idle.out")"
served_then_none "$m" "an idle TLS connection" \
    "the idle TLS connection leaves no request record" ' request ref=' 

# --- viewers that never finish (or start) the TLS handshake ----------------
m=$(log_mark)
# Each viewer says when it is connected ($T/silent.N.up) and, once the
# edge closed it, how long it was held ($T/silent.N).
for i in 1 2 3 4 5 6 7 8; do
    bg timeout 20 bash -c '
        start=$(date +%s%N)
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        : >"$2.up"
        cat <&3 >/dev/null 2>&1
        echo $(( ($(date +%s%N) - start) / 1000000 )) >"$2"' _ "$AP" "$T/silent.$i"
done
files_at_least() { [ "$(ls "$T"/$1 2>/dev/null | wc -l)" -ge "$2" ]; }
wait_until 15 files_at_least 'silent.*.up' 8 || not_ok "the 8 silent viewers did not connect"
start=$(now_ms)
ecurl www.example.com "$AP" /api/meanwhile >/dev/null
ms=$(( $(now_ms) - start ))
check_eq "while 8 viewers hold silent TCP connections, a normal request gets 200" 200 "$(status)"
# Were the edge stuck on them, it would answer once header_timeout (5s)
# freed it: its log would have their records before the request's. The
# order in the log proves it, whatever the machine's load.
wait_for_since "$m" 'request ref=[^ ]+ .*edge=akamai .*path=/api/meanwhile ' ||
    not_ok "the request of /api/meanwhile was not logged"
check_eq "... served before header_timeout let any of them go (${ms}ms)" 0 \
    "$(since "$m" | sed '/edge=akamai .*path=\/api\/meanwhile /q' | grep -c 'handshake not finished')"
wait_until 20 files_at_least 'silent.[1-8]' 8
closed=0
for i in 1 2 3 4 5 6 7 8; do
    t=$(cat "$T/silent.$i" 2>/dev/null)
    [ -n "$t" ] && [ "$t" -ge 4800 ] && [ "$t" -lt 12000 ] && closed=$((closed + 1))
done
check_eq "all 8 silent viewers were closed header_timeout (5s) after connecting" 8 "$closed"
[ "$closed" -eq 8 ] || diag "held for (ms): $(cat "$T"/silent.[1-8] 2>/dev/null | tr '\n' ' ')"
check_log_since "$m" "the unfinished handshakes are logged" \
    '^[^ ]+ tls edge=akamai .*result="handshake not finished within header_timeout"'
served "viewers that never finish the TLS handshake"

# --- origins that misbehave ------------------------------------------------
# bad_origin MODE STATUS CODE AKAMAI-PREFIX
bad_origin() {
    local mode=$1 want=$2 code=$3 prefix=$4 body ref m start ms
    m=$(log_mark)
    start=$(now_ms)
    body=$(ecurl www.example.com "$AP" "/bad/$mode/x")
    ms=$(( $(now_ms) - start ))
    check_eq "origin $mode: status" "$want" "$(status)"
    local e
    e=$(header X-Edgesim-Error)
    check_eq "origin $mode: X-Edgesim-Error" "$code" "${e%%;*}"
    check_eq "origin $mode: Server: AkamaiGHost" AkamaiGHost "$(header Server)"
    check_contains "origin $mode: the akamai page with its Reference # ($prefix.)" "$body" \
        "Reference&#32;&#35;$prefix&#46;100007f&#46;"
    ref=$(header X-Edgesim-Ref)
    check_log_since "$m" "origin $mode: the request record says code=$code" \
        "request ref=$(re_quote "${ref:-none}") .*path=/bad/$mode/x .*status=$want code=$code"
    check_log_since "$m" "origin $mode: the origin record says result=error code=$code" \
        "origin ref=[^ ]+ .*hop=\"akamai -> bad_$mode\" .*result=error code=$code"
    echo "$ms" >"$T/bad_ms"
}
bad_origin hang 504 ERR_READ_TIMEOUT 1
ms=$(cat "$T/bad_ms")
# The upper bound only says the timer fired, not curl's --max-time 10.
check_eq "origin hang: the 504 comes after read_timeout (1s) (${ms}ms, < 8000)" yes \
    "$([ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ] && echo yes)"
served "an origin that hangs"
bad_origin close 502 ERR_ZERO_SIZE_OBJECT 15
served "an origin that closes without a byte"
# An RST after the request arrived: Linux reports ECONNRESET, which is a
# broken connection, not an empty answer.
bad_origin reset 502 ERR_READ_ERROR 3
served "an origin that resets"
bad_origin garbage 502 ERR_BAD_RESPONSE 3
served "an origin that answers garbage"
# Half a head, then FIN: the connection broke before the head was complete.
bad_origin partial 502 ERR_READ_ERROR 3
served "an origin that sends half a head"
bad_origin down 503 ERR_CONNECT_FAIL 6
check_log_since 0 "origin down: the origin record names the refused connect" \
    "origin ref=[^ ]+ .*hop=\"akamai -> bad_down\" .*result=error code=ERR_CONNECT_FAIL detail=\"TCP connect to 127\\.0\\.0\\.1:$P_DOWN failed: Connection refused\""
served "an origin that is down"

# truncate: the head promised 1000 bytes, 10 came, then FIN. The viewer
# already has a 200 head; all it can learn is that the body ends early,
# and its connection is reset so that no client can take it as complete.
# (HTTP/1.1 here: over HTTP/2 the stream alone is reset, 40-h2.sh.)
m=$(log_mark)
body=$(ecurl www.example.com "$AP" /bad/truncate/x --http1.1)
rc=$?
check_eq "origin truncate: the viewer's connection is reset mid-body (curl exit 56)" 56 "$rc"
check_eq "origin truncate: the head was the origin's 200" 200 "$(status)"
check_eq "origin truncate: the 10 bytes that came are relayed" 0123456789 "$body"
check_log_since "$m" "origin truncate: the request record says ERR_BAD_RESPONSE truncated_body" \
    'request ref=[^ ]+ .*path=/bad/truncate/x .*status=200 code=ERR_BAD_RESPONSE sub=truncated_body .*connection was reset'
served "an origin that truncates its body"

# slowbody: a head and one chunk, then silence. read_timeout (1s) applies
# between body bytes too: the viewer's response ends early.
m=$(log_mark)
start=$(now_ms)
body=$(ecurl www.example.com "$AP" /bad/slowbody/x --http1.1)
rc=$?
ms=$(( $(now_ms) - start ))
check_eq "origin slowbody: the viewer's chunked body ends early, reset (curl exit 56)" 56 "$rc"
check_eq "origin slowbody: the chunk that came is relayed" hello "$body"
check_eq "origin slowbody: cut after read_timeout (1s) (${ms}ms, < 8000)" yes \
    "$([ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ] && echo yes)"
check_log_since "$m" "origin slowbody: the request record says ERR_READ_TIMEOUT" \
    'request ref=[^ ]+ .*path=/bad/slowbody/x .*status=200 code=ERR_READ_TIMEOUT'
served "an origin that stalls in the middle of its body"

es_stop
check_eq "after all that bad input, SIGTERM: exit status 0" 0 "$ES_STATUS"
check_eq "no sanitizer report in the log (make check-asan)" 0 \
    "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ES_LOG")"
