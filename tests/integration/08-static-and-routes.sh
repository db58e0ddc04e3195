#!/usr/bin/env bash
# The static origin over the network (path traversal in every spelling,
# symlinks out of the root, HEAD), routes (order, first match wins, the
# default origin), what an origin sees of host_header and sni, and bodies
# through both edges: POST with Content-Length and chunked, a 1 MiB
# download and a 5 MiB upload, byte for byte.
. "$(dirname "$0")/../lib.sh"

read -r AP CP <<<"$(ports 2)"

# A static root of our own, and a secret next to it that must never leak.
ROOT="$T/root"
mkdir -p "$ROOT/sub" "$T/outside"
echo "TOP SECRET outside the root" >"$T/secret.txt"
echo "TOP SECRET in a directory outside the root" >"$T/outside/secret.txt"
echo "hello from the static root" >"$ROOT/index.html"
echo "a text file" >"$ROOT/a.txt"
echo "in a subdirectory" >"$ROOT/sub/b.txt"
head -c $((1024 * 1024)) /dev/urandom >"$ROOT/one-mib.bin"
ln -s "$T/secret.txt" "$ROOT/escape.txt"          # a file outside
ln -s "$T/outside" "$ROOT/escape-dir"              # a directory outside
ln -s "$ROOT/a.txt" "$ROOT/inside-link.txt"        # a link that stays inside

