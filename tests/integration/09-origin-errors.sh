#!/usr/bin/env bash
# Every origin error of DESIGN.md's Errors table, provoked for real: each
# code and each ERR_FWD_SSL_HANDSHAKE sub-reason, as the viewer sees it
# through an akamai, a cloudfront and a plain edge (status, page, headers),
# as the log records it (the origin record: ref, code, sub, SNI sent, the
# certificate presented, the fix), and as `edgesim explain REF` tells it.
# Then the settings that accept what full verification refuses (verify =
# chain | none | pin, names, pins, learned pins with pin_refresh), retries,
# and an inner edge's error page travelling out through an outer edge.
. "$(dirname "$0")/../lib.sh"

read -r FP CFP PP MID BP RJ CL RS MT MX V13 RP \
    B_HANG B_CLOSE B_RESET B_GARBAGE B_PARTIAL NOPE DNSP SYNP <<<"$(ports 20)"
TOOLS=$EDGESIM_TOOLS
CONF=$T/main.ini

# --- the misbehaving places (all on 127.0.0.1, all bounded in time) ---
bg "$TOOLS/badorigin" "$B_HANG" hang --seconds 85
bg "$TOOLS/badorigin" "$B_CLOSE" close --seconds 85
bg "$TOOLS/badorigin" "$B_RESET" reset --seconds 85
bg "$TOOLS/badorigin" "$B_GARBAGE" garbage --seconds 85
bg "$TOOLS/badorigin" "$B_PARTIAL" partial --seconds 85
bg "$TOOLS/blackhole" "$DNSP" dns --seconds 85 >"$T/dns.out"
bg "$TOOLS/blackhole" "$SYNP" syn --seconds 85 >"$T/syn.out"
# $NOPE is a free port nothing listens on: connections are refused.

# A CA nobody trusts, for an origin that refuses the edge's client cert.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other-ca.key" -out "$T/other-ca.pem" -subj /CN=other-ca \
    -days 2 >/dev/null 2>&1 || not_ok "openssl made a CA for client_ca"

