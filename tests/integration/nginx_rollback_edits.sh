#!/usr/bin/env bash
# Rolling back never overwrites an nginx file the admin edited after certbot changed it, with the
# real nginx and Pebble: steps 1 and 2 are the scenario of lib_rollback.bash (an edit after the
# checkpoint: rollback refuses in one line and changes nothing; the edit undone: rollback
# restores every file byte for byte, and HTTPS no longer answers); then
#   3. install again, edit again, delete the checkpoint's WRITTEN (the admin's explicit choice):
#      `rollback` restores the original, the edit given up;
#   4. an interrupted install (IN_PROGRESS left behind by a run killed in its config test) and
#      an edit made afterwards: the next `install` refuses at its recovery, naming the file, and
#      leaves the edit in place.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"
# shellcheck source=tests/integration/lib_rollback.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_rollback.bash"

nginx_test_begin
nginx_simple_site a.example a.example "site a" default_server
nginx_start
ngx_snapshot "$ITEST_DIR/snap0"
site="$NGX_ROOT/sites-available/a.example"

rollback_edits_scenario nginx "$site" "$ITEST_DIR/snap0"
if https_get a.example / >/dev/null 2>&1; then fail "HTTPS answers after the rollback"; fi

# --- 3. forced by deleting WRITTEN -------------------------------------------------------------------
ngx_certbot install install --nginx --cert-name a.example --no-redirect ||
  fail "install failed: $(cat "$ITEST_DIR/install.out")"
printf '# another note\n' >>"$site"
rc=0
ngx_certbot refused2 rollback --installer nginx || rc=$?
assert_eq "$rc" 1 "exit status of the second refused rollback"
written=$(sed -nE 's/.*delete (.*\/WRITTEN).*/\1/p' "$ITEST_DIR/refused2.out")
[[ -f "$written" ]] || fail "the refusal names no existing WRITTEN file: $(cat "$ITEST_DIR/refused2.out")"
rm "$written"
ngx_certbot forced rollback --installer nginx || fail "forced rollback failed: $(cat "$ITEST_DIR/forced.out")"
ngx_assert_unchanged "$ITEST_DIR/snap0" "after the forced rollback"
pass "deleting the checkpoint's WRITTEN rolls back anyway (the admin's explicit choice)"

# --- 4. recovery of an interrupted install refuses to undo a later edit -------------------------
# A --nginx-ctl that kills certbot dead (SIGKILL to the parent of the plugin's runner) at the
# config test after the deployment was written: the IN_PROGRESS checkpoint stays behind.
mark="$ITEST_DIR/kill-at-test"
ctl="$ITEST_DIR/nginx-ctl"
cat >"$ctl" <<CTL
#!/bin/sh
if [ "\$3" = "-t" ] && [ -e "$mark" ] && grep -q 'ssl_certificate ' "$site"; then
  rm -f "$mark"
  kill -KILL "\$(ps -o ppid= -p "\$PPID")" "\$PPID"
  exit 1
fi
exec "$NGINX_BIN" "\$@"
CTL
chmod +x "$ctl"
touch "$mark"
rc=0
ngx_certbot killed install --nginx --cert-name a.example --no-redirect --nginx-ctl "$ctl" || rc=$?
((rc != 0)) || fail "the install killed in its config test succeeded"
assert_no_file "$mark"
[[ -d "$CB_WORK/backups/IN_PROGRESS" ]] || fail "the killed install left no IN_PROGRESS checkpoint"
printf '# edited after the crash\n' >>"$site"
cp "$site" "$ITEST_DIR/site.after-crash"
rc=0
ngx_certbot recover install --nginx --cert-name a.example --no-redirect || rc=$?
assert_eq "$rc" 1 "exit status of the install that would undo an edit"
assert_contains "$ITEST_DIR/recover.out" "$site was edited after certbot changed it"
cmp -s "$site" "$ITEST_DIR/site.after-crash" || fail "the recovery overwrote the edit in $site"
pass "an interrupted install's recovery refuses to overwrite a later edit, naming the file"
