#!/usr/bin/env bash
# An origin's answer whose framing is wrong. Before any byte of it reached
# the viewer, the viewer gets the persona's 502 page (ERR_BAD_RESPONSE and
# a sub-reason that names the fault); after bytes of it left, the viewer's
# connection is reset, and the log says what the viewer really got, never
# a clean status=200 for a reply it did not get.
. "$(dirname "$0")/../lib.sh"

MODES="badchunk latechunk excess interim switch bighead trickle"
read -r AP P_badchunk P_latechunk P_excess P_interim P_switch P_bighead P_trickle <<<"$(ports 8)"
cat >"$T/c.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
max_header_size = 16k

[edge akamai]
persona = akamai
listen = 127.0.0.1:$AP

[host www.example.com]
edge = akamai
origin = echo
INI
for m in $MODES; do
    var="P_$m"
    sed -i "/^origin = echo$/a route = /$m/* bad_$m" "$T/c.ini"
    printf '\n[origin bad_%s]\naddress = 127.0.0.1:%s\ntls = off\nread_timeout = 2s\n' \
        "$m" "${!var}" >>"$T/c.ini"
    bg "$EDGESIM_TOOLS/badorigin" "${!var}" "$m" --seconds 60 >/dev/null 2>&1
done
printf '\n[origin echo]\ntype = echo\n' >>"$T/c.ini"
es_start "$T/c.ini" || exit 1

# page MODE SUB WHAT: a 502 page with ERR_BAD_RESPONSE; SUB
# page MODE SUB WHAT: over HTTP/1.1 and over HTTP/2 (nothing of the head
# left yet either way: the page takes its place).
page() {
    local mode=$1 sub=$2 what0=$3 body rc v what
    for v in 1.1 2; do
        what="$what0 (HTTP/$v)"
        body=$(ecurl www.example.com "$AP" "/$mode/h$v" --http"$v")
        rc=$?
        check_eq "$what: curl gets a whole answer" 0 "$rc"
        check_eq "$what: 502" 502 "$(status)"
        check_eq "$what: X-Edgesim-Error" "ERR_BAD_RESPONSE; $sub" "$(header X-Edgesim-Error)"
        check_contains "$what: the Akamai page (Reference #3.)" "$body" "Reference&#32;&#35;3&#46;"
        check_log "$what: the request record says 502 and why" \
            "request .* path=/$mode/h$v .*status=502 code=ERR_BAD_RESPONSE sub=$sub .*proto=$([ $v = 2 ] && echo h2 || echo http/1.1)"
        check_log "$what: the origin record names the fault" \
            "origin .*hop=\"akamai -> bad_$mode\" .*result=error code=ERR_BAD_RESPONSE sub=$sub"
        ecurl www.example.com "$AP" /api/after --http"$v" >/dev/null
        check_eq "$what: the edge goes on serving" 200 "$(status)"
    done
}

# An invalid chunk size in the origin's first read: it once gave the
# viewer an empty reply while the log said status=200.
page badchunk bad_chunk "invalid chunk size before any byte left"
page excess excess_body "more body than Content-Length"
page interim too_many_interim "twenty 100 Continue"
page switch unexpected_101 "an unasked-for 101"
page bighead response_head_too_large "a 64 KiB response head (max_header_size 16k)"
check_contains "a response head too large is named as such" \
    "$(grep 'path=/bighead/h1.1' "$ES_LOG" | head -n1)" "larger than max_header_size"

# After part of the response left: the head and a chunk went out, then
# the framing broke. An HTTP/1.1 viewer's connection is reset.
body=$(ecurl www.example.com "$AP" /latechunk/x --http1.1)
rc=$?
check_eq "bad chunk after bytes left: the viewer's connection is reset (curl exit 56)" 56 "$rc"
check_eq "... after the origin's 200 head" 200 "$(status)"
check_eq "... and the chunk that came" hello "$body"
check_log "... the record says what the viewer got, with the code" \
    'request .* path=/latechunk/x .*status=200 code=ERR_BAD_RESPONSE sub=bad_chunk detail="[^"]*connection was reset'
# An HTTP/2 viewer's stream alone is reset (RST_STREAM INTERNAL_ERROR);
# the connection goes on.
curl -sS --http2 --max-time 10 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -o "$T/late.h2" "https://www.example.com:$AP/latechunk/h2" \
    -o "$T/after.h2" -w '%{http_code} %{num_connects}\n' "https://www.example.com:$AP/api/after2" \
    >"$T/late.out" 2>"$T/late.err"
check_contains "HTTP/2: bad chunk after bytes left: the stream is reset (INTERNAL_ERROR)" \
    "$(cat "$T/late.err")" "INTERNAL_ERROR"
check_eq "HTTP/2: ... the chunk that came" hello "$(cat "$T/late.h2")"
check_eq "HTTP/2: ... the next request on the same connection is served" "200 0" \
    "$(tail -n1 "$T/late.out")"
check_log "HTTP/2: ... the record says the stream was reset, with the code" \
    'request .* path=/latechunk/h2 .*status=200 code=ERR_BAD_RESPONSE sub=bad_chunk detail="[^"]*the stream was reset \(RST_STREAM INTERNAL_ERROR\)".*proto=h2'
# A good answer whose head trickles in a byte per write (after a 100
# Continue): collected as it comes, parsed when whole, the body that
# follows it in the same bytes not lost.
for v in 1.1 2; do
    body=$(ecurl www.example.com "$AP" "/trickle/h$v" --http"$v")
    check_eq "a head that trickles in (HTTP/$v): 200" 200 "$(status)"
    check_eq "... its body, which followed the head" ok "$body"
    check_eq "... its 1,500-byte field whole" 1500 "$(printf %s "$(header X-Trickle)" | wc -c | tr -d ' ')"
    check_log "... logged 200, no error (HTTP/$v)" \
        "request .* path=/trickle/h$v .*status=200 bytes_in=0 bytes_out=2 "
done
check_alive "after the framing faults"
es_stop
check_eq "stops cleanly" 0 "$ES_STATUS"
