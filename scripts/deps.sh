#!/usr/bin/env bash
# deps.sh - install the Debian packages edgesim needs, and only those missing.
#
# Build: a C compiler, make, pkg-config and the -dev packages of OpenSSL 3,
# libevent 2.1, inih, jansson (JSON: import and lint), libnghttp2 (HTTP/2
# to viewers) and cmocka. Tests: curl, openssl (the CLI, as a client only:
# edgesim itself never runs it), node (the Node.js TLS fidelity test and
# its http2 module), wrk (load while reloading and stopping), nghttp2-client
# (nghttp and h2load: HTTP/2 clients and load) and chromium (a real browser
# negotiating h2, driven by tests/browser; tests only).
# Pass extra package names as arguments to add them (scripts/bench does).
set -eu

pkgs=(build-essential pkg-config libssl-dev libevent-dev libinih-dev libcmocka-dev
      libjansson-dev libnghttp2-dev curl openssl nodejs wrk nghttp2-client chromium
      "$@")

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# nodejs may come from another source than Debian (nodesource): a working
# `node` is as good as the package.
if command -v node >/dev/null 2>&1; then
    kept=()
    for p in "${missing[@]}"; do [ "$p" = nodejs ] || kept+=("$p"); done
    missing=("${kept[@]+"${kept[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: everything edgesim needs is installed"
    exit 0
fi

echo "deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
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

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install fails for want of them.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
