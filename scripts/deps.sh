#!/usr/bin/env bash
# deps.sh - install the Debian packages edgesim needs, and only those missing.
#
#   bash scripts/deps.sh [--dry-run] [PACKAGE...]
#
# Build: a C compiler, make, pkg-config and the -dev packages of OpenSSL 3,
# libevent 2.1, inih, jansson (JSON: import and lint), libnghttp2 (HTTP/2
# to viewers) and cmocka. Tests: curl, openssl (the CLI, as a client only:
# edgesim itself never runs it), node (the Node.js TLS fidelity test and
# its http2 module), wrk (load while reloading and stopping), nghttp2-client
# (nghttp and h2load: HTTP/2 clients and load), prometheus (its promtool
# checks /metrics) and chromium (a real browser: the dashboard, and h2,
# driven by puppeteer-core from npm: make check runs npm ci in
# tests/browser).
# Pass extra package names as arguments to add them (scripts/bench does).
# It says what it is about to install and why, and when another install
# holds the package manager's lock it waits for it (up to DEPS_LOCK_WAIT
# seconds, 600 by default) instead of failing. --dry-run says what it
# would install, waits for the lock, and installs nothing.
set -eu

dry_run=0
if [ "${1:-}" = --dry-run ]; then
    dry_run=1
    shift
fi
LOCK_WAIT=${DEPS_LOCK_WAIT:-600}

pkgs=(build-essential pkg-config libssl-dev libevent-dev libinih-dev libcmocka-dev
      libjansson-dev libnghttp2-dev curl openssl nodejs npm wrk nghttp2-client
      prometheus chromium "$@")

# One reason per package: what needs it.
declare -A why=(
    [build-essential]="build: the C compiler and make"
    [pkg-config]="build: the compiler and linker flags of the libraries below"
    [libssl-dev]="build: OpenSSL 3, every TLS handshake and the lab PKI"
    [libevent-dev]="build: the daemon's event loop"
    [libinih-dev]="build: the INI config parser"
    [libjansson-dev]="build: JSON, for edgesim import and lint"
    [libnghttp2-dev]="build: HTTP/2 to viewers"
    [libcmocka-dev]="tests: the unit tests"
    [curl]="tests and the README's tour: the HTTPS client"
    [openssl]="tests and the README's tour: openssl s_client"
    [nodejs]="tests: the Node.js TLS fidelity test"
    [npm]="tests: installs puppeteer-core for the browser tests (tests/browser)"
    [wrk]="tests: load while reloading and stopping (and the benchmark)"
    [nghttp2-client]="tests: nghttp and h2load, HTTP/2 clients (and the benchmark's h2 row)"
    [prometheus]="tests: promtool checks the /metrics exposition"
    [chromium]="tests: a real browser, for the dashboard and HTTP/2 (headless)"
    [nginx-light]="benchmark: the nginx side of make bench"
    [haproxy]="benchmark: the HAProxy side of make bench"
)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# nodejs may come from another source than Debian (nodesource, whose
# nodejs also brings npm and conflicts with Debian's npm package): a
# working `node` or `npm` is as good as the package.
drop() {
    local kept=() p
    for p in "${missing[@]+"${missing[@]}"}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    missing=("${kept[@]+"${kept[@]}"}")
}
command -v node >/dev/null 2>&1 && drop nodejs
command -v npm >/dev/null 2>&1 && drop npm

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: everything edgesim needs is installed"
    exit 0
fi

echo "deps: about to install ${#missing[@]} Debian package(s), each for:"
for p in "${missing[@]}"; do
    printf '  %-16s %s\n' "$p" "${why[$p]:-asked for by the caller}"
done
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    elif [ $dry_run -eq 1 ]; then
        SUDO=
    else
        cat >&2 <<MSG
deps: installing them needs root, and this shell is not root (and sudo asks for a password).
deps: run this once, then try again:
    sudo apt-get install -y ${missing[*]}
MSG
        exit 1
    fi
else
    SUDO=
fi

# Another apt-get, dpkg or unattended-upgrades run holds these while it
# works: wait for it, saying so, rather than fail. apt-get's own
# DPkg::Lock::Timeout covers the dpkg lock of `install` only, not the
# lists lock of `update`, hence this loop (fuser is in psmisc; without it,
# apt-get's timeout is all there is).
LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock)
wait_for_lock() {
    local waited=0
    command -v fuser >/dev/null 2>&1 || return 0
    while $SUDO fuser "${LOCKS[@]}" >/dev/null 2>&1; do
        if [ $waited -eq 0 ]; then
            echo "deps: another install is using the package manager; waiting for it (at most ${LOCK_WAIT}s)"
        elif [ $((waited % 30)) -eq 0 ]; then
            echo "deps: still waiting for the package manager (${waited}s)"
        fi
        if [ $waited -ge "$LOCK_WAIT" ]; then
            echo "deps: the package manager is still busy after ${LOCK_WAIT}s; try again later" >&2
            return 1
        fi
        sleep 5
        waited=$((waited + 5))
    done
    [ $waited -eq 0 ] || echo "deps: the package manager is free (after ${waited}s)"
}

wait_for_lock
if [ $dry_run -eq 1 ]; then
    echo "deps: --dry-run: nothing installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o "DPkg::Lock::Timeout=$LOCK_WAIT")
[ -z "$SUDO" ] || APT=("$SUDO" "${APT[@]}")
# Refresh the package lists only when an install fails for want of them.
if ! "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; then
    wait_for_lock
    "${APT[@]}" update
    wait_for_lock
    "${APT[@]}" install -y --no-install-recommends "${missing[@]}"
fi
