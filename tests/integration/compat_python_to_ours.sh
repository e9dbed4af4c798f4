#!/usr/bin/env bash
# Take-over compatibility: Debian's Python certbot issues two lineages against
# Pebble (standalone with two names, webroot), then OUR binary lists and renews
# both with the account and options Python stored, and finally Python certbot
# reads the result and renews again.
#
# The http-01 port can hold only one server: the standalone plugin's or the
# webroot's python3 http.server. Runs that need one of them are done one at a
# time with the other stopped.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --python --root "$ITEST_DIR/root.pem"

# run BIN NAME ARGS...: cb_run BIN, output to $ITEST_DIR/NAME.out (shown if the
# test fails). Returns certbot's exit status.
run() {
  echo "[$SECONDS] $2" >&2
  local bin=$1 name=$2
  shift 2
  itest_log "$name" "$ITEST_DIR/$name.out"
  cb_run "$bin" "$@" >"$ITEST_DIR/$name.out" 2>&1
}

webroot="$ITEST_DIR/www"
mkdir -p "$webroot"

serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# --- Python certbot issues -------------------------------------------------------
run "$PYCERTBOT" py-standalone certonly --standalone -d sa.example -d sb.example \
  --http-01-port "$HTTP01_PORT" --register-unsafely-without-email ||
  fail "python certonly --standalone failed"
serve_webroot "$webroot" 10
run "$PYCERTBOT" py-webroot certonly --webroot -w "$webroot" -d web.example --cert-name web ||
  fail "python certonly --webroot failed"
stop_webroot

assert_lineage sa.example 1 sa.example sb.example
assert_lineage web 1 web.example

acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"
mapfile -t accts < <(find "$CB_CONFIG/accounts" -mindepth 3 -maxdepth 3 -type d)
assert_eq "${#accts[@]}" 1 "accounts after Python's runs"
acct_id=$(basename "${accts[0]}")
assert_eq "${accts[0]}" "$acct_parent/$acct_id" "account directory"
acct_sum_before=$(cd "${accts[0]}" && sha256sum private_key.json regr.json meta.json)

for n in sa.example web; do
  assert_contains "$CB_CONFIG/renewal/$n.conf" "^account = $acct_id\$"
done
assert_contains "$CB_CONFIG/renewal/sa.example.conf" '^authenticator = standalone$'
assert_contains "$CB_CONFIG/renewal/sa.example.conf" "^http01_port = $HTTP01_PORT\$"
assert_contains "$CB_CONFIG/renewal/web.conf" '^authenticator = webroot$'
assert_contains "$CB_CONFIG/renewal/web.conf" "^webroot_path = $webroot,\$"
assert_contains "$CB_CONFIG/renewal/web.conf" '^\[\[webroot_map\]\]$'
assert_contains "$CB_CONFIG/renewal/web.conf" "^web\.example = $webroot\$"
sa_serial1=$(serial "$CB_CONFIG/live/sa.example/cert.pem")
web_serial1=$(serial "$CB_CONFIG/live/web/cert.pem")

# --- ours lists them -----------------------------------------------------------------
run "$CERTBOT" ours-certificates certificates || fail "our certificates failed"
out=$(cat "$ITEST_DIR/ours-certificates.out")
assert_contains "$out" "Certificate Name: sa\.example"
assert_contains "$out" "Certificate Name: web\$"
assert_contains "$out" "Domains: sa\.example sb\.example"
assert_contains "$out" "Domains: web\.example"
assert_not_contains "$out" "(invalid|INVALID)"

# --- ours renews them, one at a time ---------------------------------------------------
run "$CERTBOT" ours-renew-sa renew --force-renewal --no-random-sleep-on-renew --cert-name sa.example ||
  fail "our renew of the standalone lineage failed"
assert_contains "$ITEST_DIR/ours-renew-sa.out" "sa\.example/fullchain\.pem \(success\)"
serve_webroot "$webroot" 10
run "$CERTBOT" ours-renew-web renew --force-renewal --no-random-sleep-on-renew --cert-name web ||
  fail "our renew of the webroot lineage failed"
assert_contains "$ITEST_DIR/ours-renew-web.out" "web/fullchain\.pem \(success\)"

assert_lineage sa.example 2 sa.example sb.example
assert_lineage web 2 web.example
[[ "$(serial "$CB_CONFIG/live/sa.example/cert.pem")" != "$sa_serial1" ]] || fail "sa.example: same serial after renewal"
[[ "$(serial "$CB_CONFIG/live/web/cert.pem")" != "$web_serial1" ]] || fail "web: same serial after renewal"

# Same account, not touched, no new one.
mapfile -t accts < <(find "$CB_CONFIG/accounts" -mindepth 3 -maxdepth 3 -type d)
assert_eq "${#accts[@]}" 1 "accounts after our renewals"
assert_eq "$(cd "$acct_parent/$acct_id" && sha256sum private_key.json regr.json meta.json)" \
  "$acct_sum_before" "account files after our renewals"
# Stored options survive our rewrite.
for n in sa.example web; do
  assert_contains "$CB_CONFIG/renewal/$n.conf" "^account = $acct_id\$"
  assert_contains "$CB_CONFIG/renewal/$n.conf" "^server = $PEBBLE_DIR_URL\$"
  assert_contains "$CB_CONFIG/renewal/$n.conf" '^key_type = ecdsa$'
done
assert_contains "$CB_CONFIG/renewal/sa.example.conf" '^authenticator = standalone$'
assert_contains "$CB_CONFIG/renewal/sa.example.conf" "^http01_port = $HTTP01_PORT\$"
assert_contains "$CB_CONFIG/renewal/web.conf" '^authenticator = webroot$'
assert_contains "$CB_CONFIG/renewal/web.conf" "^webroot_path = $webroot,\$"
assert_contains "$CB_CONFIG/renewal/web.conf" '^\[\[webroot_map\]\]$'
assert_contains "$CB_CONFIG/renewal/web.conf" "^web\.example = $webroot\$"
# Pebble issued the new certificates to that account: the authorisations
# were made by it (Pebble would have refused a finalize from another account),
# and Pebble knows the new serials as valid.
assert_contains "$(pebble_cert_status "$(serial "$CB_CONFIG/live/web/cert.pem")")" '"Status": *"Valid"'

# --- Python certbot reads and renews what we wrote -------------------------------------
run "$PYCERTBOT" py-certificates certificates || fail "python certificates failed after our renewals"
out=$(cat "$ITEST_DIR/py-certificates.out")
assert_contains "$out" "Certificate Name: sa\.example"
assert_contains "$out" "Certificate Name: web\$"
assert_not_contains "$out" "invalid"
assert_not_contains "$out" "INVALID"
assert_not_contains "$out" "parsefail|skipped"

run "$PYCERTBOT" py-renew-web renew --force-renewal --no-random-sleep-on-renew --cert-name web ||
  fail "python renew of the webroot lineage after ours failed"
assert_contains "$ITEST_DIR/py-renew-web.out" "web/fullchain\.pem \(success\)"
stop_webroot
assert_lineage web 3 web.example
assert_lineage sa.example 2 sa.example sb.example
mapfile -t accts < <(find "$CB_CONFIG/accounts" -mindepth 3 -maxdepth 3 -type d)
assert_eq "${#accts[@]}" 1 "accounts after Python's renewal"
assert_contains "$CB_CONFIG/renewal/web.conf" "^account = $acct_id\$"

pass "Python-made lineages (standalone + webroot) renewed by ours, then by Python again"
