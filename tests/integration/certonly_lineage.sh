#!/usr/bin/env bash
# certonly against an existing lineage ("Re-running Certbot" in certbot's user guide), our
# binary against Pebble, webroot lineages served by one python3 http.server:
#  - same names, not due: kept ("no action taken"), also with --keep; --force-renewal renews;
#    on a terminal (--force-interactive) the Keep / Renew & replace menu decides;
#  - more names than a lineage has: without a flag -n fails naming --expand and --duplicate,
#    nothing is ordered; --expand replaces the lineage in place; --duplicate makes NAME-0001;
#    on a terminal answering no cancels and points at --duplicate;
#  - --cert-name with other names replaces the names (certbot's default yes without a
#    terminal); --cert-name NEW makes a lineage called NEW; --cert-name without -d renews
#    with the lineage's names; an unknown --cert-name without -d fails naming the name;
#  - --reuse-key keeps the key and stores reuse_key (renew then keeps it); --new-key replaces
#    it once and leaves reuse_key stored; --no-reuse-key stores False;
#  - --allow-subset-of-names drops the name whose challenge fails and says so; without it the
#    same request fails; with a wildcard it is refused before anything is ordered;
#  - the key type of an existing lineage only changes with --key-type and --cert-name;
#  - --max-log-backups N keeps N rotated logs, 0 appends to one file.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --authz-reuse 0

www="$ITEST_DIR/www"
unserved="$ITEST_DIR/unserved"
mkdir -p "$unserved"
serve_webroot "$www"
web() { printf '%s\n' certonly --webroot -w "$www"; }
mapfile -t WEB < <(web)
version() {
  local t
  t=$(readlink "$CB_CONFIG/live/$1/cert.pem") || fail "no live/$1/cert.pem"
  [[ "$t" =~ cert([0-9]+)\.pem$ ]] || fail "live/$1/cert.pem -> $t"
  echo "${BASH_REMATCH[1]}"
}
lineages() { (cd "$CB_CONFIG/renewal" && ls) | sed 's/\.conf$//' | LC_ALL=C sort | paste -sd' '; }
orders() { grep -c 'Added order' "$ITEST_DIR"/pebble/pebble.*.log | awk -F: '{ s += $NF } END { print s }'; }
param() { sed -n "s/^$2 = //p" "$CB_CONFIG/renewal/$1.conf"; }

# --- identical names -----------------------------------------------------------------------
cb_step first "${WEB[@]}" -d a.example -d b.example
assert_eq "$RC" 0 "first certonly: $OUT"
assert_eq "$(version a.example)" 1
cb_step same "${WEB[@]}" -d b.example -d a.example
assert_eq "$RC" 0 "same names: $OUT"
assert_contains "$OUT" "Certificate not yet due for renewal; no action taken"
assert_eq "$(version a.example)" 1 "same names, not due: kept"
cb_step keep "${WEB[@]}" -d a.example -d b.example --keep-until-expiring
assert_contains "$OUT" "no action taken"
n=$(orders)
cb_step force "${WEB[@]}" -d a.example -d b.example --force-renewal
assert_eq "$RC" 0 "--force-renewal: $OUT"
assert_contains "$OUT" "Renewing an existing certificate for a.example and b.example"
assert_eq "$(version a.example)" 2 "--force-renewal renews in place"
assert_eq "$(lineages)" "a.example"
pass "identical names: kept when not due, --keep, --force-renewal"

cb_term_step menu-keep "1
" "${WEB[@]}" -d a.example -d b.example
assert_eq "$RC" 0 "menu keep: $OUT"
assert_contains "$OUT" "exactly the same domains"
assert_contains "$OUT" "1: Keep the existing certificate for now"
assert_contains "$OUT" "no action taken"
cb_term_step menu-renew "2
" "${WEB[@]}" -d a.example -d b.example
assert_eq "$RC" 0 "menu renew: $OUT"
assert_eq "$(version a.example)" 3 "Renew & replace on the terminal"
cb_term_step menu-cancel "c
" "${WEB[@]}" -d a.example -d b.example
assert_eq "$RC" 1 "cancelled menu: exit status"
assert_contains "$OUT" "Operation canceled"
assert_eq "$(version a.example)" 3
pass "identical names on a terminal: keep, renew, cancel"

