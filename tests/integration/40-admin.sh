#!/usr/bin/env bash
# The admin listener (issue 13): config rules with FILE:LINE, the token,
# /metrics checked by promtool and counters that move by exactly the
# number of requests made (two workers, summed at scrape time), the
# failure counters of a real SNI-off and pin failure, /explain/REF equal to
# `edgesim explain REF`, /certs (served, presented, pinned) and /config
# with its secret hidden everywhere.
. "$(dirname "$0")/../lib.sh"

read -r AP CP ADM <<<"$(ports 3)"
TOKEN=0123456789abcdef-test-token-5f3a
CONF=$T/admin.ini

if ! command -v promtool >/dev/null 2>&1; then
    not_ok "promtool is missing: install the Debian package prometheus (bash scripts/deps.sh)"
fi

# --- config rules ---
demo_conf "$T/bad.ini" "$AP" "$CP"
sed -i "/^\[edgesim\]/a admin = 0.0.0.0:$ADM" "$T/bad.ini"
line=$(grep -n '^admin = ' "$T/bad.ini" | cut -d: -f1)
out=$("$EDGESIM" check -c "$T/bad.ini" 2>&1); rc=$?
check_eq "a non-loopback admin without a token: exit 2" 2 "$rc"
check_contains "  ... named at its FILE:LINE" "$out" "$T/bad.ini:$line: [edgesim] admin: 0.0.0.0:$ADM is not a loopback address"
sed -i "/^\[edgesim\]/a admin_token = short" "$T/bad.ini"
out=$("$EDGESIM" check -c "$T/bad.ini" 2>&1); rc=$?
check_eq "a short admin_token: exit 2" 2 "$rc"
check_contains "  ... too short, at its line" "$out" "[edgesim] admin_token: too short"
sed -i "s/^admin_token = short/admin_token = $TOKEN/" "$T/bad.ini"
"$EDGESIM" check -c "$T/bad.ini" >/dev/null 2>&1
check_eq "a non-loopback admin with a token is accepted" 0 "$?"
demo_conf "$T/clash.ini" "$AP" "$CP"
sed -i "/^\[edgesim\]/a admin = 127.0.0.1:$AP" "$T/clash.ini"
out=$("$EDGESIM" check -c "$T/clash.ini" 2>&1)
check_contains "the admin address may not be an edge's" "$out" "is already used by [edge akamai]"

# --- the chain, with admin on, a token, two workers ---
# write_conf SNI VERIFY PIN
write_conf() {
    ES_WORKERS=2 demo_conf "$CONF" "$AP" "$CP"
    sed -i -e "/^\[edgesim\]/a admin = 127.0.0.1:$ADM\nadmin_token = $TOKEN" \
        -e "s/^sni = on/sni = $1/" -e "s/^verify = full/verify = $2${3:+\npin = $3}/" "$CONF"
}
write_conf on full
es_start "$CONF" || exit 1
A="http://127.0.0.1:$ADM"
acurl() { curl -sS --max-time 10 -H "Authorization: Bearer $TOKEN" "$@"; }
# metric NAME_AND_LABELS: its value now (0 when absent)
metric() {
    acurl "$A/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { v = $NF } END { print v + 0 }'
}

# --- the token ---
code=$(curl -s -o "$T/401" -w '%{http_code}' "$A/config")
check_eq "no token: 401" 401 "$code"
code=$(curl -s -o "$T/401b" -D "$T/401h" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN}x" "$A/metrics")
check_eq "a wrong token: 401" 401 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${TOKEN:0:16}" "$A/metrics")
check_eq "a token's prefix: 401" 401 "$code"
check_contains "  ... with WWW-Authenticate: Bearer" "$(cat "$T/401h")" "WWW-Authenticate: Bearer"
body=$(cat "$T/401" "$T/401b")
check_not_contains "  ... and nothing of the config in the answer" "$body" "www.example.com"
check_not_contains "  ... nor of the token" "$body" "$TOKEN"
code=$(acurl -o /dev/null -w '%{http_code}' "$A/metrics")
check_eq "the right token: 200" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "anyone:$TOKEN" "$A/config")
check_eq "Basic with the token as password (what a browser sends): 200" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "anyone:${TOKEN}x" "$A/config")
check_eq "Basic with a wrong password: 401" 401 "$code"