# --- the configs ---
# Every case: PATH ORIGIN. The three viewer-facing edges route them all.
CASES="nosni closed reset garbage http v12 expired future untrusted self
noint wrong revoked pin mtls alert dns refused syn retry hang rst fin"
EXTRA="mtlsok far chainwrong chainexp noneself names pinok pinspki pinsha256
pinself learn chain badresp"
routes() {
    local c
    for c in $CASES $EXTRA; do echo "route = /$c/* $c"; done
}
origin_edge() {    # origin_edge NAME PORT [key = value lines]
    printf '[edge %s]\nlisten = 127.0.0.1:%s\n%s\n' "$1" "$2" "${3:-}"
}
origin_host() {    # origin_host NAME EDGE [cert]
    printf '[host %s]\nedge = %s\ncert = %s\norigin = echo\n' "$1" "$2" "${3:-lab}"
}
# pins that match, filled in from the log and applied with SIGHUP later
PIN_GOOD="sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"
SPKI_GOOD="spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
SHA256_GOOD="sha256:$(printf '0%.0s' $(seq 64))"
PIN_SELF="sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"
write_conf() {
    cat >"$CONF" <<INI
[edgesim]
pki = $PKI
log = $T/main.log
nameserver = 127.0.0.1:$DNSP

[resolve]
good.test = 127.0.0.1:$BP
expired.test = 127.0.0.1:$BP
future.test = 127.0.0.1:$BP
wrong.test = 127.0.0.1:$BP
self.test = 127.0.0.1:$BP
untrusted.test = 127.0.0.1:$BP
noint.test = 127.0.0.1:$BP
revoked.test = 127.0.0.1:$BP
reject.test = 127.0.0.1:$RJ
close.test = 127.0.0.1:$CL
reset.test = 127.0.0.1:$RS
mtls.test = 127.0.0.1:$MT
mtlsx.test = 127.0.0.1:$MX
v13.test = 127.0.0.1:$V13
rot.test = 127.0.0.1:$RP
mid.test = 127.0.0.1:$MID
nope.test = 127.0.0.1:$NOPE
syn.test = 127.0.0.1:$SYNP

; --- the viewer-facing edges, one per persona ---
[edge front]
persona = akamai
listen = 127.0.0.1:$FP
[host www.example.com]
edge = front
origin = good
$(routes)

[edge cf]
persona = cloudfront
listen = 127.0.0.1:$CFP
[host cf.example.com]
edge = cf
cert = lab
origin = good
$(routes)

[edge plain]
persona = plain
listen = 127.0.0.1:$PP
[host plain.example.com]
edge = plain
origin = good
$(routes)

; --- origins ---
[origin good]
address = good.test:443
host_header = origin
[origin nosni]
address = reject.test:443
sni = off
[origin closed]
address = close.test:443
sni = off
[origin reset]
address = reset.test:443
sni = off
[origin garbage]
address = 127.0.0.1:$B_GARBAGE
tls = on
[origin http]
address = 127.0.0.1:$B_PARTIAL
tls = on
[origin v12]
address = v13.test:443
max_tls = 1.2
[origin expired]
address = expired.test:443
[origin future]
address = future.test:443
[origin untrusted]
address = untrusted.test:443
[origin self]
address = self.test:443
[origin noint]
address = noint.test:443
[origin wrong]
address = wrong.test:443
[origin revoked]
address = revoked.test:443
crl = lab
[origin pin]
address = good.test:443
verify = pin
pin = sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33
[origin mtls]
address = mtls.test:443
[origin mtlsok]
address = mtls.test:443
client_cert = lab:client
host_header = origin
[origin alert]
address = mtlsx.test:443
client_cert = lab:client
[origin dns]
address = no-such-origin.invalid:443
[origin refused]
address = nope.test:443
[origin syn]
address = syn.test:443
connect_timeout = 300ms
[origin far]
; multicast: connect(2) fails at once with ENETUNREACH on every Linux
address = 224.0.0.1:443
connect_timeout = 300ms
[origin retry]
address = nope.test:443
retries = 2
[origin hang]
address = 127.0.0.1:$B_HANG
tls = off
read_timeout = 500ms
[origin rst]
address = 127.0.0.1:$B_RESET
tls = off
[origin fin]
address = 127.0.0.1:$B_CLOSE
tls = off
[origin badresp]
address = 127.0.0.1:$B_GARBAGE
tls = off
[origin chainwrong]
address = wrong.test:443
verify = chain
host_header = origin
[origin chainexp]
address = expired.test:443
verify = chain
[origin noneself]
address = self.test:443
verify = none
host_header = origin
[origin names]
address = wrong.test:443
names = other.example.net
host_header = origin
[origin pinok]
address = good.test:443
verify = pin
pin = $PIN_GOOD
host_header = origin
[origin pinspki]
address = good.test:443
verify = pin
pin = $SPKI_GOOD
host_header = origin
[origin pinsha256]
address = good.test:443
verify = pin
pin = $SHA256_GOOD
host_header = origin
[origin pinself]
address = self.test:443
verify = pin
pin = $PIN_SELF
host_header = origin
[origin learn]
address = rot.test:443
verify = pin
pin_refresh = 8s
pool_size = 0
host_header = origin
[origin chain]
address = mid.test:443
host_header = origin

; --- the origins' own edges ---
$(origin_edge back "$BP")
$(origin_host good.test back)
$(origin_host expired.test back lab:expired)
$(origin_host future.test back lab:not-yet-valid)
$(origin_host wrong.test back lab:wrong-name)
$(origin_host self.test back lab:self-signed)
$(origin_host untrusted.test back lab:untrusted)
$(origin_host noint.test back lab:no-intermediate)
$(origin_host revoked.test back lab:revoked)
$(origin_edge rj "$RJ" "no_sni = reject")
$(origin_host reject.test rj)
$(origin_edge cl "$CL" "no_sni = close")
$(origin_host close.test cl)
$(origin_edge rs "$RS" "no_sni = reset")
$(origin_host reset.test rs)
$(origin_edge mt "$MT" "client_auth = require")
$(origin_host mtls.test mt)
$(origin_edge mx "$MX" "client_auth = require
client_ca = $T/other-ca.pem")
$(origin_host mtlsx.test mx)
$(origin_edge v13 "$V13" "min_tls = 1.3")
$(origin_host v13.test v13)
; an inner CloudFront-like edge whose own origin fails TLS
[edge middle]
persona = cloudfront
listen = 127.0.0.1:$MID
[host mid.test]
edge = middle
origin = wrong

[origin echo]
type = echo
INI
}
# The origin of the learned-pin case runs as its own process, so that its
# certificate can change under a running edge (rewrite + SIGHUP).
ROT_CONF=$T/rot.ini
rot_conf() {
    cat >"$1" <<INI
[edgesim]
pki = $PKI
log = $T/rot.log
$(origin_edge rot "$RP")
$(origin_host rot.test rot "$2")
[origin echo]
type = echo
INI
}
write_conf
rot_conf "$ROT_CONF" lab
rot_conf "$T/rot-rotated.ini" lab:rotated

# --- edgesim check: valid, with the verify = none warning ---
out=$("$EDGESIM" check -c "$CONF" 2>&1)
check_eq "edgesim check accepts the config" 0 $?
check_contains "check warns about verify = none" "$out" \
    "warning: [origin noneself] verify = none: any certificate is accepted"
# The lab PKI, made once before any process starts (two processes share it).
for c in "$CONF" "$ROT_CONF" "$T/rot-rotated.ini"; do
    "$EDGESIM" certs -c "$c" >"$T/certs.out" 2>&1 ||
        { not_ok "edgesim certs -c $c"; diag "$(cat "$T/certs.out")"; }
done

es_start "$ROT_CONF" rot || exit 1
ROT_PID=$ES_PID ROT_LOG=$ES_LOG
es_start "$CONF" main || exit 1
MAIN_LOG=$ES_LOG
wait_for "$T/dns.out" ready && wait_for "$T/syn.out" ready ||
    not_ok "blackhole helpers did not start"

# --- helpers ---
# fetch HOST PORT PATH: one request through the viewer-facing edge of HOST;
# sets ST XERR XREF BODY, REQ (that edge's request record) and ID (its id).
fetch() {
    local edge n0
    case $1 in
    www.example.com) edge=front ;;
    cf.example.com) edge=cf ;;
    *) edge=plain ;;
    esac
    n0=$(wc -l <"$MAIN_LOG")
    BODY=$(ecurl "$1" "$2" "$3")
    ST=$(status)
    XERR=$(header X-Edgesim-Error)
    XREF=$(header X-Edgesim-Ref)
    REQ=
    wait_until 10 final_unless fetch_record "$n0" "$edge" "$3"
    ID=$(field id "$REQ")
}
# fetch_record N0 EDGE PATH: sets REQ to EDGE's request record of PATH
# written after line N0 of the log; fails while there is none.
fetch_record() {
    REQ=$(tail -n +"$(($1 + 1))" "$MAIN_LOG" |
        grep -E "^[^ ]+ request ref=[^ ]+ id=[0-9a-f]+ edge=$2 " |
        grep -F " path=$3 " | tail -n1)
    [ -n "$REQ" ]
}
# field NAME RECORD: the value of key NAME in a text log record.
field() {
    local v
    v=$(sed -n "s/.* $1=\"\(\([^\"\\\\]\|\\\\.\)*\)\".*/\1/p" <<<"$2")
    [ -n "$v" ] || v=$(sed -n "s/.* $1=\([^ \"]*\).*/\1/p" <<<"$2")
    v=${v//\\\"/\"}
    printf '%s' "$v"
}
# origin_rec ID: the last origin record of request ID.
origin_rec() {
    [ -n "$1" ] || return 0
    grep -E "^[^ ]+ origin ref=[^ ]+ id=$1 " "$MAIN_LOG" | tail -n1
}
# explain_flat REF: `edgesim explain` output on one line, blanks squeezed.
explain_flat() {
    "$EDGESIM" explain "$1" -c "$CONF" 2>&1 | tr '\n' ' ' | tr -s ' '
}
hexsha1='^([0-9A-F]{2}:){19}[0-9A-F]{2}$'
check_match() {    # check_match WHAT VALUE ERE
    if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1: '$2' !~ /$3/"; fi
}

# akamai_case PATH CODE SUB PREFIX STATUS: the viewer side at the akamai
# edge; leaves REC (the origin record) and EXPL (explain) for more checks.
akamai_case() {
    local path=$1 code=$2 sub=$3 prefix=$4 st=$5 what
    what="akamai /$path/ ($code${sub:+; $sub})"
    fetch www.example.com "$FP" "/$path/x"
    check_eq "$what: status" "$st" "$ST"
    check_eq "$what: X-Edgesim-Error" "$code${sub:+; $sub}" "$XERR"
    check_match "$what: X-Edgesim-Ref" "$XREF" \
        "^$prefix\.100007f\.[0-9]{10}\.[0-9a-f]+$"
    check_eq "$what: Server" AkamaiGHost "$(header Server)"
    check_contains "$what: page has Reference #$prefix.100007f." "$BODY" \
        "Reference&#32;&#35;$prefix&#46;100007f&#46;"
    check_contains "$what: page has the whole reference" "$BODY" \
        "$(sed 's/\./\&#46;/g' <<<"$XREF")"
    REC=$(origin_rec "$ID")
    check_eq "$what: the origin record's code" "$code" "$(field code "$REC")"
    check_eq "$what: the origin record's sub" "$sub" "$(field sub "$REC")"
    EXPL=$(explain_flat "$XREF")
    check_contains "$what: explain tells the code and sub" "$EXPL" \
        "answered $st: $code${sub:+; $sub}"
}
# tls_case PATH SUB SNI DETAIL FIX WHY [cert]: an ERR_FWD_SSL_HANDSHAKE at
# the akamai edge. SNI: the sni_sent expected; DETAIL, FIX, WHY: text the
# record's detail, its fix and explain's Why must contain; cert: "cert" if
# the origin presented one.
tls_case() {
    local path=$1 sub=$2 sni=$3 detail=$4 fix=$5 why=$6 cert=${7:-}
    local what="akamai /$path/ ($sub)"
    akamai_case "$path" ERR_FWD_SSL_HANDSHAKE "$sub" 30 503
    check_eq "$what: log sni_sent" "$sni" "$(field sni_sent "$REC")"
    check_contains "$what: log detail" "$(field detail "$REC")" "$detail"
    check_contains "$what: log fix" "$(field fix "$REC")" "$fix"
    check_contains "$what: explain Why" "$EXPL" "$why"
    check_contains "$what: explain Fix" "$EXPL" "Fix $fix"
    if [ "$cert" = cert ]; then
        local sha1
        sha1=$(field cert_sha1 "$REC")
        check_match "$what: log cert_sha1" "$sha1" "$hexsha1"
        check_contains "$what: explain shows the certificate presented" \
            "$EXPL" "the origin presented: subject CN=$sni,O=edgesim lab"
        check_contains "$what: explain shows its SHA-1" "$EXPL" "SHA-1 $sha1"
    else
        check_eq "$what: log says no certificate" - "$(field cert_subject "$REC")"
        check_contains "$what: explain says no certificate" "$EXPL" \
            "the origin presented no certificate"
    fi
}

# === ERR_FWD_SSL_HANDSHAKE, each sub-reason, at the akamai edge ===
NOSNI_WHY='The origin ended the TLS handshake before sending any certificate.'
tls_case nosni no_certificate - "alert 40 handshake_failure" \
    "[origin nosni] sni = on (Akamai: enable \"Use SNI TLS Extension\")" \
    "$NOSNI_WHY"
check_contains "no_sni = reject: the detail names SNI as the cause" \
    "$(field detail "$REC")" "no SNI was sent"
check_contains "no_sni = reject: explain names the Akamai SNI setting" \
    "$EXPL" 'Akamai reports this as ERR_FWD_SSL_HANDSHAKE when "Use SNI TLS Extension" is off'
check_eq "no_sni = reject: the alert received is logged" handshake_failure \
    "$(field alert_received "$REC")"
tls_case closed no_certificate - "connection closed (FIN)" "[origin closed] sni = on" "$NOSNI_WHY"
tls_case reset no_certificate - "connection reset (RST)" "[origin reset] sni = on" "$NOSNI_WHY"
tls_case garbage no_certificate - "does not speak TLS" "[origin garbage]" "$NOSNI_WHY"
check_not_contains "badorigin garbage: not reported as a FIN" \
    "$(field detail "$REC")" "connection closed (FIN)"
check_not_contains "badorigin garbage: no SNI advice for an origin that does not speak TLS" \
    "$(field detail "$REC")" "no SNI was sent"
tls_case http no_certificate - "does not speak TLS" "[origin http]" "$NOSNI_WHY"
check_not_contains "plain HTTP origin with tls = on: the fix is not 'sni = on'" \
    "$(field fix "$REC")" "sni = on"
tls_case v12 protocol_version v13.test "alert 70 protocol_version" \
    "[origin v12] min_tls/max_tls" "no TLS version in common"
tls_case expired cert_expired expired.test "has expired" \
    "renew the origin's certificate" "past its notAfter date" cert
tls_case future cert_not_yet_valid future.test "not yet valid" \
    "renew the origin's certificate" "notBefore is in the future" cert
tls_case untrusted untrusted_issuer untrusted.test "a CA the edge does not trust" \
    "[origin untrusted] ca = FILE" "chains to a CA the edge does not trust" cert
check_eq "untrusted: the log names the untrusted issuer" \
    "CN=edgesim untrusted root CA,O=edgesim untrusted" "$(field cert_issuer "$REC")"
tls_case self self_signed self.test "self-signed" \
    "[origin self] verify = pin with pin = sha1:" "presents a self-signed certificate" cert
tls_case noint incomplete_chain noint.test "without the intermediate CA certificate" \
    "serve the intermediate certificate" "without the intermediate CA" cert
check_eq "no-intermediate: the log says one certificate was sent" 1 \
    "$(field chain_len "$REC")"
tls_case wrong hostname_mismatch wrong.test "does not match wrong.test" \
    "[origin wrong] names = A NAME THE CERTIFICATE HAS (Akamai: Match CN/SAN)" \
    "does not cover the name the edge expects" cert
check_eq "wrong-name: the log has the certificate's SANs" other.example.net \
    "$(field cert_sans "$REC")"
tls_case revoked revoked revoked.test "revoked (on the CRL)" \
    "re-issue the origin's certificate" "on its CA's revocation list" cert
tls_case pin pin_mismatch good.test \
    "pinned sha1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33, presented sha1:" \
    "[origin pin] pin = sha1:" "is not the pinned one" cert
GOOD_SHA1=$(field cert_sha1 "$REC")
GOOD_SPKI=$(field cert_spki "$REC")
GOOD_SHA256=$(field cert_sha256 "$REC")
check_contains "pin_mismatch: the detail has the presented value" \
    "$(field detail "$REC")" "presented sha1:$GOOD_SHA1"
check_contains "pin_mismatch: the fix is the pin of the presented certificate" \
    "$(field fix "$REC")" "pin = sha1:$GOOD_SHA1"
check_eq "pin_mismatch: the log says pin=mismatch" mismatch "$(field pin "$REC")"
tls_case mtls client_cert_required mtls.test "asked for a client certificate" \
    "[origin mtls] client_cert = lab:client" "requires a client certificate" cert
# alert:NAME: the origin refuses the edge's client certificate (unknown CA)
# after it sent its own certificate.
akamai_case alert ERR_FWD_SSL_HANDSHAKE alert:unknown_ca 30 503
check_contains "alert:unknown_ca: log detail" "$(field detail "$REC")" \
    "alert 48 unknown_ca"
check_eq "alert:unknown_ca: log alert_received" unknown_ca \
    "$(field alert_received "$REC")"
check_match "alert:unknown_ca: log cert_sha1" "$(field cert_sha1 "$REC")" "$hexsha1"
check_contains "alert:unknown_ca: explain has the alert-specific Why" "$EXPL" \
    "The origin sent a TLS alert after its certificate"
check_contains "alert:unknown_ca: the log has a fix" "$REC" " fix="

# === the other codes, at the akamai edge ===
akamai_case dns ERR_DNS_FAIL "" 11 503
check_contains "DNS: detail" "$(field detail "$REC")" \
    "cannot resolve no-such-origin.invalid: NXDOMAIN"
check_contains "DNS: fix" "$(field fix "$REC")" "[resolve] no-such-origin.invalid = ADDR:PORT"
check_eq "DNS: the viewer's reference is on the origin record" "$XREF" "$(field ref "$REC")"
check_contains "DNS: explain Why" "$EXPL" "the name is in neither [resolve] nor DNS"

akamai_case refused ERR_CONNECT_FAIL "" 6 503
check_contains "connect refused: detail" "$(field detail "$REC")" \
    "TCP connect to 127.0.0.1:$NOPE failed: Connection refused"
check_eq "connect refused: attempts=1" 1 "$(field attempts "$REC")"
check_eq "ERR_CONNECT_FAIL: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$REC")"
check_not_contains "ERR_CONNECT_FAIL: no TLS alert is claimed before TLS began" \
    "$REC" "alert_sent="
