#!/usr/bin/env bash
# certbot --nginx end to end with the real nginx and Pebble: one Debian-style site.
#   1. `certbot --nginx -d a.example -d www.a.example --redirect` (no subcommand = run): the
#      challenge is answered by nginx, HTTPS serves the site with live/a.example/cert.pem, HTTP
#      answers 301 to https://<name>:<port>/<path>; the renewal conf names nginx as installer;
#   2. `certbot renew --force-renewal` reloads nginx: the new certificate is served;
#   3. `certbot --nginx rollback --checkpoints 2` restores every file byte for byte, HTTPS is gone;
#   4. `certbot install --cert-name` deploys again (--no-redirect), `certbot enhance --hsts`
#      adds the header, `--staple-ocsp` with Pebble's responder-less certificate leaves nginx
#      serving; a final rollback restores the original files again.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"

nginx_test_begin
nginx_simple_site a.example "a.example www.a.example" "site a" default_server
nginx_start
ngx_snapshot "$ITEST_DIR/snap0"
assert_eq "$(http_answer a.example)" "200 " "plain HTTP before certbot"

# run_ours NAME ARGS...: ngx_certbot, which must succeed.
run_ours() {
  ngx_certbot "$@" || fail "certbot ${*:2} failed: $(cat "$ITEST_DIR/$1.out")"
}

# --- 1. run ------------------------------------------------------------------------------
run_ours run --nginx -d a.example -d www.a.example --redirect
live="$CB_CONFIG/live/a.example"
assert_cert_sans "$live/cert.pem" a.example www.a.example
for name in a.example www.a.example; do
  soft assert_eq "$(https_get "$name" /)" "site a" "HTTPS body for $name"
  soft assert_serves "$name" a.example
  soft assert_eq "$(http_answer "$name" '/p/q?x=1')" "301 https://$name:$NGX_HTTPS/p/q?x=1" \
    "plain HTTP answer for $name"
done
conf="$CB_CONFIG/renewal/a.example.conf"
soft assert_contains "$conf" '^authenticator = nginx$'
soft assert_contains "$conf" '^installer = nginx$'
soft assert_contains "$conf" "^nginx_server_root = $NGX_ROOT\$"
soft assert_contains "$NGX_DIR/access.log" '"GET /.well-known/acme-challenge/[A-Za-z0-9_-]+ HTTP/1.1" 200'
soft assert_contains "$ITEST_DIR/run.out" 'Congratulations! You have successfully enabled HTTPS on https://a\.example'
soft_done
pass "certbot --nginx: challenge through nginx, HTTPS with the live certificate, 301 from HTTP"

# --- 2. renew -------------------------------------------------------------------------------
old=$(file_fingerprint "$live/cert.pem")
run_ours renew renew --force-renewal --no-random-sleep-on-renew
assert_file "$CB_CONFIG/archive/a.example/cert2.pem"
[[ "$(file_fingerprint "$live/cert.pem")" != "$old" ]] || fail "renew did not replace the certificate"
assert_serves a.example a.example
assert_contains "$ITEST_DIR/renew.out" 'Reloading nginx server after certificate renewal'
pass "renew --force-renewal: the renewed certificate is served (nginx reloaded once)"

# --- 3. rollback ------------------------------------------------------------------------------
run_ours rollback --nginx rollback --checkpoints 2
ngx_assert_unchanged "$ITEST_DIR/snap0" "after rollback --checkpoints 2"
soft assert_eq "$(http_answer a.example)" "200 " "plain HTTP after rollback"
if https_get a.example / >/dev/null 2>&1; then
  soft fail "HTTPS still answers after the rollback (nginx not reloaded?)"
fi
soft_done
pass "certbot --nginx rollback --checkpoints 2: every file restored byte for byte, nginx reloaded"

# --- 4. install, enhance ------------------------------------------------------------------------
run_ours install install --nginx --cert-name a.example --no-redirect
soft assert_eq "$(https_get a.example /)" "site a" "HTTPS after install"
soft assert_serves a.example a.example
soft assert_eq "$(http_answer a.example)" "200 " "plain HTTP after install --no-redirect"
soft_done
run_ours hsts enhance --nginx --cert-name a.example --hsts
headers=$(CURL_HEAD=1 https_get a.example /)
assert_contains "$headers" '^[Ss]trict-[Tt]ransport-[Ss]ecurity: max-age='
run_ours staple enhance --nginx --cert-name a.example --staple-ocsp
soft assert_eq "$(https_get a.example /)" "site a" "HTTPS after --staple-ocsp"
soft assert_not_contains "$(cat "$NGX_ROOT"/sites-available/*)" 'ssl_stapling on'
soft_done
pass "install --cert-name, enhance --hsts; --staple-ocsp without an OCSP responder leaves nginx serving"

run_ours rollback_all --nginx rollback --checkpoints 2
ngx_assert_unchanged "$ITEST_DIR/snap0" "after rolling back install and --hsts"
pass "rollback of install + enhance restores the original files"
