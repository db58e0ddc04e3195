#!/usr/bin/env bash
# The failure-mode catalogue: `edgesim scenario run --all` proves every
# scenario broken and fixed with the built-in client, and each one is also
# driven here with real clients (curl, openssl s_client) through
# `edgesim scenario up`, asserting on what those clients print.
. "$(dirname "$0")/../lib.sh"
PKI=$PWD/certs/lab          # scenarios use the lab of the repository
set +u                      # an edge missing from `up` must fail a check, not the script

out=$(timeout 240 "$EDGESIM" scenario run --all 2>&1)
check_contains "scenario run --all: every scenario as claimed" "$out" " passed, 0 failed"
n=$(grep -c ' PASS$' <<<"$out")
[ "$n" -ge 15 ] && ok "at least 15 scenarios passed ($n)" || not_ok "only $n scenarios passed"

list=$("$EDGESIM" scenario list)
for s in sni-off alias-not-covered alias-missing pin-rotated host-header expired \
    untrusted-ca incomplete-chain origin-mtls tls-version origin-down origin-slow \
    elb-tcp-reencrypt revoked no-sni-viewer; do
    [[ "$list" == *"$s"* ]] && [ -f "conf/scenarios/$s.ini" ] && [ -f "docs/scenarios/$s.md" ] \
        && ok "scenario $s is listed, has its config and its doc" \
        || not_ok "scenario $s: listed, conf/scenarios/$s.ini and docs/scenarios/$s.md"
done

