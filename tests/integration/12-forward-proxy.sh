#!/usr/bin/env bash
# The forward proxy: curl -x reaches the simulated edges with the real host
# name, SNI and certificate validation, no /etc/hosts; everything else is
# refused; the PAC file names exactly the configured hosts; Akamai staging
# twins are found through a local DNS server (tests/tools/dnsd).
. "$(dirname "$0")/../lib.sh"

read -r AP CP FP DP SP OP <<<"$(ports 6)"
demo_conf "$T/c.ini" "$AP" "$CP" "
[edge staging]
listen = 127.0.0.1:$SP

[host shop.example.org]
edge = staging
origin = api
staging = akamai

[forward_proxy]
listen = 127.0.0.1:$FP
hosts = *.plain.example plain.example
"
sed -i "s/^\[edgesim\]$/[edgesim]\nnameserver = 127.0.0.1:$DP\nheader_timeout = 1s\nmax_header_size = 4k/" "$T/c.ini"
sed -i "s/^\[resolve\]$/[resolve]\nplain.example = 127.0.0.1:$OP/" "$T/c.ini"
bg "$EDGESIM_TOOLS/dnsd" "$DP" --seconds 60 \
    shop.example.org=CNAME:shop.example.org.edgekey.net \
    shop.example.org.edgekey.net=CNAME:e1234.dscx.akamaiedge.net \
    e1234.dscx.akamaiedge.net=A:192.0.2.1 \
    e1234.dscx.akamaiedge-staging.net=A:127.0.0.1
bg "$EDGESIM_TOOLS/badorigin" "$OP" ok --seconds 60
es_start "$T/c.ini" || exit 1
ES_LOG="$T/edgesim.log"
PX="http://127.0.0.1:$FP"

body=$(curl -sS --max-time 10 -x "$PX" --cacert "$PKI/ca.pem" -w '\n%{http_code}' \
    "https://www.example.com:$AP/api/hello")
check_eq "curl -x: the real name through the proxy, verified: 200" 200 "$(tail -n1 <<<"$body")"
check_contains "... and it went through both edges" "$body" '"sni":"d111111abcdef8.cloudfront.net"'
check_log "the tunnel is logged with its route" \
    "proxy ref=[^ ]+ id=[0-9a-f]+ client=.* method=CONNECT target=www.example.com:$AP route=edge via=\"\[host www.example.com\] on \[edge akamai\]\" dest=127.0.0.1:$AP status=200"
check_log "the edge saw the real SNI" "request .*edge=akamai .*sni=www.example.com method=GET"

curl -sS --max-time 10 -x "$PX" --cacert "$PKI/ca.pem" -o /dev/null "https://www.example.com:$AP/" 2>/dev/null
check_eq "the default port maps to the edge too (CONNECT www.example.com:443)" 200 \
    "$(curl -sS --max-time 10 -x "$PX" --cacert "$PKI/ca.pem" -o /dev/null -w '%{http_code}' https://www.example.com/)"

