#!/usr/bin/env bash
# 03-docs-commands.sh - the newcomer test: the commands of the docs, run as
# a newcomer would copy them, against this build.
#
# A code block runs when an HTML comment line marks it (invisible once
# rendered), with only blank lines between the marker and the block:
#
#   <!-- runnable -->           every command must exit 0 and print what
#                               its `#   ` lines say
#   <!-- runnable: output -->   the same, and in a block of `$ ` commands,
#                               the sample lines under each command must
#                               be its output (in order; a `...` line
#                               skips lines, `...` in a line is anything)
#   <!-- expect: ERE -->        after a marker: the block's output matches
#   <!-- not runnable: why -->  a block of commands that cannot run here
#                               (a browser, the OS trust store, ...)
#
# In a block, a command is a line (with `\` continuations); in a block
# that has `$ ` lines, only those are commands and the other lines are
# sample output. Under a command, a comment `#   TEXT` (three spaces or
# more) is output it must print (blanks compressed; `...` is anything),
# and `#   (exit status N...)` the status it must exit with instead of 0;
# `$ echo $?` followed by N says the same of the command before it.
#
# Each document runs in one bash session of its own (so `%1` means what
# the text says), from the repository root, bounded in time; jobs it
# starts with `&` are waited for (their listen ports) and killed at its
# end. Before running, commands are rewritten so that the test owns
# everything: the fixed ports of the docs become free ports, `conf/*.ini`
# files become copies (same rewriting) in the test's directory, as do
# `/tmp/` and `build/demo.log`, and `build/edgesim` is the binary under
# test; output is rewritten back before it is compared. `make` is skipped:
# the build under test is that build. certs/lab is used as is.
#
# Documents: README.md, docs/*.md and certs/README.md, where a block of
# edgesim, curl, openssl or make commands without either marker fails the
# test; docs/scenarios/*.md, where only marked blocks run; and the
# commands scripts/demo.sh prints to try once it has exited. Each file
# reports how many blocks and commands it ran. A planted document first
# proves that a failing command, a missing output, a differing sample and
# a wrong status are each caught.
. "$(dirname "$0")/../lib.sh"

