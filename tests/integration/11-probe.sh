#!/usr/bin/env bash
# edgesim probe: the TLS diagnosis client against edgesim's own edges, one
# per failure it must name. For each: the verdict (the sub-reason an edge
# would give ERR_FWD_SSL_HANDSHAKE), the key phrase of the diagnosis, the
# exit status (0 passed, 1 a check failed, 2 no connection or usage), and
# the --json document (parsed by Node.js, with the fields docs/probe.md
# documents). Also pins, --names, --ca FILE, and the comparison of the
# handshakes with and without SNI (seed 000).
. "$(dirname "$0")/../lib.sh"

read -r CP XP VP MP TP NP <<<"$(ports 6)"
CONF=$T/probe.ini
cat >"$CONF" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log

[resolve]
mtls.test = 127.0.0.1:$MP

; CloudFront-like: SNI only (alert 40 without it), *.cloudfront.net for
; names that are not alternate domain names.
[edge cloudfront]
persona = cloudfront
listen = 127.0.0.1:$CP
no_sni = reject
default_cert = *.cloudfront.net
[host d111111abcdef8.cloudfront.net]
edge = cloudfront
aliases = www.example.com
origin = echo

; SNI only, by closing the connection (FIN).
[edge closer]
listen = 127.0.0.1:$XP
no_sni = close
[host close.test]
edge = closer
origin = echo

; One host per lab certificate variant; good.test's without SNI.
[edge viewer]
listen = 127.0.0.1:$VP
default_cert = good.test
[host good.test]
edge = viewer
cert = lab
origin = echo
[host wrong.test]
edge = viewer
cert = lab:wrong-name
origin = echo
[host expired.test]
edge = viewer
cert = lab:expired
origin = echo
[host nyv.test]
edge = viewer
cert = lab:not-yet-valid
origin = echo
[host self.test]
edge = viewer
cert = lab:self-signed
origin = echo
[host untrusted.test]
edge = viewer
cert = lab:untrusted
origin = echo
[host noint.test]
edge = viewer
cert = lab:no-intermediate
origin = echo
; (makes the lab issue lab:client, the certificate the probe presents)
[host mtls-front.test]
edge = viewer
origin = mtls

[edge mtls]
listen = 127.0.0.1:$MP
client_auth = require
client_ca = lab
[host mtls.test]
edge = mtls
origin = echo

[edge tls13]
listen = 127.0.0.1:$TP
min_tls = 1.3
[host t13.test]
edge = tls13
origin = echo

[origin mtls]
address = mtls.test:443
client_cert = lab:client
[origin echo]
type = echo
INI
es_start "$CONF" || exit 1

