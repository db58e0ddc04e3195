#!/usr/bin/env bash
# docs/config.md is generated from the key table: it must match the binary.
. "$(dirname "$0")/../lib.sh"
if "$EDGESIM" config-doc | diff -u docs/config.md - >"$T/diff"; then
    ok "docs/config.md matches the key table (make docs)"
else
    not_ok "docs/config.md is stale: run make docs"
    diag "$(head -n 20 "$T/diff")"
fi
for k in $("$EDGESIM" config-doc | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' | sort -u); do
    grep -q "\`$k\`" docs/config.md || not_ok "key $k missing from docs/config.md"
done
ok "every key of the table is documented"
