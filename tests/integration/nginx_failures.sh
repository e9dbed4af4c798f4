#!/usr/bin/env bash
# certbot --nginx failure paths with the real nginx and Pebble. After each, the configuration is
# byte for byte what it was, nginx still serves the site, and the exit status is non-zero:
#   1. nginx not installed (--nginx-ctl names a missing binary): a clear error, no order;
#   2. an include nginx cannot parse: refused before any order, naming the file and line;
#   3. an edit nginx -t rejects (a broken ssl-dhparams.pem the deployment refers to): the
#      certificate is saved, the configuration rolled back, nginx still serving plain HTTP;
#      afterwards (dhparams fixed) `certbot install --cert-name` succeeds;
#   4. certonly --nginx records installer = nginx, so renew reloads nginx;
#   5. -a webroot -i nginx: the webroot served by nginx answers the challenge, nginx's options
#      are stored with installer = nginx, and renew reloads that nginx;
#   6. a run killed in the middle of an edit (certbot's IN_PROGRESS checkpoint left behind, a
#      half-written site and a new file nginx cannot parse): the next install recovers first.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"

nginx_test_begin
nginx_simple_site a.example a.example "site a"
nginx_start
ngx_snapshot "$ITEST_DIR/snap0"

# still_serving WHAT: nginx answers plain HTTP for a.example as before.
still_serving() {
  assert_eq "$(http_answer a.example)" "200 " "plain HTTP for a.example $1"
}

# --- 1. nginx not installed -----------------------------------------------------------------
rc=0
ngx_certbot no_nginx --nginx -d a.example --nginx-ctl "$ITEST_DIR/no/such/nginx" || rc=$?
((rc != 0)) || fail "certbot --nginx succeeded without an nginx binary"
assert_eq "$(error_lines "$ITEST_DIR/no_nginx.out")" 1 "lines of output without nginx"
assert_contains "$ITEST_DIR/no_nginx.out" "nginx.*$ITEST_DIR/no/such/nginx"
assert_eq "$(pebble_orders)" 0 "orders without nginx"
ngx_assert_unchanged "$ITEST_DIR/snap0" "after a run without nginx"
pass "nginx not installed: one line naming the binary, exit $rc, no order"

# --- 2. an unparseable include -------------------------------------------------------------------
printf 'server {\n    server_name broken.example;\n    return 200 "unterminated;\n}\n' \
  >"$NGX_ROOT/sites-enabled/zz-broken"
ngx_snapshot "$ITEST_DIR/snap_broken"
rc=0
ngx_certbot broken --nginx -d a.example || rc=$?
((rc != 0)) || fail "certbot --nginx succeeded with an unparseable include"
assert_contains "$ITEST_DIR/broken.out" 'zz-broken:[0-9]+'
assert_eq "$(pebble_orders)" 0 "orders with an unparseable include"
ngx_assert_unchanged "$ITEST_DIR/snap_broken" "after refusing an unparseable include"
still_serving "after refusing an unparseable include"
rm "$NGX_ROOT/sites-enabled/zz-broken"
pass "unparseable include: refused before any order (exit $rc), naming file:line, nothing changed"

# --- 3. an edit nginx -t rejects --------------------------------------------------------------------
# The plugin keeps an ssl-dhparams.pem that is not a version certbot released (an edit, as
# certbot does); a broken one makes the deployed configuration fail nginx -t.
printf 'not a DH parameter file\n' >"$CB_CONFIG/ssl-dhparams.pem"
rc=0
ngx_certbot rejected --nginx -d a.example --redirect || rc=$?
assert_eq "$rc" 1 "exit status when nginx -t rejects the edit"
soft assert_contains "$ITEST_DIR/rejected.out" 'Could not install the certificate'
soft assert_contains "$ITEST_DIR/rejected.out" 'configuration was restored'
soft assert_file "$CB_CONFIG/live/a.example/cert.pem"
soft_done
ngx_assert_unchanged "$ITEST_DIR/snap0" "after nginx -t rejected the edit"
still_serving "after nginx -t rejected the edit"
if https_get a.example / >/dev/null 2>&1; then fail "HTTPS answers although the edit was rolled back"; fi
pass "nginx -t rejects the edit: rolled back byte for byte, nginx still serving, exit 1"

