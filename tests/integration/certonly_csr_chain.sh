#!/usr/bin/env bash
# certonly --csr and --preferred-chain against Pebble (PEBBLE_ALTERNATE_ROOTS=1: every
# certificate also comes with a chain to a second root, linked rel="alternate").
# --csr: names from the CSR, the user's key never touched, certbot's 0000_cert.pem-style files in
# the current directory (the same names Debian's Python certbot picks), explicit paths never
# overwritten, no lineage, the "will not be renewed automatically" note, certbot's refusals.
# --preferred-chain: the chain to the named root is saved, stored as preferred_chain in the
# renewal conf and used again by renew.
set -euo pipefail
export PEBBLE_ALTERNATE_ROOTS=1
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python

# top_issuer FILE: the issuer CN of the last certificate in a PEM bundle.
top_issuer() {
  awk '/BEGIN CERTIFICATE/{c=""} {c=c $0 "\n"} /END CERTIFICATE/{last=c} END{printf "%s", last}' "$1" |
    openssl x509 -noout -issuer -nameopt multiline | sed -n 's/^ *commonName *= *//p'
}

# exits WANT NAME ARGS...: run_ours NAME ARGS... must exit with status WANT.
exits() {
  local want=$1 name=$2 rc=0
  shift 2
  run_ours "$name" "$@" || rc=$?
  assert_eq "$rc" "$want" "$name: exit status (output: $(cat "$ITEST_DIR/$name.out"))"
}

# --- certonly --csr -------------------------------------------------------------------
work="$ITEST_DIR/csr"
mkdir -p "$work/ours" "$work/python"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -subj "/CN=csr.example" -addext "subjectAltName=DNS:csr.example,DNS:www.csr.example" \
  -out "$work/csr.pem" 2>/dev/null
openssl req -in "$work/csr.pem" -outform DER -out "$work/csr.der"
key_sum=$(sha256sum <"$work/key.pem")

csr_args=(certonly --standalone --http-01-port "$HTTP01_PORT" --register-unsafely-without-email)
(cd "$work/ours" && run_ours csr1 "${csr_args[@]}" --csr "$work/csr.pem") ||
  fail "certonly --csr failed: $(cat "$ITEST_DIR/csr1.out")"
out=$(cat "$ITEST_DIR/csr1.out")
assert_contains "$out" "Certificate is saved at: +$work/ours/0000_cert.pem"
assert_contains "$out" "Intermediate CA chain is saved at: +$work/ours/0000_chain.pem"
assert_contains "$out" "Full certificate chain is saved at: +$work/ours/0001_chain.pem"
assert_contains "$out" "Certificates created using --csr will not be renewed automatically"
assert_cert_sans "$work/ours/0000_cert.pem" csr.example www.csr.example
assert_eq "$(openssl pkey -in "$work/key.pem" -pubout)" \
  "$(openssl x509 -in "$work/ours/0000_cert.pem" -noout -pubkey)" "certificate is for the CSR's key"
assert_eq "$(cat "$work/ours/0000_cert.pem" "$work/ours/0000_chain.pem")" \
  "$(cat "$work/ours/0001_chain.pem")" "fullchain = cert + chain"
assert_file_mode "$work/ours/0000_cert.pem" 644
assert_eq "$(sha256sum <"$work/key.pem")" "$key_sum" "the CSR's key file"
assert_no_file "$CB_CONFIG/live"
assert_no_file "$CB_CONFIG/renewal"
pass "certonly --csr: certificate for the CSR's key and names in ./0000_cert.pem, no lineage"

# A DER CSR, run again in the same directory: the next free names.
(cd "$work/ours" && run_ours csr2 "${csr_args[@]}" --csr "$work/csr.der") ||
  fail "certonly --csr (DER) failed: $(cat "$ITEST_DIR/csr2.out")"
for f in 0001_cert.pem 0002_chain.pem 0003_chain.pem; do assert_file "$work/ours/$f"; done
pass "certonly --csr (DER) again: 0001_cert.pem, 0002_chain.pem, 0003_chain.pem"

# Python certbot picks the same names.
(cd "$work/python" && cb_run "$PYCERTBOT" "${csr_args[@]}" --csr "$work/csr.pem" \
  >"$ITEST_DIR/py_csr.out" 2>&1) || fail "Python certbot --csr failed: $(cat "$ITEST_DIR/py_csr.out")"
assert_eq "$(cd "$work/python" && ls)" "$(printf '0000_cert.pem\n0000_chain.pem\n0001_chain.pem')" \
  "Python certbot's files"
pass "Python certbot writes the same file names"