cat >"$T/routes.ini" <<INI
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
aliases = example.com
origin = cloudfront-dist
; order matters: the first match wins
route = /api/v2/* echo_v2
route = /api/* cloudfront-dist
route = /first/* echo_first
route = /first/deep/* echo_deep
route = /hh/origin/* hh_origin
route = /hh/incoming/* hh_incoming
route = /hh/name/* hh_name
route = /sni/host/* sni_host
route = /sni/name/* sni_name

[origin cloudfront-dist]
address = d111111abcdef8.cloudfront.net:443
sni = on
verify = full

[origin echo_v2]
type = echo
[origin echo_first]
type = echo
[origin echo_deep]
type = echo

[origin hh_origin]
address = d111111abcdef8.cloudfront.net:443
host_header = origin
[origin hh_incoming]
address = d111111abcdef8.cloudfront.net:443
host_header = incoming
[origin hh_name]
address = d111111abcdef8.cloudfront.net:443
host_header = api.example.com

[origin sni_host]
address = d111111abcdef8.cloudfront.net:443
sni = host
[origin sni_name]
address = d111111abcdef8.cloudfront.net:443
sni = api.example.com

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
route = /hh/* api
route = /sni/* api

[origin api]
type = echo

[origin site]
type = static
root = $ROOT
INI

es_start "$T/routes.ini" || exit 1
ES_LOG="$T/edgesim.log"

# json_num BODY KEY: a number field of the echo's JSON.
json_num() { grep -o "\"$2\":[0-9]*" <<<"$1" | head -n1 | cut -d: -f2; }

# --- static: traversal over the network ------------------------------------
# Through both edges and straight at the inner edge, with --path-as-is so
# that curl sends the path as written.
for via in chain inner; do
    if [ $via = chain ]; then host=www.example.com port=$AP
    else host=d111111abcdef8.cloudfront.net port=$CP; fi
    for path in "/../secret.txt" "/sub/../../secret.txt" "/%2e%2e/secret.txt" \
        "/%2E%2E/%2e%2e/secret.txt" "/..%2fsecret.txt" "/%2e%2e%2fsecret.txt" \
        "/sub%2f..%2f..%2fsecret.txt" "/sub/%2e%2e/%2e%2e/secret.txt" \
        "/..%5csecret.txt" "/%2e%2e%5c%2e%2e%5csecret.txt" "/./../secret.txt" \
        "/escape-dir/../../secret.txt" "/%252e%252e/secret.txt" "/a.txt%00/../../secret.txt"; do
        body=$(ecurl "$host" "$port" "$path" --path-as-is)
        st=$(status)
        if [[ "$st" =~ ^(400|403|404)$ ]] && [[ "$body" != *"TOP SECRET"* ]]; then
            ok "traversal $path ($via): $st, nothing from outside the root"
        else
            not_ok "traversal $path ($via): status $st"
            diag "${body:0:200}"
        fi
    done
done
body=$(ecurl www.example.com "$AP" /../secret.txt --path-as-is)
check_eq "a plain /../ is refused as leaving the root: 403" 403 "$(status)"

# --- static: symlinks ------------------------------------------------------
body=$(ecurl www.example.com "$AP" /escape.txt)
check_eq "a symlink in the root to a file outside: 403" 403 "$(status)"
check_not_contains "... and the file's content is not sent" "$body" "TOP SECRET"
body=$(ecurl www.example.com "$AP" /escape-dir/secret.txt)
check_eq "a symlinked directory that leads outside: 403" 403 "$(status)"
check_not_contains "... and the file's content is not sent" "$body" "TOP SECRET"
body=$(ecurl www.example.com "$AP" /inside-link.txt)
check_eq "a symlink that stays inside the root is served: 200" 200 "$(status)"
check_eq "... with the target's content" "a text file" "$body"

# --- static: ordinary requests ---------------------------------------------
body=$(ecurl www.example.com "$AP" /)
check_eq "/ serves index.html through both edges: 200" 200 "$(status)"
check_eq "... its content" "hello from the static root" "$body"
body=$(ecurl www.example.com "$AP" /sub/b.txt)
check_eq "a file in a subdirectory: 200" 200 "$(status)"
check_eq "... content" "in a subdirectory" "$body"
check_contains "... Content-Type by extension" "$(header Content-Type)" "text/plain"
body=$(ecurl www.example.com "$AP" /sub/%62.txt)
check_eq "a percent-encoded letter is decoded: /sub/%62.txt is b.txt" "in a subdirectory" "$body"
ecurl www.example.com "$AP" /nothere.txt >/dev/null
check_eq "a missing file: 404" 404 "$(status)"
ecurl www.example.com "$AP" /a.txt -X DELETE >/dev/null
check_eq "DELETE on a static origin: 405" 405 "$(status)"

# HEAD: the head of a GET, no body; twice on one HTTP/1.1 connection
# (framing).
size=$(stat -c %s "$ROOT/one-mib.bin")
out=$(curl -sS --http1.1 --max-time 10 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -I "https://www.example.com:$AP/one-mib.bin" "https://www.example.com:$AP/a.txt" \
    -w 'connects=%{num_connects} size=%{size_download}\n' 2>&1)
check_eq "HEAD twice on one connection: two 200 heads" 2 "$(grep -c '^HTTP/1.1 200' <<<"$out")"
check_contains "HEAD: Content-Length of the file (1 MiB)" "$out" "Content-Length: $size"
check_contains "HEAD: no body bytes" "$out" "connects=1 size=0"
check_contains "HEAD: the second request reused the connection, no body in between" "$out" \
    "connects=0 size=0"

# --- a 1 MiB download through both edges -----------------------------------
curl -sS --max-time 20 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -o "$T/dl.bin" -w '%{http_code}' "https://www.example.com:$AP/one-mib.bin" >"$T/st" 2>"$T/err"
check_eq "1 MiB download through both edges: 200" 200 "$(cat "$T/st")"
check_eq "1 MiB download: intact (sha256)" "$(sha256sum <"$ROOT/one-mib.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$T/dl.bin" | cut -d' ' -f1)"

# --- routes -----------------------------------------------------------------
body=$(ecurl www.example.com "$AP" /api/v2/users)
check_contains "/api/v2/* listed before /api/*: /api/v2/users goes to echo_v2" "$body" '"origin":"echo_v2"'
check_contains "... and the record names the route" "$(grep 'path=/api/v2/users' "$ES_LOG")" 'route=/api/v2/*'
body=$(ecurl www.example.com "$AP" /api/users)
check_contains "/api/users goes on to the inner edge's echo (api)" "$body" '"origin":"api"'
check_contains "... through the inner edge" "$body" '"edge":"cloudfront"'
body=$(ecurl www.example.com "$AP" /first/deep/x)
check_contains "first match wins: /first/deep/x goes to /first/*, not the later /first/deep/*" \
    "$body" '"origin":"echo_first"'
body=$(ecurl www.example.com "$AP" "/api/v2/q?x=/first/")
check_contains "the query string is not matched: /api/v2/q?x=/first/ goes to echo_v2" "$body" '"origin":"echo_v2"'
body=$(ecurl www.example.com "$AP" /API/v2/x)
check_eq "patterns are case-sensitive: /API/v2/x goes to the default (static: 404)" 404 "$(status)"
body=$(ecurl www.example.com "$AP" /a.txt)
check_eq "no route matches: the default origin (static through the inner edge)" "a text file" "$body"
check_contains "... and the record has no route" "$(grep 'path=/a.txt ' "$ES_LOG" | grep 'edge=akamai' | tail -n1)" \
    'origin=cloudfront-dist status=200'

# --- host_header ------------------------------------------------------------
body=$(ecurl www.example.com "$AP" /hh/origin/x)
check_contains "host_header = origin: the origin sees its own name" "$body" \
    '["Host","d111111abcdef8.cloudfront.net"]'
body=$(ecurl www.example.com "$AP" /hh/incoming/x)
check_contains "host_header = incoming: the origin sees the viewer's Host" "$body" \
    "[\"Host\",\"www.example.com:$AP\"]"
body=$(ecurl www.example.com "$AP" /hh/name/x)
check_contains "host_header = api.example.com: the origin sees that name" "$body" \
    '["Host","api.example.com"]'
check_eq "... and it is served there (an alias of the inner host): 200" 200 "$(status)"

# --- sni ---------------------------------------------------------------------
body=$(ecurl www.example.com "$AP" /sni/host/x)
check_contains "sni = host: the inner edge saw the viewer's host name as SNI" "$body" \
    '"sni":"www.example.com"'
check_log "sni = host: the origin record says what was sent" \
    'hop="akamai -> sni_host" .*sni_sent=www\.example\.com .*result=ok'
body=$(ecurl www.example.com "$AP" /sni/name/x)
check_contains "sni = api.example.com: the inner edge saw that name as SNI" "$body" \
    '"sni":"api.example.com"'
check_log "sni = NAME: the origin record says what was sent" \
    'hop="akamai -> sni_name" .*sni_sent=api\.example\.com .*result=ok'
# sni = host with a Host the inner edge has no certificate for: its default
# certificate (*.cloudfront.net) does not match the name sent.
ecurl example.com "$AP" /sni/host/x >/dev/null
check_eq "sni = host, Host example.com (no name of the inner edge): 503" 503 "$(status)"
check_eq "... ERR_FWD_SSL_HANDSHAKE; hostname_mismatch" "ERR_FWD_SSL_HANDSHAKE; hostname_mismatch" \
    "$(header X-Edgesim-Error)"
check_log "... the origin record shows the SNI sent and the certificate received" \
    'hop="akamai -> sni_host" .*sni_sent=example\.com .*cert_subject="CN=\*\.cloudfront\.net'
body=$(ecurl www.example.com "$AP" /api/x)
check_contains "sni = on: the inner edge saw the origin's name" "$body" \
    '"sni":"d111111abcdef8.cloudfront.net"'

# --- request bodies through both edges --------------------------------------
# (HTTP/1.1 viewers: their framing reaches the origin unchanged; HTTP/2
# bodies are in 40-h2.sh.)
printf 'hello, body!' >"$T/small"
body=$(ecurl www.example.com "$AP" /api/post --http1.1 --data-binary @"$T/small")
check_eq "POST with Content-Length through both edges: 200" 200 "$(status)"
check_eq "... the echo counted 12 body bytes" 12 "$(json_num "$body" body_bytes)"
check_contains "... and saw the Content-Length" "$body" '["Content-Length","12"]'

head -c 100000 /dev/urandom >"$T/chunky"
body=$(ecurl www.example.com "$AP" /api/chunked --http1.1 -H 'Transfer-Encoding: chunked' \
    --data-binary @"$T/chunky")
check_eq "POST chunked through both edges: 200" 200 "$(status)"
check_contains "... the echo saw a chunked body" "$body" '["Transfer-Encoding","chunked"]'
check_eq "... and counted its 100000 body bytes" 100000 "$(json_num "$body" body_bytes)"

body=$(ecurl www.example.com "$AP" /api/put -T - <"$T/chunky")
check_eq "PUT from stdin (curl -T -, chunked) through both edges: 200" 200 "$(status)"
check_contains "... the echo saw the method" "$body" '"method":"PUT"'
check_eq "... and counted 100000 body bytes" 100000 "$(json_num "$body" body_bytes)"

# Keep-alive after a body: the next request on the connection is intact.
out=$(curl -sS --max-time 10 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    --data-binary @"$T/small" "https://www.example.com:$AP/api/one" \
    --next --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    "https://www.example.com:$AP/api/two" -w '\nconnects=%{num_connects}\n' 2>&1)
check_contains "after a POST, a GET on the same connection is answered" "$out" '"path":"/api/two"'
check_contains "... on the same connection" "$out" "connects=0"

# --- a 5 MiB upload through both edges --------------------------------------
head -c $((5 * 1024 * 1024)) /dev/urandom >"$T/five"
body=$(curl -sS --max-time 30 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    --data-binary @"$T/five" -w '\n%{http_code}' "https://www.example.com:$AP/api/upload" 2>"$T/err")
check_eq "5 MiB upload (Content-Length) through both edges: 200" 200 "$(tail -n1 <<<"$body")"
check_eq "... the echo counted 5242880 body bytes" 5242880 "$(json_num "$body" body_bytes)"
body=$(curl -sS --max-time 30 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/five" -w '\n%{http_code}' \
    "https://www.example.com:$AP/api/upload-chunked" 2>"$T/err")
check_eq "5 MiB upload (chunked) through both edges: 200" 200 "$(tail -n1 <<<"$body")"
check_eq "... the echo counted 5242880 body bytes" 5242880 "$(json_num "$body" body_bytes)"
check_log "the akamai record counts the 5 MiB in" \
    'edge=akamai .*path=/api/upload origin=cloudfront-dist route=/api/\* status=200 bytes_in=5242880 '

check_alive "at the end"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
check_eq "no sanitizer report in the log (make check-asan)" 0 \
    "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ES_LOG")"
