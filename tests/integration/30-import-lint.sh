#!/usr/bin/env bash
# Prediction and reality agree: every fixture of tests/fixtures/import/ is
# imported (`edgesim import`), linted (`edgesim lint --json`), run (`edgesim
# run`), and every request lint predicts is made with curl through the
# chain. A predicted failure must be observed with the same status, code
# and sub-reason (X-Edgesim-Error), a predicted viewer TLS failure as
# curl's certificate error, and a healthy request must answer 200. Each
# fixture's `expect` file also pins the incident it is about (seed 000 must
# predict no_certificate, ...), and lint's exit status must say whether
# anything fails. A fixture directory holds akamai.json, hostnames.json,
# cloudfront.json (each optional), `args` (more import options) and
# `expect` (lines lint must predict).
. "$(dirname "$0")/../lib.sh"

FIX=$PWD/tests/fixtures/import
[ -d "$FIX" ] || { not_ok "no $FIX"; exit 1; }

# lint --json -> one line per request: EDGE PORT HOST PATH => RESULT
predictions() {
    node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        for (const q of r.requests) {
            let out = q.outcome === "unknown" ? "unknown"
                : q.viewer_tls ? "tls " + q.viewer_tls
                : q.status === 200 ? "200" : q.status + " " + q.error;
            console.log(`${q.edge} ${q.port} ${q.host} ${q.path} => ${out}`);
        }' "$1"
}

for dir in "$FIX"/*/; do
    name=$(basename "$dir")
    args=()
    [ -f "$dir/akamai.json" ] && args+=(--akamai "$dir/akamai.json")
    [ -f "$dir/hostnames.json" ] && args+=(--akamai-hostnames "$dir/hostnames.json")
    [ -f "$dir/cloudfront.json" ] && args+=(--cloudfront "$dir/cloudfront.json")
    if [ -f "$dir/args" ]; then
        read -r -a more <"$dir/args"
        args+=("${more[@]}")
    fi
    ini=$T/$name.ini
    ports=$(ports 10 | tr ' ' ',' | sed 's/,$//')
    if "$EDGESIM" import "${args[@]}" --ports "$ports" --pki "$PKI" \
        --log "$T/$name.log" -o "$ini" 2>"$T/import.err"; then
        ok "$name: imported"
    else
        not_ok "$name: import failed"
        diag "$(cat "$T/import.err")"
        continue
    fi
    # Every key the import wrote names its source.
    keys=$(grep -cE '^[a-z_]+ = ' "$ini")
    bare=$(awk '/^[a-z_]+ = / && prev !~ /^;/ {n++} {prev=$0} END {print n+0}' "$ini")
    check_eq "$name: all $keys keys carry a '; from' or '; lab:' comment" 0 "$bare"

    "$EDGESIM" lint -c "$ini" --json >"$T/$name.json" 2>"$T/lint.err"
    lrc=$?
    if [ $lrc -eq 2 ]; then
        not_ok "$name: lint could not read the chain"
        diag "$(cat "$T/lint.err")"
        continue
    fi
    predictions "$T/$name.json" >"$T/$name.pred"
    nfail=$(grep -cv '=> 200$\|=> unknown$' "$T/$name.pred")
    check_eq "$name: lint exits 1 exactly when a request is predicted to fail" \
        "$([ "$nfail" -gt 0 ] && echo 1 || echo 0)" "$lrc"
    # The same prediction from the JSON directly (one engine).
    "$EDGESIM" lint "${args[@]}" --ports "$ports" --pki "$PKI" \
        --log "$T/$name.log" --json >"$T/$name.direct.json" 2>/dev/null
    predictions "$T/$name.direct.json" >"$T/$name.direct.pred"
    if cmp -s "$T/$name.pred" "$T/$name.direct.pred"; then
        ok "$name: lint of the JSON predicts what lint of the INI does"
    else
        not_ok "$name: lint of the JSON and of the INI differ"
        diag "$(diff "$T/$name.pred" "$T/$name.direct.pred")"
    fi
    if [ -f "$dir/expect" ]; then
        while IFS= read -r want; do
            [ -z "$want" ] || [[ "$want" == \#* ]] && continue
            if grep -qF -- " $want" "$T/$name.pred"; then
                ok "$name: predicts $want"
            else
                not_ok "$name: does not predict '$want'"
                diag "$(cat "$T/$name.pred")"
            fi
        done <"$dir/expect"
    fi

    es_start "$ini" "$name" || continue
    while read -r edge port host path _ result; do
        ecurl "$host" "$port" "$path" >/dev/null
        rc=$?
        got=$(status)
        err=$(header X-Edgesim-Error)
        what="$name: $host$path via [edge $edge]"
        case "$result" in
        unknown)
            diag "$what: lint cannot predict it (outside the config)";;
        200)
            check_eq "$what answers 200 as predicted" 200 "$got";;
        tls\ hostname_mismatch)
            if [ $rc -eq 60 ] && grep -qiE 'subject name|does not match' "$T/curl.err"; then
                ok "$what: the viewer refuses the certificate, as predicted"
            else
                not_ok "$what: predicted a certificate name mismatch, curl said ($rc) $(cat "$T/curl.err")"
            fi;;
        tls\ *)
            if [ $rc -eq 35 ] || [ $rc -eq 60 ]; then
                ok "$what: the viewer's TLS fails, as predicted ($result)"
            else
                not_ok "$what: predicted $result, curl exited $rc"
            fi;;
        *)
            check_eq "$what: status as predicted" "${result%% *}" "$got"
            check_eq "$what: X-Edgesim-Error as predicted" "${result#* }" "$err";;
        esac
    done <"$T/$name.pred"
    es_stop
done
