#!/usr/bin/env bash
# Bad input to `edgesim import` and `edgesim lint`: not JSON, the wrong
# shape, missing fields, unknown enum values, a 10 MiB document, nesting
# 10,000 deep, duplicate keys, NUL in a string, an alias that is not a host
# name. Each must exit 2 with a message naming the JSON path (or the line
# and column), and leave nothing written: an existing -o file keeps its
# content, and no temporary file is left beside it.
. "$(dirname "$0")/../lib.sh"

FIX=$PWD/tests/fixtures/import
GOOD_CF=$FIX/healthy-pair/cloudfront.json
GOOD_AK=$FIX/healthy-pair/akamai.json
OUT=$T/out/chain.ini
mkdir -p "$T/out"

# bad NAME KIND FILE MESSAGE: import KIND (cloudfront|akamai) from FILE must
# fail with exit 2, say MESSAGE, and leave $OUT as it was; lint likewise.
bad() {
    local name=$1 kind=$2 file=$3 msg=$4 rc
    echo "previous content" >"$OUT"
    "$EDGESIM" import "--$kind" "$file" -o "$OUT" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    check_eq "$name: import exits 2" 2 "$rc"
    check_contains "$name: the message names the problem" "$(cat "$T/stderr")" "$msg"
    check_eq "$name: the -o file is untouched" "previous content" "$(cat "$OUT")"
    check_eq "$name: no temporary file is left" "chain.ini" "$(ls "$T/out")"
    check_eq "$name: nothing on stdout" "" "$(cat "$T/stdout")"
    "$EDGESIM" lint "--$kind" "$file" >/dev/null 2>"$T/stderr"
    check_eq "$name: lint exits 2" 2 "$?"
}

# A copy of a good file with one edit (node, which the tests already use).
edit() {   # edit SRC DEST JS-expression-on-d
    node -e '
        const fs = require("fs");
        const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        (new Function("d", process.argv[3]))(d);
        fs.writeFileSync(process.argv[2], JSON.stringify(d, null, 2));
    ' "$1" "$2" "$3"
}

printf 'this is not JSON\n' >"$T/notjson.json"
bad "not JSON" cloudfront "$T/notjson.json" "notjson.json:1:"

printf '[1, 2, 3]\n' >"$T/array.json"
bad "an array, not a distribution" cloudfront "$T/array.json" "(top level): expected an object"

printf '{"Something": "else"}\n' >"$T/shape.json"
bad "an object of the wrong shape" cloudfront "$T/shape.json" "not a CloudFront distribution"

edit "$GOOD_CF" "$T/nodomain.json" 'delete d.Distribution.DistributionConfig.Origins.Items[0].DomainName'
bad "an origin without DomainName" cloudfront "$T/nodomain.json" \
    "Distribution.DistributionConfig.Origins.Items[0].DomainName: missing"

edit "$GOOD_CF" "$T/enum.json" 'd.Distribution.DistributionConfig.Origins.Items[0].CustomOriginConfig.OriginProtocolPolicy = "ftp-only"'
bad "an unknown OriginProtocolPolicy" cloudfront "$T/enum.json" \
    'Origins.Items[0].CustomOriginConfig.OriginProtocolPolicy: unknown value "ftp-only"'

edit "$GOOD_CF" "$T/qty.json" 'd.Distribution.DistributionConfig.Aliases.Quantity = 5'
bad "Quantity that does not match Items" cloudfront "$T/qty.json" \
    "Aliases.Quantity: 5, but Items has 2 entries"

edit "$GOOD_CF" "$T/alias.json" 'd.Distribution.DistributionConfig.Aliases.Items[1] = "not a host!"'
bad "an alias that is not a host name" cloudfront "$T/alias.json" \
    'Distribution.DistributionConfig.Aliases.Items[1]: "not a host!" is not a host name'

edit "$GOOD_CF" "$T/target.json" 'd.Distribution.DistributionConfig.DefaultCacheBehavior.TargetOriginId = "nowhere"'
bad "a behavior naming no origin" cloudfront "$T/target.json" \
    'DefaultCacheBehavior.TargetOriginId: "nowhere" is neither the Id'

edit "$GOOD_AK" "$T/sni.json" 'd.rules.behaviors[0].options.originSni = "yes"'
bad "Akamai originSni not a boolean" akamai "$T/sni.json" \
    "rules.behaviors[0].options.originSni: expected true or false, found a string"

edit "$GOOD_AK" "$T/fhh.json" 'd.rules.behaviors[0].options.forwardHostHeader = "SOMETIMES"'
bad "Akamai unknown forwardHostHeader" akamai "$T/fhh.json" \
    'rules.behaviors[0].options.forwardHostHeader: unknown value "SOMETIMES"'

printf '{"DistributionConfig": {"Aliases": {"Quantity": 0}, "Aliases": {"Quantity": 0}}}\n' >"$T/dup.json"
bad "duplicate keys" cloudfront "$T/dup.json" "duplicate object key"

printf '{"DistributionConfig": {"Comment": "a\\u0000b"}}\n' >"$T/nul.json"
bad "NUL in a string" cloudfront "$T/nul.json" "\\u0000 is not allowed"

{ printf '%.0s[' $(seq 1 10000); printf '%.0s]' $(seq 1 10000); } >"$T/deep.json"
bad "nesting 10,000 deep" cloudfront "$T/deep.json" "maximum parsing depth"

{ printf '{"Comment": "'; head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; printf '"}'; } >"$T/big.json"
bad "a 10 MiB document" cloudfront "$T/big.json" "over the limit of 8 MiB"

bad "a file that does not exist" cloudfront "$T/missing.json" "missing.json: cannot read"

# Usage errors: exit 2 too.
"$EDGESIM" import -o "$OUT" 2>"$T/stderr"
check_eq "import with no input exits 2" 2 "$?"
check_contains "and says what to give" "$(cat "$T/stderr")" "give --akamai"
"$EDGESIM" import --cloudfront "$GOOD_CF" --origin nosuch=127.0.0.1:1 2>"$T/stderr"
check_eq "--origin naming no origin exits 2" 2 "$?"
check_contains "and lists the origins" "$(cat "$T/stderr")" "origins: app"
"$EDGESIM" lint -c "$T/missing.ini" 2>/dev/null
check_eq "lint of a missing config exits 2" 2 "$?"

# And a good import does write the file, atomically.
"$EDGESIM" import --cloudfront "$GOOD_CF" -o "$OUT" 2>/dev/null
check_eq "a good import exits 0" 0 "$?"
check_contains "and writes the chain" "$(cat "$OUT")" "[edge cloudfront]"
check_eq "leaving no temporary file" "chain.ini" "$(ls "$T/out")"
