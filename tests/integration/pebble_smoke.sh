#!/usr/bin/env bash
# Proves the integration-test infrastructure: Debian's Python certbot obtains a
# two-name certificate from a local Pebble with the standalone http-01 server,
# and the result verifies to Pebble's issuing root.
#
# Uses $PYCERTBOT on purpose (set CLIENT=... to run it with another binary).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

client=${CLIENT:-$PYCERTBOT}
[[ -x "$client" ]] || fail "$client is not installed"

pebble_start
certbot_dirs

cb_run "$client" certonly --standalone \
  -d a.example -d b.example \
  --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email \
  >"$ITEST_DIR/certonly.out" 2>&1 ||
  { cat "$ITEST_DIR/certonly.out" >&2; fail "certonly failed"; }
itest_log "certbot certonly output" "$ITEST_DIR/certonly.out"
itest_log "certbot log" "$CB_LOGS/letsencrypt.log"

live="$CB_CONFIG/live/a.example"
for f in cert.pem chain.pem fullchain.pem privkey.pem; do
  assert_file "$live/$f"
  [[ -L "$live/$f" ]] || fail "$live/$f is not a symlink into archive/"
done
assert_file "$CB_CONFIG/renewal/a.example.conf"
assert_file_mode "$live/privkey.pem" 600
assert_contains "$CB_CONFIG/renewal/a.example.conf" "^server = $PEBBLE_DIR_URL\$"

# Chain: cert.pem is the leaf, chain.pem Pebble's intermediate (the root is not
# served to ACME clients), fullchain.pem = leaf + chain.
assert_cert_sans "$live/cert.pem" a.example b.example
assert_eq "$(cat "$live/cert.pem" "$live/chain.pem")" "$(cat "$live/fullchain.pem")" "fullchain = cert + chain"

pebble_root_pem "$ITEST_DIR/root.pem"
pebble_intermediate_pem "$ITEST_DIR/intermediate.pem"
assert_eq "$(openssl x509 -in "$live/chain.pem" -noout -fingerprint -sha256)" \
  "$(openssl x509 -in "$ITEST_DIR/intermediate.pem" -noout -fingerprint -sha256)" \
  "chain.pem is Pebble's intermediate"
out=$(openssl verify -CAfile "$ITEST_DIR/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
  fail "chain does not verify to Pebble's root: $out"
# And it must not verify without the intermediate (the check above is real).
if openssl verify -CAfile "$ITEST_DIR/root.pem" "$live/cert.pem" >/dev/null 2>&1; then
  fail "leaf verifies without its intermediate: root/chain check is meaningless"
fi

# The key matches the certificate.
assert_eq "$(openssl pkey -in "$live/privkey.pem" -pubout)" \
  "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" "privkey.pem matches cert.pem"

# Pebble knows the certificate as valid.
serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
assert_contains "$(pebble_cert_status "$serial")" '"Status": *"Valid"'

# The listing command sees the lineage.
listing=$(cb_run "$client" certificates 2>&1) || fail "certificates failed: $listing"
assert_contains "$listing" "Certificate Name: a.example"
assert_contains "$listing" "Domains: a.example b.example"

pass "pebble smoke: Python certbot issued a.example + b.example from $PEBBLE_DIR_URL"
