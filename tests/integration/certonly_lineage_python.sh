#!/usr/bin/env bash
# certonly's lineage decisions, ours against Debian's Python certbot as the oracle: the same
# sequence of requests in two config directories (webroot, Pebble, -n), and after each step the
# same outcome (success or failure, the lineages that exist, each lineage's version and names):
#  1. a.example + b.example: a new lineage
#  2. the same names again: kept (not due)
#  3. a superset without --expand: refused (the message names --expand)
#  4. the superset with --expand: a.example replaced in place
#  5. --cert-name a.example with other names: the names replaced (certbot's -n default: yes)
#  6. --duplicate: a second lineage a.example-0001
#  7. a subset of a lineage's names: a new lineage (subsets are never reused)
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
[[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT (Debian's certbot) is needed as the oracle"

export PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=0
pebble_start
www="$ITEST_DIR/www"
serve_webroot "$www"

declare -A BASE
for impl in ours python; do
  BASE[$impl]=$(mktemp -d "$ITEST_DIR/$impl.XXXXXX")
  mkdir -p "${BASE[$impl]}"/{config,work,logs}
done

# state IMPL: exit status of the last step, then "name:version:names" per lineage.
declare -A RCS
state() {
  local c="${BASE[$1]}/config" f n v
  printf 'rc=%s' "${RCS[$1]}"
  for f in "$c"/renewal/*.conf; do
    [[ -e "$f" ]] || continue
    n=$(basename "$f" .conf)
    v=$(readlink "$c/live/$n/cert.pem" | sed -E 's/.*cert([0-9]+)\.pem$/\1/')
    printf ' %s:%s:%s' "$n" "$v" "$(cert_sans "$c/live/$n/cert.pem" | paste -sd,)"
  done
  echo
}

# step NAME EXPECTED ARGS...: the certonly request for both; the outcomes must match each other
# and EXPECTED (certbot's documented behaviour, so a step both get wrong still fails).
step() {
  local name=$1 expected=$2 impl bin rc
  shift 2
  for impl in ours python; do
    bin=$([[ $impl == ours ]] && echo "$CERTBOT" || echo "$PYCERTBOT")
    itest_log "$impl $name" "$ITEST_DIR/$impl-$name.out"
    rc=0
    timeout 120 "$bin" certonly --webroot -w "$www" "$@" --config-dir "${BASE[$impl]}/config" \
      --work-dir "${BASE[$impl]}/work" --logs-dir "${BASE[$impl]}/logs" \
      --server "$PEBBLE_DIR_URL" --agree-tos -n --register-unsafely-without-email \
      >"$ITEST_DIR/$impl-$name.out" 2>&1 </dev/null || rc=$?
    RCS[$impl]=$([[ $rc == 0 ]] && echo ok || echo failed)
  done
  assert_eq "$(state python)" "$expected" "step $name: Python certbot against certbot's documented outcome"
  assert_eq "$(state ours)" "$(state python)" "step $name: ours vs Python certbot"
  pass "$name: $(state ours)"
}

step new 'rc=ok a.example:1:a.example,b.example' -d a.example -d b.example
# the same names in another order: not yet due, nothing issued
step same 'rc=ok a.example:1:a.example,b.example' -d b.example -d a.example
# more names under -n without --expand: refused
step superset 'rc=failed a.example:1:a.example,b.example' -d a.example -d b.example -d c.example
assert_contains "$ITEST_DIR/python-superset.out" "--expand"
assert_contains "$ITEST_DIR/ours-superset.out" "--expand"
step expand 'rc=ok a.example:2:a.example,b.example,c.example' -d a.example -d b.example -d c.example --expand
# --cert-name with other names replaces the lineage's names
step cert-name-new-names 'rc=ok a.example:3:a.example,d.example' --cert-name a.example -d a.example -d d.example
step duplicate 'rc=ok a.example-0001:1:a.example,d.example a.example:3:a.example,d.example' \
  -d a.example -d d.example --duplicate
# a subset of a lineage's names is a new lineage
step subset 'rc=ok a.example-0001:1:a.example,d.example a.example:3:a.example,d.example d.example:1:d.example' \
  -d d.example

# The renewal confs, whole: the same keys and values as Python certbot's, once the base
# directories and the account ids (two registrations) are named alike.
# Key order within a section is not compared (configobj reads them in any order): each
# section's lines are sorted.
conf_norm() {
  python3 - "${BASE[$1]}" "${BASE[$1]}/config/renewal/$2.conf" <<'PY'
import re, sys
base, path = sys.argv[1], sys.argv[2]
out, block = [], []
for line in open(path).read().replace(base, "BASE").splitlines():
    line = re.sub(r"^account = .*", "account = ACCOUNT", line)
    if line.startswith("["):
        out += sorted(block) + [line]
        block = []
    elif line:
        block.append(line)
print("\n".join(out + sorted(block)))
PY
}
for n in a.example a.example-0001 d.example; do
  assert_eq "$(conf_norm ours "$n")" "$(conf_norm python "$n")" "renewal/$n.conf: ours vs Python certbot"
done
pass "renewal confs: identical to Python certbot's apart from the base directory and the account id"
