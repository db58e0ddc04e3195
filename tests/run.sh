#!/usr/bin/env bash
# run.sh - run every test of edgesim and end with one line "N passed, N failed".
#
#   unit tests        build/tests/test_* (cmocka, TAP output), one line per case
#   fuzz replay       the committed fuzz corpora through the harnesses
#   integration       tests/integration/NN-name.sh, each printing TAP lines
#                     ("ok - what" / "not ok - what") against the real binary
#
# A TAP line "ok - what # SKIP why" is a test that did not run: it is listed
# as skipped and never counted as passed.
#
# EDGESIM_BUILD picks the build directory (build, or build/asan for
# `make check-asan`). ONLY=pattern runs the integration tests whose file
# name matches; several patterns, space separated, run those matching any
# (`make check-tsan` does). Each integration script is bounded by a timeout
# (SCRIPT_TIMEOUT, 600 s: the load test alone takes minutes under ASan).
set -u
cd "$(dirname "$0")/.."
BUILD=${EDGESIM_BUILD:-build}
export EDGESIM_BUILD=$BUILD
export EDGESIM="$PWD/$BUILD/edgesim"
export EDGESIM_TOOLS="$PWD/$BUILD/tests"
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-600}

passed=0
failed=0
failures=()
skips=()

# Count the TAP lines of one test's output; show failures and diagnostics.
tally() {
    local name=$1 out=$2 status=$3
    local p f s
    s=$(grep -ciE '^ok .*# skip' <<<"$out")
    p=$(( $(grep -cE '^ok ' <<<"$out") - s ))
    f=$(grep -cE '^not ok ' <<<"$out")
    if [ "$s" -gt 0 ]; then
        mapfile -t -O "${#skips[@]}" skips < <(grep -iE '^ok .*# skip' <<<"$out" |
            sed "s/^/$name: /")
    fi
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        # A test that died without saying what failed still failed.
        f=1
        out+=$'\n'"not ok - $name exited with status $status"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("$name")
        printf '%s\n' "$out" | grep -vE '^ok ' | sed 's/^/    /'
        printf 'FAIL %s (%d passed, %d failed)\n' "$name" "$p" "$f"
    else
        printf 'ok   %s (%d passed%s)\n' "$name" "$p" \
            "$([ "$s" -gt 0 ] && printf ', %d skipped' "$s")"
    fi
}

echo "== unit tests ($BUILD)"
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t" 2>&1)
    tally "$(basename "$t")" "$out" $?
done

echo "== fuzz corpus replay"
for dir in tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    # NAME-new: what a fuzzer found, not a committed corpus.
    case $name in *-* | *.*) continue ;; esac
    bin="$BUILD/tests/replay_$name"
    [ -x "$bin" ] || { tally "replay_$name" "not ok - no $bin" 1; continue; }
    files=("$dir"*)
    if out=$(timeout 120 "$bin" "${files[@]}" 2>&1); then
        tally "replay_$name" "ok - ${#files[@]} inputs of corpus/$name" 0
        continue
    fi
    # Name the inputs that fail, one run each, with what they printed.
    bad=()
    for f in "${files[@]}"; do
        if ! one=$(timeout 20 "$bin" "$f" 2>&1); then
            bad+=("$(basename "$f")")
            out+=$'\n'"== $f"$'\n'"$(tail -n 15 <<<"$one")"
        fi
    done
    out=$(sed 's/^/# /' <<<"$out")
    out+=$'\n'"not ok - corpus/$name: ${#bad[@]} of ${#files[@]} inputs fail: ${bad[*]:-(only together)}"
    tally "replay_$name" "$out" 1
done

echo "== integration tests"
for t in tests/integration/[0-9]*.sh; do
    [ -f "$t" ] || continue
    if [ -n "${ONLY:-}" ]; then
        wanted=0
        read -ra pats <<<"$ONLY"
        for pat in "${pats[@]}"; do
            [[ "$t" == *"$pat"* ]] && wanted=1
        done
        [ $wanted -eq 1 ] || continue
    fi
    start=$(date +%s)
    out=$(timeout -k 5 "$SCRIPT_TIMEOUT" bash "$t" 2>&1)
    status=$?
    [ $status -eq 124 ] && out+=$'\n'"not ok - timed out after ${SCRIPT_TIMEOUT}s"
    tally "$(basename "$t") [$(( $(date +%s) - start ))s]" "$out" $status
done

echo
if [ ${#skips[@]} -gt 0 ]; then
    echo "skipped, not counted (${#skips[@]}):"
    printf '    %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
