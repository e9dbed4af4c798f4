#!/usr/bin/env bash
# Account lifecycle against Pebble: -n without the answers it needs, register, show_account
# (Debian's Python certbot sees the same), update_account -m, --account with several accounts
# (one of them Python certbot's RSA account, rolled over to a new key), unregister (the CA
# refuses the account afterwards), register again. Key rollover in depth: accounts_rollover.sh.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" --server "$PEBBLE_DIR_URL")

# ours NAME ARGS...: our binary with the directories, output in $ITEST_DIR/NAME.out.
ours() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  timeout 60 "$CERTBOT" "$@" "${dirs[@]}" >"$ITEST_DIR/$name.out" 2>&1 </dev/null
}
py() {
  local name=$1
  shift
  itest_log "python certbot $name" "$ITEST_DIR/$name.out"
  timeout 60 "$PYCERTBOT" "$@" "${dirs[@]}" >"$ITEST_DIR/$name.out" 2>&1 </dev/null
}
account_ids() { ls "$acct_parent" 2>/dev/null | sort; }

# --- -n without the answers: exit 2, the flag named, nothing written ---------------------
rc=0; ours no_tos register -n -m a@example.com || rc=$?
assert_eq "$rc" 2 "register -n without --agree-tos"
assert_contains "$ITEST_DIR/no_tos.out" 'add --agree-tos'
rc=0; ours no_email register -n --agree-tos || rc=$?
assert_eq "$rc" 2 "register -n without -m"
assert_contains "$ITEST_DIR/no_email.out" '-m EMAIL or --register-unsafely-without-email'
rc=0; ours show_none show_account -n || rc=$?
assert_eq "$rc" 1 "show_account without an account"
assert_contains "$ITEST_DIR/show_none.out" 'certbot register'
assert_eq "$(account_ids)" "" "accounts after refused runs"
pass "-n without --agree-tos / -m: exit 2 naming the flag; nothing registered"

# --- register, show_account ------------------------------------------------------------
ours reg register -n --agree-tos -m first@example.com --no-eff-email || fail "register failed"
assert_contains "$ITEST_DIR/reg.out" 'Account registered'
id1=$(account_ids)
[[ "$id1" =~ ^[0-9a-f]{32}$ ]] || fail "one account id expected, got '$id1'"
assert_file_mode "$acct_parent/$id1/private_key.json" 400
url1=$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$acct_parent/$id1/regr.json")
[[ -n "$url1" ]] || fail "no uri in regr.json"
rc=0; ours reg_again register -n --agree-tos -m x@example.com || rc=$?
assert_eq "$rc" 1 "second register"
assert_contains "$ITEST_DIR/reg_again.out" 'existing account'

ours show show_account -n || fail "show_account failed"
assert_contains "$ITEST_DIR/show.out" "^  Account URL: $url1\$"
assert_contains "$ITEST_DIR/show.out" '^  Email contact: first@example\.com$'
thumb=$(sed -n 's/^  Account Thumbprint: //p' "$ITEST_DIR/show.out")
[[ "$thumb" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "thumbprint '$thumb'"
py pyshow show_account || fail "Python certbot show_account on our account failed"
assert_contains "$ITEST_DIR/pyshow.out" "Account URL: $url1"
assert_contains "$ITEST_DIR/pyshow.out" 'Email contact: first@example\.com'
pass "register, show_account (URL, thumbprint, contact) as Python certbot sees it"

# --- update_account -m ------------------------------------------------------------------
ours upd update_account -n -m second@example.com,third@example.com || fail "update_account failed"
assert_contains "$ITEST_DIR/upd.out" 'updated to second@example\.com,third@example\.com'
ours show2 show_account -n || fail "show_account after update failed"
assert_contains "$ITEST_DIR/show2.out" '^  Email contacts: second@example\.com, third@example\.com$'
rc=0; ours upd_none update_account -n || rc=$?
assert_eq "$rc" 2 "update_account -n without -m"
assert_contains "$ITEST_DIR/upd_none.out" 'add -m EMAIL'
pass "update_account -m replaces the contacts at the CA"

# --- several accounts: --account chooses; rollover of Python certbot's RSA account -------------
other=$(mktemp -d "$ITEST_DIR/other.XXXXXX")
timeout 60 "$PYCERTBOT" register -n --agree-tos --register-unsafely-without-email \
  --config-dir "$other/c" --work-dir "$other/w" --logs-dir "$other/l" --server "$PEBBLE_DIR_URL" \
  >"$ITEST_DIR/reg_other.out" 2>&1 || fail "Python register failed: $(cat "$ITEST_DIR/reg_other.out")"
id3=$(ls "$other/c/accounts/127.0.0.1:$PEBBLE_PORT/dir")
cp -a "$other/c/accounts/127.0.0.1:$PEBBLE_PORT/dir/$id3" "$acct_parent/"
assert_contains "$acct_parent/$id3/private_key.json" '"kty": "RSA"'
rc=0; ours several show_account -n || rc=$?
assert_eq "$rc" 2 "show_account with two accounts and no --account"
assert_contains "$ITEST_DIR/several.out" 'choose one with --account'
ours roll_rsa update_account -n --new-key --account "$id3" || fail "rollover of Python's account failed"
id3b=$(account_ids | grep -vx "$id1")
[[ "$id3b" =~ ^[0-9a-f]{32}$ && "$id3b" != "$id3" ]] || fail "rolled-over id expected, got '$id3b'"
assert_contains "$acct_parent/$id3b/private_key.json" '"kty": "RSA"'
ours show_other show_account -n --account "$id3b" || fail "show_account --account failed"
assert_contains "$ITEST_DIR/show_other.out" '^  Email contact: none$'
ours unreg_other unregister -n --account "$id3b" || fail "unregister --account failed"
assert_no_file "$acct_parent/$id3b"
assert_file "$acct_parent/$id1/regr.json"
pass "two accounts: -n names --account; --account picks one to roll over (Python's RSA key), show, unregister"

# --- unregister: deactivated at the CA, removed locally ------------------------------------
cp -a "$acct_parent/$id1" "$ITEST_DIR/saved-account"
ours unreg unregister -n || fail "unregister failed"
assert_contains "$ITEST_DIR/unreg.out" 'Account deactivated'
assert_no_file "$acct_parent/$id1"
# Put the deactivated account's files back: the CA must refuse it.
mkdir -p "$acct_parent" && cp -a "$ITEST_DIR/saved-account" "$acct_parent/$id1"
rc=0; ours show_deact show_account -n || rc=$?
assert_eq "$rc" 1 "show_account with a deactivated account: exit status"
assert_contains "$ITEST_DIR/show_deact.out" 'unauthorized|deactivated'
rm -rf "${acct_parent:?}/$id1"

ours rereg register -n --agree-tos -m again@example.com || fail "register after unregister failed"
id4=$(account_ids)
[[ "$id4" =~ ^[0-9a-f]{32}$ && "$id4" != "$id1" ]] || fail "new account expected, got '$id4'"
ours show4 show_account -n || fail "show_account of the new account failed"
assert_contains "$ITEST_DIR/show4.out" '^  Email contact: again@example\.com$'
if grep -q "Account URL: $url1\$" "$ITEST_DIR/show4.out"; then fail "new registration reused $url1"; fi
pass "unregister deactivates at the CA and removes the files; register works again"