# --- /metrics: promtool, and counters that move by exactly N ---
acurl "$A/metrics" >"$T/m0.txt"
if command -v promtool >/dev/null 2>&1; then
    if out=$(promtool check metrics <"$T/m0.txt" 2>&1); then ok "promtool check metrics accepts /metrics"
    else not_ok "promtool check metrics"; diag "$out"; fi
fi
RQ_A='edgesim_http_downstream_rq_total{edge="akamai",host="www.example.com",status="200",code="none"}'
RQ_C='edgesim_http_downstream_rq_total{edge="cloudfront",host="d111111abcdef8.cloudfront.net",status="200",code="none"}'
HS_A='edgesim_listener_ssl_handshake_total{edge="akamai",verdict="host",result="ok"}'
CNT_A='edgesim_http_downstream_rq_time_seconds_count{edge="akamai"}'
a0=$(metric "$RQ_A"); c0=$(metric "$RQ_C"); h0=$(metric "$HS_A"); t0=$(metric "$CNT_A")
N=23
for i in $(seq 1 $N); do
    ecurl www.example.com "$AP" "/api/n$i" >/dev/null
done
check_eq "the $N requests all answered 200" 200 "$(status)"
sleep 0.2
check_eq "akamai's request counter moved by exactly $N" "$N" $(( $(metric "$RQ_A") - a0 ))
check_eq "the inner edge's (cloudfront) by exactly $N too" "$N" $(( $(metric "$RQ_C") - c0 ))
check_eq "viewer handshakes (verdict host, ok) by exactly $N" "$N" $(( $(metric "$HS_A") - h0 ))
check_eq "the request duration histogram counted $N" "$N" $(( $(metric "$CNT_A") - t0 ))
acurl "$A/metrics" >"$T/m1.txt"
for name in edgesim_build_info edgesim_server_config_generation \
    edgesim_server_reloads_total edgesim_ssl_certificate_expiration_unix_time_seconds \
    edgesim_cluster_ssl_handshake_time_seconds_bucket edgesim_cluster_upstream_cx_total \
    edgesim_cluster_ssl_fail_verify_san_total edgesim_cluster_ssl_fail_verify_cert_hash_total \
    edgesim_cluster_ssl_fail_verify_error_total edgesim_cluster_ssl_connection_error_total \
    edgesim_cluster_upstream_cx_connect_fail_total edgesim_cluster_upstream_cx_connect_timeout_total \
    edgesim_cluster_upstream_rq_timeout_total; do
    grep -q "^# TYPE $name\|^$name" "$T/m1.txt" || not_ok "/metrics has no $name"
done
ok "/metrics names every family of docs/dashboard.md"
check_eq "config generation 1" 1 "$(metric edgesim_server_config_generation)"

# A viewer without SNI at the cloudfront edge (no_sni = reject).
NS='edgesim_listener_ssl_handshake_total{edge="cloudfront",verdict="rejected_no_sni",result="error"}'
n0=$(metric "$NS")
sclient "$CP" >/dev/null
sclient "$CP" >/dev/null
sleep 0.2
check_eq "two viewers without SNI: rejected_no_sni moved by 2" 2 $(( $(metric "$NS") - n0 ))

# --- SNI off (seed 000): the origin handshake fails, and says why ---
write_conf off full
kill -HUP "$ES_PID"
wait_for "$ES_LOG" 'reloaded: generation 2' 5 || not_ok "reload to sni = off"
HSF='edgesim_cluster_ssl_handshake_total{origin="cloudfront-dist",result="no_certificate"}'
CE='edgesim_cluster_ssl_connection_error_total{origin="cloudfront-dist"}'
RQ503='edgesim_http_downstream_rq_total{edge="akamai",host="www.example.com",status="503",code="ERR_FWD_SSL_HANDSHAKE"}'
f0=$(metric "$HSF"); e0=$(metric "$CE"); r0=$(metric "$RQ503")
for i in 1 2 3; do ecurl www.example.com "$AP" /x >/dev/null; done
check_eq "SNI off: 503" 503 "$(status)"
REF=$(header X-Edgesim-Ref)
sleep 0.2
check_eq "3 failed origin handshakes counted as no_certificate" 3 $(( $(metric "$HSF") - f0 ))
check_eq "  ... and as ssl_connection_error" 3 $(( $(metric "$CE") - e0 ))
check_eq "3 requests counted with status 503 and their code" 3 $(( $(metric "$RQ503") - r0 ))
check_eq "reloads: ok 1" 1 "$(metric 'edgesim_server_reloads_total{result="ok"}')"
check_eq "config generation 2" 2 "$(metric edgesim_server_config_generation)"
story=$(acurl "$A/explain/$REF")
check_contains "/explain/REF tells the story" "$story" "Reference $REF"
check_contains "  ... with the sub-reason" "$story" "ERR_FWD_SSL_HANDSHAKE; no_certificate"
check_contains "  ... and the fix" "$story" "sni = on"
cli=$("$EDGESIM" explain "$REF" -c "$CONF")
check_eq "/explain/REF is exactly what \`edgesim explain REF\` prints" "$cli" "$story"
code=$(acurl -o /dev/null -w '%{http_code}' "$A/explain/30.0.1.nothing")
check_eq "an unknown reference: 404" 404 "$code"

