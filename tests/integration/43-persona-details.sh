#!/usr/bin/env bash
# The personas' remaining wire details (issue 12), each checked to the
# byte on the wire (raw HTTP/1.1 through openssl s_client, and over h2):
#
#   cloudfront  User-Agent: Amazon CloudFront to the origin (forward_user_agent
#               = yes keeps the viewer's); X-Amz-Cf-Pop and X-Amz-Cf-Id on every
#               response; X-Cache: Miss from cloudfront / Error from
#               cloudfront; Via: 1.1 <32 hex>.cloudfront.net (CloudFront);
#               cf_result in every log record; `edgesim check` warns about a
#               CloudFront hop to a custom origin with sni = off
#   akamai      the Pragma debug headers, answered with caching off
#   scenarios   "viewer saw" lines are what curl, node, openssl printed, or
#               "node not found: not run"
. "$(dirname "$0")/../lib.sh"

read -r AP CP BP <<<"$(ports 3)"
cat >"$T/p.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log

[resolve]
back.test = 127.0.0.1:$BP

[edge akamai]
persona = akamai
listen = 127.0.0.1:$AP
[host www.example.com]
edge = akamai
origin = back

[edge cf]
persona = cloudfront
listen = 127.0.0.1:$CP
[host d111111abcdef8.cloudfront.net]
edge = cf
aliases = cf.example.com
origin = back
route = /local/* echo
[host ua.example.com]
edge = cf
origin = back
forward_user_agent = yes

[origin back]
address = back.test:443
host_header = origin

; the origin: a plain edge with an echo and a static 404
[edge backend]
listen = 127.0.0.1:$BP
[host back.test]
edge = backend
origin = echo
route = /missing* files
[origin echo]
type = echo
[origin files]
type = static
root = $PWD/docs/demo-site
INI
out=$("$EDGESIM" check -c "$T/p.ini" 2>&1)
check_eq "the config is valid" 0 $?
check_not_contains "no CloudFront SNI warning while sni = on" "$out" "CloudFront always sends SNI"
es_start "$T/p.ini" || exit 1
ES_LOG=$T/edgesim.log

# raw PORT SNI REQUEST: the bytes of the response head (CR kept)
raw() {
    printf '%b' "$3" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$1" \
        -servername "$2" 2>/dev/null | sed -n '1,/^\r$/p'
}
line() { grep -a "^$1: " <<<"$HEAD" | head -n1; }
check_match() { if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1: '$2' !~ /$3/"; fi; }
CR=$'\r'

# --- cloudfront: a forwarded answer ---
HEAD=$(raw "$CP" cf.example.com 'GET /ok HTTP/1.1\r\nHost: cf.example.com\r\nUser-Agent: viewer/1.0\r\nConnection: close\r\n\r\n')
check_eq "cloudfront, forwarded 200: X-Cache" "X-Cache: Miss from cloudfront$CR" "$(line X-Cache)"
check_match "cloudfront: Via, the origin's extended with exactly CloudFront's entry" "$(line Via)" \
    "^Via: 1\\.1 edgesim \\(backend\\), 1\\.1 [0-9a-f]{32}\\.cloudfront\\.net \\(CloudFront\\)$CR\$"
check_match "cloudfront: X-Amz-Cf-Pop" "$(line X-Amz-Cf-Pop)" "^X-Amz-Cf-Pop: LAB[0-9]{2}-C1$CR\$"
check_match "cloudfront: X-Amz-Cf-Id" "$(line X-Amz-Cf-Id)" "^X-Amz-Cf-Id: [A-Za-z0-9_-]{54}==$CR\$"
check_log "cloudfront: the record has cf_result=Miss beside the status" \
    'request .*edge=cf .*path=/ok .*status=200 cf_result=Miss '
body=$(ecurl cf.example.com "$CP" /ua --http1.1 -A 'viewer/1.0')
check_contains "cloudfront: User-Agent: Amazon CloudFront reaches the origin" "$body" \
    '["User-Agent","Amazon CloudFront"]'
check_not_contains "cloudfront: ... not the viewer's" "$body" 'viewer/1.0'
body=$(ecurl ua.example.com "$CP" /ua --http1.1 -A 'viewer/1.0')
check_contains "forward_user_agent = yes: the viewer's User-Agent" "$body" '["User-Agent","viewer/1.0"]'
check_not_contains "forward_user_agent = yes: no Amazon CloudFront" "$body" 'Amazon CloudFront'

# --- cloudfront: the origin's 404, our error, a built-in answer ---
HEAD=$(raw "$CP" cf.example.com 'GET /missing.html HTTP/1.1\r\nHost: cf.example.com\r\nConnection: close\r\n\r\n')
check_contains "cloudfront, the origin's 404" "$(head -n1 <<<"$HEAD")" "HTTP/1.1 404"
check_eq "cloudfront, the origin's 404: X-Cache: Error from cloudfront" \
    "X-Cache: Error from cloudfront$CR" "$(line X-Cache)"
check_match "cloudfront, 404: X-Amz-Cf-Id too" "$(line X-Amz-Cf-Id)" '^X-Amz-Cf-Id: '
check_log "cloudfront: the 404's record has cf_result=Error" \
    'request .*edge=cf .*path=/missing\.html .*status=404 cf_result=Error '
HEAD=$(raw "$CP" cf.example.com 'GET / HTTP/1.1\r\nHost: not-here.example\r\nConnection: close\r\n\r\n')
check_eq "cloudfront, its own error: X-Cache: Error from cloudfront" \
    "X-Cache: Error from cloudfront$CR" "$(line X-Cache)"
check_match "cloudfront, its own error: X-Amz-Cf-Pop" "$(line X-Amz-Cf-Pop)" "^X-Amz-Cf-Pop: LAB"
check_log "cloudfront: an error's record has code and cf_result" \
    'request .*edge=cf .*status=403 code=ERR_HOST_NOT_SERVED cf_result=Error '
HEAD=$(raw "$CP" cf.example.com 'GET /local/x HTTP/1.1\r\nHost: cf.example.com\r\nConnection: close\r\n\r\n')
check_eq "cloudfront, a built-in answer: X-Cache" "X-Cache: Miss from cloudfront$CR" "$(line X-Cache)"
check_match "cloudfront, a built-in answer: X-Amz-Cf-Id" "$(line X-Amz-Cf-Id)" '^X-Amz-Cf-Id: '
check_match "cloudfront, a built-in answer: Via, exactly" "$(line Via)" \
    "^Via: 1\\.1 [0-9a-f]{32}\\.cloudfront\\.net \\(CloudFront\\)$CR\$"
# The same over HTTP/2.
curl -sS --http2 --cacert "$PKI/ca.pem" --resolve "cf.example.com:$CP:127.0.0.1" \
    -D "$T/h2.head" -o /dev/null "https://cf.example.com:$CP/ok2"
check_eq "cloudfront over h2: x-cache" "x-cache: Miss from cloudfront$CR" \
    "$(grep -a '^x-cache: ' "$T/h2.head")"
check_match "cloudfront over h2: via" "$(grep -a '^via: ' "$T/h2.head")" \
    "^via: 1\\.1 edgesim \\(backend\\), 1\\.1 [0-9a-f]{32}\\.cloudfront\\.net \\(CloudFront\\)$CR\$"

# --- akamai: the Pragma debug headers ---
PRAGMA='akamai-x-cache-on, akamai-x-get-request-id, akamai-x-get-cache-key, akamai-x-check-cacheable, akamai-x-get-true-cache-key'
HEAD=$(raw "$AP" www.example.com "GET /p?q=1 HTTP/1.1\r\nHost: www.example.com\r\nPragma: $PRAGMA\r\nConnection: close\r\n\r\n")
ID=$(grep -a "^X-Akamai-Request-ID: " <<<"$HEAD" | cut -d' ' -f2 | tr -d '\r')
check_eq "akamai: X-Cache for akamai-x-cache-on" \
    "X-Cache: TCP_MISS from a127-0-0-1.deploy.akamaitechnologies.com (AkamaiGHost/$("$EDGESIM" version | awk '{ print $2 }')) (-)$CR" \
    "$(line X-Cache)"
check_match "akamai: X-Akamai-Request-ID is the request's id (hex)" "$ID" '^[0-9a-f]+$'
check_log "akamai: ... the same id as the request record's" "request .*id=$ID edge=akamai .*path=\"?/p\\?q=1"
check_eq "akamai: X-Cache-Key" "X-Cache-Key: /L/0/0/0s/www.example.com/p?q=1$CR" "$(line X-Cache-Key)"
check_eq "akamai: X-Check-Cacheable: NO (caching off)" "X-Check-Cacheable: NO$CR" "$(line X-Check-Cacheable)"
check_eq "akamai: X-True-Cache-Key" "X-True-Cache-Key: /L/www.example.com/p?q=1$CR" "$(line X-True-Cache-Key)"
HEAD=$(raw "$AP" www.example.com 'GET /p HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n')
check_eq "akamai: without Pragma, no debug headers" "" "$(grep -aE '^X-(Cache|Akamai-Request-ID|Cache-Key|Check-Cacheable|True-Cache-Key):' <<<"$HEAD")"
HEAD=$(raw "$AP" www.example.com "GET / HTTP/1.1\r\nHost: elsewhere.example\r\nPragma: akamai-x-check-cacheable\r\nConnection: close\r\n\r\n")
check_eq "akamai: an error page answers Pragma too" "X-Check-Cacheable: NO$CR" "$(line X-Check-Cacheable)"
check_match "akamai: ... and its reference is Akamai's as ever" "$(line X-Edgesim-Ref)" \
    '^X-Edgesim-Ref: 9\.100007f\.[0-9]+\.[0-9a-f]+'
curl -sS --http2 --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -H "Pragma: akamai-x-check-cacheable" -D "$T/h2a.head" -o /dev/null "https://www.example.com:$AP/p"
check_eq "akamai over h2: x-check-cacheable" "x-check-cacheable: NO$CR" \
    "$(grep -a '^x-check-cacheable: ' "$T/h2a.head")"
es_stop

# --- cloudfront's detailed result type for an origin failure ---
sed -e "s/^back.test = .*/back.test = 127.0.0.1:$("$EDGESIM_TOOLS/freeport" 1)/" "$T/p.ini" >"$T/p3.ini"
es_start "$T/p3.ini" p3 || exit 1
ES_LOG=$T/edgesim.log
raw "$CP" cf.example.com 'GET /down HTTP/1.1\r\nHost: cf.example.com\r\nConnection: close\r\n\r\n' >/dev/null
check_log "cloudfront: a refused origin is cf_result=OriginConnectError beside the code" \
    'request .*edge=cf .*path=/down .*code=ERR_CONNECT_FAIL cf_result=OriginConnectError'
