#!/usr/bin/env bash
# The nginx and apache plugins with IP address identifiers (--ip-address, RFC 8738), with the real
# nginx and apache2 on loopback and Pebble. certbot 5.x refuses both roles for an address: its
# nginx and apache authenticators (NginxHttp01.perform / ApacheHttp01.perform in
# certbot/src/certbot/_internal/plugins/{nginx,apache}/http_01.py: "... authenticator not
# supported for IP address certificates") and every installer (Client.deploy_certificate in
# certbot/src/certbot/_internal/client.py). Ours refuses the same commands with one line naming
# the plugin (exit 2), before anything is ordered and without touching the server's files:
#   1. `certbot --nginx --ip-address 127.0.0.1` (run), `certbot certonly --nginx --ip-address`,
#      `certbot run -a standalone -i nginx --ip-address`, a mixed `-d` + `--ip-address`;
#   2. `certbot install --nginx --cert-name 127.0.0.1` for a lineage obtained with --standalone,
#      and `install --cert-path/--key-path ... -d` naming an address; `certbot enhance --nginx
#      --cert-name` of that lineage and of a mixed DNS + IP one (certbot 5.x's Client.enhance_config
#      and apply_enhancement take DNS names only, of a certificate it installed): one line naming
#      the installer, the lineage and the address (exit 2), and `install --nginx --cert-name` of the
#      mixed one (no -d): nothing changed in the config dir;
#   3. the same with apache;
#   4. what still works, as in certbot 5.x: certonly --standalone for the address with nginx as
#      the installer (certonly only records it) and renew, which reloads nginx without deploying.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

[[ -f "$BUILD_DIR/plugins/standalone.so" ]] || fail "$BUILD_DIR/plugins/standalone.so is not built"
export PEBBLE_AUTHZREUSE=0
nginx_test_begin
nginx_simple_site ip "127.0.0.1 localhost" "site ip" default_server
nginx_start
ngx_snapshot "$ITEST_DIR/ngx0"

# refused_by SERVER NAME PATTERN ARGS...: our certbot with SERVER's flags (nginx: ngx_certbot,
# apache: ap_certbot) exits 2 with one line matching PATTERN; Pebble got no order; the server's
# configuration is byte for byte as in its snapshot ($ITEST_DIR/ngx0 or ap0).
refused_by() {
  local server=$1 name=$2 pattern=$3 rc=0 orders
  shift 3
  orders=$(pebble_orders)
  case $server in
  nginx) ngx_certbot "$name" "$@" || rc=$? ;;
  apache) ap_certbot "$name" "$@" || rc=$? ;;
  esac
  assert_eq "$rc" 2 "$name: exit status ($(cat "$ITEST_DIR/$name.out"))"
  assert_eq "$(error_lines "$ITEST_DIR/$name.out")" 1 "$name: lines of output"
  assert_contains "$ITEST_DIR/$name.out" "$pattern"
  assert_eq "$(pebble_orders)" "$orders" "$name: orders created"
  case $server in
  nginx) ngx_assert_unchanged "$ITEST_DIR/ngx0" "$name" ;;
  apache) ap_assert_unchanged "$ITEST_DIR/ap0" "$name" ;;
  esac
}
refused() { refused_by nginx "$@"; }
ap_refused() { refused_by apache "$@"; }

# --- 1. nginx obtaining for an address ----------------------------------------------------
refused run-nginx 'The nginx installer cannot install a certificate for the IP address 127\.0\.0\.1' \
  --nginx --ip-address 127.0.0.1
refused run-nginx-mixed 'The nginx installer .* IP address 127\.0\.0\.1' \
  run --nginx -d ip.example --ip-address 127.0.0.1
refused run-standalone-nginx 'The nginx installer .* IP address 127\.0\.0\.1' \
  run -a standalone -i nginx --ip-address 127.0.0.1
refused certonly-nginx 'IP address 127\.0\.0\.1 cannot be validated by the nginx plugin.*--standalone' \
  certonly --nginx --ip-address 127.0.0.1
assert_eq "$(https_get localhost / 2>/dev/null || true)" "" "HTTPS before any install"
assert_eq "$(curl -sS --max-time 10 "http://127.0.0.1:$NGX_HTTP/")" "site ip" "nginx still serves"
pass "nginx: run, run -a standalone -i nginx and certonly --nginx refuse an address, nothing ordered"

# --- 4. what certbot 5.x allows: standalone obtains, nginx only reloads (certonly) -----------------
# nginx holds the http-01 port: standalone answers tls-alpn-01 on the port Pebble's VA dials for it.
run_ours obtain certonly -a standalone -i nginx --nginx-server-root "$NGX_ROOT" \
  --nginx-sleep-seconds 1 --preferred-challenges tls-alpn-01 --https-port "$TLSALPN_PORT" \
  --ip-address 127.0.0.1 --register-unsafely-without-email ||
  fail "certonly --standalone -i nginx --ip-address 127.0.0.1 failed: $(cat "$ITEST_DIR/obtain.out")"
