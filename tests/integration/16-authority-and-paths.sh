#!/usr/bin/env bash
# One authority per request, and paths routed as normalised: an
# absolute-form target with a different Host is routed and forwarded by
# the target's authority (RFC 9112 3.2.2: it wins, Host is replaced), on
# both edges, down to the bytes a raw origin receives; userinfo and a
# target in no form are refused; Host and SNI may differ within the names
# of an edge (the tested policy); /api/../index.html and /%61pi/hello are
# routed by their normalised path while the origin gets the raw one
# (unless forward_path = normalized); the static origin judges "outside
# the root" on the normalised path. And canonical framing towards the
# origin: one Content-Length, whatever copies or zeros the viewer sent.
. "$(dirname "$0")/../lib.sh"

read -r AP CP RP <<<"$(ports 3)"
ROOT="$T/root"
mkdir -p "$ROOT/sub" "$ROOT/api"
echo "hello from the static root" >"$ROOT/index.html"
echo "a text file" >"$ROOT/a.txt"
echo "a file called api/hello" >"$ROOT/api/hello"
echo "TOP SECRET outside the root" >"$T/secret.txt"

cat >"$T/c.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
header_timeout = 2s

[resolve]
d111111abcdef8.cloudfront.net = 127.0.0.1:$CP

[edge akamai]
persona = akamai
listen = 127.0.0.1:$AP

