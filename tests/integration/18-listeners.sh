#!/usr/bin/env bash
# What a config opens is never a surprise: `edgesim check` warns (and does
# not refuse) when an edge or the forward proxy listens on an address other
# machines can reach (0.0.0.0, ::, a LAN address), and `edgesim run` logs
# one record per listener at start and after a reload, the forward proxy's
# included. Only `check` sees the exposed addresses: nothing here binds
# anything but 127.0.0.1.
. "$(dirname "$0")/../lib.sh"

read -r AP CP FP XP <<<"$(ports 4)"

# --- check -------------------------------------------------------------------
demo_conf "$T/exposed.ini" "$AP" "$CP" "
[forward_proxy]
listen = 0.0.0.0:$FP
"
sed -i "s/^listen = 127.0.0.1:$AP$/listen = 0.0.0.0:$AP\nlisten = [::1]:$XP\nlisten = 127.0.0.2:$XP/" "$T/exposed.ini"
sed -i "s/^listen = 127.0.0.1:$CP$/listen = 192.0.2.10:$CP\nlisten = [::]:$CP/" "$T/exposed.ini"
out=$("$EDGESIM" check -c "$T/exposed.ini" 2>&1)
rc=$?
check_eq "check: exposed listeners are warnings, not errors (exit 0)" 0 "$rc"
line() { grep -n "^ *listen = $1" "$T/exposed.ini" | head -n1 | cut -d: -f1; }
check_contains "an edge on 0.0.0.0: warned, with its line" "$out" \
    "$T/exposed.ini:$(line "0.0.0.0:$AP"): warning: [edge akamai] listen: 0.0.0.0:$AP binds every interface, not only loopback"
check_contains "an edge on a LAN address: warned" "$out" \
    "warning: [edge cloudfront] listen: 192.0.2.10:$CP binds an address other machines can reach"
check_contains "an edge on [::]: warned" "$out" "warning: [edge cloudfront] listen: [::]:$CP binds every interface"
check_contains "the forward proxy on 0.0.0.0: warned" "$out" \
    "warning: [forward_proxy] listen: 0.0.0.0:$FP binds every interface, not only loopback: anyone who can reach this machine can use the proxy"
check_not_contains "[::1] is loopback: no warning" "$out" "[::1]:$XP binds"
check_not_contains "127.0.0.2 is loopback: no warning" "$out" "127.0.0.2:$XP binds"
check_eq "four warnings, no more" 4 "$(grep -c 'binds' <<<"$out")"

demo_conf "$T/quiet.ini" "$AP" "$CP" "
[forward_proxy]
listen = 127.0.0.1:$FP
"
out=$("$EDGESIM" check -c "$T/quiet.ini" 2>&1)
check_eq "check: a loopback-only config is clean (exit 0)" 0 "$?"
check_not_contains "... without a listener warning" "$out" "binds"

# --- run ---------------------------------------------------------------------
es_start "$T/quiet.ini" || exit 1
ES_LOG="$T/edgesim.log"
check_log "run logs the akamai edge's listener" \
    "listener listen=127\.0\.0\.1:$AP kind=edge edge=akamai loopback=yes"
check_log "... the cloudfront edge's" \
    "listener listen=127\.0\.0\.1:$CP kind=edge edge=cloudfront loopback=yes"
check_log "... and the forward proxy's" \
    "listener listen=127\.0\.0\.1:$FP kind=forward_proxy loopback=yes"
check_eq "one listener record each" 3 "$(grep -c ' listener ' "$ES_LOG")"

sed -i "s/^listen = 127.0.0.1:$AP$/listen = 127.0.0.1:$AP\nlisten = 127.0.0.1:$XP/" "$T/quiet.ini"
kill -HUP "$ES_PID"
check_log "after a reload, the new listener is logged too" \
    "listener listen=127\.0\.0\.1:$XP kind=edge edge=akamai loopback=yes"
wait_for "$ES_LOG" "reloaded: generation" 5
check_eq "... and every listener again (4 more records)" 7 "$(grep -c ' listener ' "$ES_LOG")"

check_alive "at the end"
es_stop
check_eq "SIGTERM: exit status 0" 0 "$ES_STATUS"
