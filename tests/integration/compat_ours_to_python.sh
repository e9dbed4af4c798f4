#!/usr/bin/env bash
# Hand-back compatibility: OUR binary registers an account and issues two
# lineages against Pebble (standalone with two names and an RSA key, webroot
# with ECDSA). Debian's Python certbot lists them and renews each one with the
# stored options and account; then ours renews again after Python.
#
# The http-01 port can hold only one server (standalone's or the webroot's
# python3 http.server), so renewals run one lineage at a time.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python --root "$ITEST_DIR/root.pem"

# run BIN NAME ARGS...: cb_run BIN, output to $ITEST_DIR/NAME.out (shown if the
# test fails). Returns certbot's exit status.
run() {
  local bin=$1 name=$2
  shift 2
  echo "[$SECONDS s] $name" >&2
  itest_log "$name" "$ITEST_DIR/$name.out"
  cb_run "$bin" "$@" >"$ITEST_DIR/$name.out" 2>&1
}

webroot="$ITEST_DIR/www"
mkdir -p "$webroot"

serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

accounts() { find "$CB_CONFIG/accounts" -mindepth 3 -maxdepth 3 -type d; }

# --- ours registers and issues ---------------------------------------------------------
run "$CERTBOT" ours-standalone certonly --standalone -d rsa.example -d rsb.example \
  --key-type rsa --http-01-port "$HTTP01_PORT" --register-unsafely-without-email ||
  fail "our certonly --standalone failed"
serve_webroot "$webroot" 10
run "$CERTBOT" ours-webroot certonly --webroot -w "$webroot" -d web.example --cert-name web ||
  fail "our certonly --webroot failed"

assert_lineage rsa.example 1 --key RSA rsa.example rsb.example
assert_lineage web 1 --key EC web.example

mapfile -t accts < <(accounts)
assert_eq "${#accts[@]}" 1 "accounts after our issuances"
acct_dir=${accts[0]}
acct_id=$(basename "$acct_dir")
assert_eq "$acct_dir" "$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir/$acct_id" "account directory"
acct_sum=$(cd "$acct_dir" && sha256sum private_key.json regr.json meta.json)
for n in rsa.example web; do
  assert_contains "$CB_CONFIG/renewal/$n.conf" "^account = $acct_id\$"
done
assert_contains "$CB_CONFIG/renewal/rsa.example.conf" '^key_type = rsa$'
assert_contains "$CB_CONFIG/renewal/web.conf" '^key_type = ecdsa$'

# --- Python lists and renews ---------------------------------------------------------------
run "$PYCERTBOT" py-certificates certificates || fail "python certificates failed on our lineages"
out=$(cat "$ITEST_DIR/py-certificates.out")
assert_contains "$out" "Certificate Name: rsa\.example"
assert_contains "$out" "Domains: rsa\.example rsb\.example"
assert_contains "$out" "Key Type: RSA"
assert_contains "$out" "Certificate Name: web\$"
assert_contains "$out" "Domains: web\.example"
assert_contains "$out" "Key Type: ECDSA"
assert_not_contains "$out" "invalid|INVALID|parsefail"

# http.server still running: the webroot one first.
run "$PYCERTBOT" py-renew-web renew --force-renewal --no-random-sleep-on-renew --cert-name web ||
  fail "python renew of our webroot lineage failed"
assert_contains "$ITEST_DIR/py-renew-web.out" "web/fullchain\.pem \(success\)"
stop_webroot
run "$PYCERTBOT" py-renew-rsa renew --force-renewal --no-random-sleep-on-renew --cert-name rsa.example ||
  fail "python renew of our standalone lineage failed"
assert_contains "$ITEST_DIR/py-renew-rsa.out" "rsa\.example/fullchain\.pem \(success\)"

assert_lineage rsa.example 2 --key RSA rsa.example rsb.example
assert_lineage web 2 --key EC web.example
mapfile -t accts < <(accounts)
assert_eq "${#accts[@]}" 1 "accounts after Python's renewals (Python must use ours)"
assert_eq "$(cd "$acct_dir" && sha256sum private_key.json regr.json meta.json)" "$acct_sum" \
  "account files after Python's renewals"
for n in rsa.example web; do
  assert_contains "$CB_CONFIG/renewal/$n.conf" "^account = $acct_id\$"
done
assert_contains "$CB_CONFIG/renewal/rsa.example.conf" "^http01_port = $HTTP01_PORT\$"
assert_contains "$CB_CONFIG/renewal/rsa.example.conf" '^key_type = rsa$'
assert_contains "$CB_CONFIG/renewal/web.conf" "^webroot_path = $webroot,\$"
assert_contains "$CB_CONFIG/renewal/web.conf" "^web\.example = $webroot\$"
rsa_serial2=$(serial "$CB_CONFIG/live/rsa.example/cert.pem")
web_serial2=$(serial "$CB_CONFIG/live/web/cert.pem")

# --- ours renews again after Python ----------------------------------------------------------
run "$CERTBOT" ours-renew-rsa renew --force-renewal --no-random-sleep-on-renew --cert-name rsa.example ||
  fail "our renew of the standalone lineage after Python failed"
assert_contains "$ITEST_DIR/ours-renew-rsa.out" "rsa\.example/fullchain\.pem \(success\)"
serve_webroot "$webroot" 10
run "$CERTBOT" ours-renew-web renew --force-renewal --no-random-sleep-on-renew --cert-name web ||
  fail "our renew of the webroot lineage after Python failed"
assert_contains "$ITEST_DIR/ours-renew-web.out" "web/fullchain\.pem \(success\)"
stop_webroot

assert_lineage rsa.example 3 --key RSA rsa.example rsb.example
assert_lineage web 3 --key EC web.example
[[ "$(serial "$CB_CONFIG/live/rsa.example/cert.pem")" != "$rsa_serial2" ]] || fail "rsa.example: same serial"
[[ "$(serial "$CB_CONFIG/live/web/cert.pem")" != "$web_serial2" ]] || fail "web: same serial"
assert_contains "$(pebble_cert_status "$(serial "$CB_CONFIG/live/web/cert.pem")")" '"Status": *"Valid"'
mapfile -t accts < <(accounts)
assert_eq "${#accts[@]}" 1 "accounts at the end"
assert_eq "$(cd "$acct_dir" && sha256sum private_key.json regr.json meta.json)" "$acct_sum" \
  "account files at the end"
assert_file_mode "$acct_dir/private_key.json" 400
# Versions 1..3 are all kept (at most current + 5 previous are).
for v in 1 2 3; do
  assert_file "$CB_CONFIG/archive/web/cert$v.pem"
  assert_file "$CB_CONFIG/archive/rsa.example/privkey$v.pem"
done

pass "our lineages (standalone RSA + webroot) renewed by Python, then by ours again"
