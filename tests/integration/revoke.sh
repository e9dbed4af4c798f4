#!/usr/bin/env bash
# revoke against Pebble (RFC 8555 §7.6): by the account key (--cert-name) and by the
# certificate's own key (--cert-path --key-path), with --reason checked in Pebble's management
# API; deletion after revocation: --no-delete-after-revoke keeps the lineage, -n deletes it
# (certbot 2.x's default), --delete-after-revoke deletes it. Bad flag combinations are exit 2.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue

ours() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  cb_run "$CERTBOT" "$@" >"$ITEST_DIR/$name.out" 2>&1 </dev/null
}
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
# assert_revoked SERIAL REASON: Pebble says the certificate is revoked with that RFC 5280 code.
assert_revoked() {
  local st
  st=$(pebble_cert_status "$1") || fail "cannot query Pebble for serial $1"
  assert_contains "$st" '"Status": *"Revoked"'
  assert_contains "$st" "\"Reason\": *$2[,}]"
}
assert_lineage_gone() {
  assert_no_file "$CB_CONFIG/renewal/$1.conf"
  assert_no_file "$CB_CONFIG/live/$1"
  assert_no_file "$CB_CONFIG/archive/$1"
}

for d in a b c d; do
  ours "issue_$d" certonly --standalone -d "$d.example" --http-01-port "$HTTP01_PORT" \
    --register-unsafely-without-email || fail "certonly $d.example failed: $(cat "$ITEST_DIR/issue_$d.out")"
done
sa=$(serial_of "$CB_CONFIG/live/a.example/cert.pem")
assert_contains "$(pebble_cert_status "$sa")" '"Status": *"Valid"'

# --- flag errors ----------------------------------------------------------------------------
rc=0; ours both revoke --cert-name a.example --cert-path "$CB_CONFIG/live/a.example/cert.pem" || rc=$?
assert_eq "$rc" 2 "--cert-name with --cert-path"
assert_contains "$ITEST_DIR/both.out" 'Exactly one of --cert-path or --cert-name'
rc=0; ours neither revoke || rc=$?
assert_eq "$rc" 2 "revoke without a certificate"
rc=0; ours wrongkey revoke --cert-path "$CB_CONFIG/live/a.example/cert.pem" \
  --key-path "$CB_CONFIG/live/b.example/privkey.pem" || rc=$?
assert_eq "$rc" 2 "--key-path of another certificate"
assert_contains "$ITEST_DIR/wrongkey.out" 'is not the key of the certificate'
assert_contains "$(pebble_cert_status "$sa")" '"Status": *"Valid"'
pass "bad flag combinations: exit 2, nothing revoked"

# --- by the account key, keep the lineage -----------------------------------------------------
ours rev_a revoke --cert-name a.example --reason keycompromise --no-delete-after-revoke ||
  fail "revoke --cert-name a.example failed"
assert_contains "$ITEST_DIR/rev_a.out" 'successfully revoked'
assert_revoked "$sa" 1
assert_file "$CB_CONFIG/renewal/a.example.conf"
assert_file "$CB_CONFIG/live/a.example/cert.pem"
rc=0; ours rev_a2 revoke --cert-name a.example --no-delete-after-revoke || rc=$?
assert_eq "$rc" 1 "revoking twice"
assert_contains "$ITEST_DIR/rev_a2.out" 'alreadyRevoked'
pass "account key: revoked with reason keycompromise (1); lineage kept; twice is the CA's alreadyRevoked"

# --- by the certificate key; -n deletes -----------------------------------------------------
sb=$(serial_of "$CB_CONFIG/live/b.example/cert.pem")
cp "$CB_CONFIG/live/b.example/cert.pem" "$CB_CONFIG/live/b.example/privkey.pem" "$ITEST_DIR/"
ours rev_b revoke --cert-path "$CB_CONFIG/live/b.example/cert.pem" \
  --key-path "$CB_CONFIG/live/b.example/privkey.pem" --reason superseded ||
  fail "revoke by certificate key failed"
assert_revoked "$sb" 4
assert_contains "$ITEST_DIR/rev_b.out" 'Deleted all files relating to certificate b\.example'
assert_lineage_gone b.example
assert_file "$CB_CONFIG/renewal/c.example.conf"
pass "certificate key (jwk-signed): revoked with reason superseded (4); -n deleted the lineage"

# --- the certificate key of a certificate outside any lineage -------------------------------
sc=$(serial_of "$CB_CONFIG/live/c.example/cert.pem")
cp "$CB_CONFIG/live/c.example/cert.pem" "$ITEST_DIR/c-cert.pem"
cp "$CB_CONFIG/live/c.example/privkey.pem" "$ITEST_DIR/c-key.pem"
ours rev_c revoke --cert-path "$ITEST_DIR/c-cert.pem" --key-path "$ITEST_DIR/c-key.pem" \
  --reason cessationofoperation || fail "revoke of a copied certificate failed"
assert_revoked "$sc" 5
assert_file "$CB_CONFIG/renewal/c.example.conf"
pass "a certificate file outside the store: revoked (reason 5), no lineage touched"

# --- --delete-after-revoke, default reason ---------------------------------------------------
sd=$(serial_of "$CB_CONFIG/live/d.example/cert.pem")
ours rev_d revoke --cert-path "$CB_CONFIG/live/d.example/fullchain.pem" --delete-after-revoke ||
  fail "revoke --delete-after-revoke failed"
assert_revoked "$sd" 0
assert_lineage_gone d.example
assert_file "$CB_CONFIG/renewal/a.example.conf"
pass "--cert-path fullchain.pem --delete-after-revoke: reason unspecified (0), lineage deleted"
