#!/usr/bin/env bash
# The forward proxy's allow-list and allow_ports on every way in: CONNECT,
# absolute-URI requests, and every request pipelined after a first one on
# the same connection (each head parsed and checked, never piped), with
# hosts and ports outside the lists; one authority per request (the URI's
# wins, Host is replaced, as on the edges); canonical Content-Length; the
# relayed request's body framed, so bytes after it are the next request;
# idle tunnels and silent destinations timed out (idle_timeout,
# read_timeout). Raw bytes through bash /dev/tcp, and curl -x.
. "$(dirname "$0")/../lib.sh"

read -r AP CP FP RAWP HANGP TRICKLEP <<<"$(ports 6)"
demo_conf "$T/c.ini" "$AP" "$CP" "
[forward_proxy]
listen = 127.0.0.1:$FP
idle_timeout = 1s
read_timeout = 1s
"
sed -i "s/^\[resolve\]$/[resolve]\nplain.example = 127.0.0.1:$RAWP\nnoport.example = 127.0.0.1\nhang.example = 127.0.0.1:$HANGP\ntrickle.example = 127.0.0.1:$TRICKLEP/" "$T/c.ini"
bg "$EDGESIM_TOOLS/badorigin" "$RAWP" raw --seconds 120
bg "$EDGESIM_TOOLS/badorigin" "$HANGP" hang --seconds 120
bg "$EDGESIM_TOOLS/badorigin" "$TRICKLEP" trickle --seconds 120
es_start "$T/c.ini" || exit 1
ES_LOG="$T/edgesim.log"

