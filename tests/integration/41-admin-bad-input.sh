#!/usr/bin/env bash
# Bad input on the admin port (issue 13): unknown paths (404), wrong
# methods (405), a 64 KiB URL and a huge head (414 / 431), garbage, a Host
# that is not an address (DNS rebinding: 403), too many clients (503), and
# 1,000 event-stream clients that connect and vanish in every way (read
# then close, reset, close before the request, half a request): no crash,
# no descriptor leaked, and the data path keeps answering meanwhile.
. "$(dirname "$0")/../lib.sh"

read -r AP CP ADM <<<"$(ports 3)"
CONF=$T/admin.ini
demo_conf "$CONF" "$AP" "$CP"
sed -i "/^\[edgesim\]/a admin = 127.0.0.1:$ADM\nadmin_clients = 300" "$CONF"
es_start "$CONF" || exit 1
A="http://127.0.0.1:$ADM"
code() { curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@"; }

check_eq "/ (the dashboard): 200" 200 "$(code "$A/")"
check_eq "an unknown path: 404" 404 "$(code "$A/nope")"
check_eq "a path under a known one: 404" 404 "$(code "$A/metrics/x")"
check_eq "/explain/ with a bad reference: 404" 404 "$(code "$A/explain/..%2f..%2fetc")"
check_eq "POST: 405" 405 "$(code -X POST -d x=1 "$A/metrics")"
check_eq "DELETE: 405" 405 "$(code -X DELETE "$A/config")"
check_eq "PUT on an unknown path: 405 (the method is checked first)" 405 "$(code -X PUT "$A/zzz")"
check_eq "HEAD /metrics: 200" 200 "$(code -I "$A/metrics")"
long=$(head -c 65536 /dev/zero | tr '\0' a)
check_eq "a 64 KiB URL: 414" 414 "$(code "$A/$long")"
check_eq "a 64 KiB header: 431" 431 "$(code -H "X-Big: $long" "$A/metrics")"
check_eq "Host evil.example (DNS rebinding) without a token: 403" 403 "$(code -H 'Host: evil.example:9901' "$A/config")"
check_eq "Host localhost: 200" 200 "$(code -H 'Host: localhost' "$A/config")"
out=$(printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ADM; cat >&3; cat <&3")
check_contains "a garbage request line: 400" "$out" "HTTP/1.1 400"
printf '\x16\x03\x01\x00\x05hello' | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ADM; cat >&3; cat <&3" >/dev/null 2>&1
check_alive "after TLS bytes on the admin port"
check_alive "after the bad requests"

# --- 1,000 event streams that connect and vanish ---
fds() { ls "/proc/$ES_PID/fd" 2>/dev/null | wc -l; }
ecurl www.example.com "$AP" /api/warm >/dev/null
sleep 0.3
fd0=$(fds)
cat >"$T/vanish.js" <<'JS'
// 1,000 clients of /events, 250 at a time, each leaving in its own way.
const net = require("net");
const port = +process.argv[2];
const ways = ["read-then-close", "reset", "close-at-once", "half-request", "read-then-reset"];
let done = 0, got = 0;
function one(i) {
    return new Promise(resolve => {
        const way = ways[i % ways.length];
        const s = net.connect(port, "127.0.0.1");
        const end = () => { resolve(); };
        s.on("error", end);
        s.on("close", end);
        s.on("connect", () => {
            if (way === "close-at-once") return s.destroy();
            if (way === "half-request") { s.write("GET /events HTTP/1.1\r\nHo"); return setTimeout(() => s.destroy(), 50); }
            s.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        });
        s.on("data", d => {
            if (d.toString().includes("event: history")) got++;
            if (way === "reset" || way === "read-then-reset") s.resetAndDestroy();
            else s.destroy();
        });
        setTimeout(() => s.destroy(), 5000);
    });
}
(async () => {
    for (let b = 0; b < 4; b++) {
        const batch = [];
        for (let i = 0; i < 250; i++) batch.push(one(b * 250 + i));
        await Promise.all(batch);
        done += 250;
    }
    console.log(done + " " + got);
})();
JS
bg node "$T/vanish.js" "$ADM" >"$T/vanish.out" 2>&1
VPID=${PIDS[-1]}
# Meanwhile, the data path answers.
okc=0
for i in $(seq 1 20); do
    ecurl www.example.com "$AP" "/api/during$i" >/dev/null && [ "$(status)" = 200 ] && okc=$((okc + 1))
done
wait "$VPID"
read -r done got <"$T/vanish.out"
check_eq "1,000 stream clients came and went" 1000 "${done:-0}"
[ "${got:-0}" -ge 500 ] && ok "  ... the ones that asked got the history first ($got)" ||
    not_ok "  ... only ${got:-0} got the history"
check_eq "the data path answered all 20 requests meanwhile" 20 "$okc"
check_alive "after 1,000 stream clients"
for _ in $(seq 1 30); do [ "$(fds)" -le "$fd0" ] && break; sleep 0.1; done
check_eq "no descriptor leaked (open before = open after)" "$fd0" "$(fds)"
streams=$(curl -s "$A/metrics" | awk '$1 == "edgesim_admin_sse_streams" { print $2 }')
check_eq "no stream left open" 0 "$streams"

# --- too many at once: 503, and the listener recovers ---
cat >"$T/hold.js" <<'JS'
const net = require("net");
const port = +process.argv[2], n = +process.argv[3];
const socks = [];
let opened = 0, refused = 0;
for (let i = 0; i < n; i++) {
    const s = net.connect(port, "127.0.0.1", () => s.write("GET /events HTTP/1.1\r\n\r\n"));
    s.on("data", d => {
        const t = d.toString();
        if (t.startsWith("HTTP/1.1 503")) refused++;
        else if (t.startsWith("HTTP/1.1 200")) opened++;
    });
    s.on("error", () => {});
    socks.push(s);
}
setTimeout(() => { console.log(opened + " " + refused); socks.forEach(s => s.destroy()); }, 1500);
JS
read -r opened refused <<<"$(timeout 10 node "$T/hold.js" "$ADM" 320)"
check_eq "admin_clients = 300: 300 streams open at once" 300 "${opened:-0}"
check_eq "  ... and the other 20 get 503" 20 "${refused:-0}"
sleep 0.5
check_eq "afterwards the admin listener answers again" 200 "$(code "$A/metrics")"
ecurl www.example.com "$AP" /api/after >/dev/null
check_eq "and so does the edge" 200 "$(status)"
check_alive
es_stop
check_eq "edgesim stops cleanly" 0 "$ES_STATUS"
