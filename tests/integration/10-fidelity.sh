#!/usr/bin/env bash
# Fidelity: what real clients print against edgesim's edges, in their own
# words. The point of edgesim is that a user sees here the message they saw
# in production (seeds 000 and 002): openssl s_client without SNI against an
# SNI-only edge, Node.js against a CloudFront-like edge for a name that is
# not an alternate domain name, curl against each broken lab certificate,
# and the lab chain verifying with openssl verify.
. "$(dirname "$0")/../lib.sh"

read -r CP VP <<<"$(ports 2)"
CONF=$T/fidelity.ini
cat >"$CONF" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log

; A CloudFront-like edge: SNI only, *.cloudfront.net for unknown names.
[edge cloudfront]
persona = cloudfront
listen = 127.0.0.1:$CP
no_sni = reject
default_cert = *.cloudfront.net
[host d111111abcdef8.cloudfront.net]
edge = cloudfront
aliases = www.example.com
origin = echo

; An edge whose hosts carry the broken lab certificates.
[edge viewer]
listen = 127.0.0.1:$VP
[host good.test]
edge = viewer
origin = echo
[host expired.test]
edge = viewer
cert = lab:expired
origin = echo
[host self.test]
edge = viewer
cert = lab:self-signed
origin = echo
[host untrusted.test]
edge = viewer
cert = lab:untrusted
origin = echo
[host wrong.test]
edge = viewer
cert = lab:wrong-name
origin = echo
[host revoked.test]
edge = viewer
cert = lab:revoked
origin = echo

[origin echo]
type = echo
INI
es_start "$CONF" || exit 1

# vcurl HOST PORT [curl args]: curl as a viewer would, with the lab CA;
# its stderr in $T/err, its exit code in RC, the status in $T/st.
vcurl() {
    local host=$1 port=$2
    shift 2
    curl -sS --max-time 10 --cacert "$PKI/ca.pem" \
        --resolve "$host:$port:127.0.0.1" -o /dev/null -w '%{http_code}' \
        "$@" "https://$host:$port/" >"$T/st" 2>"$T/err"
    RC=$?
}

# --- openssl s_client without -servername, against no_sni = reject (seed 000)
out=$(sclient "$CP")
check_contains "s_client without -servername: 'no peer certificate available'" \
    "$out" "no peer certificate available"
check_contains "s_client without -servername: the edge's alert 40" "$out" \
    "alert handshake failure"
out=$(sclient "$CP" -servername d111111abcdef8.cloudfront.net -CAfile "$PKI/ca.pem")
check_contains "s_client with -servername: the certificate, verified" "$out" \
    "Verify return code: 0 (ok)"
check_not_contains "s_client with -servername: a peer certificate" "$out" \
    "no peer certificate available"

# --- Node.js: an alias missing from the CloudFront-like host (seed 002) ---
if ! command -v node >/dev/null 2>&1; then
    not_ok "node is not installed (scripts/deps.sh installs nodejs)"
else
    node_get() {    # node_get SERVERNAME: prints "STATUS" or "ERROR|code|message"
        timeout 15 node -e '
const https = require("https"), fs = require("fs");
const [port, servername, ca] = process.argv.slice(1);
const req = https.get({ host: "127.0.0.1", port: +port, servername,
    path: "/", headers: { Host: servername }, ca: fs.readFileSync(ca),
    timeout: 8000 }, res => { console.log(res.statusCode); res.resume(); });
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", e => console.log("ERROR|" + e.code + "|" + e.message));
' "$CP" "$1" "$PKI/ca.pem" 2>&1
    }
    out=$(node_get api.example.com)
    check_eq "node: api.example.com is not in the cert's altnames (exact message)" \
        "ERROR|ERR_TLS_CERT_ALTNAME_INVALID|Hostname/IP does not match certificate's altnames: Host: api.example.com. is not in the cert's altnames: DNS:cloudfront.net, DNS:*.cloudfront.net" \
        "$out"
    out=$(node_get www.example.com)
    check_eq "node: an alternate domain name the certificate covers: 200" 200 "$out"
