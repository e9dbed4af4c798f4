#!/usr/bin/env bash
# certbot --apache when things go wrong, against a private apache2 and Pebble. After each
# failure the tree is byte for byte what it was and apache still serves plain HTTP:
#   1. our edit fails apache2ctl configtest (options-ssl-apache.conf, edited by hand, holds a
#      directive apache rejects; certbot keeps an edited copy): the host rolls the transaction
#      back, including the a2enmod ssl (a2dismod -f undo commands);
#   2. a file the Httpd lens cannot parse (apache accepts a last line continued by a backslash,
#      augeas does not): the error names the file and line, nothing is changed;
#   3. mod_ssl missing (mods-available/ssl.load removed): a2enmod fails, the error says so;
#   4. --apache-handle-modules False with mod_ssl off: "Could not find ssl_module";
#   5. apache not installed (--apache-ctl names nothing): a clear error before anything is done.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

apache_test_begin
apache_simple_site a.conf a.example "site a"
apache_start
ap_run obtain certonly --apache -d a.example
snap="$ITEST_DIR/snap"
ap_snapshot "$snap"

# still_fine WHAT: the tree is unchanged and apache answers plain HTTP.
still_fine() {
  ap_assert_unchanged "$snap" "$1"
  assert_eq "$(ap_http_answer a.example)" "200 " "plain HTTP after $1"
}
install_args=(install --installer apache --cert-name a.example)

# fails NAME ARGS...: ap_certbot must exit with status 1 (certbot's for a plugin error).
fails() {
  local rc=0
  ap_certbot "$@" || rc=$?
  assert_eq "$rc" 1 "exit status of certbot ${*:2}"
}

# --- 1. configtest fails after our edit ------------------------------------------------------
opts="$CB_CONFIG/options-ssl-apache.conf"
cp "$opts" "$ITEST_DIR/options.orig"
echo "NoSuchDirectiveHere on" >>"$opts"
fails bad-edit "${install_args[@]}"
assert_contains "$ITEST_DIR/bad-edit.out" 'configtest failed'
still_fine "a change apache2ctl configtest rejects"
cmp -s "$opts" <(cat "$ITEST_DIR/options.orig"; echo "NoSuchDirectiveHere on") ||
  fail "the hand-edited options-ssl-apache.conf was replaced"
cp "$ITEST_DIR/options.orig" "$opts"
pass "an edit configtest rejects is rolled back (a2dismod too), apache keeps serving"

# --- 2. a file augeas cannot parse -----------------------------------------------------------
printf '# continued\nServerSignature Off\\\n' >"$AP_ROOT/conf-available/continued.conf"
ln -s ../conf-available/continued.conf "$AP_ROOT/conf-enabled/continued.conf"
"$APACHE_CTL_BIN" configtest >/dev/null 2>&1 || fail "apache should accept continued.conf"
ap_snapshot "$snap"
fails unparseable "${install_args[@]}"
assert_contains "$ITEST_DIR/unparseable.out" 'error in parsing the file .*continued\.conf on line 2'
still_fine "an unparseable include"
rm "$AP_ROOT/conf-enabled/continued.conf" "$AP_ROOT/conf-available/continued.conf"
ap_snapshot "$snap"
pass "a file the Httpd lens rejects: file and line named, nothing changed"

# --- 3. mod_ssl missing ---------------------------------------------------------------------
mv "$AP_ROOT/mods-available/ssl.load" "$ITEST_DIR/ssl.load"
ap_snapshot "$snap"
fails no-mod-ssl "${install_args[@]}"
assert_contains "$ITEST_DIR/no-mod-ssl.out" 'a2enmod ssl'
still_fine "mod_ssl missing"
mv "$ITEST_DIR/ssl.load" "$AP_ROOT/mods-available/ssl.load"
ap_snapshot "$snap"
pass "mod_ssl missing: a2enmod's failure is reported, nothing changed"

# --- 4. modules not handled ------------------------------------------------------------------
fails no-handle "${install_args[@]}" --apache-handle-modules False
assert_contains "$ITEST_DIR/no-handle.out" 'Could not find ssl_module'
still_fine "--apache-handle-modules False"
pass "--apache-handle-modules False without mod_ssl: refused, nothing changed"

# --- 5. apache not installed ----------------------------------------------------------------
fails no-apache "${install_args[@]}" --apache-ctl "$ITEST_DIR/no-such-apache2ctl"
assert_contains "$ITEST_DIR/no-apache.out" 'Cannot find Apache executable .*no-such-apache2ctl'
still_fine "apache not installed"
pass "apache not installed: a clear error naming apache2ctl"
