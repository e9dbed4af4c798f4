#!/usr/bin/env bash
# Account key rollover (RFC 8555 §7.3.5) against Pebble: `update_account --new-key` keeps the
# account URL, moves the account to the new key's certbot id, repoints renewal confs (our renew
# still works), and the old key no longer opens the account; Debian's Python certbot then shows
# the account and issues with it. (The rollover of Python certbot's RSA account: accounts.sh.)
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"

# ours/py NAME ARGS...: a certbot run against Pebble (cb_run: -n --agree-tos and the directories),
# output in $ITEST_DIR/NAME.out, shown if the test fails.
ours() { itest_log "certbot $1" "$ITEST_DIR/$1.out"; cb_run "$CERTBOT" "${@:2}" >"$ITEST_DIR/$1.out" 2>&1; }
py() { itest_log "python $1" "$ITEST_DIR/$1.out"; cb_run "$PYCERTBOT" "${@:2}" >"$ITEST_DIR/$1.out" 2>&1; }
account_ids() { ls "$acct_parent" 2>/dev/null | sort; }

ours reg register -m first@example.com || fail "register failed"
id1=$(account_ids)
url1=$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$acct_parent/$id1/regr.json")
ours show show_account || fail "show_account failed"
thumb=$(sed -n 's/^  Account Thumbprint: //p' "$ITEST_DIR/show.out")
[[ -n "$url1" && -n "$thumb" ]] || fail "no account URL or thumbprint"

ours cert1 certonly --standalone -d roll.example --http-01-port "$HTTP01_PORT" ||
  fail "certonly before rollover failed"
assert_contains "$CB_CONFIG/renewal/roll.example.conf" "^account = $id1\$"
cp -a "$acct_parent/$id1" "$ITEST_DIR/old-account"
ours roll update_account --new-key || fail "update_account --new-key failed"
id2=$(account_ids)
[[ "$id2" =~ ^[0-9a-f]{32}$ && "$id2" != "$id1" ]] || fail "after rollover one new id expected, got '$id2'"
assert_contains "$ITEST_DIR/roll.out" "account $id1 is now $id2"
assert_file_mode "$acct_parent/$id2/private_key.json" 400
assert_eq "$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$acct_parent/$id2/regr.json")" "$url1" "account URL after rollover"
assert_contains "$CB_CONFIG/renewal/roll.example.conf" "^account = $id2\$"
ours show3 show_account || fail "show_account after rollover failed"
thumb2=$(sed -n 's/^  Account Thumbprint: //p' "$ITEST_DIR/show3.out")
[[ -n "$thumb2" && "$thumb2" != "$thumb" ]] || fail "thumbprint did not change: $thumb2"
assert_contains "$ITEST_DIR/show3.out" "^  Account URL: $url1\$"
py pyshow3 show_account || fail "Python show_account after rollover failed"
assert_contains "$ITEST_DIR/pyshow3.out" "Account URL: $url1"
assert_contains "$ITEST_DIR/pyshow3.out" 'Email contact: first@example\.com'
cb_run "$PYCERTBOT" certonly --standalone -d roll2.example --http-01-port "$HTTP01_PORT" \
  >"$ITEST_DIR/pycert2.out" 2>&1 || fail "Python certonly after rollover: $(cat "$ITEST_DIR/pycert2.out")"
assert_contains "$CB_CONFIG/renewal/roll2.example.conf" "^account = $id2\$"
ours renew_roll renew --cert-name roll.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew of a lineage whose conf was repointed failed"
assert_file "$CB_CONFIG/archive/roll.example/cert2.pem"
# The old key no longer opens the account at the CA.
stale=$(mktemp -d "$ITEST_DIR/stale.XXXXXX")
mkdir -p "$stale/c/accounts/127.0.0.1:$PEBBLE_PORT/dir"
cp -a "$ITEST_DIR/old-account" "$stale/c/accounts/127.0.0.1:$PEBBLE_PORT/dir/$id1"
rc=0
timeout 60 "$CERTBOT" show_account -n --config-dir "$stale/c" --work-dir "$stale/w" \
  --logs-dir "$stale/l" --server "$PEBBLE_DIR_URL" >"$ITEST_DIR/stale.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "the old account key still opens the account: $(cat "$ITEST_DIR/stale.out")"
assert_contains "$ITEST_DIR/stale.out" 'accountDoesNotExist'
pass "update_account --new-key: same account URL, new key and id; Python certbot shows it and issues with it"
