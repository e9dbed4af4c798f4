#!/usr/bin/env bash
# certbot --apache end to end with the real apache2 (a private instance, lib_apache.bash) and
# Pebble, on a Debian tree with two name-based sites:
#   1. `certbot --apache -d a.example -d www.a.example --redirect`: the challenge is answered
#      through apache, a-le-ssl.conf is made and enabled, mod_ssl enabled with a2enmod, HTTPS
#      serves exactly live/a.example/cert.pem, HTTP answers 301 to https://<name>/<path>, the
#      other site is untouched;
#   2. `certbot renew --force-renewal` reloads apache: the new certificate is served;
#   3. `certbot rollback --checkpoints 2` restores the tree byte for byte (mods-enabled too).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

apache_test_begin
apache_simple_site a.conf a.example "site a" www.a.example
apache_simple_site b.conf b.example "site b"
apache_start
ap_snapshot "$ITEST_DIR/snap0"
b_before=$(cat "$AP_ROOT/sites-available/b.conf")
assert_eq "$(ap_http_answer a.example)" "200 " "plain HTTP before certbot"

# --- 1. run ------------------------------------------------------------------------------
ap_run run --apache -d a.example -d www.a.example --redirect
live="$CB_CONFIG/live/a.example"
assert_cert_sans "$live/cert.pem" a.example www.a.example
ssl="$AP_ROOT/sites-available/a-le-ssl.conf"
assert_file "$ssl"
soft assert_eq "$(readlink "$AP_ROOT/sites-enabled/a-le-ssl.conf")" "$ssl" "sites-enabled link"
soft assert_file "$AP_ROOT/mods-enabled/ssl.load"
soft assert_contains "$ssl" "^SSLCertificateFile $live/fullchain.pem\$"
soft assert_contains "$ssl" "^SSLCertificateKeyFile $live/privkey.pem\$"
soft assert_contains "$ssl" "^Include $CB_CONFIG/options-ssl-apache.conf\$"
soft assert_eq "$(sha256sum <"$CB_CONFIG/options-ssl-apache.conf" | cut -d' ' -f1)" \
  "$(cat "$CB_CONFIG/.updated-options-ssl-apache-conf-digest.txt")" "options-ssl digest"
for name in a.example www.a.example; do
  soft assert_eq "$(ap_https_get "$name" /)" "site a" "HTTPS body for $name"
  soft ap_assert_serves "$name" a.example
  soft assert_eq "$(ap_http_answer "$name" '/p/q?x=1')" "301 https://$name/p/q?x=1" \
    "plain HTTP answer for $name"
done
soft assert_eq "$(ap_http_answer b.example)" "200 " "the other site still plain HTTP"
soft assert_eq "$(cat "$AP_ROOT/sites-available/b.conf")" "$b_before" "b.conf untouched"
conf="$CB_CONFIG/renewal/a.example.conf"
soft assert_contains "$conf" '^authenticator = apache$'
soft assert_contains "$conf" '^installer = apache$'
soft assert_contains "$conf" "^apache_server_root = $AP_ROOT\$"
soft assert_contains "$AP_DIR/log/access.log" '"GET /.well-known/acme-challenge/[A-Za-z0-9_-]+ HTTP/1.1" 200'
[[ -e "$AP_ROOT/le_http_01_challenge_pre.conf" ]] && fail "the challenge include was left behind"
soft_done
pass "certbot --apache: challenge through apache, HTTPS with the live certificate, 301 from HTTP"

# --- 2. renew -------------------------------------------------------------------------------
old=$(openssl x509 -in "$live/cert.pem" -noout -fingerprint -sha256)
ap_run renew renew --force-renewal --no-random-sleep-on-renew
assert_file "$CB_CONFIG/archive/a.example/cert2.pem"
[[ "$(openssl x509 -in "$live/cert.pem" -noout -fingerprint -sha256)" != "$old" ]] ||
  fail "renew did not replace the certificate"
ap_assert_serves a.example a.example
pass "renew --force-renewal: the renewed certificate is served (apache reloaded)"

# --- 3. rollback ----------------------------------------------------------------------------
ap_run rollback --apache rollback --checkpoints 2
ap_assert_unchanged "$ITEST_DIR/snap0" "after rollback --checkpoints 2"
soft assert_eq "$(ap_http_answer a.example)" "200 " "plain HTTP after rollback"
soft_done
pass "rollback --checkpoints 2: the tree is restored byte for byte, apache serves plain HTTP"
