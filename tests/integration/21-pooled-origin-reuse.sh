#!/usr/bin/env bash
# A pooled origin connection is taken by a request in the same loop pass
# in which an event of its idle life (the pool's idle timeout) is already
# active. That event must not reach the request: it once did, as a "read
# timeout" 0 ms into the request (504) and, on the edge behind, a 502
# excess_body, a few per 100,000 requests under reloads. Here the race is
# made common: pool_idle = 20ms on the first edge's origin, so idle
# timeouts fire all the time while wrk keeps 50 connections busy.
. "$(dirname "$0")/../lib.sh"

if ! command -v wrk >/dev/null 2>&1; then
    not_ok "wrk is not installed (bash scripts/deps.sh installs it)"
    exit 1
fi
read -r AP CP <<<"$(ports 2)"
ES_WORKERS=1 demo_conf "$T/c.ini" "$AP" "$CP"
sed -i "s/^verify = full$/verify = full\npool_idle = 20ms/" "$T/c.ini"
es_start "$T/c.ini" || exit 1
ES_LOG="$T/edgesim.log"

wrk -t2 -c50 -d6s --timeout 10s -H 'Host: www.example.com' \
    "https://127.0.0.1:$AP/api/hello" >"$T/wrk.out" 2>&1
diag "$(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk.out" | tr -s ' ' | tr '\n' ';')"
n=$(awk '/requests in/ { print $1 }' "$T/wrk.out")
if [ "${n:-0}" -gt 1000 ]; then ok "the load ran ($n requests)"; else not_ok "only ${n:-0} requests"; fi
reused=$(grep -c 'edge=akamai .*origin_reused=yes' "$ES_LOG")
fresh=$(grep -c 'origin ref=.*hop="akamai -> cloudfront-dist"' "$ES_LOG")
diag "origin connections: $fresh made, $reused requests on a reused one"
if [ "$reused" -gt 100 ] && [ "$fresh" -gt 100 ]; then
    ok "the pool was both reused and timed out, often ($reused reused, $fresh made)"
else
    not_ok "the race was not exercised ($reused reused, $fresh made)"
fi
check_eq "no response other than 200" "" "$(grep -E 'Non-2xx' "$T/wrk.out")"
check_eq "no read, write or timeout error" "" "$(grep -E 'Socket errors' "$T/wrk.out")"
check_eq "no 5xx in the log" "" "$(grep -oE ' status=5[0-9]{2}( code=[A-Z_]+)?( sub=[^ ]+)?' "$ES_LOG" | sort | uniq -c)"
check_alive "after the load"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