# --- more names: expand or duplicate ---------------------------------------------------------
n=$(orders)
cb_step superset "${WEB[@]}" -d a.example -d b.example -d c.example
assert_eq "$RC" 2 "superset without --expand must fail with -n: $OUT"
assert_contains "$OUT" "--expand"
assert_contains "$OUT" "--duplicate"
assert_contains "$OUT" "It contains these names: a.example, b.example"
assert_eq "$(orders)" "$n" "nothing ordered for an unanswered question"
cb_term_step superset-no "n
" "${WEB[@]}" -d a.example -d b.example -d c.example
assert_eq "$RC" 1 "answering no: exit status"
assert_contains "$OUT" "you must use the --duplicate option"
assert_eq "$(orders)" "$n" "nothing ordered after no"
cb_step expand "${WEB[@]}" -d a.example -d b.example -d c.example --expand
assert_eq "$RC" 0 "--expand: $OUT"
assert_eq "$(version a.example)" 4 "--expand replaces in place"
assert_cert_sans "$CB_CONFIG/live/a.example/cert.pem" a.example b.example c.example
assert_eq "$(lineages)" "a.example"
cb_step duplicate "${WEB[@]}" -d a.example -d b.example -d c.example --duplicate
assert_eq "$RC" 0 "--duplicate: $OUT"
assert_eq "$(lineages)" "a.example a.example-0001"
assert_eq "$(version a.example)" 4 "--duplicate leaves the original alone"
assert_cert_sans "$CB_CONFIG/live/a.example-0001/cert.pem" a.example b.example c.example
pass "superset: -n names --expand, terminal no cancels, --expand in place, --duplicate"

# --- --cert-name -----------------------------------------------------------------------------
cb_step rename-domains "${WEB[@]}" --cert-name a.example-0001 -d a.example -d d.example
assert_eq "$RC" 0 "--cert-name with other names: $OUT"
assert_cert_sans "$CB_CONFIG/live/a.example-0001/cert.pem" a.example d.example
assert_eq "$(version a.example-0001)" 2
cb_term_step rename-no "n
" "${WEB[@]}" --cert-name a.example-0001 -d d.example
assert_eq "$RC" 2 "declined name change: exit status"
assert_contains "$OUT" "removing previously included domain"
assert_contains "$OUT" "mismatched certificate name and domains"
assert_eq "$(version a.example-0001)" 2
cb_step new-name "${WEB[@]}" --cert-name mysite -d e.example
assert_eq "$RC" 0 "--cert-name NEW: $OUT"
assert_cert_sans "$CB_CONFIG/live/mysite/cert.pem" e.example
cb_step by-name "${WEB[@]}" --cert-name mysite --force-renewal
assert_eq "$RC" 0 "--cert-name without -d: $OUT"
assert_eq "$(version mysite)" 2
assert_cert_sans "$CB_CONFIG/live/mysite/cert.pem" e.example
cb_step unknown-name "${WEB[@]}" --cert-name nosuch
assert_eq "$RC" 2 "unknown --cert-name without -d: exit status"
assert_contains "$OUT" "No certificate with name nosuch found"
cb_step bad-name "${WEB[@]}" --cert-name ../evil -d e.example
assert_eq "$RC" 2 "--cert-name ../evil: exit status"
assert_no_file "$CB_CONFIG/evil"
pass "--cert-name: change names, new name, renew by name, unknown and bad names"