check_contains "connect refused: explain Fix" "$EXPL" \
    "Fix check that the origin listens on 127.0.0.1:$NOPE"

akamai_case retry ERR_CONNECT_FAIL "" 6 503
check_eq "retries = 2: attempts=3 in the log" 3 "$(field attempts "$REC")"

akamai_case syn ERR_CONNECT_TIMEOUT "" 6 503
check_contains "connect timeout: detail" "$(field detail "$REC")" \
    "did not finish within connect_timeout (300ms)"
check_eq "ERR_CONNECT_TIMEOUT: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$REC")"
check_contains "connect timeout: explain Why" "$EXPL" "did not complete within connect_timeout"

# An address whose connect(2) fails at once (it once re-entered the
# connection and took the process down): the same page as a refused one,
# and the edge goes on serving.
akamai_case far ERR_CONNECT_FAIL "" 6 503
check_contains "unroutable address: detail says why, at once" \
    "$(field detail "$REC")" "failed at once: Network is unreachable"
fetch www.example.com "$FP" /far/again
check_eq "unroutable address, second time: the edge still answers" 503 "$ST"

akamai_case hang ERR_READ_TIMEOUT "" 1 504
check_contains "read timeout: detail" "$(field detail "$REC")" \
    "no response within read_timeout (500ms)"