out=$(curl -sS --max-time 10 -x "$PX" https://www.google.com/ 2>&1)
check_contains "a host not in the config is refused (not an open proxy)" "$out" "CONNECT tunnel failed, response 403"
check_log "... with a log line" "proxy .*target=www.google.com:443 route=denied_host status=403"
out=$(curl -sS --max-time 10 -x "$PX" "https://www.example.com:22/" 2>&1)
check_contains "a port that is not allowed is refused" "$out" "response 403"
check_log "... with a log line" "proxy .*target=www.example.com:22 route=denied_port status=403"

# The refusal is a code of the error table: named, referenced, explained.
hdr=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$FP"'; printf "CONNECT www.google.com:443 HTTP/1.1\r\nHost: www.google.com:443\r\n\r\n" >&3; cat <&3' | tr -d '\r')
check_contains "a refused CONNECT names its code" "$hdr" "X-Edgesim-Error: ERR_PROXY_DENIED"
ref=$(sed -n 's/^X-Edgesim-Ref: //p' <<<"$hdr")
check_match() { if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1: '$2' !~ /$3/"; fi; }
check_match "... and carries a reference" "$ref" '^es-[0-9a-f]+-[0-9a-f]+$'
wait_for "$ES_LOG" "proxy ref=$ref " 5
story=$("$EDGESIM" explain "$ref" --log "$ES_LOG" 2>&1)
check_contains "explain tells the proxy's refusal" "$story" "CONNECT www.google.com:443 through the forward proxy"
check_contains "... with the code" "$story" "answered 403: ERR_PROXY_DENIED"
check_contains "... why" "$story" "edgesim is not an open proxy"
check_contains "... and the setting to change" "$story" "[forward_proxy] hosts = NAME"

# Raw requests to the proxy.
raw() { # request bytes -> status line
    timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$FP"'; printf "%b" "$1" >&3; head -n1 <&3' _ "$1" | tr -d '\r'
}
check_eq "a CONNECT without a port: 400" "HTTP/1.1 400 Bad Request" "$(raw 'CONNECT www.example.com HTTP/1.1\r\nHost: www.example.com\r\n\r\n')"
check_eq "a CONNECT host with an empty last label (a..): 400" "HTTP/1.1 400 Bad Request" \
    "$(raw 'CONNECT www.example.com..:443 HTTP/1.1\r\nHost: www.example.com\r\n\r\n')"
check_eq "a malformed request line: 400" "HTTP/1.1 400 Bad Request" "$(raw 'CONNECT  x:443 HTTP/1.1\r\n\r\n')"
big=$(head -c 6000 /dev/zero | tr '\0' a)
check_eq "oversized headers: 431" "HTTP/1.1 431 Request Header Fields Too Large" "$(raw "GET http://plain.example/ HTTP/1.1\r\nHost: plain.example\r\nX-Big: $big\r\n\r\n")"
check_eq "a slow client: 408 after header_timeout" "HTTP/1.1 408 Request Timeout" "$(raw 'CONNECT www.example.com:443 HTTP/1.1\r\n')"
check_alive "after bad input"

# Plain HTTP through the proxy.
out=$(curl -sS --max-time 10 -x "$PX" -D - http://www.example.com/a?b=1 2>&1)
check_contains "http:// to an edge host: redirected to https" "$out" "Location: https://www.example.com/a?b=1"
out=$(curl -sS --max-time 10 -x "$PX" http://plain.example/x 2>&1)
check_eq "http:// to a [resolve] name: forwarded in origin form" "ok" "$out"
head_of() { # request bytes -> the response head
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$FP"'; printf "%b" "$1" >&3; sed "/^\r$/q" <&3' _ "$1" | tr -d '\r'
}
out=$(head_of 'GET http://www.example.com?b=1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n')
check_contains "an absolute URI without a path keeps its query" "$out" \
    "Location: https://www.example.com/?b=1"
check_eq "GET with a bare host:port (authority-form is CONNECT's): 400" \
    "HTTP/1.1 400 Bad Request" \
    "$(raw 'GET www.example.com:443 HTTP/1.1\r\nHost: www.example.com\r\n\r\n')"

# The PAC file.
pac=$(curl -sS --max-time 10 "http://127.0.0.1:$FP/proxy.pac")
check_contains "PAC served by the proxy" "$pac" "function FindProxyForURL"
cat >"$T/pac.js" <<'JS'
const fs = require('fs');
const src = fs.readFileSync(process.argv[2], 'utf8');
function shExpMatch(s, p) {
  return new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(s);
}
const FindProxyForURL = new Function('shExpMatch', src + '; return FindProxyForURL;')(shExpMatch);
for (const h of process.argv.slice(3)) console.log(h + ' ' + FindProxyForURL('https://' + h + '/', h));
JS
printf '%s' "$pac" >"$T/proxy.pac"
res=$(node "$T/pac.js" "$T/proxy.pac" www.example.com API.example.com a.plain.example www.google.com example.org 2>&1)
check_contains "PAC: a configured host goes through the proxy" "$res" "www.example.com PROXY 127.0.0.1:$FP"
check_contains "PAC: an alias too, whatever its case" "$res" "API.example.com PROXY 127.0.0.1:$FP"
check_contains "PAC: a wildcard of [forward_proxy] hosts" "$res" "a.plain.example PROXY 127.0.0.1:$FP"
check_contains "PAC: anything else DIRECT" "$res" "www.google.com DIRECT"
check_contains "PAC: a near miss DIRECT" "$res" "example.org DIRECT"

# Akamai staging: the CNAME chain to the -staging twin, re-resolved each time.
body=$(curl -sS --max-time 10 -x "$PX" --cacert "$PKI/ca.pem" -w '\n%{http_code}' \
    "https://shop.example.org:$SP/api/x")
check_eq "staging: reached through the staging twin: 200" 200 "$(tail -n1 <<<"$body")"
check_contains "staging: with the real name as SNI" "$body" '"sni":"shop.example.org"'
check_log "staging: the chain is logged" \
    'route=akamai_staging via="shop.example.org -> shop.example.org.edgekey.net -> e1234.dscx.akamaiedge.net -> staging e1234.dscx.akamaiedge-staging.net" dest=127.0.0.1:'
curl -sS --max-time 10 -x "$PX" --cacert "$PKI/ca.pem" -o /dev/null "https://shop.example.org:$SP/"
# The tunnel's record is written as it closes, maybe after curl is gone.
for _ in $(seq 1 30); do
    n=$(grep -c 'route=akamai_staging' "$ES_LOG")
    [ "$n" -ge 2 ] && break
    sleep 0.1
done
check_eq "staging: resolved again for every tunnel" 2 "$n"
