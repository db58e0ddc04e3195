#!/usr/bin/env bash
# HTTP/2 limits and the known attacks on HTTP/2 servers, driven with raw
# frames (tests/tools/h2attack.c): each is refused with GOAWAY and the
# right error code, counted in one h2_refused log record, and nothing else
# is affected (a request on another connection is served at once, and the
# process stays up). `make check-asan` runs this under AddressSanitizer.
#
#   rapid reset (CVE-2023-44487)       http2_max_resets     ENHANCE_YOUR_CALM
#   CONTINUATION flood (CVE-2024-27316) http2_max_continuations ENHANCE_YOUR_CALM
#   HPACK bomb                          max_header_size x16  ENHANCE_YOUR_CALM
#   header list over max_header_size    (not a bomb)         431 on the stream
#   PING / SETTINGS floods (CVE-2019-9512, -9515) http2_max_control ENHANCE_YOUR_CALM
#   more streams than advertised        http2_max_streams    PROTOCOL_ERROR
#   zero window forever                 http2_stall_timeout  ENHANCE_YOUR_CALM
. "$(dirname "$0")/../lib.sh"

ATTACK=$EDGESIM_TOOLS/h2attack
[ -x "$ATTACK" ] || { not_ok "no $ATTACK (make builds it; needs libnghttp2-dev)"; exit 1; }

read -r AP CP <<<"$(ports 2)"
mkdir -p "$T/www/big"
head -c 67108864 /dev/zero >"$T/www/big/64m.bin"
head -c 8388608 /dev/urandom >"$T/www/big/8m.bin"
demo_conf "$T/a.ini" "$AP" "$CP" "
[host files.example.com]
edge = cloudfront
origin = files
[origin files]
type = static
root = $T/www
[origin upfiles]
address = d111111abcdef8.cloudfront.net:443
host_header = files.example.com
[origin slow]
type = echo
delay = 3s"
# Limits small enough to reach quickly, and routes for the big file and
# a slow answer on the viewer-facing edge.
sed -i "s|^log = $T/edgesim.log|&\nhttp2_max_streams = 10\nhttp2_max_resets = 50\nhttp2_max_control = 100\nhttp2_max_continuations = 8\nhttp2_stall_timeout = 2s\nmax_header_size = 8k|" "$T/a.ini"
sed -i "s|^origin = cloudfront-dist|&\nroute = /big/* upfiles\nroute = /slow/* slow|" "$T/a.ini"
es_start "$T/a.ini" || exit 1
ES_LOG=$T/edgesim.log

# attack NAME ARGS...: run h2attack against the akamai edge; output in $OUT
# (ATTACK_T: its -t; ATTACK_E=-e: done once its streams ended, for a
# connection that stays open)
attack() {
    OUT=$("$ATTACK" -t "${ATTACK_T:-8}" ${ATTACK_E:-} "$AP" "$@" 2>&1)
}
# unaffected WHAT: another viewer is served at once, over h2
unaffected() {
    local out
    out=$(curl -sS --http2 --max-time 5 --cacert "$PKI/ca.pem" \
        --resolve "www.example.com:$AP:127.0.0.1" -o /dev/null \
        -w '%{http_code} %{http_version}' "https://www.example.com:$AP/api/after" 2>&1)
    check_eq "$1: another viewer is served meanwhile" "200 2" "$out"
}
refused() {   # refused WHAT CODE REASON: the GOAWAY and the log record
    local what=$1 code=$2 reason=$3
    check_contains "$what: GOAWAY $code" "$OUT" "goaway last="
    check_contains "$what: error code $code" "$OUT" "error=$code"
    check_contains "$what: the connection is closed after it" "$OUT" "eof=1"
    check_log "$what: one h2_refused record with the counters" \
        "h2_refused edge=akamai client=127\.0\.0\.1:[0-9]+ sni=www\.example\.com goaway=$code reason=\"$reason[^\"]*\" streams=[0-9]+ open_streams=[0-9]+ resets_in=[0-9]+ settings_in=[0-9]+ pings_in=[0-9]+ continuations=[0-9]+ oversized_headers=[0-9]+ refused_streams=[0-9]+ ms=[0-9]+"
    unaffected "$what"
}