fi
# curl tells the same story in its words.
vcurl api.example.com "$CP"
check_eq "curl: api.example.com against the *.cloudfront.net certificate: exit 60" 60 "$RC"
check_contains "curl: the name is not in the certificate" "$(cat "$T/err")" \
    "SSL: no alternative certificate subject name matches target host name 'api.example.com'"

# --- curl against each broken lab certificate ---
vcurl good.test "$VP"
check_eq "curl: a normal lab certificate: exit 0" 0 "$RC"
check_eq "curl: a normal lab certificate: 200" 200 "$(cat "$T/st")"

vcurl expired.test "$VP"
check_eq "curl: lab:expired: exit 60" 60 "$RC"
check_contains "curl: lab:expired" "$(cat "$T/err")" \
    "SSL certificate problem: certificate has expired"

vcurl self.test "$VP"
check_eq "curl: lab:self-signed: exit 60" 60 "$RC"
err=$(cat "$T/err")
if [[ "$err" == *"SSL certificate problem: self-signed certificate"* ||
    "$err" == *"SSL certificate problem: self signed certificate"* ]]; then
    ok "curl: lab:self-signed: 'self-signed certificate'"
else
    not_ok "curl: lab:self-signed: 'self-signed certificate' not found"
    diag "$err"
fi

vcurl untrusted.test "$VP"
check_eq "curl: lab:untrusted: exit 60" 60 "$RC"
check_contains "curl: lab:untrusted" "$(cat "$T/err")" \
    "SSL certificate problem: unable to get local issuer certificate"

vcurl wrong.test "$VP"
check_eq "curl: lab:wrong-name: exit 60" 60 "$RC"
check_contains "curl: lab:wrong-name" "$(cat "$T/err")" \
    "SSL: no alternative certificate subject name matches target host name 'wrong.test'"

vcurl revoked.test "$VP"
check_eq "curl without a CRL does not see lab:revoked: exit 0" 0 "$RC"
vcurl revoked.test "$VP" --crlfile "$PKI/crl.pem"
check_eq "curl --crlfile crl.pem: lab:revoked: exit 60" 60 "$RC"
check_contains "curl --crlfile crl.pem: lab:revoked" "$(cat "$T/err")" \
    "SSL certificate problem: certificate revoked"

# Pinning, as curl does it: the SPKI pin of the lab leaf, then a wrong one.
spki=$(openssl x509 -in "$PKI/good.test.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
vcurl good.test "$VP" --pinnedpubkey "sha256//$spki"
check_eq "curl --pinnedpubkey with the leaf's SPKI: exit 0" 0 "$RC"
vcurl good.test "$VP" --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
check_eq "curl --pinnedpubkey with a wrong pin: exit 90" 90 "$RC"
check_contains "curl --pinnedpubkey with a wrong pin" "$(cat "$T/err")" \
    "SSL: public key does not match pinned public key"

# --- the lab chain, as openssl verify sees it ---
out=$(openssl verify -CAfile "$PKI/ca.pem" -untrusted "$PKI/intermediate.pem" \
    "$PKI/good.test.pem" 2>&1)
check_eq "openssl verify: a lab leaf chains to the lab root via the intermediate" \
    "$PKI/good.test.pem: OK" "$out"
out=$(openssl verify -CAfile "$PKI/ca.pem" "$PKI/good.test.pem" 2>&1)
check_contains "openssl verify: without the intermediate it does not" "$out" \
    "unable to get local issuer certificate"
out=$(openssl verify -CAfile "$PKI/ca.pem" -untrusted "$PKI/intermediate.pem" \
    "$PKI/expired.test.expired.pem" 2>&1)
check_contains "openssl verify: lab:expired is expired" "$out" "certificate has expired"

check_alive
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
