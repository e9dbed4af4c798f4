#!/usr/bin/env bash
# Rolling back never overwrites an Apache file the admin edited after certbot changed it (the
# checkpoint's WRITTEN record, plugins/support/reverter.h), with the real apache2 and Pebble:
#   1. `certbot --apache -d a.example`, then the admin edits the -le-ssl.conf certbot made:
#      `rollback` refuses with one line naming the file and what to do, and changes nothing;
#   2. the admin undoes the edit: `rollback` restores the tree byte for byte;
#   3. install again with a reload that fails after the admin edited the new -le-ssl.conf: the
#      automatic rollback refuses to overwrite the edit, naming the file; exit 1.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

apache_test_begin
apache_simple_site a.conf a.example "site a"
apache_start
ap_snapshot "$ITEST_DIR/snap0"
ssl="$AP_ROOT/sites-available/a-le-ssl.conf"
site="$AP_ROOT/sites-available/a.conf"

ap_run run --apache -d a.example --no-redirect
ap_assert_serves a.example a.example

# --- 1. an edit after the checkpoint: rollback refuses -------------------------------------------
printf '# a note the admin added after certbot\n' >>"$ssl"
cp "$ssl" "$ITEST_DIR/ssl.edited"
rc=0
ap_certbot refused rollback --installer apache || rc=$?
assert_eq "$rc" 1 "exit status of rollback over an edited file"
assert_eq "$(error_lines "$ITEST_DIR/refused.out")" 1 "lines of output of the refused rollback"
assert_contains "$ITEST_DIR/refused.out" "Not rolling back: $ssl was edited after certbot changed it"
assert_contains "$ITEST_DIR/refused.out" "delete $CB_WORK/backups/[0-9.]+/WRITTEN"
cmp -s "$ssl" "$ITEST_DIR/ssl.edited" || fail "the refused rollback changed $ssl"
ap_assert_serves a.example a.example
pass "rollback over a hand-edited file: refused in one line naming it, nothing changed"

# --- 2. the edit undone: rollback works ------------------------------------------------------------
sed -i '/a note the admin added/d' "$ssl"
ap_run rollback rollback --installer apache
ap_assert_unchanged "$ITEST_DIR/snap0" "after the rollback"
pass "with the edit undone, rollback restores the tree byte for byte"

# --- 3. the automatic rollback after a failed reload keeps an edit made meanwhile -------------
# An --apache-ctl whose graceful fails once, after the admin (simulated here, at that moment)
# edited the -le-ssl.conf certbot had just written.
mark="$ITEST_DIR/fail-graceful"
ctl="$ITEST_DIR/apache-ctl"
cat >"$ctl" <<CTL
#!/bin/sh
if [ "\$1" = "graceful" ] && [ -e "$mark" ]; then
  rm -f "$mark"
  printf '# edited while certbot ran\n' >>"$ssl"
  echo "graceful failed on purpose" >&2
  exit 1
fi
exec "$APACHE_CTL_BIN" "\$@"
CTL
chmod +x "$ctl"
touch "$mark"
rc=0
ap_certbot failed install --apache --cert-name a.example --no-redirect --apache-ctl "$ctl" || rc=$?
assert_eq "$rc" 1 "exit status of the install whose reload failed"
assert_no_file "$mark"
assert_contains "$ITEST_DIR/failed.out" "$ssl was edited after certbot changed it"
assert_contains "$ITEST_DIR/failed.out" "check the apache configuration by hand"
assert_contains "$ssl" "edited while certbot ran"
pass "the rollback after a failed reload refuses to overwrite an edit made meanwhile, naming it"
