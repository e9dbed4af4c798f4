#!/usr/bin/env bash
# The cli.ini parser against the one certbot uses (ConfigArgParse's DefaultConfigFileParser, from
# Debian's python3-configargparse): 10000 random lines over the characters that matter to its
# grammar (key characters, separators, comment starters, quotes, brackets, commas, spaces) and a
# few hand-picked ones must give the same key and value, or an error on both sides.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dump=$BUILD_DIR/tests/fuzz/cli_ini_dump
[[ -x "$dump" ]] || fail "$dump is not built"
/usr/bin/python3 -c 'import configargparse' 2>/dev/null ||
  skip "python3-configargparse is not installed: no oracle to compare with"
lines=$ITEST_DIR/lines.txt
/usr/bin/python3 - "$lines" <<'PY'
import random, sys
rng = random.Random(20261130)
alphabet = "ab-k" * 3 + " " * 6 + "\t=:#;'\"[],1-0.eu\\"
out = [
    "rsa-key-size = 4096", "key = a #c", "key = \"a # b\"", "key #c", "key == b", "key = [a, b]",
    "key = [\"a,b\", \"c\"]", "key = [\"a\", b]", "key = [1, -2, 0]", "key = [true, null]",
    "key = [,]", "key = []", "--key val", "key:", "=x", "k;x", "key = \"\\u00e9\"",
    "key = [\"\\u00e9\"]",
]
for _ in range(10000):
    n = rng.randint(1, 24)
    out.append("".join(rng.choice(alphabet) for _ in range(n)))
with open(sys.argv[1], "w") as f:
    f.write("\n".join(out) + "\n")
PY
"$dump" "$lines" >"$ITEST_DIR/ours.txt"
/usr/bin/python3 - "$lines" "$ITEST_DIR/ours.txt" <<'PY'
import io, json, sys
from configargparse import DefaultConfigFileParser
lines = open(sys.argv[1]).read().split("\n")[:-1]
ours = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == len(ours), (len(lines), len(ours))
bad = 0
compared = 0
for line, mine in zip(lines, ours):
    try:
        items = list(DefaultConfigFileParser().parse(io.StringIO(line)).items())
        theirs = []
        for k, v in items:
            if isinstance(v, list):
                # str() of what json.loads gave; floats and nested lists are not compared
                if any(isinstance(x, (float, list, dict)) for x in v):
                    theirs = None
                    break
                v = [str(x) for x in v]
            theirs += [k[2:] if k.startswith("--") and len(k) > 2 else k, v]
    except Exception:
        theirs = "ERROR"
    if theirs is None:
        continue
    compared += 1
    if theirs != mine:
        bad += 1
        if bad <= 20:
            print(f"DIFF {line!r}: ConfigArgParse {theirs!r}, ours {mine!r}", file=sys.stderr)
print(f"{compared} lines compared, {bad} differ")
sys.exit(1 if bad else 0)
PY
pass "the cli.ini parser agrees with ConfigArgParse"