check_contains "read timeout: Akamai's Gateway Timeout page" "$BODY" "<H1>Gateway Timeout</H1>"
check_eq "ERR_READ_TIMEOUT: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$REC")"
check_contains "read timeout: explain Fix" "$EXPL" "Fix [origin hang] read_timeout = LONGER"

akamai_case rst ERR_READ_ERROR "" 3 502
check_contains "read error: detail" "$(field detail "$REC")" "Connection reset by peer"
check_eq "ERR_READ_ERROR: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$REC")"

akamai_case fin ERR_ZERO_SIZE_OBJECT "" 15 502
check_contains "zero size: detail" "$(field detail "$REC")" \
    "closed the connection without sending a response"
check_eq "ERR_ZERO_SIZE_OBJECT: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$REC")"
check_not_contains "ERR_ZERO_SIZE_OBJECT (tls = off): no TLS alert is claimed" \
    "$REC" "alert_sent="

fetch www.example.com "$FP" /expired/x
check_eq "ERR_FWD_SSL_HANDSHAKE: the viewer's reference is on the origin record" \
    "$XREF" "$(field ref "$(origin_rec "$ID")")"

# ERR_BAD_RESPONSE (in errors.c, beyond DESIGN's table): bytes that are not
# an HTTP response.
akamai_case badresp ERR_BAD_RESPONSE "malformed status line" 3 502