# --- keys ----------------------------------------------------------------------------------------
key() { openssl pkey -in "$CB_CONFIG/live/mysite/privkey.pem" -pubout 2>/dev/null | sha256sum; }
k1=$(key)
cb_step reuse "${WEB[@]}" --cert-name mysite --force-renewal --reuse-key
assert_eq "$RC" 0 "--reuse-key: $OUT"
assert_eq "$(key)" "$k1" "--reuse-key keeps the key"
assert_eq "$(param mysite reuse_key)" "True"
# renew restores the stored choice (certonly, like certbot's, uses only the command line).
cb_step reuse-again renew --cert-name mysite --force-renewal --no-random-sleep-on-renew
assert_eq "$RC" 0 "renew with stored reuse_key: $OUT"
assert_eq "$(key)" "$k1" "stored reuse_key keeps the key"
cb_step new-key renew --cert-name mysite --force-renewal --new-key --no-random-sleep-on-renew
assert_eq "$RC" 0 "--new-key: $OUT"
k2=$(key)
[[ "$k2" != "$k1" ]] || fail "--new-key must replace the key"
assert_eq "$(param mysite reuse_key)" "True" "--new-key leaves reuse_key stored"
cb_step no-reuse "${WEB[@]}" --cert-name mysite --force-renewal --no-reuse-key
[[ "$(key)" != "$k2" ]] || fail "--no-reuse-key must replace the key"
assert_eq "$(param mysite reuse_key)" "False"
assert_file_mode "$CB_CONFIG/live/mysite/privkey.pem" 600
# Key type: the default (ecdsa) never changes an existing lineage; --key-type alone is refused.
cb_step rsa-ambiguous "${WEB[@]}" -d e.example --key-type rsa --force-renewal
assert_eq "$RC" 2 "--key-type rsa without --cert-name: exit status: $OUT"
assert_contains "$OUT" "Please provide both --cert-name and --key-type"
cb_step rsa "${WEB[@]}" --cert-name mysite --key-type rsa --force-renewal
assert_eq "$RC" 0 "--cert-name --key-type rsa: $OUT"
openssl pkey -in "$CB_CONFIG/live/mysite/privkey.pem" -noout -text 2>/dev/null | grep -q "Private-Key: (2048 bit" ||
  fail "mysite did not get an RSA key"
cb_step keep-rsa "${WEB[@]}" --cert-name mysite --force-renewal
openssl pkey -in "$CB_CONFIG/live/mysite/privkey.pem" -noout -text 2>/dev/null | grep -q "Private-Key: (2048 bit" ||
  fail "the default key type changed an RSA lineage"
pass "--reuse-key / --new-key / --no-reuse-key; key type changes only with --cert-name"

# --- --allow-subset-of-names --------------------------------------------------------------------
n=$(orders)
cb_step subset-off certonly --webroot -w "$www" -d f.example -w "$unserved" -d bad.example
assert_eq "$RC" 1 "a failing name without --allow-subset-of-names: exit status"
assert_no_file "$CB_CONFIG/renewal/f.example.conf"
cb_step subset certonly --webroot -w "$www" -d f.example -w "$unserved" -d bad.example \
  --allow-subset-of-names
assert_eq "$RC" 0 "--allow-subset-of-names: $OUT"
assert_contains "$OUT" "Retrying without: bad.example"
assert_cert_sans "$CB_CONFIG/live/f.example/cert.pem" f.example
assert_eq "$(param f.example allow_subset_of_names)" "True"
cb_step subset-all certonly --webroot -w "$unserved" -d bad.example -d bad2.example \
  --allow-subset-of-names
assert_eq "$RC" 1 "every name failing: exit status"
assert_contains "$OUT" "All challenges have failed"
assert_no_file "$CB_CONFIG/renewal/bad.example.conf"
n=$(orders)
cb_step subset-wild certonly --webroot -w "$www" -d '*.g.example' --allow-subset-of-names
[[ "$RC" -eq 2 ]] || fail "--allow-subset-of-names with a wildcard: exit $RC, want 2: $OUT"
assert_contains "$OUT" "wildcard"
assert_eq "$(orders)" "$n"
pass "--allow-subset-of-names drops the failing name; all failing and wildcards refused"

# --- --max-log-backups ------------------------------------------------------------------------
logs="$ITEST_DIR/logs2"
mkdir -p "$logs"
for i in 1 2 3 4; do
  "$CERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$logs" \
    --max-log-backups 2 >/dev/null 2>&1 || fail "certificates --max-log-backups 2 failed"
done
assert_eq "$(cd "$logs" && ls | paste -sd' ')" "letsencrypt.log letsencrypt.log.1 letsencrypt.log.2"
rm -f "$logs"/*
for i in 1 2 3; do
  "$CERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$logs" \
    --max-log-backups 0 >/dev/null 2>&1 || fail "certificates --max-log-backups 0 failed"
done
assert_eq "$(cd "$logs" && ls | paste -sd' ')" "letsencrypt.log"
assert_eq "$(grep -c 'verb certificates' "$logs/letsencrypt.log")" 3 "0 appends every run to one file"
expect_fail "$CERTBOT" certificates --config-dir "$CB_CONFIG" --logs-dir "$logs" --work-dir "$CB_WORK" \
  --max-log-backups -1 >/dev/null 2>&1
pass "--max-log-backups 2 keeps two, 0 appends, -1 refused"
