#!/usr/bin/env bash
# The dashboard in a real browser (issue 13): the demo chain with SNI off
# at the akamai edge (seed 000) and admin on; a failing request before the
# page is opened; then tests/browser/dashboard.test.js drives headless
# Chromium (Debian's) with puppeteer-core: the chain drawn, the failing hop
# red with its sub-reason and fix, the explain story on a click, the page
# responsive under load, no console errors, a screenshot in build/.
# A missing tool fails this test, naming what to install.
. "$(dirname "$0")/../lib.sh"

BROWSER_DIR=$PWD/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=0
if [ ! -x "$CHROMIUM" ]; then
    not_ok "no Chromium at $CHROMIUM: install the Debian package chromium (bash scripts/deps.sh)"
    missing=1
fi
if ! command -v node >/dev/null 2>&1; then
    not_ok "no node: install the Debian package nodejs (bash scripts/deps.sh)"
    missing=1
fi
if [ ! -d "$BROWSER_DIR/node_modules/puppeteer-core" ]; then
    not_ok "tests/browser has no puppeteer-core: run (cd tests/browser && npm ci) - make check does"
    missing=1
fi
[ $missing -eq 0 ] || exit 1

read -r AP CP ADM <<<"$(ports 3)"
CONF=$T/dash.ini
ES_WORKERS=2 demo_conf "$CONF" "$AP" "$CP"
sed -i -e "/^\[edgesim\]/a admin = 127.0.0.1:$ADM" -e "s/^sni = on/sni = off/" "$CONF"
es_start "$CONF" || exit 1

# Before the page is opened: a failure it must show from the history.
ecurl www.example.com "$AP" /before >/dev/null
check_eq "SNI off: the request before the page answers 503" 503 "$(status)"

SHOT=${EDGESIM_BUILD:-build}/dashboard.png
out=$(cd "$BROWSER_DIR" && ADMIN="http://127.0.0.1:$ADM" EDGE_PORT="$AP" CA="$PKI/ca.pem" \
    SHOT="$OLDPWD/$SHOT" CHROMIUM="$CHROMIUM" timeout 120 node dashboard.test.js 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || TEST_FAILED=1
grep -q '^ok - \|^not ok - ' <<<"$out" || not_ok "the browser test printed no result (exit $rc)"
check_alive
es_stop
check_eq "edgesim stops cleanly after the browser left" 0 "$ES_STATUS"