# === the viewer's own errors: ERR_HOST_NOT_SERVED and ERR_BAD_REQUEST ===
# raw_request PORT SNI: a malformed request line, as openssl s_client sends
# it; prints what the edge answered.
raw_request() {
    printf 'GARBAGE\r\n\r\n' | timeout 10 openssl s_client -quiet \
        -connect "127.0.0.1:$1" -servername "$2" 2>/dev/null | tr -d '\r'
}
while read -r host port persona hst; do
    ecurl "$host" "$port" / -H 'Host: other.example.org' >"$T/hns"
    check_eq "$persona: a Host the edge does not serve: $hst" "$hst" "$(status)"
    check_eq "$persona: ERR_HOST_NOT_SERVED header" ERR_HOST_NOT_SERVED \
        "$(header X-Edgesim-Error)"
    case $persona in
    akamai)
        check_contains "akamai: Invalid URL page with Reference #9." \
            "$(cat "$T/hns")" "Reference&#32;&#35;9&#46;100007f&#46;" ;;
    cloudfront)
        check_contains "cloudfront: 403 page says Bad request." \
            "$(cat "$T/hns")" "Bad request." ;;
    *)
        check_contains "plain: the page names the Host" "$(cat "$T/hns")" \
            "Host 'other.example.org' is not a host or alias of [edge plain]" ;;
    esac
    out=$(raw_request "$port" "$host")
    check_contains "$persona: a malformed request line: 400" "$out" "HTTP/1.1 400 "
    check_contains "$persona: ERR_BAD_REQUEST header" "$out" \
        "X-Edgesim-Error: ERR_BAD_REQUEST; malformed request line"