es_stop

# --- edgesim check: a CloudFront hop to a custom origin with sni = off ---
sed 's/^host_header = origin$/host_header = origin\nsni = off/' "$T/p.ini" >"$T/sni-off.ini"
out=$("$EDGESIM" check -c "$T/sni-off.ini" 2>&1)
check_eq "sni = off behind a cloudfront edge: still a valid config (exit 0)" 0 $?
check_contains "... with a warning, at the sni line" "$out" \
    "warning: [origin back] sni = off behind [edge cf] (persona cloudfront): CloudFront always sends SNI to custom origins"

# --- the scenario runner: what real clients printed ---
out=$(timeout 120 "$EDGESIM" scenario run alias-missing 2>&1)
check_contains "scenario: curl's own words" "$out" \
    "curl: (60) SSL: no alternative certificate subject name matches target host name 'api.example.com'"
check_contains "scenario: node's own words" "$out" \
    "node: Hostname/IP does not match certificate's altnames: Host: api.example.com."
mkdir -p "$T/bin"
for tool in openssl; do ln -s "$(command -v $tool)" "$T/bin/$tool"; done
# Its run directory goes under $TMPDIR and is removed after, whatever
# PATH is (an rm it shelled out to was not found, and the directory stayed).
mkdir -p "$T/tmp"
in_tmp() { find /tmp -maxdepth 1 -name 'edgesim-scenario.*' | sort; }
tmp_before=$(in_tmp)
out=$(timeout 120 env PATH="$T/bin" TMPDIR="$T/tmp" "$EDGESIM" scenario run alias-missing 2>&1)
check_eq "scenario with a PATH of its own: its run directory is removed" "" \
    "$(ls -A "$T/tmp")"
check_eq "scenario: the run directory was under \$TMPDIR, not /tmp" "$tmp_before" "$(in_tmp)"
check_contains "scenario without node: says so" "$out" "node not found: not run"
check_contains "scenario without curl: says so" "$out" "curl not found: not run"
check_not_contains "scenario without node: prints no node message it did not see" "$out" \
    "node: Hostname/IP"
out=$(timeout 120 "$EDGESIM" scenario run no-sni-viewer 2>&1)
check_contains "scenario: openssl s_client's own words" "$out" \
    "openssl s_client: no peer certificate available"
