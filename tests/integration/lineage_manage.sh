#!/usr/bin/env bash
# reconfigure, update_symlinks and delete of our binary against Pebble (webroot lineages):
#  - reconfigure --cert-name NAME --deploy-hook ...: a dry-run renewal with the new options,
#    then the renewal conf has them (renew_hook), the certificate is unchanged and the hook did
#    not run; the same again says "No changes"; a change whose dry run fails (webroot not
#    served) leaves the conf alone; changing --server is refused; -d is refused; no --cert-name
#    with -n fails naming --cert-name; Python certbot still reads the conf;
#  - update_symlinks after the archive moved (archive_dir edited): the links follow, at the
#    same version; a live file that is not a link is reported, exit 1;
#  - delete: -n without --cert-name names --cert-name; an unknown name fails; on a terminal a
#    numbered choice and a confirmation (no keeps it); --cert-name -n deletes.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --authz-reuse 0

www="$ITEST_DIR/www"
unserved="$ITEST_DIR/unserved"
mkdir -p "$unserved"
serve_webroot "$www"
conf() { echo "$CB_CONFIG/renewal/$1.conf"; }
param() { sed -n "s/^$2 = //p" "$(conf "$1")"; }

for n in a b c; do
  cb_step "issue-$n" certonly --webroot -w "$www" -d "$n.example"
  assert_eq "$RC" 0 "issuing $n.example: $OUT"
done

# --- reconfigure ------------------------------------------------------------------------------
cb_step reconf-no-name reconfigure --deploy-hook true
assert_eq "$RC" 2 "reconfigure -n without --cert-name: $OUT"
assert_contains "$OUT" "--cert-name"
cb_step reconf-domains reconfigure --cert-name a.example -d a.example
assert_eq "$RC" 2 "reconfigure -d: $OUT"
assert_contains "$OUT" "cannot change the domains"
cb_step reconf-unknown reconfigure --cert-name nosuch --deploy-hook true
assert_eq "$RC" 2 "reconfigure of an unknown name: exit status"
assert_contains "$OUT" "nosuch could not be found"

cert_before=$(readlink "$CB_CONFIG/live/a.example/cert.pem")
cb_step reconf-hook reconfigure --cert-name a.example --deploy-hook "touch $ITEST_DIR/deployed"
assert_eq "$RC" 0 "reconfigure --deploy-hook: $OUT"
assert_contains "$OUT" "Successfully updated configuration"
assert_eq "$(param a.example renew_hook)" "touch $ITEST_DIR/deployed"
assert_eq "$(param a.example authenticator)" "webroot"
assert_eq "$(readlink "$CB_CONFIG/live/a.example/cert.pem")" "$cert_before" "reconfigure saves no certificate"
assert_no_file "$ITEST_DIR/deployed"
cb_step reconf-same reconfigure --cert-name a.example
assert_eq "$RC" 0 "reconfigure without changes: $OUT"
assert_contains "$OUT" "No changes were made"
assert_eq "$(param a.example renew_hook)" "touch $ITEST_DIR/deployed"
cp "$(conf a.example)" "$ITEST_DIR/a.conf.before"
cb_step reconf-bad reconfigure --cert-name a.example --webroot -w "$unserved"
assert_eq "$RC" 1 "reconfigure whose dry run fails: exit status"
assert_contains "$OUT" "was not changed"
cmp -s "$(conf a.example)" "$ITEST_DIR/a.conf.before" || fail "a failed reconfigure changed the conf"
CB_SERVER="https://127.0.0.1:1/dir" cb_step reconf-server reconfigure --cert-name a.example
assert_eq "$RC" 2 "reconfigure --server: exit status"
assert_contains "$OUT" "change the ACME account or server is not supported"
py_out=$(timeout 60 "$PYCERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$ITEST_DIR/pylogs" 2>&1) || fail "Python certbot certificates failed: $py_out"
assert_contains "$py_out" "Certificate Name: a.example"
assert_not_contains "$py_out" "invalid"
pass "reconfigure: dry run then save; no changes; failed dry run keeps the conf; refusals"

# --- update_symlinks ----------------------------------------------------------------------------
mv "$CB_CONFIG/archive/b.example" "$CB_CONFIG/archive/b-moved"
sed -i "s|^archive_dir = .*|archive_dir = $CB_CONFIG/archive/b-moved|" "$(conf b.example)"
[[ ! -e "$CB_CONFIG/live/b.example/cert.pem" ]] || fail "setup: link should dangle"
cb_step symlinks update_symlinks
assert_eq "$RC" 0 "update_symlinks: $OUT"
assert_eq "$(readlink "$CB_CONFIG/live/b.example/cert.pem")" "../../archive/b-moved/cert1.pem"
assert_file "$CB_CONFIG/live/b.example/privkey.pem"
assert_eq "$(readlink "$CB_CONFIG/live/a.example/cert.pem")" "$cert_before" "other lineages keep their links"
cp --remove-destination "$CB_CONFIG/live/c.example/chain.pem" "$ITEST_DIR/chain.copy"
cp --remove-destination "$ITEST_DIR/chain.copy" "$CB_CONFIG/live/c.example/chain.pem"
cb_step symlinks-bad update_symlinks
assert_eq "$RC" 1 "update_symlinks with a regular file: $OUT"
assert_contains "$OUT" "c.example/chain.pem to be a symlink"
pass "update_symlinks follows a moved archive_dir; a non-link is reported"

# --- delete ---------------------------------------------------------------------------------------
cb_step del-no-name delete
assert_eq "$RC" 2 "delete -n without --cert-name: $OUT"
assert_contains "$OUT" "--cert-name"
cb_step del-unknown delete --cert-name nosuch
assert_eq "$RC" 2 "delete of an unknown name: exit status"
assert_contains "$OUT" "No certificate found with name nosuch"
cb_term_step del-no "2
n
" delete
assert_eq "$RC" 0 "delete answered no: $OUT"
assert_contains "$OUT" "2: b.example"
assert_contains "$OUT" "canceled"
assert_file "$(conf b.example)"
cb_term_step del-yes "2
y
" delete
assert_eq "$RC" 0 "delete on a terminal: $OUT"
assert_contains "$OUT" "Deleted all files relating to certificate b.example"
assert_no_file "$(conf b.example)"
assert_no_file "$CB_CONFIG/live/b.example"
assert_file "$(conf a.example)"
cb_step del-a delete --cert-name a.example
assert_eq "$RC" 0 "delete --cert-name: $OUT"
assert_no_file "$(conf a.example)"
assert_no_file "$CB_CONFIG/archive/a.example"
pass "delete: -n needs --cert-name, unknown name, terminal choice and confirmation, --cert-name"
