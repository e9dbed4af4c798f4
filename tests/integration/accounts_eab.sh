#!/usr/bin/env bash
# External account binding (RFC 8555 §7.3.4) against a Pebble that requires it: no EAB -> a
# usage error naming --eab-kid; a malformed key -> usage error that does not echo the key; the
# wrong HMAC key -> the CA's refusal, one line naming the flags; the right key -> registered,
# with --eab-hmac-alg HS256, HS384 and HS512.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"

PEBBLE_EAB=1 pebble_start
[[ -n "${PEBBLE_EAB_KID:-}" && -n "${PEBBLE_EAB_KEY:-}" ]] || fail "pebble_start did not set up EAB"

# reg NAME ARGS...: register in a fresh config dir; output in $ITEST_DIR/NAME.out. Sets CFG.
reg() {
  local name=$1
  shift
  CFG=$(mktemp -d "$ITEST_DIR/$name.XXXXXX")
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  timeout 60 "$CERTBOT" register -n --agree-tos -m "$name@example.com" "$@" \
    --config-dir "$CFG/c" --work-dir "$CFG/w" --logs-dir "$CFG/l" --server "$PEBBLE_DIR_URL" \
    >"$ITEST_DIR/$name.out" 2>&1 </dev/null
}
accounts_in() { ls "$CFG/c/accounts/127.0.0.1:$PEBBLE_PORT/dir" 2>/dev/null | wc -l; }

rc=0; reg noeab || rc=$?
assert_eq "$rc" 2 "register without EAB"
assert_contains "$ITEST_DIR/noeab.out" 'requires external account binding: add --eab-kid and --eab-hmac-key'
assert_eq "$(accounts_in)" 0 "accounts after a refused registration"
pass "without EAB: exit 2 naming --eab-kid"

rc=0; reg halfeab --eab-kid "$PEBBLE_EAB_KID" || rc=$?
assert_eq "$rc" 2 "register with --eab-kid only"
assert_contains "$ITEST_DIR/halfeab.out" 'both --eab-kid and --eab-hmac-key'

rc=0; reg badkey --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key 'not*base64url!' || rc=$?
assert_eq "$rc" 2 "register with a malformed HMAC key"
assert_contains "$ITEST_DIR/badkey.out" '--eab-hmac-key is not a base64url'
assert_not_contains "$ITEST_DIR/badkey.out" 'not\*base64url!'
pass "half an EAB or a malformed key: exit 2 naming the flag, key not echoed"

wrong=$(openssl rand 48 | base64 -w0 | tr '+/' '-_' | tr -d '=')
rc=0; reg wrong --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key "$wrong" || rc=$?
assert_eq "$rc" 1 "register with the wrong HMAC key"
assert_contains "$ITEST_DIR/wrong.out" 'check --eab-kid, --eab-hmac-key and --eab-hmac-alg'
assert_eq "$(error_lines "$ITEST_DIR/wrong.out")" 1 "lines of the error"
assert_not_contains "$ITEST_DIR/wrong.out" "$wrong"
assert_eq "$(accounts_in)" 0 "accounts after the wrong HMAC key"
rc=0; reg wrongkid --eab-kid no-such-kid --eab-hmac-key "$PEBBLE_EAB_KEY" || rc=$?
assert_eq "$rc" 1 "register with an unknown kid"
assert_not_contains "$ITEST_DIR/wrongkid.out" "$PEBBLE_EAB_KEY"
pass "wrong HMAC key or kid: the CA's refusal in one line naming the flags, no account saved"

for alg in HS256 HS384 HS512; do
  reg "ok$alg" --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key "$PEBBLE_EAB_KEY" --eab-hmac-alg "$alg" ||
    fail "register with EAB $alg failed: $(cat "$ITEST_DIR/ok$alg.out")"
  assert_eq "$(accounts_in)" 1 "accounts after EAB $alg"
  assert_not_contains "$ITEST_DIR/ok$alg.out" "$PEBBLE_EAB_KEY"
  assert_not_contains "$CFG/l/letsencrypt.log" "$PEBBLE_EAB_KEY"
  timeout 60 "$CERTBOT" show_account -n --config-dir "$CFG/c" --work-dir "$CFG/w" \
    --logs-dir "$CFG/l" --server "$PEBBLE_DIR_URL" >"$ITEST_DIR/show$alg.out" 2>&1 ||
    fail "show_account after EAB $alg: $(cat "$ITEST_DIR/show$alg.out")"
  assert_contains "$ITEST_DIR/show$alg.out" "Email contact: ok$alg@example\\.com"
done
pass "the right key registers with HS256, HS384 and HS512; the key is in no output or log"