# An explicit path is created new, never overwritten.
echo keep >"$work/existing.pem"
(cd "$work/ours" && exits 1 csr3 "${csr_args[@]}" --csr "$work/csr.pem" \
  --cert-path "$work/existing.pem")
assert_contains "$(cat "$ITEST_DIR/csr3.out")" "$work/existing.pem"
assert_eq "$(cat "$work/existing.pem")" keep "existing --cert-path file"
(cd "$work/ours" && run_ours csr4 "${csr_args[@]}" --csr "$work/csr.pem" \
  --cert-path "$work/out/c.pem" --chain-path "$work/out/ch.pem" --fullchain-path "$work/out/f.pem") ||
  fail "certonly --csr with paths failed: $(cat "$ITEST_DIR/csr4.out")"
for f in c ch f; do assert_file "$work/out/$f.pem"; done
pass "--cert-path/--chain-path/--fullchain-path: created where asked, never overwritten"

# certbot's refusals, before any order.
orders=$(pebble_orders)
exits 2 csr_mismatch "${csr_args[@]}" --csr "$work/csr.pem" -d other.example
assert_contains "$(cat "$ITEST_DIR/csr_mismatch.out")" "Inconsistent domain requests"
exits 2 csr_run run --standalone --csr "$work/csr.pem"
assert_contains "$(cat "$ITEST_DIR/csr_run.out")" "may only be specified when obtaining a new or replacement via the certonly command"
exits 2 csr_subset "${csr_args[@]}" --csr "$work/csr.pem" --allow-subset-of-names
assert_contains "$(cat "$ITEST_DIR/csr_subset.out")" "--allow-subset-of-names cannot be used with --csr"
exits 2 csr_junk "${csr_args[@]}" --csr "$work/key.pem"
assert_contains "$(cat "$ITEST_DIR/csr_junk.out")" "Failed to parse CSR file: $work/key.pem"
assert_eq "$(pebble_orders)" "$orders" "orders placed by refused --csr runs"
pass "--csr refusals: -d mismatch, run, --allow-subset-of-names, not a CSR"

# --- --preferred-chain ---------------------------------------------------------------------
curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$ITEST_DIR/root0.pem" "$PEBBLE_MGMT_URL/roots/0"
curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$ITEST_DIR/root1.pem" "$PEBBLE_MGMT_URL/roots/1" ||
  fail "Pebble serves no alternate root (PEBBLE_ALTERNATE_ROOTS)"
cn0=$(openssl x509 -in "$ITEST_DIR/root0.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
cn1=$(openssl x509 -in "$ITEST_DIR/root1.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
[[ -n "$cn0" && -n "$cn1" && "$cn0" != "$cn1" ]] || fail "root names '$cn0' and '$cn1'"

run_ours chain_default certonly --standalone -d default.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email || fail "certonly failed: $(cat "$ITEST_DIR/chain_default.out")"
assert_eq "$(top_issuer "$CB_CONFIG/live/default.example/fullchain.pem")" "$cn0" "default chain's root"

run_ours chain_pref certonly --standalone -d pref.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email --preferred-chain "$cn1" ||
  fail "certonly --preferred-chain failed: $(cat "$ITEST_DIR/chain_pref.out")"
live="$CB_CONFIG/live/pref.example"
assert_eq "$(top_issuer "$live/fullchain.pem")" "$cn1" "--preferred-chain: top issuer"
out=$(openssl verify -CAfile "$ITEST_DIR/root1.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
  fail "the preferred chain does not verify to the alternate root: $out"
assert_contains "$(cat "$CB_CONFIG/renewal/pref.example.conf")" "^preferred_chain = $cn1\$"
pass "--preferred-chain '$cn1': the alternate chain, stored in the renewal conf"

run_ours chain_renew renew --cert-name pref.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew failed: $(cat "$ITEST_DIR/chain_renew.out")"
assert_file "$CB_CONFIG/archive/pref.example/fullchain2.pem"
assert_eq "$(top_issuer "$live/fullchain.pem")" "$cn1" "renewed chain's root"
assert_contains "$(cat "$CB_CONFIG/renewal/pref.example.conf")" "^preferred_chain = $cn1\$"
pass "renew keeps using preferred_chain"

run_ours chain_nomatch certonly --standalone -d nomatch.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email --preferred-chain "No Such Root" ||
  fail "certonly --preferred-chain (no match) failed: $(cat "$ITEST_DIR/chain_nomatch.out")"
assert_contains "$(cat "$ITEST_DIR/chain_nomatch.out")" "no chain from the CA matched this issuer"
assert_eq "$(top_issuer "$CB_CONFIG/live/nomatch.example/fullchain.pem")" "$cn0" "fallback chain's root"
pass "--preferred-chain without a match: the default chain and certbot's warning"
