#!/usr/bin/env bash
# HTTP/2 to viewers (issue 12): ALPN h2 on every persona edge that has it,
# requests on streams answered by built-in and proxied origins, bodies both
# ways, error pages of the personas on the stream, one log record per
# request with proto=h2, `edgesim explain` on an h2 reference, h2 and
# HTTP/1.1 viewers on the same edge at once. Real clients: curl --http2
# here; nghttp, h2load and Node's http2 module below.
. "$(dirname "$0")/../lib.sh"

need() {   # need CMD PACKAGE: a missing client fails the test, never skips
    command -v "$1" >/dev/null 2>&1 && return 0
    not_ok "$1 not found: install the Debian package $2 (bash scripts/deps.sh)"
    return 1
}

read -r AP CP PP OP <<<"$(ports 4)"
mkdir -p "$T/www/files" "$T/www/big"
head -c 4194304 /dev/urandom >"$T/www/files/4m.bin"
cp "$T/www/files/4m.bin" "$T/www/big/4m.bin"
demo_conf "$T/h2.ini" "$AP" "$CP" "
[edge plain]
persona = plain
listen = 127.0.0.1:$PP
http2 = on
[host plain.example.com]
edge = plain
origin = api
route = /files/* files
route = /api/* upstream
route = /big/* upfiles
route = /slow/* slow
[origin files]
type = static
root = $T/www
[origin upstream]
address = d111111abcdef8.cloudfront.net:443
host_header = origin
; the cloudfront edge's files host, through the same address
[origin upfiles]
address = d111111abcdef8.cloudfront.net:443
host_header = files.example.com
[host files.example.com]
edge = cloudfront
origin = files
[origin slow]
type = echo
delay = 2s
[edge plain11]
persona = plain
listen = 127.0.0.1:$OP
[host old.example.com]
edge = plain11
origin = api"
ES_LOG=$T/edgesim.log
out=$("$EDGESIM" check -c "$T/h2.ini" 2>&1)
check_eq "edgesim check accepts http2 = on" 0 $?
sed 's/^http2 = on$/http2 = maybe/' "$T/h2.ini" >"$T/bad.ini"
out=$("$EDGESIM" check -c "$T/bad.ini" 2>&1)
check_eq "http2 = maybe: a config error (exit 2)" 2 $?
check_contains "... naming the line and the key" "$out" \
    "bad.ini:$(grep -n '^http2 = maybe' "$T/bad.ini" | cut -d: -f1): [edge plain] http2: 'maybe' is not a boolean: use on or off"
es_start "$T/h2.ini" || exit 1
ES_LOG=$T/edgesim.log

# h2curl HOST PORT PATH [curl args]: like ecurl, with --http2; the
# negotiated version in $T/version.
h2curl() {
    local host=$1 port=$2 path=$3
    shift 3
    curl -sS --http2 --max-time 20 --cacert "$PKI/ca.pem" \
        --resolve "$host:$port:127.0.0.1" -D "$T/headers" -o "$T/body" \
        -w '%{http_code} %{http_version}' "$@" "https://$host:$port$path" \
        >"$T/status" 2>"$T/curl.err"
    local rc=$?
    cat "$T/body" 2>/dev/null
    return $rc
}
version() { cut -d' ' -f2 "$T/status"; }
code() { cut -d' ' -f1 "$T/status"; }

need curl curl || exit 1

# --- ALPN: h2 by default on akamai and cloudfront, off on plain ---
for e in "www.example.com $AP akamai 2" "d111111abcdef8.cloudfront.net $CP cloudfront 2" \
         "old.example.com $OP plain 1.1" "plain.example.com $PP plain(http2=on) 2"; do
    set -- $e
    h2curl "$1" "$2" /api/alpn >/dev/null
    check_eq "$3 edge: curl --http2 negotiates HTTP/$4" "200 $4" "$(cat "$T/status")"
done
out=$(sclient "$AP" -servername www.example.com -alpn h2,http/1.1)
check_contains "openssl s_client: ALPN h2 chosen over http/1.1" "$out" "ALPN protocol: h2"
out=$(sclient "$OP" -servername old.example.com -alpn h2,http/1.1)
check_contains "http2 off: ALPN http/1.1 only" "$out" "ALPN protocol: http/1.1"

# --- requests on streams ---
body=$(h2curl www.example.com "$AP" '/api/hello?x=1')
check_eq "GET through both edges over h2: 200" "200 2" "$(cat "$T/status")"
check_contains "echo: the outer edge forwarded :authority as Host (akamai default)" \
    "$body" "[\"Host\",\"www.example.com:$AP\"]"
check_contains "echo: the query string went along" "$body" '"target":"/api/hello?x=1"'
check_contains "response Via names both edges" "$(header via)" \
    "cloudfront.net (CloudFront), 1.1 akamai.net(ghost) (AkamaiGHost)"
check_eq "CloudFront X-Cache on the h2 answer" "Miss from cloudfront" "$(header x-cache)"
body=$(h2curl d111111abcdef8.cloudfront.net "$CP" /api/direct)
check_contains "echo on an h2 edge says HTTP/2" "$body" '"http_version":"HTTP/2"'
check_contains "echo on an h2 edge says ALPN h2" "$body" '"alpn":"h2"'
check_match() { if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1: '$2' !~ /$3/"; fi; }
check_match "X-Amz-Cf-Id on the h2 answer" "$(header x-amz-cf-id)" '^[A-Za-z0-9_-]{54}==$'
check_contains "cookies sent as several fields reach the origin as one" \
    "$(h2curl d111111abcdef8.cloudfront.net "$CP" /api/c -H 'Cookie: a=1' -H 'Cookie: b=2')" \
    '["cookie","a=1; b=2"]'

body=$(h2curl www.example.com "$AP" /api/post -d 'hello=world')
check_contains "POST body through both edges (body_bytes)" "$body" '"body_bytes":11'
head -c 300000 /dev/urandom >"$T/up.bin"
body=$(h2curl www.example.com "$AP" /api/upload --data-binary @"$T/up.bin")
check_contains "300 KB upload over h2, flow-controlled, reaches the origin" "$body" '"body_bytes":300000'
head -c 70000 /dev/urandom >"$T/70k.bin"
body=$(cat "$T/70k.bin" | h2curl plain.example.com "$PP" /api/chunked \
    -H "Content-Type: application/octet-stream" -X POST -T -)
check_contains "a body of unknown length goes chunked to the origin" "$body" \
    '["transfer-encoding","chunked"]'
check_contains "... and arrives whole" "$body" '"body_bytes":70000'

h2curl www.example.com "$AP" / -I >/dev/null
check_eq "HEAD over h2" "200 2" "$(cat "$T/status")"
check_eq "HEAD: content-length of the page" "$(stat -c %s docs/demo-site/index.html)" \
    "$(header content-length)"
h2curl plain.example.com "$PP" /files/4m.bin >/dev/null
check_eq "4 MiB static file over h2: 200" "200 2" "$(cat "$T/status")"
check_eq "4 MiB static file over h2: every byte" "$(sha256sum <"$T/www/files/4m.bin")" \
    "$(sha256sum <"$T/body")"
h2curl plain.example.com "$PP" /big/4m.bin >/dev/null
check_eq "4 MiB proxied over h2 (origin HTTP/1.1): 200" "200 2" "$(cat "$T/status")"
check_eq "4 MiB proxied over h2 (origin HTTP/1.1): every byte" \
    "$(sha256sum <"$T/www/files/4m.bin")" "$(sha256sum <"$T/body")"

# --- the persona's error pages, on the stream ---
body=$(h2curl www.example.com "$AP" / -H 'Host: other.example.org')
check_eq "akamai: a Host it does not serve: 400 over h2" "400 2" "$(cat "$T/status")"
check_eq "akamai: X-Edgesim-Error on the stream" ERR_HOST_NOT_SERVED "$(header x-edgesim-error)"
check_eq "akamai: Server: AkamaiGHost" AkamaiGHost "$(header server)"
check_contains "akamai: the Invalid URL page" "$body" "Reference&#32;&#35;9&#46;100007f&#46;"
REF=$(header x-edgesim-ref)
body=$(h2curl d111111abcdef8.cloudfront.net "$CP" / -H 'Host: other.example.org')
check_eq "cloudfront: 403 over h2" "403 2" "$(cat "$T/status")"
check_eq "cloudfront: X-Cache: Error from cloudfront" "Error from cloudfront" "$(header x-cache)"
check_contains "cloudfront: Bad request. page" "$body" "Bad request."
check_log "the h2 error is logged with proto=h2" \
    "request ref=$REF .*status=400 code=ERR_HOST_NOT_SERVED .*proto=h2"
out=$("$EDGESIM" explain "$REF" -c "$T/h2.ini" 2>&1)
check_contains "edgesim explain works on an h2 reference" "$out" "ERR_HOST_NOT_SERVED"

# --- the log ---
check_log "h2 requests: one record each, proto=h2" \
    'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai client=127\.0\.0\.1:[0-9]+ sni=www\.example\.com method=GET host=www\.example\.com:[0-9]+ path="?/api/hello\?x=1"? origin=cloudfront-dist status=200 .*proto=h2$'
check_log "HTTP/1.1 requests: proto=http/1.1" \
    'request ref=[^ ]+ .*edge=cloudfront .*path="?/api/hello\?x=1"? .*proto=http/1\.1$'

# --- h2 and HTTP/1.1 viewers on the same edge, at once ---
pids=()
for i in 1 2 3 4 5 6; do
    curl -sS --http2 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
        -o /dev/null -w '%{http_code} %{http_version}\n' \
        "https://www.example.com:$AP/api/m$i" "https://www.example.com:$AP/api/n$i" \
        >>"$T/mixed.h2" 2>&1 &
    pids+=($!)
    curl -sS --http1.1 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
        -o /dev/null -w '%{http_code} %{http_version}\n' \
        "https://www.example.com:$AP/api/o$i" "https://www.example.com:$AP/api/p$i" \
        >>"$T/mixed.h1" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
check_eq "12 h2 requests at once: all 200 over HTTP/2" 12 "$(grep -c '^200 2$' "$T/mixed.h2")"
check_eq "12 HTTP/1.1 requests beside them: all 200" 12 "$(grep -c '^200 1.1$' "$T/mixed.h1")"

# --- other real clients: nghttp, h2load (Debian nghttp2-client), Node ---
if need nghttp nghttp2-client; then
    out=$(timeout 20 nghttp -nv -H ':authority: www.example.com' \
        "https://127.0.0.1:$AP/api/nghttp" 2>&1)
    check_contains "nghttp: h2 negotiated" "$out" "The negotiated protocol: h2"
    check_contains "nghttp: 200 on its stream" "$out" "recv (stream_id=13) :status: 200"
fi
if need h2load nghttp2-client; then
    out=$(timeout 60 h2load -n 400 -c 4 -m 10 -H ':authority: www.example.com' \
        "https://127.0.0.1:$AP/api/load" 2>&1)
    check_contains "h2load: h2" "$out" "Application protocol: h2"
    check_contains "h2load -n 400 -c 4 -m 10: all succeeded" "$out" \
        "requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, 0 errored, 0 timeout"
    check_contains "h2load: all 2xx" "$out" "status codes: 400 2xx"
fi
if need node nodejs; then
    out=$(cd "$T" && timeout 20 node -e '
const http2 = require("http2"), fs = require("fs");
const [port, ca] = process.argv.slice(1);
const s = http2.connect(`https://www.example.com:${port}`, {
    ca: fs.readFileSync(ca), lookup: (h, o, cb) => o && o.all ?
        cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4) });
s.on("error", e => { console.log("error " + e.message); process.exit(1); });
let n = 0;
for (const p of ["/api/node1", "/api/node2", "/"]) {
    const r = s.request({ ":path": p });
    let body = "";
    r.on("response", h => { body += h[":status"] + " " + s.alpnProtocol + " "; });
    r.on("data", d => {});
    r.on("end", () => { console.log(p + " " + body); if (++n == 3) s.close(); });
}' "$AP" "$PKI/ca.pem" 2>&1)
    check_contains "Node http2: /api/node1 200 over h2" "$out" "/api/node1 200 h2"
    check_contains "Node http2: /api/node2 on the same session" "$out" "/api/node2 200 h2"
    check_contains "Node http2: / (static) on the same session" "$out" "/ 200 h2"
fi

# --- reload: GOAWAY, the stream in flight finishes ---
ATTACK=$EDGESIM_TOOLS/h2attack
"$ATTACK" -t 8 -n plain.example.com -a plain.example.com "$PP" ok 1 /slow/reload >"$T/reload.out" 2>&1 &
RL=$!
wait_for "$ES_LOG" 'request .*path=/slow/reload|h2' 1
sleep 0.5
kill -HUP "$ES_PID"
wait "$RL"
out=$(cat "$T/reload.out")
check_contains "reload: the viewer gets GOAWAY's notice (last stream 2^31-1)" "$out" \
    "goaway last=2147483647 error=NO_ERROR"
check_contains "reload: then GOAWAY with the last stream it took" "$out" \
    "goaway last=1 error=NO_ERROR"
check_contains "reload: the stream in flight finishes (200, its body)" "$out" \
    "data stream=1 end"
check_contains "reload: ... and the connection closes after it" "$out" "eof=1"
check_log "reload: the stream is logged 200, proto=h2" \
    'request .*path=/slow/reload .*status=200 .*proto=h2'
h2curl www.example.com "$AP" /api/after-reload >/dev/null
check_eq "reload: a new h2 connection is served by the new generation" "200 2" \
    "$(cat "$T/status")"

check_alive "after the h2 requests"

# --- stop: GOAWAY, the stream in flight finishes, then exit ---
"$ATTACK" -t 8 -n plain.example.com -a plain.example.com "$PP" ok 1 /slow/stop >"$T/stop.out" 2>&1 &
ST=$!
sleep 0.7
es_stop
wait "$ST"
out=$(cat "$T/stop.out")
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
check_contains "stop: the viewer gets GOAWAY" "$out" "goaway last=1 error=NO_ERROR"
check_contains "stop: the stream in flight finished first" "$out" "headers stream=1 status=200"
check_contains "stop: ... with its body" "$out" "data stream=1 end"
check_log "stop: the stream is logged 200, proto=h2" \
    'request .*path=/slow/stop .*status=200 .*proto=h2'