DOC_TIMEOUT=${DOC_TIMEOUT:-200}
DOCS=(README.md docs/*.md docs/scenarios/*.md certs/README.md)

# The fixed ports the docs use; those of the configs a document runs are
# added. Each gets a free port, per document.
FIXED_PORTS=(8443 8444 8445 9443 3128)

# set_rewriting PORT...: the rewriting, as sed programs: fwd (doc -> test),
# ports_fwd (its ports alone, for configs written during a session) and
# rev (test -> doc, for output).
set_rewriting() {
    local fixed=("$@") free i
    read -r -a free <<<"$(ports ${#fixed[@]})"
    ports_fwd=() rev=(-e "s#$EDGESIM#build/edgesim#g" -e "s#$T/tmp/#/tmp/#g" -e "s#$T/##g")
    for i in "${!fixed[@]}"; do
        ports_fwd+=(-e "s/\\b${fixed[i]}\\b/${free[i]}/g")
        rev+=(-e "s/\\b${free[i]}\\b/${fixed[i]}/g")
    done
    fwd=("${ports_fwd[@]}"
         -e "s#(^|[[:space:]\"'=(])/tmp/#\\1$T/tmp/#g"
         -e "s#(^|[[:space:]\"'=(])conf/#\\1$T/conf/#g"
         -e "s#(^|[[:space:]\"'=(])build/demo\\.log\\b#\\1$T/build/demo.log#g"
         -e "s#(^|[[:space:]\"'=(])build/edgesim\\b#\\1$EDGESIM#g")
}

# A literal text with `...` wildcards, as an ERE (blanks already compressed).
lit_re() {
    sed -e 's/[][\.*^$+?(){}|]/\\&/g' -e 's/\\\.\\\.\\\./.*/g' <<<"$1"
}
squeeze() { tr -d '\r' | sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//'; }

# ---- parsing ---------------------------------------------------------------
# Commands: C_* indexed by command, blocks: B_* indexed by block.
reset_doc() {
    C_BLOCK=() C_LINE=() C_TEXT=() C_STATUS=() C_EXPECT=() C_SAMPLE=()
    C_SKIP=() B_LINE=() B_MODE=() B_EXPECT=() PARSE_ERRORS=()
}

# add_cmd BLOCK LINE TEXT
add_cmd() {
    local k=${#C_TEXT[@]}
    C_BLOCK[k]=$1 C_LINE[k]=$2 C_TEXT[k]=$3 C_STATUS[k]=0
    C_EXPECT[k]='' C_SAMPLE[k]='' C_SKIP[k]=''
    [ "$3" = make ] && C_SKIP[k]="the build under test"
    CUR=$k
}

# parse_block BLOCK: the lines BL (numbers BN) of one marked block.
parse_block() {
    local b=$1 i n=${#BL[@]} line cmd start dollar=0
    CUR=-1
    for line in "${BL[@]}"; do [[ $line == '$ '* ]] && dollar=1; done
    for ((i = 0; i < n; i++)); do
        line=${BL[i]}
        if [ $dollar -eq 1 ] && [[ $line != '$ '* ]]; then
            [ "$CUR" -ge 0 ] && C_SAMPLE[CUR]+="$line"$'\n'
            continue
        fi
        line=${line#'$ '}
        if [ $dollar -eq 0 ]; then
            [[ $line =~ ^[[:space:]]*$ ]] && continue
            if [[ $line =~ ^#\ \ \ +(.*)$ ]]; then
                local text=${BASH_REMATCH[1]}
                if [ "$CUR" -lt 0 ]; then
                    PARSE_ERRORS+=("line ${BN[i]}: expected output before any command")
                elif [[ $text =~ ^\(exit\ status\ ([0-9]+) ]]; then
                    C_STATUS[CUR]=${BASH_REMATCH[1]}
                else
                    C_EXPECT[CUR]+="$text"$'\n'
                fi
                continue
            fi
            [[ $line == '#'* ]] && continue
        fi
        cmd=$line start=${BN[i]}
        while [[ $cmd == *\\ ]] && [ $((i + 1)) -lt $n ]; do
            i=$((i + 1))
            cmd="${cmd%\\} $(sed -E 's/^[[:space:]]+//' <<<"${BL[i]}")"
        done
        add_cmd "$b" "$start" "$cmd"
    done
    # `$ echo $?` and its sample: the status of the command before it.
    for ((i = 1; i < ${#C_TEXT[@]}; i++)); do
        if [ "${C_BLOCK[i]}" = "$b" ] && [ "${C_TEXT[i]}" = 'echo $?' ] &&
           [ "${C_BLOCK[i - 1]}" = "$b" ] &&
           [[ ${C_SAMPLE[i]} =~ ^([0-9]+) ]]; then
            C_STATUS[i - 1]=${BASH_REMATCH[1]}
            C_EXPECT[i]+="${BASH_REMATCH[1]}"$'\n'
        fi
    done
}

# parse_doc FILE: every marked block of FILE; UNMARKED counts the blocks
# of commands that carry no marker either way.
parse_doc() {
    local file=$1 ln=0 line mode='' pending=0 b expects='' in_fence=0
    local indent=0 mline=0 prev_blank=1
    UNMARKED=()
    reset_doc
    BL=() BN=()
    finish_block() {
        if [ $pending -eq 1 ]; then
            b=${#B_LINE[@]}
            B_LINE[b]=$mline B_MODE[b]=$mode B_EXPECT[b]=$expects
            while [ ${#BL[@]} -gt 0 ] && [[ ${BL[-1]} =~ ^[[:space:]]*$ ]]; do
                unset 'BL[-1]' 'BN[-1]'
            done
            parse_block "$b"
        elif [ ${#BL[@]} -gt 0 ] && [ "$mode" != skip ]; then
            local first
            first=$(printf '%s\n' "${BL[@]}" | grep -m1 -vE '^[[:space:]]*(#|$)')
            if [ "$CHECK_UNMARKED" = 1 ] &&
               [[ $first =~ ^(\$\ )?((build/)?edgesim\ [a-z-]+(\ |$)|curl\ -|openssl\ [a-z]|make(\ [a-z]|$)) ]]; then
                UNMARKED+=("$file:${BN[0]}: $first")
            fi
        fi
        pending=0 mode='' expects='' BL=() BN=()
    }
    while IFS= read -r line || [ -n "$line" ]; do
        ln=$((ln + 1))
        if [ $in_fence -eq 1 ]; then
            if [[ $line =~ ^[[:space:]]*\`\`\` ]]; then
                in_fence=0
                finish_block
            else
                BL+=("${line:indent}") BN+=("$ln")
            fi
            continue
        fi
        if [ $in_fence -eq 2 ]; then    # an indented block
            if [[ $line == '    '* ]] || [[ $line =~ ^[[:space:]]*$ ]]; then
                BL+=("${line:4}") BN+=("$ln")
                continue
            fi
            in_fence=0
            finish_block
        fi
        if [[ $line =~ ^\<!--\ runnable(:\ ([a-z]+))?\ --\>$ ]]; then
            [ $pending -eq 1 ] && PARSE_ERRORS+=("line $mline: a marker without its block")
            pending=1 mode=${BASH_REMATCH[2]:-run} mline=$ln expects=
            continue
        fi
        if [[ $line =~ ^\<!--\ expect:\ (.*)\ --\>$ ]]; then
            if [ $pending -eq 1 ]; then expects+="${BASH_REMATCH[1]}"$'\n'
            else PARSE_ERRORS+=("line $ln: expect without a runnable marker"); fi
            continue
        fi
        if [[ $line =~ ^\<!--\ not\ runnable:\ .+\ --\>$ ]]; then
            mode=skip
            continue
        fi
        if [[ $line =~ ^([[:space:]]*)\`\`\` ]]; then
            in_fence=1 indent=${#BASH_REMATCH[1]} BL=() BN=()
            continue
        fi
        if [[ $line == '    '* ]] && [ "$prev_blank" = 1 ]; then
            in_fence=2 BL=("${line:4}") BN=("$ln")
            continue
        fi
        if [[ $line =~ ^[[:space:]]*$ ]]; then
            prev_blank=1
            continue
        fi
        prev_blank=0
        if [ $pending -eq 1 ]; then
            PARSE_ERRORS+=("line $mline: the marker is not followed by a code block")
            pending=0
        fi
        mode=
    done <"$file"
    [ $in_fence -ne 0 ] && finish_block
    [ $pending -eq 1 ] && PARSE_ERRORS+=("line $mline: a marker at the end of the file")
    return 0
}

# ---- running ---------------------------------------------------------------
# The session's helpers: status restored between commands, readiness after
# `&`, the reload after `kill -HUP`, and the end of a stopped job.
session_prelude() {
    cat <<'SH'
__ret() { return "$1"; }
__LOGS=()
__rc=0
# Files of the session's own making: a config it runs gets free ports.
__fix_confs() {
    local f
    for f in "$__T"/tmp/*.ini; do
        [ -f "$f" ] && sed -i -E "${__PORTS[@]}" "$f"
    done
}
# After `edgesim run -c FILE &`: until FILE's listen addresses accept.
__started() {
    local out=$1 pid=$2 conf a ok log
    conf=$(sed -nE 's/.*[[:space:]]-c[[:space:]]+([^[:space:]]+).*/\1/p' <<<"$3")
    case $3 in
    *" run "*) ;;
    *" scenario up "*)
        for _ in $(seq 1 200); do
            grep -q '^ready' "$out" && return 0
            kill -0 "$pid" 2>/dev/null || return 1
            sleep 0.1
        done
        return 1 ;;
    *) return 0 ;;
    esac
    [ -f "$conf" ] || return 0
    log=$(sed -nE 's/^[[:space:]]*log[[:space:]]*=[[:space:]]*([^ ;]+).*/\1/p' "$conf" | head -n1)
    case $log in ""|stderr|stdout) log=$out ;; esac
    __LOGS+=("$log")
    for _ in $(seq 1 200); do
        ok=1
        for a in $(sed -nE 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*([^ ;]+).*/\1/p' "$conf"); do
            (exec 3<>"/dev/tcp/${a%:*}/${a##*:}") 2>/dev/null || { ok=0; break; }
        done
        [ $ok -eq 1 ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
__reloads() { cat "${__LOGS[@]}" /dev/null 2>/dev/null | grep -cE 'reloaded: generation|reload refused'; }
__reloaded() {
    for _ in $(seq 1 150); do
        [ "$(__reloads)" -gt "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
SH
    printf '__T=%q\n__PORTS=(' "$T"
    printf '%q ' "${ports_fwd[@]}"
    printf ')\n'
}

# gen_session DIR: the session script of the parsed document.
gen_session() {
    local d=$1 k cmd
    session_prelude
    for k in "${!C_TEXT[@]}"; do
        [ -n "${C_SKIP[k]}" ] && continue
        cmd=$(sed -E "${fwd[@]}" <<<"${C_TEXT[k]}")
        printf '\n# %s:%s\n' "$DOC" "${C_LINE[k]}"
        if [[ $cmd =~ kill\ -HUP ]]; then
            printf '__h=$(__reloads)\n'
        fi
        [[ $cmd =~ \&[[:space:]]*$ ]] && printf '__fix_confs\n'
        printf '__ret "$__rc"\n{ %s\n} >%q 2>&1 </dev/null\n__rc=$?\n' \
            "$cmd" "$d/out.$k"
        if [[ $cmd =~ \&[[:space:]]*$ ]]; then
            printf 'echo "$!" >>%q\n' "$d/pids"
            printf '__started %q "$!" %q || echo "did not start in 20 s" >>%q\n' \
                "$d/out.$k" "$cmd" "$d/out.$k"
        fi
        if [[ $cmd =~ kill\ -HUP ]]; then
            printf '__reloaded "$__h" || echo "no reload in 15 s" >>%q\n' "$d/out.$k"
        elif [[ $cmd =~ ^kill(\ -TERM)?\ (%[0-9]+)[[:space:]]*$ ]]; then
            printf 'wait %s 2>/dev/null\n' "${BASH_REMATCH[2]}"
        fi
        printf 'echo "$__rc" >%q\n' "$d/rc.$k"
    done
    # What is still running is stopped, as a user closing the shell would.
    printf '\nfor __p in $(jobs -p); do kill "$__p" 2>/dev/null; done\nwait\n'
}

# check_cmd K DIR: the command's problems, one per line (none: it passed).
check_cmd() {
    local k=$1 d=$2 rc out line re
    [ -n "${C_SKIP[k]}" ] && return 0
    if [ ! -f "$d/rc.$k" ]; then
        echo "did not run (the session ended before it)"
        return 0
    fi
    rc=$(cat "$d/rc.$k")
    out=$(sed -E "${rev[@]}" "$d/out.$k" | squeeze)
    if grep -qE '^(did not start in 20 s|no reload in 15 s)$' <<<"$out"; then
        grep -E '^(did not start in 20 s|no reload in 15 s)$' <<<"$out"
    fi
    [ "$rc" = "${C_STATUS[k]}" ] ||
        echo "exit status $rc, the text says ${C_STATUS[k]}"
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        re=$(lit_re "$(squeeze <<<"$line")")
        grep -qE -- "$re" <<<"$out" || echo "its output lacks: $line"
    done <<<"${C_EXPECT[k]}"
    if [ "${B_MODE[${C_BLOCK[k]}]}" = output ]; then
        local -a have
        mapfile -t have < <(grep -v '^$' <<<"$out")
        local at=0 skip=0
        while IFS= read -r line; do
            line=$(squeeze <<<"$line")
            [ -n "$line" ] || continue
            if [ "$line" = "..." ]; then skip=1; continue; fi
            re="^$(lit_re "$line")\$"
            if [ $skip -eq 0 ]; then
                # the next line must be this one
                if [ $at -lt ${#have[@]} ] && [[ ${have[at]} =~ $re ]]; then
                    at=$((at + 1)); continue
                fi
            else
                while [ $at -lt ${#have[@]} ] && ! [[ ${have[at]} =~ $re ]]; do
                    at=$((at + 1))
                done
                if [ $at -lt ${#have[@]} ]; then at=$((at + 1)); skip=0; continue; fi
            fi
            echo "its output differs from the sample at: $line (output line $((at + 1)): ${have[at]:-end of output})"
            break
        done <<<"${C_SAMPLE[k]}"
    fi
}

# run_doc FILE: parse, run, check; TAP lines per block and for the file.
run_doc() {
    DOC=$1
    local name=${2:-$1}
    parse_doc "$DOC"
    local e
    for e in "${PARSE_ERRORS[@]+"${PARSE_ERRORS[@]}"}"; do not_ok "$name: $e"; done
    for e in "${UNMARKED[@]+"${UNMARKED[@]}"}"; do
        not_ok "$e: commands neither <!-- runnable --> nor <!-- not runnable: why -->"
    done
    local nb=${#B_LINE[@]} nc=0 ns=0 k b
    if [ "$nb" -eq 0 ]; then
        diag "$name: no runnable block"
        return 0
    fi
    local d c confs
    d=$(mktemp -d "$T/run.XXXXXX")
    rm -rf "$T/conf" "$T/tmp" "$T/build"
    mkdir -p "$T/tmp" "$T/build"
    # The docs' configs, as the docs name them, with the rewriting applied.
    confs=$(printf '%s\n' "${C_TEXT[@]}" |
            grep -oE "(^|[[:space:]\"'=])conf/[A-Za-z0-9_./-]+\\.ini" |
            sed -E 's/^[^c]*//' | sort -u)
    # shellcheck disable=SC2046
    set_rewriting $(printf '%s\n' "${FIXED_PORTS[@]}" $(for c in $confs; do
        [ -f "$c" ] && sed -nE 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*[^ ;]*:([0-9]+).*/\1/p' "$c"
    done) | sort -un)
    for c in $confs; do
        [ -f "$c" ] || continue
        mkdir -p "$T/$(dirname "$c")"
        sed -E "${fwd[@]}" "$c" >"$T/$c"
    done
    gen_session "$d" >"$d/session.sh"
    local start=$SECONDS status=0
    timeout -k 5 "$DOC_TIMEOUT" bash "$d/session.sh" >"$d/session.out" 2>&1 || status=$?
    if [ -f "$d/pids" ]; then
        mapfile -t -O "${#PIDS[@]}" PIDS <"$d/pids"
    fi
    [ $status -eq 124 ] && not_ok "$name: timed out after ${DOC_TIMEOUT}s"
    for ((b = 0; b < nb; b++)); do
        local problems='' n=0 all=''
        for k in "${!C_TEXT[@]}"; do
            [ "${C_BLOCK[k]}" = "$b" ] || continue
            if [ -n "${C_SKIP[k]}" ]; then ns=$((ns + 1)); continue; fi
            n=$((n + 1))
            all+=$(sed -E "${rev[@]}" "$d/out.$k" 2>/dev/null)$'\n'
            local p
            p=$(check_cmd "$k" "$d")
            if [ -n "$p" ]; then
                problems+="\$ ${C_TEXT[k]}   (line ${C_LINE[k]})"$'\n'
                problems+=$(sed 's/^/    /' <<<"$p")$'\n'
                problems+=$(sed -E "${rev[@]}" "$d/out.$k" 2>/dev/null |
                    head -n 15 | sed 's/^/    | /')$'\n'
            fi
        done
        while IFS= read -r e; do
            [ -n "$e" ] || continue
            grep -qE -- "$e" <<<"$all" || problems+="the block's output does not match /$e/"$'\n'
        done <<<"${B_EXPECT[b]}"
        nc=$((nc + n))
        if [ -z "$problems" ]; then
            ok "$name:${B_LINE[b]}: $n command$([ $n -ne 1 ] && echo s) as the text says"
        else
            not_ok "$name:${B_LINE[b]}: a command fails or contradicts the text"
            diag "$problems"
        fi
    done
    ok "$name: $nb runnable blocks, $nc commands run$([ $ns -gt 0 ] && printf ' (%d `make` skipped: the build under test)' $ns) in $((SECONDS - start))s"
}

# ---- the check can fail ----------------------------------------------------
# A planted document: a command that fails, output the text does not
# show, a sample that differs, a status that differs, and a job that
# must be running for `kill %1` to work.
mkdir -p "$T/planted"
cat >"$T/planted/doc.md" <<'MD'
<!-- runnable -->

    true
    false

<!-- runnable -->

    echo hello
    #   goodbye

<!-- runnable: output -->
```
$ echo one
two
```

<!-- runnable -->
<!-- expect: ^fine$ -->

    sleep 30 &
    kill %1
    echo fine
    sh -c 'exit 3'
    #   (exit status 3)
    sh -c 'exit 4'
    #   (exit status 5)
MD
CHECK_UNMARKED=1
planted=$(run_doc "$T/planted/doc.md")
want=("$T/planted/doc.md:1: a command" "$T/planted/doc.md:6: a command"
      "$T/planted/doc.md:11: a command" "$T/planted/doc.md:17: a command")
miss=
for w in "${want[@]}"; do
    grep -qF "not ok - $w" <<<"$planted" || miss+=" [$w]"
done
for w in "exit status 1, the text says 0" "lacks: goodbye" \
         "differs from the sample at: two" "exit status 4, the text says 5"; do
    grep -qF "$w" <<<"$planted" || miss+=" [$w]"
done
if [ -z "$miss" ] && [ "$(grep -c '^not ok' <<<"$planted")" -eq 4 ] &&
   ! grep -q 'exit status 3\|did not run\|kill: %1' <<<"$planted"; then
    ok "the planted failures are caught, and only they"
else
    not_ok "the planted failures are not reported as they should be:$miss"
    diag "$planted"
fi

# ---- the docs ----------------------------------------------------------------
# Every block of commands in these says whether it runs; in the scenario
# pages, only the blocks marked run.
CHECK_UNMARKED=0
for f in "${DOCS[@]}"; do
    case $f in docs/scenarios/*) CHECK_UNMARKED=0 ;; *) CHECK_UNMARKED=1 ;; esac
    run_doc "$f"
done

# make demo ends with commands to try once it has exited (scripts/demo.sh,
# the TRY text): they must work then. `scenario up` stays up until Ctrl-C:
# here it runs in the background until `kill %1`.
mkdir -p "$T/demo-try"
{
    echo '<!-- runnable -->'
    echo '<!-- expect: "sni":"d111111abcdef8.cloudfront.net" -->'
    echo '<!-- expect: ^ready$ -->'
    echo
    echo '```'
    sed -n "/^cat <<'TRY'\$/,/^TRY\$/p" scripts/demo.sh | sed '1d;$d' |
        sed -E 's/^  //; s/^(build\/edgesim scenario up .*)$/\1 \&\nkill %1/'
    echo '```'
} >"$T/demo-try/try.md"
if grep -q 'edgesim' "$T/demo-try/try.md"; then
    run_doc "$T/demo-try/try.md" "scripts/demo.sh (what make demo says to try afterwards)"
else
    not_ok "scripts/demo.sh has no TRY text of commands to try afterwards"
fi
