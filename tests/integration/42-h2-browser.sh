#!/usr/bin/env bash
# A real browser: Debian's Chromium, driven by puppeteer-core
# (tests/browser/h2check.js), loads pages from every persona edge and says
# which protocol it used, as the browser reports it
# (performance.getEntries()[0].nextHopProtocol): h2 from the akamai and
# cloudfront edges, directly and through the forward proxy (CONNECT), and
# http/1.1 from a plain edge with http2 off. Lab certificates are trusted by
# their SPKI (--ignore-certificate-errors-spki-list), names mapped by
# --host-resolver-rules: no trust store and no /etc/hosts are touched.
# A missing browser, node or puppeteer-core fails this test (never skips).
. "$(dirname "$0")/../lib.sh"

BROWSER_DIR=$PWD/tests/browser
command -v node >/dev/null || { not_ok "node not found: install the Debian package nodejs"; exit 1; }
[ -x /usr/bin/chromium ] || { not_ok "/usr/bin/chromium not found: install the Debian package chromium (bash scripts/deps.sh)"; exit 1; }
[ -d "$BROWSER_DIR/node_modules/puppeteer-core" ] ||
    { not_ok "puppeteer-core not installed: cd tests/browser && npm ci (make check does it)"; exit 1; }

read -r AP CP PP FP <<<"$(ports 4)"
demo_conf "$T/b.ini" "$AP" "$CP" "
[edge plain]
persona = plain
listen = 127.0.0.1:$PP
[host plain.example.com]
edge = plain
origin = site
[forward_proxy]
listen = 127.0.0.1:$FP"
es_start "$T/b.ini" || exit 1
ES_LOG=$T/edgesim.log

spki() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64
}
SPKI="$(spki "$PKI/www.example.com.pem"),$(spki "$PKI/d111111abcdef8.cloudfront.net.pem"),$(spki "$PKI/plain.example.com.pem")"
MAP="MAP www.example.com 127.0.0.1, MAP d111111abcdef8.cloudfront.net 127.0.0.1, MAP plain.example.com 127.0.0.1"

# browse WHAT URL [--proxy P]: the page through Chromium; JSON in $OUT
browse() {
    local what=$1 url=$2
    shift 2
    OUT=$(cd "$BROWSER_DIR" && timeout 60 node h2check.js --url "$url" --spki "$SPKI" "$@" 2>&1)
}
field() { node -e 'const o = JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$OUT" "$1" 2>/dev/null; }

browse akamai "https://www.example.com:$AP/" --map "$MAP"
check_eq "Chromium, akamai edge: 200" 200 "$(field status)"
check_eq "Chromium, akamai edge: nextHopProtocol h2" h2 "$(field protocol)"
check_eq "Chromium, akamai edge: the demo page" "www.example.com via edgesim" "$(field title)"
[ "$(field protocol)" = h2 ] || diag "$OUT"

browse cloudfront "https://d111111abcdef8.cloudfront.net:$CP/" --map "$MAP"
check_eq "Chromium, cloudfront edge: 200" 200 "$(field status)"
check_eq "Chromium, cloudfront edge: nextHopProtocol h2" h2 "$(field protocol)"

browse plain "https://plain.example.com:$PP/" --map "$MAP"
check_eq "Chromium, plain edge (http2 off by default): 200" 200 "$(field status)"
check_eq "Chromium, plain edge: nextHopProtocol http/1.1" http/1.1 "$(field protocol)"

# Through the forward proxy: CONNECT, then TLS and ALPN with the edge.
browse "proxy akamai" "https://www.example.com:$AP/" --proxy "http://127.0.0.1:$FP"
check_eq "Chromium through the forward proxy, akamai edge: 200" 200 "$(field status)"
check_eq "Chromium through the forward proxy: nextHopProtocol h2" h2 "$(field protocol)"
browse "proxy cloudfront" "https://d111111abcdef8.cloudfront.net:$CP/" --proxy "http://127.0.0.1:$FP"
check_eq "Chromium through the forward proxy, cloudfront edge: h2" "200 h2" \
    "$(field status) $(field protocol)"
check_log "the forward proxy tunnelled Chromium's CONNECT to the edge" \
    "proxy ref=[^ ]+ .*method=CONNECT target=www\\.example\\.com:$AP "

check_log "the browser's requests are logged with proto=h2" \
    'request .*edge=akamai .*path=/ .*status=200 .*proto=h2'
check_alive "after the browser"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
