#!/usr/bin/env bash
# mode = tcp: an ELB-style TLS listener that terminates TLS and re-encrypts
# to a private-CA origin (seed 003's Hive JDBC over SSL). A raw TLS client
# passes bytes both ways; the origin here is an edgesim HTTP edge, so the
# bytes are an HTTP request and its answer.
. "$(dirname "$0")/../lib.sh"

read -r EP OP <<<"$(ports 2)"
cat >"$T/c.ini" <<INI
[edgesim]
pki = $PKI
log = $T/edgesim.log
idle_timeout = 2s

[resolve]
emr-master.internal = 127.0.0.1:$OP

[edge elb]
mode = tcp
listen = 127.0.0.1:$EP

[host jdbc.example.com]
edge = elb
origin = emr

[origin emr]
address = emr-master.internal:10000
tls = on
verify = full

[edge emr]
listen = 127.0.0.1:$OP

[host emr-master.internal]
edge = emr
origin = echo

[origin echo]
type = echo
INI
es_start "$T/c.ini" || exit 1
ES_LOG="$T/edgesim.log"

req=$'GET /hive?q=1 HTTP/1.1\r\nHost: emr-master.internal\r\nConnection: close\r\n\r\n'
out=$(printf '%s' "$req" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EP" \
    -servername jdbc.example.com -CAfile "$PKI/ca.pem" -verify_return_error 2>"$T/sc.err")
check_contains "bytes went through the TLS tunnel and back" "$out" "HTTP/1.1 200 OK"
check_contains "the origin got the request unchanged" "$out" '"target":"/hive?q=1"'
check_contains "the origin hop was re-encrypted with SNI" "$out" '"sni":"emr-master.internal"'
check_contains "the viewer verified the ELB certificate" "$(cat "$T/sc.err")" "verify return:1"
check_log "one tunnel record with byte counts" \
    'tunnel ref=[^ ]+ id=[0-9a-f]+ edge=elb .*origin=emr result=ok .*bytes_up=[1-9][0-9]* bytes_down=[1-9][0-9]*'
check_log "the origin handshake was logged" 'origin .*hop="elb -> emr" .*sni_sent=emr-master.internal .*result=ok'

# A larger transfer: 300 KiB up in one request body, counted by the origin.
{ printf 'POST /upload HTTP/1.1\r\nHost: emr-master.internal\r\nContent-Length: 307200\r\nConnection: close\r\n\r\n'
  head -c 307200 /dev/zero; } >"$T/big.req"
out=$(timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EP" -servername jdbc.example.com \
    <"$T/big.req" 2>/dev/null)
check_contains "300 KiB through the tunnel arrive whole" "$out" '"body_bytes":307200'

# The origin is down: the tunnel closes, and the log says why.
kill_origin_conf() { sed -i "s/^emr-master.internal = .*/emr-master.internal = 127.0.0.1:1/" "$T/c.ini"; }
kill_origin_conf
kill -HUP "$ES_PID"
wait_for "$ES_LOG" 'reloaded' 15
out=$(printf '%s' "$req" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$EP" \
    -servername jdbc.example.com 2>&1)
check_not_contains "no answer when the origin is down" "$out" "HTTP/1.1 200"
check_log "the failed tunnel is logged with its code" \
    'tunnel .*result=error detail="ERR_CONNECT_FAIL'
check_alive
