#!/usr/bin/env bash
# Questions before destructive or ambiguous steps, on a pseudo-terminal (lib.sh pty_run): revoke
# asks whether to delete the lineage ((N)o keeps it); unregister asks (A)bort keeps the
# account, (D)eactivate removes it; several accounts give a numbered menu (a bad number asks
# again, c cancels).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"
out=$(cb_run "$CERTBOT" certonly --standalone -d x.example --http-01-port "$HTTP01_PORT" \
  -m first@example.com 2>&1) || fail "certonly -n failed: $out"

# --- revoke on a terminal: (N)o keeps the lineage ------------------------------------------------
cb_pty revoke_keep 'all earlier and later versions\tn\n' revoke --cert-name x.example
assert_eq "$PTY_RC" 0 "interactive revoke"
assert_contains "$ITEST_DIR/revoke_keep.txt" '\(Y\)es \(recommended\)/\(N\)o: '
assert_file "$CB_CONFIG/renewal/x.example.conf"
pass "revoke asks before deleting; No keeps the lineage"

# --- unregister: Abort keeps, Deactivate removes ------------------------------------------------
cb_pty unreg_abort '(D)eactivate/(A)bort: \ta\n' unregister
assert_eq "$PTY_RC" 1 "unregister aborted"
assert_contains "$ITEST_DIR/unreg_abort.txt" 'Deactivation aborted'
[[ -n "$(ls "$acct_parent")" ]] || fail "the account was removed although aborted"
cb_pty unreg '(D)eactivate/(A)bort: \td\n' unregister
assert_eq "$PTY_RC" 0 "unregister confirmed"
assert_contains "$ITEST_DIR/unreg.txt" 'Account deactivated'
assert_eq "$(ls "$acct_parent" 2>/dev/null)" "" "accounts after unregister"
pass "unregister: (A)bort keeps the account, (D)eactivate removes it"

# --- several accounts: a numbered choice ----------------------------------------------------------
out=$(cb_run "$CERTBOT" register -m again@example.com 2>&1) || fail "register failed: $out"
other=$(mktemp -d "$ITEST_DIR/other.XXXXXX")
timeout 60 "$CERTBOT" register -n --agree-tos -m other@example.com --config-dir "$other/c" \
  --work-dir "$other/w" --logs-dir "$other/l" --server "$PEBBLE_DIR_URL" >/dev/null 2>&1 ||
  fail "registering a second account failed"
cp -a "$other/c/accounts/127.0.0.1:$PEBBLE_PORT/dir/." "$acct_parent/"
cb_pty choose_cancel 'Select the appropriate number [1-2]\tc\n' show_account
assert_eq "$PTY_RC" 2 "account choice cancelled"
assert_contains "$ITEST_DIR/choose_cancel.txt" 'No account has been chosen \(--account ID'
second=$(ls "$acct_parent" | sed -n 2p)
cb_pty choose 'Select the appropriate number [1-2]\t7\nSelect the appropriate number [1-2]\t2\n' show_account
assert_eq "$PTY_RC" 0 "account chosen from the menu"
assert_contains "$ITEST_DIR/choose.txt" "^2: $second "
url2=$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$acct_parent/$second/regr.json")
assert_contains "$ITEST_DIR/choose.txt" "Account URL: $url2"
pass "several accounts on a terminal: a numbered menu (re-asks on a bad number, c cancels)"