# --- a pin that does not match: the cert_hash counter ---
write_conf on pin "sha256:$(printf 'AB%.0s' $(seq 32))"
kill -HUP "$ES_PID"
wait_for "$ES_LOG" 'reloaded: generation 3' 5 || not_ok "reload to a wrong pin"
PH='edgesim_cluster_ssl_fail_verify_cert_hash_total{origin="cloudfront-dist"}'
p0=$(metric "$PH")
ecurl www.example.com "$AP" /pinned >/dev/null
check_eq "a wrong pin: 503" 503 "$(status)"
check_contains "  ... pin_mismatch" "$(header X-Edgesim-Error)" "pin_mismatch"
sleep 0.2
check_eq "ssl_fail_verify_cert_hash moved by 1" 1 $(( $(metric "$PH") - p0 ))
acurl "$A/metrics" >"$T/m2.txt"
if command -v promtool >/dev/null 2>&1; then
    if out=$(promtool check metrics <"$T/m2.txt" 2>&1); then ok "promtool accepts /metrics after failures and reloads"
    else not_ok "promtool after failures"; diag "$out"; fi
fi

# --- /certs ---
acurl "$A/certs" >"$T/certs.json"
got=$(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const s = j.served.find(c => c.edge === "akamai" && c.host === "www.example.com");
    const p = j.presented.find(c => c.origin === "cloudfront-dist");
    const pin = j.pinned.find(c => c.origin === "cloudfront-dist");
    const ok = (c, ks) => c && ks.every(k => c[k] !== undefined && c[k] !== "");
    const keys = ["subject", "sans", "issuer", "sha1", "sha256", "spki", "not_before", "not_after", "days_to_expiry"];
    console.log([ok(s, keys) && s.sans.includes("example.com") && s.days_to_expiry > 0,
        ok(p, keys) && p.sans.includes("d111111abcdef8.cloudfront.net"),
        !!pin && pin.kind === "sha256" && pin.matches_presented.length === 0].join(" "));
' "$T/certs.json" 2>&1)
check_eq "/certs: served (names, issuer, digests, dates, days), presented, pinned" "true true true" "$got"

# --- /config: the effective config, the token hidden ---
acurl "$A/config" >"$T/config.json"
got=$(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const g = j.sections.find(s => s.section === "edgesim");
    const o = j.sections.find(s => s.section === "origin" && s.name === "cloudfront-dist");
    console.log([g.keys.admin_token.value, g.keys.workers.value, o.keys.verify.value,
        j.chain.entry.join(","), j.chain.origins.find(x => x.name === "cloudfront-dist").edge,
        j.generation].join(" "));
' "$T/config.json" 2>&1)
check_eq "/config: token hidden, values, the chain, the generation" "(hidden) 2 pin akamai cloudfront 3" "$got"
everything=$(cat "$T/config.json" "$T/certs.json" "$T/m2.txt" "$ES_LOG"; acurl "$A/" ; timeout 1 curl -sN -H "Authorization: Bearer $TOKEN" "$A/events")
check_not_contains "the token appears in no admin answer, nor in the log" "$everything" "$TOKEN"

check_alive
es_stop
check_eq "edgesim stops cleanly with admin on" 0 "$ES_STATUS"