# A well-behaved raw client first: the tool itself works.
ATTACK_E=-e attack ok 1 /api/raw
check_contains "h2attack: a plain GET is answered 200" "$OUT" "headers stream=1 status=200"
check_contains "h2attack: ... with its body, END_STREAM" "$OUT" "data stream=1 end"

# --- rapid reset: HEADERS + RST_STREAM, 500 times ---
attack rapid-reset 500 /api/rr
refused "rapid reset (CVE-2023-44487)" ENHANCE_YOUR_CALM "rapid_reset"
check_match() { if [[ "$2" =~ $3 ]]; then ok "$1"; else not_ok "$1: '$2' !~ /$3/"; fi; }
check_match "rapid reset: the record counts the resets (> 50)" \
    "$(grep 'reason="rapid_reset' "$ES_LOG" | tail -n1)" 'resets_in=(5[1-9]|[6-9][0-9]|[1-9][0-9][0-9])'
check_log "rapid reset: the cancelled streams are logged as the viewer left them" \
    'request .*path=/api/rr .*status=499 .*proto=h2'

# --- CONTINUATION flood ---
attack continuation 1000 /api/cont
refused "CONTINUATION flood" ENHANCE_YOUR_CALM "continuation_flood"

# --- HPACK bomb: 4,000 bytes in the table, referred to 3,000 times ---
attack hpack-bomb 3000
refused "HPACK bomb" ENHANCE_YOUR_CALM "hpack_bomb"

# --- a header list over max_header_size that is no bomb: 431 ---
ATTACK_E=-e attack big-headers 12000
check_contains "header list over max_header_size: 431 on the stream" "$OUT" \
    "headers stream=1 status=431"
check_contains "... the connection stays (no GOAWAY)" "$OUT" "goaway=none"
check_log "... the 431 is logged" \
    'request .*status=431 code=ERR_BAD_REQUEST sub="request head too large" .*proto=h2'

# --- PING and SETTINGS floods, from a viewer that reads ---
attack ping-flood 5000
refused "PING flood" ENHANCE_YOUR_CALM "ping_flood"
attack settings-flood 5000
refused "SETTINGS flood" ENHANCE_YOUR_CALM "settings_flood"

# --- more streams than SETTINGS_MAX_CONCURRENT_STREAMS (10), acked ---
attack streams 11 /slow/x
refused "11 streams with a limit of 10" PROTOCOL_ERROR "protocol"
check_log "the streams that were open are logged as cut (499)" \
    'request .*path=/slow/x .*status=499 .*proto=h2'

# 10 streams are fine.
ATTACK_T=6 ATTACK_E=-e attack streams 10 /slow/y
check_eq "10 streams at once (the limit): 10 answers" 10 "$(grep -c 'status=200' <<<"$OUT")"
check_contains "... and no GOAWAY" "$OUT" "goaway=none"

# --- zero window forever: the body waits for a window that never opens ---
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$ES_PID/status"; }
before=$(rss)
"$ATTACK" -t 8 "$AP" zero-window 0 /big/64m.bin >"$T/zw.out" 2>&1 &
ZW=$!
sleep 1.2
during=$(rss)
wait "$ZW"
OUT=$(cat "$T/zw.out")
check_contains "zero window: the head comes" "$OUT" "headers stream=1 status=200"
check_contains "zero window: not one byte of the body (no window)" "$OUT" "data=0 "
refused "zero window forever (http2_stall_timeout 2s)" ENHANCE_YOUR_CALM "zero_window"
check_eq "zero window: a 64 MiB answer is not buffered (RSS grew $(( (during - before) / 1024 )) MiB)" yes \
    "$([ $((during - before)) -lt 24576 ] && echo yes)"

# --- flow control with a slow reader: all of it, in order ---
ATTACK_T=60 ATTACK_E=-e attack slow-read 2 /big/8m.bin
check_contains "a slow reader (16 KiB windows) gets all 8 MiB" "$OUT" \
    "data stream=1 end total=8388608"

check_alive "after every attack"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
