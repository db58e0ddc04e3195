#!/usr/bin/env bash
# tsan.sh - the tests that exercise threads, under ThreadSanitizer
# (`make check-tsan` builds build/tsan and runs this).
#
# The unit tests, then the integration tests where workers share state:
# the demo chain (01), the forward proxy (12), reloads and stops (07),
# reloads and stops under wrk (14), and learned pins and log switches under
# wrk (19), with workers = 4 (ES_WORKERS; 14 runs 1 and 4 itself). Each instrumented process writes its reports to
# $BUILD/tsan-logs/tsan.PID (TSan's log_path), never to the edgesim log,
# and keeps running after one (halt_on_error=0, exitcode=0), so the tests
# judge the behaviour and this script judges the races: it fails when any
# report is left that tests/tsan.supp does not explain, and prints them.
#
#   ONLY=...            the integration tests (patterns, as for run.sh)
#   RELOAD_SECONDS=N    length of 14's reload phase (default here 10)
set -u
cd "$(dirname "$0")/.."
BUILD=${EDGESIM_BUILD:-build/tsan}
LOGS="$PWD/$BUILD/tsan-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"

export EDGESIM_BUILD=$BUILD
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=0 exitcode=0 second_deadlock_stack=1 log_path=$LOGS/tsan ${TSAN_OPTIONS:-}"
export ES_SANITIZER=thread
export ES_WORKERS=${ES_WORKERS:-4}
export RELOAD_SECONDS=${RELOAD_SECONDS:-10}
export ONLY=${ONLY:-01-demo-chain 07-reload-stop 12-forward-proxy 14-reload-stop-under-load 19-workers-shared-state}

start=$(date +%s)
bash tests/run.sh
status=$?

shopt -s nullglob
reports=("$LOGS"/tsan.*)
n=0
for f in "${reports[@]}"; do
    n=$((n + $(grep -c '^WARNING: ThreadSanitizer' "$f")))
done
echo
if [ ${#reports[@]} -gt 0 ]; then
    for f in "${reports[@]}"; do
        echo "== $f"
        cat "$f"
    done
    echo "ThreadSanitizer: $n report(s) in ${#reports[@]} process(es) not explained by tests/tsan.supp"
    status=1
else
    echo "ThreadSanitizer: no report left after tests/tsan.supp"
fi
echo "check-tsan: $(( $(date +%s) - start )) s"
exit $status
