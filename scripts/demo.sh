#!/usr/bin/env bash
# demo.sh - the guided tour behind `make demo`: start the demo chain of
# conf/demo.ini (fixed ports 8443 and 9443), show it working with real
# clients and what a viewer without SNI gets, then replay the three
# incidents of the field reports, broken and fixed. Under a minute. It
# stops what it started, and ends with commands that work after it.
set -u
cd "$(dirname "$0")/.." || exit 1
ES=build/edgesim
CONF=conf/demo.ini
LOG=build/demo.log              # conf/demo.ini's log; appended to
ERR=$(mktemp /tmp/edgesim-demo.XXXXXX.err)
PID=

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf "%s\n" "$*" | fmt -w 78; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
finish() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -f "$ERR"
}
# This run's records: the log's lines after its size at the start.
FROM=$(( $(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1 ))
records() { tail -c "+$FROM" "$LOG" 2>/dev/null; }
trap finish EXIT

for port in 8443 9443 9901; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "demo: port $port is in use (another edgesim?); stop it and try again" >&2
        exit 1
    fi
done

bold "1. The config is checked before anything starts"
run "$ES" check -c "$CONF" || exit 1

bold "2. The lab PKI: a private CA that issues every certificate of the chain"
run "$ES" certs -c "$CONF" || exit 1

bold "3. The chain starts: viewer -> akamai edge :8443 -> cloudfront edge :9443 -> origins"
"$ES" run -c "$CONF" 2>"$ERR" &
PID=$!
for _ in $(seq 1 50); do
    (exec 3<>/dev/tcp/127.0.0.1/8443) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/9443) 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { sed 's/^/  /' "$ERR"; PID=; exit 1; }
    sleep 0.1
done
records | sed 's/^/  log: /'
say "The dashboard of this chain, live while the demo runs: open http://127.0.0.1:9901/
(every request and origin handshake on its hop, a failing hop in red with its fix;
Prometheus metrics at /metrics, certificates at /certs)."

bold "4. A real client, the real host name, no /etc/hosts: curl --resolve"
run curl -sS --cacert certs/lab/ca.pem --resolve www.example.com:8443:127.0.0.1 \
    https://www.example.com:8443/api/hello -o /tmp/edgesim-demo-body.json \
    -w 'HTTP %{http_code}, TLS verified against certs/lab/ca.pem\n'
say "The echo origin at the end of the chain reports what it saw. It runs inside
the cloudfront edge, so it shows the hop from the akamai edge: SNI
d111111abcdef8.cloudfront.net, and the Via and X-Forwarded-For headers the akamai
edge added:"
grep -o '"sni":"[^"]*"\|"Via","[^"]*"\|"X-Forwarded-For","[^"]*"' /tmp/edgesim-demo-body.json | sed 's/^/  /'
rm -f /tmp/edgesim-demo-body.json

bold "5. The CloudFront-like edge with SNI: its certificate for the distribution"
run sh -c "openssl s_client -connect 127.0.0.1:9443 -servername d111111abcdef8.cloudfront.net -CAfile certs/lab/ca.pem </dev/null 2>&1 | grep -E '^subject=|^Verify return code'"

bold "6. The same edge without SNI: no certificate at all (seed 000)"
run sh -c "openssl s_client -connect 127.0.0.1:9443 -CAfile certs/lab/ca.pem </dev/null 2>&1 | grep -E 'alert number|no peer certificate'"
say "This is what Akamai's edge met when \"Use SNI TLS Extension\" was off: CloudFront
(SNI-only) aborts the handshake before sending any certificate, and Akamai
reports ERR_FWD_SSL_HANDSHAKE."

bold "7. What the edges logged (in $LOG)"
records | grep -E ' (request|origin|tls) ' | cut -c1-220 | sed 's/^/  log: /'

kill "$PID" && wait "$PID"
PID=

incident() { # name, paragraph
    bold "Incident: $1"
    say "$2"
    # Without the "try it:" lines: their ports close with the run.
    "$ES" scenario run "$1" | sed -n '/^  [0-9]\./,/^PASS\|^FAIL/p' |
        grep -v '^           |\|log.s story\|try it:' | sed 's/^/  /'
    echo
    "$ES" scenario run "$1" --fixed | grep -E '^== |^     \[|viewer saw|^PASS|^FAIL' | sed 's/^/  /'
}

incident sni-off "Seed 000. Akamai fetched the site from CloudFront with \"Use SNI TLS
Extension\" off. CloudFront serves many names on one address and picks the
certificate from the SNI; without it, it aborts the handshake before sending any
certificate, and every viewer got Akamai's ERR_FWD_SSL_HANDSHAKE page. The fix is
one toggle: send SNI."

incident alias-missing "Seed 002. api.example.com pointed at a CloudFront distribution that did not
list it as an alternate domain name. CloudFront then serves its default
certificate, *.cloudfront.net, and every client refuses it: Node and Postman say
\"Hostname/IP does not match certificate's altnames\". The fix: add the alias,
with a certificate that covers it."

incident pin-rotated "Seed 003. Akamai pinned the SHA-1 of CloudFront's leaf certificate. CloudFront
rotated it. Edge nodes that had learned the old pin failed, nodes that pinned
later worked: some users got errors, some did not, and later \"prod suddenly
worked\" when the stale nodes refreshed. The lasting fix: verify by CA, not by
pin."

bold "Done: everything the demo started is stopped"
say "The chain worked with real handshakes, a viewer without SNI got no certificate,
and each incident of the field reports was reproduced and fixed. To try it
yourself, from this directory (these work now that the demo has exited):"
cat <<'TRY'

  # the demo chain again, in the background, on 8443 and 9443 (log: build/demo.log)
  build/edgesim run -c conf/demo.ini &
  curl --cacert certs/lab/ca.pem --resolve www.example.com:8443:127.0.0.1 \
       https://www.example.com:8443/api/hello
  kill %1

  # one incident, kept up on free ports until Ctrl-C: it prints its ports,
  # config and log, for curl, openssl s_client or a browser
  build/edgesim scenario up sni-off

TRY
say "README.md's tour goes on from there (SNI off, the error page, edgesim explain);
more in docs/scenarios.md and docs/errors.md."