# probe ARGS...: run the probe with the lab trust store; its stdout in OUT,
# its stderr in ERR, its exit status in RC.
probe() {
    OUT=$(timeout 30 "$EDGESIM" probe "$@" -c "$CONF" 2>"$T/probe.err")
    RC=$?
    ERR=$(cat "$T/probe.err")
    # Under `make check-asan`, a sanitizer report fails the test.
    if [[ "$ERR" == *Sanitizer* || "$ERR" == *"runtime error"* ]]; then
        not_ok "probe $*: sanitizer report"
        diag "$ERR"
    fi
}
# jget EXPR: evaluate a JavaScript expression over the JSON in OUT (as j).
jget() {
    node -e 'const j = JSON.parse(require("fs").readFileSync(0));
        const v = eval(process.argv[1]);
        console.log(typeof v === "string" ? v : JSON.stringify(v));' \
        "$1" <<<"$OUT" 2>&1
}
# check_json WHAT: OUT parses, and has every documented field.
check_json() {
    local miss
    miss=$(node -e '
const j = JSON.parse(require("fs").readFileSync(0));
const need = (o, keys, where) => keys.filter(k => !(o && k in o))
    .map(k => where + "." + k);
let m = need(j, ["target", "handshakes", "comparison", "verdict",
    "diagnosis", "ok"], "");
m = m.concat(need(j.target, ["host", "port", "connect", "sni_mode", "trust",
    "ca_file", "names", "pins", "tls_version", "client_cert"], "target"));
for (const [i, h] of j.handshakes.entries()) {
    const w = "handshakes[" + i + "]";
    m = m.concat(need(h, ["sni", "result", "error", "ended_by", "alert",
        "protocol", "cipher", "alpn", "client_cert_requested", "peer",
        "chain", "chain_complete", "verify", "name_check", "pin_check",
        "verdict", "detail"], w));
    m = m.concat(need(h.verify, ["ok", "error", "reason"], w + ".verify"));
    m = m.concat(need(h.name_check, ["names", "ok", "matched"],
        w + ".name_check"));
    m = m.concat(need(h.pin_check, ["checked", "ok", "pins", "matched",
        "presented"], w + ".pin_check"));
    for (const c of h.chain)
        m = m.concat(need(c, ["subject", "sans", "issuer", "serial",
            "not_before", "not_after", "days_left", "key", "sha1", "sha256",
            "spki", "self_signed", "is_ca"], w + ".chain[]"));
}
console.log(m.join(" "));' <<<"$OUT" 2>&1)
    if [ $? -eq 0 ] && [ -z "$miss" ]; then ok "$1: --json parses, every documented field"
    else not_ok "$1: --json: ${miss:-does not parse}"; diag "${OUT:0:1500}"; fi
}

# --- seed 000: an SNI-only server, with and without SNI ---
probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab
check_eq "SNI-only (reject): exit 0, the SNI handshake passes" 0 "$RC"
check_contains "SNI-only (reject): the SNI handshake" "$OUT" "With SNI d111111abcdef8.cloudfront.net"
check_contains "SNI-only (reject): the handshake without SNI" "$OUT" \
    "result    failed: alert 40 handshake_failure, before any certificate"
check_contains "SNI-only (reject): diagnosis" "$OUT" \
    "This server requires SNI: without it, it aborts the handshake before"
check_contains "SNI-only (reject): diagnosis names the alert and the Akamai fix" \
    "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" \
    "(alert handshake_failure). Any client or CDN that connects without SNI fails. For Akamai, enable 'Use SNI TLS Extension'."
check_contains "SNI-only (reject): and the SNI handshake's checks" \
    "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" "All checks passed with SNI d111111abcdef8.cloudfront.net"
probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab --json
check_json "SNI-only (reject)"
check_eq "json: two handshakes" 2 "$(jget 'j.handshakes.length')"
check_eq "json: first with SNI" d111111abcdef8.cloudfront.net "$(jget 'j.handshakes[0].sni')"
check_eq "json: second without (null)" null "$(jget 'j.handshakes[1].sni')"
check_eq "json: with SNI, verdict ok" ok "$(jget 'j.handshakes[0].verdict')"
check_eq "json: without SNI, verdict no_certificate" no_certificate "$(jget 'j.handshakes[1].verdict')"
check_eq "json: without SNI, the alert and where it came" \
    '{"code":40,"name":"handshake_failure","when":"before_certificate"}' \
    "$(jget 'j.handshakes[1].alert')"
check_eq "json: without SNI, result failed, no chain" "failed 0" \
    "$(jget 'j.handshakes[1].result + " " + j.handshakes[1].chain.length')"
check_eq "json: comparison" '{"sni_required":true,"same_certificate":null}' "$(jget 'j.comparison')"
check_eq "json: ok, verdict of the first handshake" "true ok" "$(jget 'j.ok + " " + j.verdict')"
check_eq "json: the chain as sent (leaf, intermediate)" \
    "CN=d111111abcdef8.cloudfront.net,O=edgesim lab|CN=edgesim lab intermediate CA,O=edgesim lab" \
    "$(jget 'j.handshakes[0].chain.map(c => c.subject).join("|")')"
leaf_sha1=$(openssl x509 -in "$PKI/d111111abcdef8.cloudfront.net.pem" -noout -fingerprint -sha1 | cut -d= -f2)
check_eq "json: the leaf's SHA-1, as openssl computes it" "$leaf_sha1" "$(jget 'j.handshakes[0].chain[0].sha1')"
check_eq "json: the leaf's SANs" '["d111111abcdef8.cloudfront.net","www.example.com"]' \
    "$(jget 'j.handshakes[0].chain[0].sans')"
check_eq "json: chain complete, verified, name matched" "true true d111111abcdef8.cloudfront.net" \
    "$(jget '[j.handshakes[0].chain_complete, j.handshakes[0].verify.ok, j.handshakes[0].name_check.matched].join(" ")')"
check_eq "json: protocol and ALPN" "TLSv1.3 http/1.1" \
    "$(jget 'j.handshakes[0].protocol + " " + j.handshakes[0].alpn')"
check_contains "json: the diagnosis" "$(jget 'j.diagnosis')" "This server requires SNI"
check_not_contains "json: the diagnosis is plain ASCII (no mangled \\u00XX)" "$OUT" '\u00'

probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab --no-sni
check_eq "--no-sni against SNI-only: exit 1" 1 "$RC"
check_contains "--no-sni: verdict no_certificate" "$OUT" "verdict   no_certificate"
check_contains "--no-sni: diagnosis" "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" \
    "Without SNI, this server aborts the handshake before sending a certificate (alert handshake_failure): it requires SNI."
check_not_contains "--no-sni: one handshake only" "$OUT" "With SNI"

probe close.test --connect "127.0.0.1:$XP" --ca lab --json
check_json "SNI-only (close)"
check_eq "SNI-only (close): exit 0" 0 "$RC"
check_eq "SNI-only (close): without SNI, ended by a FIN, no alert" "no_certificate close null" \
    "$(jget '[j.handshakes[1].verdict, j.handshakes[1].ended_by, String(j.handshakes[1].alert)].join(" ")')"
check_contains "SNI-only (close): diagnosis" "$(jget 'j.diagnosis')" \
    "This server requires SNI: without it, it closes the connection (FIN) before sending a certificate."

# --- seed 002: a name the server does not serve gets its default certificate
probe api.example.com --connect "127.0.0.1:$CP" --ca lab
check_eq "name not served: exit 1" 1 "$RC"
check_contains "name not served: verdict hostname_mismatch" "$OUT" "verdict   hostname_mismatch"
check_contains "name not served: diagnosis" "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" \
    "The name api.example.com is not in the certificate's SANs (cloudfront.net, *.cloudfront.net): the server is serving another certificate, likely its default one, so the host is probably not configured on it"

# --- the lab certificate variants ---
# variant HOST VERDICT EXIT PHRASE [probe args]: probe HOST with SNI on the
# viewer edge and check the verdict (text and JSON), exit status, phrase.
variant() {
    local host=$1 verdict=$2 rc=$3 phrase=$4
    shift 4
    probe "$host" --connect "127.0.0.1:$VP" --sni "$host" --ca lab "$@"
    check_eq "$host: exit $rc" "$rc" "$RC"
    check_contains "$host: verdict $verdict" "$OUT" "verdict   $verdict"
    check_contains "$host: diagnosis" "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" "$phrase"
    probe "$host" --connect "127.0.0.1:$VP" --sni "$host" --ca lab --json "$@"
    check_json "$host"
    check_eq "$host: json verdict" "$verdict" "$(jget 'j.verdict')"
}
variant good.test ok 0 "All checks passed with SNI good.test: CN=good.test,O=edgesim lab verifies against the lab CA in $PKI/ca.pem, covers good.test"
variant wrong.test hostname_mismatch 1 \
    "The name wrong.test is not in the certificate's SANs (other.example.net)"
variant expired.test cert_expired 1 "The certificate CN=expired.test,O=edgesim lab expired on"
check_contains "expired: days left are negative" "$(jget 'j.handshakes[0].chain[0].days_left')" "-"
variant nyv.test cert_not_yet_valid 1 "The certificate CN=nyv.test,O=edgesim lab is not valid until"
variant self.test self_signed 1 "The certificate is self-signed (CN=self.test,O=edgesim lab is its own issuer)"
variant untrusted.test untrusted_issuer 1 \
    "a CA that is not trusted here (trust: the lab CA in $PKI/ca.pem): a private CA? Add the CA with --ca FILE / to the client's trust store"
variant noint.test incomplete_chain 1 \
    "The server sent its certificate without the intermediate CA certificate (CN=edgesim lab intermediate CA,O=edgesim lab)"
check_eq "no-intermediate: one certificate sent, chain_complete false" "1 false" \
    "$(jget 'j.handshakes[0].chain.length + " " + j.handshakes[0].chain_complete')"
check_contains "no-intermediate: text says incomplete" \
    "$("$EDGESIM" probe noint.test --connect "127.0.0.1:$VP" --sni noint.test --ca lab -c "$CONF" 2>/dev/null)" \
    "1 certificate as sent, incomplete"
# Without the lab intermediate known (system store), the same leaf is only
# of an unknown CA: tls_client draws the line in the same place.
variant noint.test untrusted_issuer 1 "a CA that is not trusted here (trust: the system trust store)" --ca system
# --ca FILE: the untrusted root, given, is trusted.
variant untrusted.test ok 0 "verifies against the CAs in $PKI/untrusted-ca.pem" --ca "$PKI/untrusted-ca.pem"
check_eq "--ca FILE: json target" "file $PKI/untrusted-ca.pem" "$(jget 'j.target.trust + " " + j.target.ca_file')"

# --- comparison on a multi-host edge: the default certificate without SNI
probe good.test --connect "127.0.0.1:$VP" --ca lab --json
check_eq "good.test with and without SNI: the same certificate" \
    '{"sni_required":false,"same_certificate":true}' "$(jget 'j.comparison')"
check_contains "good.test: diagnosis says so" "$(jget 'j.diagnosis')" \
    "With and without SNI the server presents the same certificate"
probe expired.test --connect "127.0.0.1:$VP" --ca lab --json
check_eq "expired.test without SNI: another certificate, which misses the name" \
    '{"sni_required":true,"same_certificate":false}' "$(jget 'j.comparison')"
check_eq "expired.test without SNI: hostname_mismatch on good.test's certificate" \
    "hostname_mismatch CN=good.test,O=edgesim lab" \
    "$(jget 'j.handshakes[1].verdict + " " + j.handshakes[1].chain[0].subject')"
check_contains "expired.test: diagnosis of the comparison" "$(jget 'j.diagnosis')" \
    "Without SNI, the server presents another certificate (CN=good.test,O=edgesim lab; SANs: good.test), which does not cover the name"

# --- pins ---
spki=$(openssl x509 -in "$PKI/good.test.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
sha1=$(openssl x509 -in "$PKI/good.test.pem" -noout -fingerprint -sha1 | cut -d= -f2)
variant good.test ok 0 "matches the pin" --pin "sha256//$spki"
check_eq "pin (curl's sha256//): matched, as spki:" "true true spki:$spki" \
    "$(jget '[j.handshakes[0].pin_check.checked, j.handshakes[0].pin_check.ok, j.handshakes[0].pin_check.matched].join(" ")')"
variant good.test ok 0 "matches the pin" --pin "sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33" --pin "sha1:$sha1"
check_eq "two pins, the second matches" "sha1:$sha1" "$(jget 'j.handshakes[0].pin_check.matched')"
variant good.test pin_mismatch 1 \
    "The certificate is not the pinned one: pinned sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33, presented sha1:$sha1." \
    --pin "sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"
check_eq "pin mismatch: json" "true false sha1:$sha1" \
    "$(jget '[j.handshakes[0].pin_check.checked, j.handshakes[0].pin_check.ok, j.handshakes[0].pin_check.presented].join(" ")')"
self_sha1=$(openssl x509 -in "$PKI/self.test.self-signed.pem" -noout -fingerprint -sha1 | cut -d= -f2)
variant self.test self_signed 1 \
    "The pin matches: an edge that checks only the pin (Akamai 'Specific certificates', edgesim verify = pin) accepts this certificate." \
    --pin "sha1:$self_sha1"
probe good.test --connect "127.0.0.1:$VP" --pin "nonsense"
check_eq "a malformed pin: usage error, exit 2" 2 "$RC"
check_contains "a malformed pin: says why" "$ERR" "a pin starts with sha1:, sha256: or spki:"

# --- --names (Akamai's Match CN/SAN): any of them; *.x as in certificates
probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab --sni api.example.com \
    --names 'origin.example.com,*.cloudfront.net' --json
check_eq "--names: *.cloudfront.net matches the certificate's wildcard" "0 ok *.cloudfront.net" \
    "$RC $(jget 'j.verdict + " " + j.handshakes[0].name_check.matched')"
probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab --sni api.example.com \
    --names 'x.cloudfront.net' --json
check_eq "--names: a name the wildcard covers matches too" "0 x.cloudfront.net" \
    "$RC $(jget 'j.handshakes[0].name_check.matched')"
probe d111111abcdef8.cloudfront.net --connect "127.0.0.1:$CP" --ca lab --names '*.example.com'
check_eq "--names: *.example.com is not in the certificate: exit 1" 1 "$RC"
check_contains "--names: hostname_mismatch" "$OUT" "verdict   hostname_mismatch"
check_contains "--names: diagnosis" "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" \
    "it is the certificate the server has for the SNI sent (d111111abcdef8.cloudfront.net), so the names checked (--names) are wrong"

# --- client certificates ---
probe mtls.test --connect "127.0.0.1:$MP" --ca lab --sni mtls.test
check_eq "client_auth = require, none sent: exit 1" 1 "$RC"
check_contains "client_auth = require (TLS 1.3): verdict" "$OUT" "verdict   client_cert_required"
check_contains "client_auth = require (TLS 1.3): diagnosis" "$(tr '\n' ' ' <<<"$OUT" | tr -s ' ')" \
    "The server requires a client certificate (mutual TLS) and none was sent: it refused the handshake with alert 116 certificate_required"
probe mtls.test --connect "127.0.0.1:$MP" --ca lab --sni mtls.test --tls1.2 --json
check_json "client_auth = require (TLS 1.2)"
check_eq "client_auth = require (TLS 1.2): verdict, alert after the certificate" \
    "client_cert_required handshake_failure after_certificate true" \
    "$(jget '[j.verdict, j.handshakes[0].alert.name, j.handshakes[0].alert.when, j.handshakes[0].client_cert_requested].join(" ")')"
probe mtls.test --connect "127.0.0.1:$MP" --ca lab --sni mtls.test \
    --client-cert "$PKI/edgesim-lab-client.client.pem" --client-key "$PKI/edgesim-lab-client.client.key" --json
check_eq "client_auth = require, lab:client sent: exit 0, ok" "0 ok" "$RC $(jget 'j.verdict')"
probe mtls.test --connect "127.0.0.1:$MP" --ca lab --sni mtls.test \
    --client-cert "$PKI/self.test.self-signed.pem" --client-key "$PKI/self.test.self-signed.key"
check_contains "a client certificate the server does not trust: alert:unknown_ca" "$OUT" "verdict   alert:unknown_ca"
probe mtls.test --connect "127.0.0.1:$MP" --client-cert "$T/none.pem"
check_eq "an unreadable client certificate: exit 2" 2 "$RC"

# --- protocol versions ---
probe t13.test --connect "127.0.0.1:$TP" --ca lab --sni t13.test --tls1.2 --json
check_json "min_tls = 1.3, --tls1.2"
check_eq "min_tls = 1.3, --tls1.2: exit 1, protocol_version" "1 protocol_version 1.2" \
    "$RC $(jget 'j.verdict + " " + j.target.tls_version')"
check_contains "min_tls = 1.3, --tls1.2: diagnosis" "$(jget 'j.diagnosis')" \
    "No TLS version in common: the server refuses TLS 1.2 (forced with --tls1.2) with alert 70 protocol_version."
probe t13.test --connect "127.0.0.1:$TP" --ca lab --sni t13.test --tls1.3
check_eq "min_tls = 1.3, --tls1.3: exit 0" 0 "$RC"
check_contains "min_tls = 1.3, --tls1.3: TLSv1.3" "$OUT" "result    ok: TLSv1.3"

# --- no connection, usage ---
read -r FREE <<<"$(ports 1)"
probe nothing.test --connect "127.0.0.1:$FREE" --ca lab --json
check_eq "nothing listens: exit 2" 2 "$RC"
check_json "nothing listens"
check_eq "nothing listens: no_connection" "no_connection no_connection false" \
    "$(jget '[j.handshakes[0].result, j.verdict, j.ok].join(" ")')"
check_contains "nothing listens: diagnosis" "$(jget 'j.diagnosis')" "Could not connect to 127.0.0.1:$FREE"
for bad in "" "a.test --sni x --no-sni" "a.test --tls1.2 --tls1.3" "a.test b.test" \
    "a.test --bogus" "a.test --sni" "a.test:99999" "a.test --client-key k.pem" \
    "a.test --ca $T/missing.pem"; do
    # shellcheck disable=SC2086
    "$EDGESIM" probe $bad >/dev/null 2>&1
    check_eq "usage error 'probe $bad': exit 2" 2 "$?"
done
out=$("$EDGESIM" help)
check_contains "the usage lists probe" "$out" "probe    HOST[:PORT] [--connect ADDR:PORT]"

check_alive
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