# up NAME [--fixed]: start the topology; sets EDGE_<name> to its port.
# The previous run's output is removed before the new process starts: the
# shell's redirection truncates it only in the child, so a wait that began
# at once could read the old "ready" and the old ports.
UP_PID=
up() {
    down
    # A fresh file: the shell truncates it in the child, after the fork,
    # so a wait that reads it at once could see the last run's "ready".
    unset "${!EDGE_@}"
    rm -f "$T/up.out" "$T/up.err"
    "$EDGESIM" scenario up "$@" >"$T/up.out" 2>"$T/up.err" &
    UP_PID=$!
    PIDS+=("$UP_PID")
    # Generous: on a loaded machine (sanitizers, two cores) starting
    # the topology may take several seconds; the wait ends at "ready".
    if ! wait_until 60 up_ready; then
        local st=running
        kill -0 "$UP_PID" 2>/dev/null || { wait "$UP_PID"; st="exit status $?"; }
        not_ok "scenario up $* did not start ($st)"
        diag "$(cat "$T/up.out" "$T/up.err" 2>/dev/null)"
    fi
    local w e addr rest
    while read -r w e addr rest; do
        [ "$w" = edge ] || continue
        e=${e//-/_}
        eval "EDGE_$e=${addr##*:}"
    done <"$T/up.out"
    ES_LOG=$(sed -n 's/^log //p' "$T/up.out" | head -n1)
}
# up_ready: `scenario up` said ready (99 when it exited without saying so).
up_ready() {
    grep -q '^ready' "$T/up.out" 2>/dev/null && return 0
    kill -0 "$UP_PID" 2>/dev/null || return 99
    return 1
}
down() {
    [ -n "$UP_PID" ] || return 0
    kill "$UP_PID" 2>/dev/null
    wait "$UP_PID" 2>/dev/null
    UP_PID=
}
# get HOST PORT PATH: curl, status in $(status), headers in $T/headers
get() { ecurl "$1" "$2" "$3" >"$T/out"; }

up sni-off
get www.example.com "$EDGE_akamai" /
check_eq "sni-off: curl gets 503 from the Akamai edge" 503 "$(status)"
check_eq "sni-off: X-Edgesim-Error" "ERR_FWD_SSL_HANDSHAKE; no_certificate" "$(header X-Edgesim-Error)"
check_contains "sni-off: Akamai's page" "$(cat "$T/out")" "Reference&#32;&#35;30&#46;"
out=$(sclient "$EDGE_cloudfront")
check_contains "sni-off: s_client without -servername: no peer certificate" "$out" "no peer certificate available"
up sni-off --fixed
get www.example.com "$EDGE_akamai" /
check_eq "sni-off fixed: 200" 200 "$(status)"

out=$("$EDGESIM" check -c conf/scenarios/alias-not-covered.ini 2>&1)
check_eq "alias-not-covered: edgesim check refuses (exit 2)" 2 $?
check_contains "alias-not-covered: CloudFront's message" "$out" \
    "doesn't cover the alternate domain name (CNAME)"
up alias-not-covered --fixed
get www.example.com "$EDGE_cloudfront" /
check_eq "alias-not-covered fixed: the alternate name is served, 200" 200 "$(status)"

up alias-missing
get api.example.com "$EDGE_cloudfront" /api/users
check_eq "alias-missing: curl fails verification (exit 60)" 60 "$(curl -s -o /dev/null --max-time 10 --cacert "$PKI/ca.pem" --resolve "api.example.com:$EDGE_cloudfront:127.0.0.1" "https://api.example.com:$EDGE_cloudfront/api/users"; echo $?)"
check_contains "alias-missing: curl's message" "$(cat "$T/curl.err")" \
    "no alternative certificate subject name matches target host name 'api.example.com'"
out=$(sclient "$EDGE_cloudfront" -servername api.example.com)
check_contains "alias-missing: the default certificate is served" "$out" "CN = *.cloudfront.net"
up alias-missing --fixed
get api.example.com "$EDGE_cloudfront" /api/users
check_eq "alias-missing fixed: 200" 200 "$(status)"

up pin-rotated
get www.example.com "$EDGE_akamai_a" /
check_eq "pin-rotated: node A serves (it learns the pin)" 200 "$(status)"
wait_for "$ES_LOG" 'pin_learned edge=akamai-a'
learned=$(sed -n 's/.*pin_learned edge=akamai-a .*pin=sha1:\([0-9A-F:]*\).*/\1/p' "$ES_LOG" | head -n1)
fp=$(sclient "$EDGE_cloudfront" -servername d111111abcdef8.cloudfront.net | openssl x509 -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//')
check_eq "pin-rotated: the learned pin is the SHA-1 openssl sees" "$fp" "$learned"
up pin-rotated --fixed
get www.example.com "$EDGE_akamai_b" /
check_eq "pin-rotated fixed: 200 by CA" 200 "$(status)"

up host-header
get www.example.com "$EDGE_akamai" /
check_eq "host-header: 403 from CloudFront, through Akamai" 403 "$(status)"
check_contains "host-header: CloudFront's Bad request page" "$(cat "$T/out")" "Bad request."
up host-header --fixed
get www.example.com "$EDGE_akamai" /
check_eq "host-header fixed: 200" 200 "$(status)"

for s in expired:cert_expired untrusted-ca:untrusted_issuer incomplete-chain:incomplete_chain \
    origin-mtls:client_cert_required tls-version:protocol_version revoked:revoked; do
    name=${s%%:*} sub=${s#*:}
    up "$name"
    get www.example.com "$EDGE_akamai" /
    check_eq "$name: curl gets 503" 503 "$(status)"
    check_eq "$name: X-Edgesim-Error" "ERR_FWD_SSL_HANDSHAKE; $sub" "$(header X-Edgesim-Error)"
    up "$name" --fixed
    get www.example.com "$EDGE_akamai" /
    check_eq "$name fixed: 200" 200 "$(status)"
done

up expired
out=$(sclient "$EDGE_origin_server" -servername origin.example.net -CAfile "$PKI/ca.pem")
check_contains "expired: s_client to the origin says so" "$out" "certificate has expired"
up incomplete-chain
out=$(sclient "$EDGE_origin_server" -servername origin.example.net -CAfile "$PKI/ca.pem")
check_contains "incomplete-chain: s_client sees one certificate, unverifiable" "$out" \
    "unable to get local issuer certificate"

up origin-down
get www.example.com "$EDGE_akamai" /
check_eq "origin-down: 503 ERR_CONNECT_FAIL" "503 ERR_CONNECT_FAIL" "$(status) $(header X-Edgesim-Error)"
up origin-down --fixed
get www.example.com "$EDGE_akamai" /
check_eq "origin-down fixed: 200" 200 "$(status)"

up origin-slow
get www.example.com "$EDGE_akamai" /report
check_eq "origin-slow: 504 ERR_READ_TIMEOUT" "504 ERR_READ_TIMEOUT" "$(status) $(header X-Edgesim-Error)"
up origin-slow --fixed
get www.example.com "$EDGE_akamai" /report
check_eq "origin-slow fixed: 200 after the origin's delay" 200 "$(status)"

req=$'GET /q HTTP/1.1\r\nHost: emr-master.internal\r\nConnection: close\r\n\r\n'
up elb-tcp-reencrypt
out=$(printf '%s' "$req" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EDGE_elb" \
    -servername jdbc.example.com 2>/dev/null)
check_not_contains "elb-tcp-reencrypt: no bytes come back through the tunnel" "$out" "HTTP/1.1 200"
up elb-tcp-reencrypt --fixed
out=$(printf '%s' "$req" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EDGE_elb" \
    -servername jdbc.example.com 2>/dev/null)
check_contains "elb-tcp-reencrypt fixed: bytes both ways" "$out" "HTTP/1.1 200"

up no-sni-viewer
check_contains "no-sni-viewer: no certificate without SNI" "$(sclient "$EDGE_cloudfront")" \
    "no peer certificate available"
up no-sni-viewer --fixed
check_contains "no-sni-viewer fixed: the site's certificate without SNI" "$(sclient "$EDGE_cloudfront" -CAfile "$PKI/ca.pem" -verify_hostname www.example.com)" \
    "Verify return code: 0 (ok)"
down
