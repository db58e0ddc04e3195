#!/usr/bin/env bash
# The daemon never blocks; the one-shot commands may (STYLE.md). They live
# in separate rooms so that this can be checked by a grep: no file of the
# daemon (proxy/*.c, proxy/*.h) calls a blocking API, and none includes a
# header of the one-shot commands (proxy/cli/). A call that only looks
# blocking (connect on a non-blocking socket, a lock taken at start-up on
# the main thread) carries "blocking-ok: WHY" on its line.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1

# Sleeping, resolving names the blocking way, running programs, waiting
# for them, blocking connects, locks and handshakes, waiting on sockets.
CALLS='sleep|usleep|nanosleep|clock_nanosleep|getaddrinfo|gethostbyname|gethostbyname_r|gethostbyaddr|getnameinfo|res_query|res_search|system|popen|fork|vfork|execl|execlp|execle|execv|execvp|execve|posix_spawn|posix_spawnp|wait|waitpid|waitid|connect|flock|lockf|SSL_connect|SSL_accept|SSL_do_handshake|BIO_do_connect|BIO_do_handshake|poll|ppoll|select|pselect|epoll_wait'

n_files=$(ls proxy/*.c proxy/*.h | wc -l)
hits=$(grep -nE "(^|[^A-Za-z0-9_.>])($CALLS)[[:space:]]*\(" proxy/*.c proxy/*.h |
    grep -v 'blocking-ok:' |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)' || true)
if [ -z "$hits" ]; then
    ok "no blocking call in the $n_files files of the daemon (proxy/*.[ch])"
else
    not_ok "blocking calls in the daemon (move them to proxy/cli/, or say why with 'blocking-ok:')"
    diag "$hits"
fi

marked=$(grep -c 'blocking-ok:' proxy/*.c proxy/*.h | awk -F: '{s += $2} END {print s + 0}')
diag "$marked call(s) marked blocking-ok with a reason"
unexplained=$(grep -nE 'blocking-ok:[[:space:]]*(\*/)?$' proxy/*.c proxy/*.h || true)
if [ -z "$unexplained" ]; then ok "every blocking-ok says why"
else not_ok "blocking-ok without a reason"; diag "$unexplained"; fi

cli_headers=$(cd proxy/cli && ls *.h | tr '\n' '|' | sed 's/|$//')
inc=$(grep -nE "#include \"(cli/)?($cli_headers)\"" proxy/*.c proxy/*.h || true)
if [ -z "$inc" ]; then ok "no daemon file includes a header of proxy/cli/"
else not_ok "daemon files include one-shot command headers"; diag "$inc"; fi

# The check itself must be able to fail: a planted call is found.
probe=$(printf 'static void f(void)\n{\n\tsleep(1);\n}\n' |
    grep -cE "(^|[^A-Za-z0-9_.>])($CALLS)[[:space:]]*\(")
check_eq "the check finds a planted sleep(1)" 1 "$probe"
