#!/usr/bin/env bash
# The interactive first run on a pseudo-terminal (python3's pty module): `certbot certonly
# --standalone -d x` without -n, --agree-tos or -m asks for an email address, shows the CA's
# terms of service and asks to (A)gree/(C)ancel, then obtains the certificate. Also: Cancel at
# the ToS prompt registers nothing; update_account asks for an address until a valid one; a
# blank email registers without one (with the warning). Confirmations: interactive_confirm.sh.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"

# --- Cancel at the terms of service: nothing registered ----------------------------------------
cb_pty cancel 'Enter email address\tme@example.com\n(A)gree/(C)ancel: \tc\n' register
assert_eq "$PTY_RC" 1 "register cancelled at the ToS"
assert_contains "$ITEST_DIR/cancel.txt" "Terms of Service at data:"
assert_contains "$ITEST_DIR/cancel.txt" 'cannot proceed without accepting'
assert_no_file "$acct_parent"
pass "ToS (C)ancel: exit 1, no account"

# --- the first run: email, ToS, certificate -----------------------------------------------------
cb_pty first 'Enter email address\tfirst@example.com\n(A)gree/(C)ancel: \ta\n' \
  certonly --standalone -d x.example --http-01-port "$HTTP01_PORT"
assert_eq "$PTY_RC" 0 "interactive first certonly"
assert_contains "$ITEST_DIR/first.txt" 'Terms of Service at data:text/plain'
assert_contains "$ITEST_DIR/first.txt" 'Successfully received certificate'
assert_file "$CB_CONFIG/live/x.example/fullchain.pem"
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after the first run: $out"
assert_contains "$out" 'Email contact: first@example\.com'
pass "first interactive run: email prompt, ToS prompt, certificate obtained"

# --- update_account without -m asks (no blank allowed: it re-asks) ------------------------------
cb_pty update 'Enter email address\t\nEnter email address\tnot-an-address\nproblems with that address\tnew@example.com\n' update_account
assert_eq "$PTY_RC" 0 "interactive update_account"
assert_contains "$ITEST_DIR/update.txt" 'updated to new@example\.com'
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after update: $out"
assert_contains "$out" 'Email contact: new@example\.com'
pass "update_account asks for the address until it gets a valid one"

# --- a blank email: registered without one, with the warning ------------------------------------
certbot_dirs
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"
cb_pty blank 'Enter email address\t\n(A)gree/(C)ancel: \tA\n' register
assert_eq "$PTY_RC" 0 "register with a blank email"
assert_contains "$ITEST_DIR/blank.txt" 'you will not receive notice'
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after blank email: $out"
assert_contains "$out" 'Email contact: none'
pass "blank email: registered without a contact, after the warning"
