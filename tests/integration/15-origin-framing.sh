#!/usr/bin/env bash
# An origin's answer whose framing is wrong. Before any byte of it reached
# the viewer, the viewer gets the persona's 502 page (ERR_BAD_RESPONSE and
# a sub-reason that names the fault); after bytes of it left, the viewer's
# connection is reset, and the log says what the viewer really got, never
# a clean status=200 for a reply it did not get.
. "$(dirname "$0")/../lib.sh"

MODES="badchunk latechunk excess interim switch bighead"
read -r AP P_badchunk P_latechunk P_excess P_interim P_switch P_bighead <<<"$(ports 7)"
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
page() {
    local mode=$1 sub=$2 what=$3 body rc
    body=$(ecurl www.example.com "$AP" "/$mode/x")
    rc=$?
    check_eq "$what: curl gets a whole answer" 0 "$rc"
    check_eq "$what: 502" 502 "$(status)"
    check_eq "$what: X-Edgesim-Error" "ERR_BAD_RESPONSE; $sub" "$(header X-Edgesim-Error)"
    check_contains "$what: the Akamai page (Reference #3.)" "$body" "Reference&#32;&#35;3&#46;"
    check_log "$what: the request record says 502 and why" \
        "request .* path=/$mode/x .*status=502 code=ERR_BAD_RESPONSE sub=$sub"
    check_log "$what: the origin record names the fault" \
        "origin .*hop=\"akamai -> bad_$mode\" .*result=error code=ERR_BAD_RESPONSE sub=$sub"
    ecurl www.example.com "$AP" /api/after >/dev/null
    check_eq "$what: the edge goes on serving" 200 "$(status)"
}

# An invalid chunk size in the origin's first read: it once gave the
# viewer an empty reply while the log said status=200.
page badchunk bad_chunk "invalid chunk size before any byte left"
page excess excess_body "more body than Content-Length"
page interim too_many_interim "twenty 100 Continue"
page switch unexpected_101 "an unasked-for 101"
page bighead response_head_too_large "a 64 KiB response head (max_header_size 16k)"
check_contains "a response head too large is named as such" \
    "$(grep 'path=/bighead/x' "$ES_LOG" | head -n1)" "larger than max_header_size"

# After part of the response left: the head and a chunk went out, then
# the framing broke. The viewer's connection is reset.
body=$(ecurl www.example.com "$AP" /latechunk/x)
rc=$?
check_eq "bad chunk after bytes left: the viewer's connection is reset (curl exit 56)" 56 "$rc"
check_eq "... after the origin's 200 head" 200 "$(status)"
check_eq "... and the chunk that came" hello "$body"
check_log "... the record says what the viewer got, with the code" \
    'request .* path=/latechunk/x .*status=200 code=ERR_BAD_RESPONSE sub=bad_chunk detail="[^"]*connection was reset'
check_alive "after the framing faults"
es_stop
check_eq "stops cleanly" 0 "$ES_STATUS"
