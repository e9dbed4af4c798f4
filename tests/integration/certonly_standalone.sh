#!/usr/bin/env bash
# Walking skeleton: our `certbot certonly --standalone` against a local Pebble.
# Checks the on-disk result (live/ links into archive/, modes, account files,
# renewal conf), that the certificate is the one asked for and chains to
# Pebble's root, that Debian's Python certbot reads the lineage, and then
# "not yet due" on a repeat run, --force-renewal (version 2) and an RSA key.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python --root "$ITEST_DIR/root.pem"

certonly=(certonly --standalone -d a.example -d b.example
  --http-01-port "$HTTP01_PORT" --register-unsafely-without-email)

run_ours first "${certonly[@]}" || fail "certonly --standalone failed (see output above)"

# --- live/ and archive/ -------------------------------------------------------
# version 1: links, files, 0600 key, the names, the key, the chain to Pebble's root
assert_lineage a.example 1 a.example b.example
live="$CB_CONFIG/live/a.example"
archive="$CB_CONFIG/archive/a.example"

# --- the certificate -----------------------------------------------------------
assert_eq "$(openssl pkey -in "$live/privkey.pem" -noout -text | sed -n 's/^ASN1 OID: //p')" \
  prime256v1 "default key type (ECDSA P-256)"
assert_eq "$(cat "$live/cert.pem" "$live/chain.pem")" "$(cat "$live/fullchain.pem")" "fullchain = cert + chain"
assert_eq "$(grep -c 'BEGIN CERTIFICATE' "$live/cert.pem")" 1 "certificates in cert.pem"

# --- the account ----------------------------------------------------------------
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"
[[ -d "$acct_parent" ]] || fail "no account directory $acct_parent"
mapfile -t acct_ids < <(find "$acct_parent" -mindepth 1 -maxdepth 1 -type d -printf '%f\n')
assert_eq "${#acct_ids[@]}" 1 "number of accounts in $acct_parent"
acct_id=${acct_ids[0]}
[[ "$acct_id" =~ ^[0-9a-f]{32}$ ]] || fail "account id '$acct_id' is not certbot's 32 hex digits"
acct="$acct_parent/$acct_id"
for f in private_key.json regr.json meta.json; do
  assert_file "$acct/$f"
  jq -e 'type == "object"' "$acct/$f" >/dev/null || fail "$acct/$f is not a JSON object"
done
assert_file_mode "$acct/private_key.json" 400
assert_contains "$acct/regr.json" '"uri": *"https://127\.0\.0\.1:'"$PEBBLE_PORT"'/'

# --- the renewal configuration -----------------------------------------------------
conf="$CB_CONFIG/renewal/a.example.conf"
assert_file "$conf"
soft assert_contains "$conf" '^authenticator = standalone$'
soft assert_contains "$conf" "^http01_port = $HTTP01_PORT\$"
soft assert_contains "$conf" "^server = $PEBBLE_DIR_URL\$"
soft assert_contains "$conf" '^key_type = ecdsa$'
soft assert_contains "$conf" "^account = $acct_id\$"
soft assert_contains "$conf" "^cert = $live/cert.pem\$"
soft assert_contains "$conf" "^archive_dir = $archive\$"

# --- the listings: Debian's certbot as the oracle, then ours -------------------------
pylist=$("$PYCERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$CB_LOGS" 2>&1) || fail "Python certbot certificates failed: $pylist"
assert_contains "$pylist" '^ *Certificate Name: a\.example$'
assert_contains "$pylist" '^ *Domains: a\.example b\.example$'
assert_contains "$pylist" 'Expiry Date: .*\(VALID: '
assert_not_contains "$pylist" '[Ii]nvalid|renewal configuration file .* produced an unexpected error'

run_ours certificates certificates || fail "our certificates command failed: $(cat "$ITEST_DIR/certificates.out")"
ours=$(cat "$ITEST_DIR/certificates.out")
assert_contains "$ours" '^ *Certificate Name: a\.example$'
assert_contains "$ours" '^ *Domains: a\.example b\.example$'
assert_contains "$ours" 'Expiry Date: .*\(VALID: '
pass "issued a.example + b.example; layout, account and listings as certbot's"

# --- the same request again: not due ------------------------------------------------
serial1=$(openssl x509 -in "$live/cert.pem" -noout -serial)
run_ours again "${certonly[@]}" || fail "repeated certonly failed: $(cat "$ITEST_DIR/again.out")"
assert_contains "$ITEST_DIR/again.out" 'Certificate not yet due for renewal'
assert_no_file "$archive/cert2.pem"
assert_eq "$(readlink "$live/cert.pem")" ../../archive/a.example/cert1.pem "live/cert.pem after a no-op run"
assert_eq "$(openssl x509 -in "$live/cert.pem" -noout -serial)" "$serial1" "serial after a no-op run"
pass "repeat run: not yet due, nothing written"

# --- --force-renewal: version 2 ---------------------------------------------------------
run_ours forced "${certonly[@]}" --force-renewal ||
  fail "certonly --force-renewal failed: $(cat "$ITEST_DIR/forced.out")"
assert_lineage a.example 2 a.example b.example
assert_file "$archive/cert1.pem"
[[ "$(openssl x509 -in "$live/cert.pem" -noout -serial)" != "$serial1" ]] ||
  fail "live/cert.pem still has the old serial after --force-renewal"
assert_no_file "$CB_CONFIG/live/a.example-0001"
pass "--force-renewal wrote version 2 and moved the live links"

# --- RSA ---------------------------------------------------------------------------------
run_ours rsa certonly --standalone --http-01-port "$HTTP01_PORT" --register-unsafely-without-email \
  --key-type rsa --rsa-key-size 2048 --cert-name rsa-one -d c.example ||
  fail "certonly --key-type rsa failed: $(cat "$ITEST_DIR/rsa.out")"
rlive="$CB_CONFIG/live/rsa-one"
assert_file "$rlive/privkey.pem"
assert_contains "$(openssl pkey -in "$rlive/privkey.pem" -noout -text)" '^Private-Key: \(2048 bit, 2 primes\)'
assert_contains "$(openssl x509 -in "$rlive/cert.pem" -noout -text)" 'Public Key Algorithm: rsaEncryption'
assert_eq "$(openssl pkey -in "$rlive/privkey.pem" -pubout)" \
  "$(openssl x509 -in "$rlive/cert.pem" -noout -pubkey)" "RSA key matches its certificate"
assert_cert_sans "$rlive/cert.pem" c.example
assert_file_mode "$rlive/privkey.pem" 600
soft assert_contains "$CB_CONFIG/renewal/rsa-one.conf" '^key_type = rsa$'
soft assert_contains "$CB_CONFIG/renewal/rsa-one.conf" '^rsa_key_size = 2048$'
soft assert_contains "$CB_CONFIG/renewal/rsa-one.conf" "^account = $acct_id\$"
assert_no_file "$CB_CONFIG/live/c.example"
pass "--key-type rsa --rsa-key-size 2048 --cert-name rsa-one"

soft_done
pass "renewal configurations as certbot writes them"