done <<EOF
www.example.com $FP akamai 400
cf.example.com $CFP cloudfront 403
plain.example.com $PP plain 421
EOF

# === the same failures behind a cloudfront and a plain edge ===
# PATH CODE SUB cloudfront-status plain-status
while read -r path code sub cst pst; do
    [ "$sub" = - ] && sub=
    fetch cf.example.com "$CFP" "/$path/x"
    what="cloudfront /$path/ ($code${sub:+; $sub})"
    check_eq "$what: status" "$cst" "$ST"
    check_eq "$what: X-Edgesim-Error" "$code${sub:+; $sub}" "$XERR"
    check_eq "$what: X-Cache" "Error from cloudfront" "$(header X-Cache)"
    check_eq "$what: X-Amz-Cf-Id is the reference" "$XREF" "$(header X-Amz-Cf-Id)"
    check_match "$what: X-Amz-Cf-Id looks like CloudFront's" "$XREF" '^[A-Za-z0-9_-]{54}==$'
    if [ "$cst" = 502 ] && [ "$code" != ERR_READ_ERROR ] && [ "$code" != ERR_ZERO_SIZE_OBJECT ]; then
        check_contains "$what: page" "$BODY" "CloudFront wasn't able to connect to the origin."
    else
        check_contains "$what: page" "$BODY" "CloudFront attempted to establish a connection with the origin"
    fi
    check_contains "$what: page status line" "$BODY" "<H1>$cst ERROR</H1>"
    fetch plain.example.com "$PP" "/$path/x"
    what="plain /$path/ ($code${sub:+; $sub})"
    check_eq "$what: status" "$pst" "$ST"
    check_eq "$what: X-Edgesim-Error" "$code${sub:+; $sub}" "$XERR"
    check_contains "$what: text page" "$BODY" "$code${sub:+ ($sub)}: "
    check_contains "$what: reference on the page" "$BODY" "Reference: $XREF"
