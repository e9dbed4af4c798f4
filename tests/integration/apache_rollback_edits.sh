#!/usr/bin/env bash
# Rolling back never overwrites an Apache file the admin edited after certbot changed it, with the
# real apache2 and Pebble: steps 1 and 2 are the scenario of lib_rollback.bash on the
# -le-ssl.conf certbot made (an edit after the checkpoint: rollback refuses in one line and
# changes nothing; the edit undone: rollback restores the tree byte for byte); then
#   3. install again with a reload that fails after the admin edited the new -le-ssl.conf: the
#      automatic rollback refuses to overwrite the edit, naming the file; exit 1.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"
# shellcheck source=tests/integration/lib_rollback.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_rollback.bash"

apache_test_begin
apache_simple_site a.conf a.example "site a"
apache_start
ap_snapshot "$ITEST_DIR/snap0"
ssl="$AP_ROOT/sites-available/a-le-ssl.conf"

rollback_edits_scenario apache "$ssl" "$ITEST_DIR/snap0"

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