assert_cert_sans "$CB_CONFIG/live/127.0.0.1/cert.pem" 127.0.0.1
assert_contains "$CB_CONFIG/renewal/127.0.0.1.conf" '^installer = nginx$'
ngx_assert_unchanged "$ITEST_DIR/ngx0" "certonly -i nginx"
run_ours renew renew --cert-name 127.0.0.1 --force-renewal --no-random-sleep-on-renew ||
  fail "renew of 127.0.0.1 with installer nginx failed: $(cat "$ITEST_DIR/renew.out")"
assert_file "$CB_CONFIG/archive/127.0.0.1/cert2.pem"
assert_contains "$CB_LOGS/letsencrypt.log" 'Reloading nginx server after certificate renewal'
ngx_assert_unchanged "$ITEST_DIR/ngx0" "renew with installer nginx"
assert_eq "$(curl -sS --max-time 10 "http://127.0.0.1:$NGX_HTTP/")" "site ip" "nginx after renew"
pass "certonly --standalone -i nginx and renew for 127.0.0.1: nginx reloaded, its files untouched"

# --- 2. nginx installing an address's certificate ---------------------------------------------
refused install-nginx 'The nginx installer .* IP address 127\.0\.0\.1 .*certonly' \
  install --nginx --cert-name 127.0.0.1
refused install-nginx-paths 'The nginx installer .* IP address 127\.0\.0\.1' \
  install --nginx --cert-path "$CB_CONFIG/live/127.0.0.1/cert.pem" \
  --key-path "$CB_CONFIG/live/127.0.0.1/privkey.pem" --ip-address 127.0.0.1
if have_ipv6_loopback; then
  refused install-nginx-v6 'The nginx installer .* IP address ::1' \
    install --nginx --cert-path "$CB_CONFIG/live/127.0.0.1/cert.pem" \
    --key-path "$CB_CONFIG/live/127.0.0.1/privkey.pem" --ip-address 0:0::1
fi
pass "nginx: install --cert-name 127.0.0.1 and install --ip-address refused, nginx untouched"

# A mixed lineage: a DNS name and the address (standalone; nginx keeps the http-01 port).
run_ours mixed certonly -a standalone --preferred-challenges tls-alpn-01 --https-port "$TLSALPN_PORT" \
  -d ip.example --ip-address 127.0.0.1 --cert-name mixed --register-unsafely-without-email ||
  fail "certonly -d ip.example --ip-address 127.0.0.1 failed: $(cat "$ITEST_DIR/mixed.out")"
assert_cert_sans "$CB_CONFIG/live/mixed/cert.pem" ip.example 127.0.0.1
# store_state: what the config dir holds (names, types, sizes, times, link targets), certbot's lock
# aside (its creation and removal change the top directory's time).
store_state() {
  (cd "$CB_CONFIG" && find . -mindepth 1 -path ./.certbot.lock -prune -o -printf '%p %y %s %T@ %l\n' | sort)
}
store0=$(store_state)
refused enhance-nginx \
  'The nginx installer cannot enhance the configuration for certificate 127\.0\.0\.1: it has the IP address 127\.0\.0\.1,' \
  enhance --nginx --cert-name 127.0.0.1 --redirect
refused enhance-nginx-mixed \
  'The nginx installer cannot enhance the configuration for certificate mixed: it has the IP address 127\.0\.0\.1,' \
  enhance --nginx --cert-name mixed --hsts
refused enhance-nginx-mixed-d 'The nginx installer cannot enhance .*certificate mixed: .*IP address 127\.0\.0\.1' \
  enhance --nginx --cert-name mixed -d ip.example --redirect
refused install-nginx-mixed 'The nginx installer cannot install a certificate for the IP address 127\.0\.0\.1' \
  install --nginx --cert-name mixed
assert_eq "$(store_state)" "$store0" "the config dir after the refused enhance and install commands"
pass "nginx: enhance of the 127.0.0.1 lineage and of a mixed one, install of the mixed one refused, nginx and the store untouched"

# --- 3. apache ----------------------------------------------------------------------------
# Its own http-01 port: nginx keeps HTTP01_PORT. Nothing reaches a validation: the refusals come
# first, so Pebble never dials it.
HTTP01_PORT=$(free_port) apache_setup
apache_simple_site ip.conf 127.0.0.1 "apache ip"
apache_start
ap_snapshot "$ITEST_DIR/ap0"
ap_refused run-apache 'The apache installer cannot install a certificate for the IP address 127\.0\.0\.1' \
  --apache --ip-address 127.0.0.1
ap_refused certonly-apache 'IP address 127\.0\.0\.1 cannot be validated by the apache plugin' \
  certonly --apache --ip-address 127.0.0.1
ap_refused install-apache 'The apache installer .* IP address 127\.0\.0\.1' \
  install --apache --cert-name 127.0.0.1
ap_refused enhance-apache \
  'The apache installer cannot enhance the configuration for certificate 127\.0\.0\.1: it has the IP address 127\.0\.0\.1,' \
  enhance --apache --cert-name 127.0.0.1 --redirect
assert_eq "$(store_state)" "$store0" "the config dir after the refused apache commands"
assert_eq "$(curl -sS --max-time 10 "http://127.0.0.1:$AP_HTTP/")" "apache ip" "apache still serves"
pass "apache: run, certonly, install and enhance refuse an address, nothing ordered, apache untouched"