done <<'EOF'
nosni ERR_FWD_SSL_HANDSHAKE no_certificate 502 502
closed ERR_FWD_SSL_HANDSHAKE no_certificate 502 502
reset ERR_FWD_SSL_HANDSHAKE no_certificate 502 502
http ERR_FWD_SSL_HANDSHAKE no_certificate 502 502
v12 ERR_FWD_SSL_HANDSHAKE protocol_version 502 502
expired ERR_FWD_SSL_HANDSHAKE cert_expired 502 502
future ERR_FWD_SSL_HANDSHAKE cert_not_yet_valid 502 502
untrusted ERR_FWD_SSL_HANDSHAKE untrusted_issuer 502 502
self ERR_FWD_SSL_HANDSHAKE self_signed 502 502
noint ERR_FWD_SSL_HANDSHAKE incomplete_chain 502 502
wrong ERR_FWD_SSL_HANDSHAKE hostname_mismatch 502 502
revoked ERR_FWD_SSL_HANDSHAKE revoked 502 502
pin ERR_FWD_SSL_HANDSHAKE pin_mismatch 502 502
mtls ERR_FWD_SSL_HANDSHAKE client_cert_required 502 502
alert ERR_FWD_SSL_HANDSHAKE alert:unknown_ca 502 502
dns ERR_DNS_FAIL - 502 502
refused ERR_CONNECT_FAIL - 502 502
syn ERR_CONNECT_TIMEOUT - 504 504
hang ERR_READ_TIMEOUT - 504 504
rst ERR_READ_ERROR - 502 502
fin ERR_ZERO_SIZE_OBJECT - 502 502
EOF

# === what makes a failing origin acceptable ===
fetch www.example.com "$FP" /mtlsok/x
check_eq "client_cert = lab:client: 200" 200 "$ST"
check_contains "the origin saw the edge's client certificate" "$BODY" \
    '"client_cert_subject":"/O=edgesim lab/CN=edgesim-lab-client"'
fetch www.example.com "$FP" /chainwrong/x
check_eq "verify = chain accepts a wrong-name certificate" 200 "$ST"
fetch www.example.com "$FP" /chainexp/x
check_eq "verify = chain still rejects an expired one" \
    "ERR_FWD_SSL_HANDSHAKE; cert_expired" "$XERR"
fetch www.example.com "$FP" /noneself/x
check_eq "verify = none accepts a self-signed certificate" 200 "$ST"
fetch www.example.com "$FP" /names/x
check_eq "names = other.example.net accepts the wrong-name certificate" 200 "$ST"
check_contains "... and the request reached the echo origin" "$BODY" '"host":"wrong.test"'

# Pins taken from the log, applied with SIGHUP.
SELF_SHA1=$(field cert_sha1 "$(grep -E ' origin .*hop="front -> self"' "$MAIN_LOG" | tail -n1)")
check_match "the self-signed origin's SHA-1 is in the log" "$SELF_SHA1" "$hexsha1"
PIN_GOOD="sha1:$GOOD_SHA1" SPKI_GOOD="spki:$GOOD_SPKI" PIN_SELF="sha1:$SELF_SHA1"
SHA256_GOOD="sha256:$GOOD_SHA256"
write_conf
kill -HUP "$ES_PID"
if wait_for "$MAIN_LOG" 'reloaded: generation 2' 15; then ok "SIGHUP reloaded the pins"
else not_ok "SIGHUP reloaded the pins"; fi
fetch www.example.com "$FP" /pinok/x
check_eq "verify = pin with the sha1: pin from the log's cert_sha1: 200" 200 "$ST"
fetch www.example.com "$FP" /pinspki/x
check_eq "verify = pin with the spki: pin from the log's cert_spki: 200" 200 "$ST"
fetch www.example.com "$FP" /pinsha256/x
check_eq "verify = pin with the sha256: pin from the log's cert_sha256: 200" 200 "$ST"
fetch www.example.com "$FP" /pinself/x
check_eq "verify = pin accepts a self-signed origin whose pin matches" 200 "$ST"
check_eq "... the log says pin=ok" ok "$(field pin "$(origin_rec "$ID")")"