rm "$CB_CONFIG/ssl-dhparams.pem"
ngx_certbot install install --nginx --cert-name a.example ||
  fail "install after fixing ssl-dhparams.pem failed: $(cat "$ITEST_DIR/install.out")"
assert_serves a.example a.example
assert_eq "$(https_get a.example /)" "site a" "HTTPS after install"
pass "after the fix, install --cert-name deploys the saved certificate"

# --- 4. certonly --nginx records the installer -------------------------------------------------------
ngx_certbot certonly certonly --nginx -d www.a.example --cert-name www ||
  fail "certonly --nginx failed: $(cat "$ITEST_DIR/certonly.out")"
assert_contains "$CB_CONFIG/renewal/www.conf" '^installer = nginx$'
assert_not_contains "$(cat "$NGX_ROOT"/sites-available/*)" 'live/www/'
ngx_certbot renew renew --cert-name www --force-renewal --no-random-sleep-on-renew ||
  fail "renew failed: $(cat "$ITEST_DIR/renew.out")"
assert_contains "$ITEST_DIR/renew.out" 'Reloading nginx server after certificate renewal'
pass "certonly --nginx installs nothing but records installer = nginx; renew reloads nginx"

# --- 5. -a webroot -i nginx ----------------------------------------------------------------------------
www="$ITEST_DIR/www"
mkdir -p "$www"
chmod o+x "$ITEST_DIR" # nginx's workers (nobody) read the webroot
nginx_site d.example <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP;
    server_name d.example;
    root $www;
}
EOF
"$NGINX_BIN" -c "$NGX_ROOT/nginx.conf" -s reload
sleep 1
ngx_certbot webroot -a webroot -w "$www" -i nginx -d d.example ||
  fail "-a webroot -i nginx failed: $(cat "$ITEST_DIR/webroot.out")"
soft assert_serves d.example d.example
soft assert_contains "$CB_CONFIG/renewal/d.example.conf" '^authenticator = webroot$'
soft assert_contains "$CB_CONFIG/renewal/d.example.conf" '^installer = nginx$'
soft assert_contains "$CB_CONFIG/renewal/d.example.conf" "^nginx_server_root = $NGX_ROOT\$"
soft_done
old=$(served_fingerprint d.example)
cb_run "$CERTBOT" renew --cert-name d.example --force-renewal --no-random-sleep-on-renew \
  >"$ITEST_DIR/renew_d.out" 2>&1 || fail "renew of d.example failed: $(cat "$ITEST_DIR/renew_d.out")"
assert_serves d.example d.example
[[ "$(served_fingerprint d.example)" != "$old" ]] || fail "renew did not change the certificate nginx serves"
pass "-a webroot -i nginx: installed; renew (no nginx flags given) reloads the nginx named in the renewal conf"

# --- 6. recovery of a run killed mid-edit -------------------------------------------------------------
# What a killed run leaves, in the reverter layout the plugin shares with certbot
# (docs/nginx.md): the original of a changed file and the list of files it created.
site="$NGX_ROOT/sites-available/a.example"
cp "$site" "$ITEST_DIR/a.before-crash"
ip="$CB_WORK/backups/IN_PROGRESS"
mkdir -p "$ip"
printf '%s\n' "$site" >"$ip/FILEPATHS"
cp "$site" "$ip/a.example_0"
printf '%s\n' "$NGX_ROOT/sites-enabled/zz-half" >"$ip/NEW_FILES"
printf 'server { # half-written\n' >>"$site"
printf 'server { listen 1; server_name "half\n' >"$NGX_ROOT/sites-enabled/zz-half"
ngx_certbot recover install --nginx --cert-name a.example ||
  fail "install after an interrupted run failed: $(cat "$ITEST_DIR/recover.out")"
assert_no_file "$NGX_ROOT/sites-enabled/zz-half"
assert_not_contains "$site" 'half-written'
cmp -s "$site" "$ITEST_DIR/a.before-crash" || fail "$site differs from before the interrupted run"
assert_serves a.example a.example
pass "an interrupted edit is undone before the next install reads the configuration"