[host www.example.com]
edge = akamai
origin = cloudfront-dist
route = /raw/* raw
route = /norm/* norm_dist

[origin cloudfront-dist]
address = d111111abcdef8.cloudfront.net:443

[origin norm_dist]
address = d111111abcdef8.cloudfront.net:443
forward_path = normalized

[origin raw]
address = 127.0.0.1:$RP
tls = off

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
route = /norm/* api

[host static.example.com]
edge = cloudfront
origin = site

[origin api]
type = echo

[origin site]
type = static
root = $ROOT
INI

bg "$EDGESIM_TOOLS/badorigin" "$RP" raw --seconds 120
es_start "$T/c.ini" || exit 1
ES_LOG="$T/edgesim.log"

# tls_req PORT SNI BYTES: one request on a TLS connection (printf %b
# escapes), everything the edge answered until it closed.
tls_req() {
    printf '%b' "$3" | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$1" \
        -servername "$2" -CAfile "$PKI/ca.pem" 2>/dev/null | tr -d '\r'
}
first() { head -n1 <<<"$1"; }
hdr() { sed -n "s/^$2: //p" <<<"$1" | head -n1; }

# --- one authority: absolute-form wins, Host is replaced ----------------------
out=$(tls_req "$AP" www.example.com "GET https://www.example.com:$AP/api/x HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n")
check_eq "akamai: absolute-form with Host: evil.test is routed by the target: 200" \
    "HTTP/1.1 200 OK" "$(first "$out")"
check_contains "... and forwarded with the target's authority as Host (the inner echo saw it)" \
    "$out" "[\"Host\",\"www.example.com:$AP\"]"
check_not_contains "... evil.test went nowhere" "$out" "evil.test"

out=$(tls_req "$CP" d111111abcdef8.cloudfront.net "GET https://api.example.com/api/y HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n")
check_eq "cloudfront: absolute-form with another Host: 200 by the target" \
    "HTTP/1.1 200 OK" "$(first "$out")"
check_contains "... the echo origin sees Host: api.example.com" "$out" '["Host","api.example.com"]'
check_not_contains "... and not evil.test" "$out" "evil.test"

out=$(tls_req "$AP" www.example.com "GET https://www.example.com/raw/a?q=1 HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n")
check_contains "a raw origin receives the target in origin form with Host = the authority, byte for byte" \
    "$out" $'GET /raw/a?q=1 HTTP/1.1\nHost: www.example.com\nX-Forwarded-For: 127.0.0.1\n'
check_not_contains "... no second Host, no evil.test" "$out" "evil.test"

out=$(tls_req "$AP" www.example.com "GET https://evil.test/api/x HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n")
check_eq "absolute-form naming a host the edge does not serve: 400 (Akamai), whatever Host says" \
    "HTTP/1.1 400 Bad Request" "$(first "$out")"
check_eq "... ERR_HOST_NOT_SERVED" "ERR_HOST_NOT_SERVED" "$(hdr "$out" X-Edgesim-Error)"

out=$(tls_req "$CP" d111111abcdef8.cloudfront.net "GET https://evil.test/ HTTP/1.1\r\nHost: d111111abcdef8.cloudfront.net\r\nConnection: close\r\n\r\n")
check_eq "the same on the cloudfront edge: 403" "HTTP/1.1 403 Forbidden" "$(first "$out")"

out=$(tls_req "$AP" www.example.com "GET https://evil.test@www.example.com/api/x HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
check_eq "userinfo in the target: 400" "HTTP/1.1 400 Bad Request" "$(first "$out")"
check_contains "... ERR_BAD_REQUEST, said why" "$(hdr "$out" X-Edgesim-Error)" "ERR_BAD_REQUEST; user information"
out=$(tls_req "$AP" www.example.com "GET www.example.com HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
check_eq "a target in no form (GET www.example.com): 400" "HTTP/1.1 400 Bad Request" "$(first "$out")"
check_contains "... from the edge (ERR_BAD_REQUEST), not from an origin" "$(hdr "$out" X-Edgesim-Error)" \
    "ERR_BAD_REQUEST; request target in the wrong form"
out=$(tls_req "$AP" www.example.com "GET ftp://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
check_eq "an absolute URI with another scheme: 400" "HTTP/1.1 400 Bad Request" "$(first "$out")"

# --- Host and SNI: the tested policy stays ----------------------------------
out=$(tls_req "$AP" www.example.com "GET /api/x HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n")
check_eq "origin-form Host that is no name of the edge: 400 as before" \
    "HTTP/1.1 400 Bad Request" "$(first "$out")"
check_eq "... ERR_HOST_NOT_SERVED" "ERR_HOST_NOT_SERVED" "$(hdr "$out" X-Edgesim-Error)"
out=$(tls_req "$CP" d111111abcdef8.cloudfront.net "GET /api/x HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n")
check_eq "SNI one name of the edge, Host another: served (200)" "HTTP/1.1 200 OK" "$(first "$out")"

# --- routes match the normalised path --------------------------------------
body=$(ecurl d111111abcdef8.cloudfront.net "$CP" /api/../index.html --path-as-is)
check_eq "/api/../index.html is /index.html: the static origin, not /api/*" \
    "hello from the static root" "$body"
body=$(ecurl d111111abcdef8.cloudfront.net "$CP" /%61pi/hello)
check_contains "/%61pi/hello is /api/hello: the /api/* origin (echo)" "$body" '"origin":"api"'
check_contains "... which is sent the path as the viewer wrote it" "$body" '"target":"/%61pi/hello"'
body=$(ecurl www.example.com "$AP" /x/./../api/q --path-as-is)
check_contains "through both edges: /x/./../api/q routed as /api/q by the inner edge" "$body" '"origin":"api"'
check_contains "... and the raw path went on (forward_path = raw, CloudFront's way)" \
    "$body" '"target":"/x/./../api/q"'
body=$(ecurl www.example.com "$AP" /norm/./x/../%71 --path-as-is)
check_contains "forward_path = normalized: the origin gets /norm/q" "$body" '"target":"/norm/q"'
body=$(ecurl www.example.com "$AP" "/%72aw/%2e%2e/raw/b?x=%2e%2e" --path-as-is)
check_contains "/%72aw/%2e%2e/raw/b is /raw/b: the raw origin got the raw path" \
    "$body" 'GET /%72aw/%2e%2e/raw/b?x=%2e%2e HTTP/1.1'

# --- the static origin judges the normalised path ---------------------------
body=$(ecurl static.example.com "$CP" /x/../api/hello --path-as-is)
check_eq "static: /x/../api/hello is inside the root: 200" 200 "$(status)"
check_eq "... the file api/hello" "a file called api/hello" "$body"
body=$(ecurl static.example.com "$CP" /sub/%2e%2e/a.txt --path-as-is)
check_eq "static: /sub/%2e%2e/a.txt is /a.txt" "a text file" "$body"
for p in /../secret.txt /sub/../../secret.txt /%2e%2e/secret.txt /%2e%2e%2fsecret.txt; do
    body=$(ecurl static.example.com "$CP" "$p" --path-as-is)
    if [ "$(status)" = 403 ] && [[ "$body" != *"TOP SECRET"* ]]; then
        ok "static: $p leaves the root: 403"
    else
        not_ok "static: $p: status $(status)"
    fi
done

# --- canonical framing towards the origin ------------------------------------
# cl_case WHAT HEADERS: a POST of "abcd" with the given Content-Length
# header lines reaches the raw origin with exactly one "Content-Length: 4".
cl_case() {
    local what=$1 hdrs=$2 out n
    out=$(tls_req "$AP" www.example.com "POST /raw/cl HTTP/1.1\r\nHost: www.example.com\r\n${hdrs}Connection: close\r\n\r\nabcd")
    n=$(grep -ci '^content-length:' <<<"$(sed -n '/^GET \|^POST /,$p' <<<"$out")")
    check_eq "$what: the origin got one Content-Length" 1 "$n"
    check_contains "... with the value 4, then the body" "$out" $'Content-Length: 4\nX-Forwarded-For'
    check_contains "... and the 4 body bytes after the head" "$out" $'\n\nabcd'
}
cl_case "Content-Length: 4, 4" 'Content-Length: 4, 4\r\n'
cl_case "Content-Length twice, equal" 'Content-Length: 4\r\nContent-Length: 4\r\n'
cl_case "Content-Length: 0004" 'Content-Length: 0004\r\n'
cl_case "Content-Length: 04, 4 and 004 again" 'Content-Length: 04, 4\r\ncontent-length: 004\r\n'
out=$(tls_req "$AP" www.example.com 'POST /raw/cl HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 4, 5\r\n\r\nabcd')
check_eq "different Content-Length copies: refused at the edge (400)" "HTTP/1.1 400 Bad Request" "$(first "$out")"
check_contains "... as an invalid Content-Length" "$(hdr "$out" X-Edgesim-Error)" "invalid Content-Length"
out=$(tls_req "$AP" www.example.com 'POST /raw/chunk HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0004\r\nabcd\r\n0\r\n\r\n')
check_contains "a chunked body with a zero-padded size within 16 digits goes on" "$out" $'\n\n0004\nabcd\n0'
out=$(tls_req "$AP" www.example.com 'POST /raw/chunk HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n8000000000000000\r\nabcd\r\n0\r\n\r\n')
check_eq "a chunk size of 2^63 (negative to a signed parser): 400" "HTTP/1.1 400 Bad Request" "$(first "$out")"
out=$(tls_req "$AP" www.example.com 'POST /raw/chunk HTTP/1.1\r\nHost: www.example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n00000000000000004\r\nabcd\r\n0\r\n\r\n')
check_eq "a chunk size of 17 digits: 400" "HTTP/1.1 400 Bad Request" "$(first "$out")"

# --- a head that trickles in, one byte per TLS record ------------------------
out=$("$EDGESIM_TOOLS/headtrickle" -n 1 -b 12000 -r 1 --sni static.example.com \
    --path /a.txt "127.0.0.1:$CP")
check_contains "a 12,000-byte head sent one byte per TLS record is answered" "$out" "ok=1 errors=0 status=200"
"$EDGESIM_TOOLS/headtrickle" -n 1 -b 20000 -r 7 --sni static.example.com \
    --path /a.txt "127.0.0.1:$CP" >/dev/null
# (The client may still be writing when the edge closes: the answer is
# judged in the edge's record.)
check_log "... and one over max_header_size (16k), 7 bytes per record, gets 431" \
    'sni=static\.example\.com method=- .*status=431 code=ERR_BAD_REQUEST sub="request head too large"'
out=$("$EDGESIM_TOOLS/headtrickle" -n 1 -b 9000 -r 1 --body --sni static.example.com \
    --path /a.txt "127.0.0.1:$CP")
check_contains "a body one byte per record reaches the static origin (405: it serves GET)" "$out" "status=405"

check_alive "at the end"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
check_eq "no sanitizer report in the log" 0 \
    "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ES_LOG")"
