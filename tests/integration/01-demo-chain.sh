#!/usr/bin/env bash
# The demo chain of DESIGN.md end to end, with the commands of the README:
# check, run, curl through both edges, openssl s_client with and without SNI.
. "$(dirname "$0")/../lib.sh"

read -r AP CP <<<"$(ports 2)"
demo_conf "$T/demo.ini" "$AP" "$CP"

out=$("$EDGESIM" check -c "$T/demo.ini" 2>&1)
check_eq "edgesim check accepts the demo config" 0 $?
check_contains "check says OK" "$out" "OK (2 edges, 2 hosts, 3 origins)"

es_start "$T/demo.ini" || exit 1
ES_LOG="$T/edgesim.log"
check_eq "lab root CA created" yes "$([ -f "$PKI/ca.pem" ] && echo yes)"
check_eq "lab keys are 0600" 600 "$(stat -c %a "$PKI/ca.key")"

body=$(ecurl www.example.com "$AP" /api/hello)
check_eq "GET /api/hello through both edges: 200" 200 "$(status)"
check_contains "echo answered (route /api/* -> api)" "$body" '"origin":"api"'
check_contains "the inner edge saw the SNI the outer one sent" "$body" \
    '"sni":"d111111abcdef8.cloudfront.net"'
check_contains "X-Forwarded-For added" "$body" '["X-Forwarded-For","127.0.0.1"]'
check_contains "Via added by the akamai edge" "$body" 'akamai.net(ghost) (AkamaiGHost)'
check_contains "Host forwarded as received (akamai default)" "$body" \
    "[\"Host\",\"www.example.com:$AP\"]"
check_contains "response Via names both edges" "$(header Via)" "cloudfront.net (CloudFront), 1.1 akamai.net(ghost)"
check_eq "CloudFront X-Cache on success" "Miss from cloudfront" "$(header X-Cache)"

body=$(ecurl www.example.com "$AP" /)
check_eq "GET / through both edges: 200" 200 "$(status)"
check_contains "static origin served index.html" "$body" "Hello from the origin"

body=$(ecurl www.example.com "$AP" /missing.html)
check_eq "a missing file is the origin's 404, passed through" 404 "$(status)"

check_log "one request record per viewer request, with its fields" \
    'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai client=127\.0\.0\.1:[0-9]+ sni=www\.example\.com method=GET host=www\.example\.com:[0-9]+ path=/api/hello origin=cloudfront-dist status=200'
check_log "one origin record per origin handshake" \
    'origin ref=[^ ]+ id=[0-9a-f]+ hop="akamai -> cloudfront-dist" .*sni_sent=d111111abcdef8\.cloudfront\.net .*cert_subject=.*cert_sans=.*cert_issuer=.*cert_not_after=.*cert_sha256=.*verify_result=ok result=ok'

# Keep-alive: two requests on one viewer connection; the second takes the
# origin connection the first used (or found) back from the pool. With
# workers = N (check-tsan runs this with 4) the first may land on a worker
# whose pool is still empty and make the one handshake; the second never.
curl -sS --cacert "$PKI/ca.pem" --resolve "www.example.com:$AP:127.0.0.1" \
    -o /dev/null -o /dev/null "https://www.example.com:$AP/api/a" \
    "https://www.example.com:$AP/api/b" -w '%{num_connects}\n' >"$T/nc" 2>&1
check_eq "curl reused its connection for the second request" "1
0" "$(cat "$T/nc")"
# A new origin handshake would be logged before the request it serves is:
# once /api/b's request record is there, the count is final.
wait_for "$ES_LOG" 'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai .*path=/api/b ' ||
    not_ok "the request record of /api/b was not logged"
check_log "pooled origin connection: the second request reused it" \
    'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai .*path=/api/b .*origin_reused=yes'
a_id=$(grep -oE 'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai .*path=/api/a ' "$ES_LOG" | sed -E 's/.* id=([0-9a-f]+) .*/\1/' | tail -n1)
b_id=$(grep -oE 'request ref=[^ ]+ id=[0-9a-f]+ edge=akamai .*path=/api/b ' "$ES_LOG" | sed -E 's/.* id=([0-9a-f]+) .*/\1/' | tail -n1)
[ -n "$a_id" ] && [ -n "$b_id" ] || not_ok "the request records of /api/a and /api/b have ids"
check_eq "pooled origin connection: no origin handshake between /api/a and /api/b" "" \
    "$(sed -n "/ id=$a_id edge=akamai /,/ id=$b_id edge=akamai /p" "$ES_LOG" | grep 'origin ref=')"

# The CloudFront-like edge, as a user pokes it with openssl s_client.
out=$(sclient "$CP" -servername d111111abcdef8.cloudfront.net -CAfile "$PKI/ca.pem")
check_contains "s_client with SNI gets the distribution's certificate" "$out" \
    "CN = d111111abcdef8.cloudfront.net"
check_contains "s_client with SNI verifies against the lab CA" "$out" \
    "Verify return code: 0 (ok)"
out=$(sclient "$CP")
check_contains "s_client without SNI: no peer certificate available" "$out" \
    "no peer certificate available"
check_contains "s_client without SNI: alert 40" "$out" "alert number 40"
check_log "the rejected handshake is logged" \
    'tls edge=cloudfront .*sni=- verdict=rejected'
out=$(sclient "$CP" -servername nothere.example.net)
check_contains "unknown SNI: the default *.cloudfront.net certificate" "$out" \
    "CN = *.cloudfront.net"

# A Host the edge does not serve: the persona's answer.
ecurl www.example.com "$AP" / -H 'Host: other.example.org' >/dev/null
check_eq "unknown Host at the akamai edge: 400" 400 "$(status)"
check_eq "Server: AkamaiGHost" AkamaiGHost "$(header Server)"
check_eq "X-Edgesim-Error names the code" ERR_HOST_NOT_SERVED "$(header X-Edgesim-Error)"

es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
check_log "stop is logged" 'msg=stopped'