# === learned pins: pin_refresh = 8s, then the origin's certificate changes ===
# Times are taken from before the request that learns the pin: a request
# that ends less than 8 s after that is inside the pin's lifetime, one that
# starts 8 s after it or later is past it, however long each step took.
# 8 s leaves a loaded machine time to reload the origin inside it.
learn_start=$(now_ms)
fetch www.example.com "$FP" /learn/x
check_eq "pin_refresh: the first request learns the pin and passes" 200 "$ST"
ROT_A=$(field cert_sha1 "$(origin_rec "$ID")")
# The clock runs: change the origin's certificate first, check later.
cp "$T/rot-rotated.ini" "$ROT_CONF"
kill -HUP "$ROT_PID"
wait_for "$ROT_LOG" 'reloaded: generation 2' 15
reloaded=$?
fetch www.example.com "$FP" /learn/x
since=$(( $(now_ms) - learn_start ))
check_eq "the origin edge reloaded with lab:rotated" 0 "$reloaded"
check_log "pin_refresh: pin_learned is logged with the certificate's SHA-1" \
    "pin_learned .*origin=learn pin=sha1:$ROT_A refresh_in=8s"
if [ "$since" -lt 8000 ]; then
    check_eq "pin_refresh: the rotated certificate fails within the 8 s (${since} ms)" \
        "ERR_FWD_SSL_HANDSHAKE; pin_mismatch" "$XERR"
    REC=$(origin_rec "$ID")
    ROT_B=$(field cert_sha1 "$REC")
    check_contains "pin_refresh: detail has the learned and the new pin" \
        "$(field detail "$REC")" "pinned sha1:$ROT_A, presented sha1:$ROT_B"
else
    not_ok "pin_refresh: the reload took too long (${since} ms) to see the mismatch"
fi
# Until the pin expires every request fails; after, one re-learns it. Poll
# (0.2 s apart) until one passes, at most 20 s past the 8.
good_at=
fails=0
while [ $(( $(now_ms) - learn_start )) -lt 28000 ]; do
    fetch www.example.com "$FP" /learn/x
    if [ "$ST" = 200 ]; then
        good_at=$(( $(now_ms) - learn_start ))
        break
    fi
    [ "$XERR" = "ERR_FWD_SSL_HANDSHAKE; pin_mismatch" ] || fails=$((fails + 1))
    sleep 0.2
done
check_eq "pin_refresh: until re-learning, every failure is pin_mismatch" 0 "$fails"
if [ -n "$good_at" ] && [ "$good_at" -ge 8000 ]; then
    ok "pin_refresh: requests succeed again by themselves after 8 s (${good_at} ms)"
else
    not_ok "pin_refresh: requests succeed again after 8 s (got '${good_at:-never}' ms)"
fi
check_log "pin_refresh: the rotated certificate's pin is learned" \
    "pin_learned .*origin=learn pin=sha1:${ROT_B:-X} "

# === an inner edge's error page travels outwards unchanged ===
fetch www.example.com "$FP" /chain/x
check_eq "chain akamai -> cloudfront(failing TLS): the viewer gets 502" 502 "$ST"
check_eq "chain: Server is the inner CloudFront's" CloudFront "$(header Server)"
check_eq "chain: X-Cache from the inner edge" "Error from cloudfront" "$(header X-Cache)"
check_contains "chain: CloudFront's page, not Akamai's" "$BODY" \
    "CloudFront wasn't able to connect to the origin."
check_not_contains "chain: no Akamai reference on the page" "$BODY" "Reference&#32;"
check_eq "chain: the inner X-Edgesim-Error is kept" \
    "ERR_FWD_SSL_HANDSHAKE; hostname_mismatch" "$XERR"
check_eq "chain: the inner reference is kept (X-Amz-Cf-Id)" "$XREF" "$(header X-Amz-Cf-Id)"
inner=$(grep -F "ref=\"$XREF\"" "$MAIN_LOG" | grep ' request ' | tail -n1)
check_contains "chain: the inner edge logged the failure under that reference" \
    "$inner" "edge=middle "

check_alive "after every error"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