# raw BYTES [SECONDS]: send BYTES (printf %b) to the proxy, print what came
# back until it closed (at most SECONDS, default 5), CRs removed.
raw() {
    timeout "${2:-5}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$FP"'; printf "%b" "$1" >&3; cat <&3' _ "$1" | tr -d '\r'
}
# The status codes of the responses in OUTPUT, in order (a response may
# follow a body that has no final newline).
statuses() { grep -oE 'HTTP/1\.1 [0-9]{3} [A-Z]' <<<"$1" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//'; }

# --- every way in, outside the lists ------------------------------------------
out=$(raw 'CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n')
check_eq "CONNECT to a host outside the config: 403" 403 "$(statuses "$out")"
check_contains "... ERR_PROXY_DENIED" "$out" "X-Edgesim-Error: ERR_PROXY_DENIED"
out=$(raw 'CONNECT www.example.com:22 HTTP/1.1\r\nHost: www.example.com:22\r\n\r\n')
check_eq "CONNECT to a config host on a port outside allow_ports: 403" 403 "$(statuses "$out")"
out=$(raw 'CONNECT noport.example:22 HTTP/1.1\r\nHost: noport.example:22\r\n\r\n')
check_eq "CONNECT to a [resolve] name without a port, port 22: 403" 403 "$(statuses "$out")"
out=$(raw 'GET http://evil.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n')
check_eq "absolute URI to a host outside the config: 403" 403 "$(statuses "$out")"
check_contains "... ERR_PROXY_DENIED" "$out" "X-Edgesim-Error: ERR_PROXY_DENIED"
out=$(raw 'GET http://noport.example:22/ HTTP/1.1\r\nHost: noport.example:22\r\n\r\n')
check_eq "absolute URI to a [resolve] name without a port, port 22: 403 (it was connected)" \
    403 "$(statuses "$out")"
check_contains "... allow_ports named" "$out" "allow_ports"
check_log "... logged as denied_port" "proxy .*method=GET target=http://noport.example:22/ route=denied_port status=403"
out=$(raw 'GET http://www.example.com:22/ HTTP/1.1\r\nHost: www.example.com:22\r\n\r\n')
check_eq "absolute URI to a config host on port 22: 403, not a redirect" 403 "$(statuses "$out")"
out=$(raw 'GET http://plain.example:8080/ HTTP/1.1\r\nHost: plain.example\r\n\r\n')
check_eq "absolute URI to an allowed name, port 8080 not allowed: 403" 403 "$(statuses "$out")"

# --- a destination whose answer trickles in a byte at a time -----------------
out=$(raw 'GET http://trickle.example/ HTTP/1.1\r\nHost: trickle.example\r\nConnection: close\r\n\r\n')
check_eq "a response head in pieces: its 100 Continue, then its 200" "100 200" "$(statuses "$out")"
check_eq "... its 1,500-byte field whole" 1500 \
    "$(sed -n 's/^X-Trickle: //p' <<<"$out" | tr -d '\n' | wc -c | tr -d ' ')"
check_eq "... the body that followed the head" ok "${out: -2}"

# --- pipelined heads: each parsed and checked, never piped --------------------
out=$(raw 'GET http://plain.example/one HTTP/1.1\r\nHost: plain.example\r\n\r\nGET http://evil.test/two HTTP/1.1\r\nHost: evil.test\r\n\r\n')
check_eq "pipelined: allowed, then a host outside the config: 200 then 403" "200 403" "$(statuses "$out")"
check_contains "... the destination got the first request" "$out" "GET /one HTTP/1.1"
check_not_contains "... and nothing of the second" "$out" "/two"
check_log "... the second is logged as refused" "proxy .*target=http://evil.test/two route=denied_host status=403"
out=$(raw 'GET http://plain.example/one HTTP/1.1\r\nHost: plain.example\r\n\r\nGET http://noport.example:22/x HTTP/1.1\r\nHost: noport.example:22\r\n\r\n')
check_eq "pipelined: allowed, then port 22: 200 then 403" "200 403" "$(statuses "$out")"
out=$(raw 'GET http://plain.example/one HTTP/1.1\r\nHost: plain.example\r\n\r\nCONNECT noport.example:22 HTTP/1.1\r\nHost: x\r\n\r\nSSH-2.0-x\r\n')
check_eq "pipelined: allowed, then CONNECT to port 22: 200 then 403" "200 403" "$(statuses "$out")"
check_not_contains "... no byte of the would-be tunnel went anywhere" "$out" "SSH-2.0"
out=$(raw 'POST http://plain.example/post HTTP/1.1\r\nHost: plain.example\r\nContent-Length: 5\r\n\r\nhelloGET http://evil.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n')
check_eq "a body, then a head right after it: 200 then 403" "200 403" "$(statuses "$out")"
check_contains "... the destination got the 5 body bytes" "$out" $'\n\nhello'
check_not_contains "... and not the next head" "$out" "evil.test/"
out=$(raw 'POST http://plain.example/c HTTP/1.1\r\nHost: plain.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET http://noport.example:22/ HTTP/1.1\r\nHost: x\r\n\r\n')
check_eq "a chunked body, then a head: 200 then 403" "200 403" "$(statuses "$out")"
check_contains "... the destination got the chunked body to its end" "$out" $'5\nhello\n0'
check_not_contains "... and not the next head" "$out" "noport.example:22/"
out=$(raw 'GET http://plain.example/a HTTP/1.1\r\nHost: plain.example\r\n\r\nGET http://plain.example/b HTTP/1.1\r\nHost: plain.example\r\nConnection: close\r\n\r\n')
check_eq "two allowed requests on one connection: both relayed" "200 200" "$(statuses "$out")"
check_contains "... the first" "$out" "GET /a HTTP/1.1"
check_contains "... the second, as its own request" "$out" "GET /b HTTP/1.1"

# --- one authority: the URI's wins, Host is replaced --------------------------
out=$(raw 'GET http://plain.example/auth?q=1 HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n')
check_eq "absolute URI with another Host: relayed to the URI's host" 200 "$(statuses "$out")"
check_contains "... in origin form, with Host = the URI's authority" "$out" \
    $'GET /auth?q=1 HTTP/1.1\nHost: plain.example\n'
check_not_contains "... evil.test went nowhere" "$out" "evil.test"
out=$(raw 'GET http://u@plain.example/ HTTP/1.1\r\nHost: plain.example\r\n\r\n')
check_eq "userinfo in the URI: 400" 400 "$(statuses "$out")"
out=$(raw 'GET https://plain.example/ HTTP/1.1\r\nHost: plain.example\r\n\r\n')
check_eq "an https:// URI as a plain request: 400 (that is CONNECT's job)" 400 "$(statuses "$out")"

# --- canonical framing -------------------------------------------------------
out=$(raw 'POST http://plain.example/cl HTTP/1.1\r\nHost: plain.example\r\nContent-Length: 4, 4\r\nContent-Length: 004\r\nConnection: close\r\n\r\nabcd')
check_eq "Content-Length: 4, 4 and 004: relayed" 200 "$(statuses "$out")"
check_eq "... as one Content-Length: 4" 1 "$(grep -c '^Content-Length: 4$' <<<"$(sed -n '/^POST /,$p' <<<"$out")")"

# --- time limits --------------------------------------------------------------
start=$(date +%s%N)
out=$(raw 'CONNECT hang.example:443 HTTP/1.1\r\nHost: hang.example:443\r\n\r\nhello?' 8)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a tunnel to a silent destination is established" 200 "$(statuses "$out")"
if [ "$ms" -ge 800 ] && [ "$ms" -lt 6000 ]; then
    ok "... and closed after idle_timeout (1 s): ${ms} ms"
else
    not_ok "... closed after ${ms} ms, not about 1 s"
fi
check_log "... with the reason logged" "proxy .*target=hang.example:443 .*tunnel idle for \[forward_proxy\] idle_timeout"
start=$(date +%s%N)
out=$(raw 'GET http://hang.example/ HTTP/1.1\r\nHost: hang.example\r\n\r\n' 8)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a relayed request to a silent destination: 504" 504 "$(statuses "$out")"
check_contains "... ERR_READ_TIMEOUT" "$out" "X-Edgesim-Error: ERR_READ_TIMEOUT"
if [ "$ms" -ge 800 ] && [ "$ms" -lt 6000 ]; then
    ok "... after read_timeout (1 s): ${ms} ms"
else
    not_ok "... after ${ms} ms, not about 1 s"
fi
start=$(date +%s%N)
out=$(raw 'GET http://plain.example/a HTTP/1.1\r\nHost: plain.example\r\n\r\n' 8)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a keep-alive client that goes quiet after its answer" 200 "$(statuses "$out")"
if [ "$ms" -ge 800 ] && [ "$ms" -lt 6000 ]; then
    ok "... is closed after idle_timeout: ${ms} ms"
else
    not_ok "... closed after ${ms} ms"
fi

# --- curl: keep-alive through the proxy ----------------------------------------
out=$(curl -sS --max-time 10 -x "http://127.0.0.1:$FP" http://plain.example/k1 \
    http://plain.example/k2 -w '\nconnects=%{num_connects}\n' 2>&1)
check_contains "curl -x: two requests, the second on the same connection" "$out" "connects=0"
check_contains "... the second relayed as such" "$out" "GET /k2 HTTP/1.1"

check_alive "at the end"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
check_eq "no sanitizer report in the log" 0 \
    "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ES_LOG")"
