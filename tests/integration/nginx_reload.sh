#!/usr/bin/env bash
# A reload nginx accepts but does not apply is a failure, not a success (the installer's restart
# checks with a TLS handshake what nginx really serves; plugins/support/served_cert.h), with the
# real nginx and Pebble:
#   1. `certbot --nginx -d a.example`: the handshake check passes, HTTPS serves the certificate;
#   2. b.example on an HTTPS port another program holds: `nginx -t` passes, the reload cannot
#      bind (nginx keeps its old configuration): the run exits 1 with one line saying nginx does
#      not serve it and that the previous configuration was restored; the files are byte for
#      byte as before, a.example still served, the certificate kept in live/;
#   3. the port freed: `install --cert-name b.example` deploys it without ordering again.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"

nginx_test_begin
nginx_simple_site a.example a.example "site a" default_server
nginx_simple_site b.example b.example "site b"
nginx_start

# --- 1. a reload that takes ------------------------------------------------------------------
ngx_certbot run --nginx -d a.example --no-redirect || fail "run failed: $(cat "$ITEST_DIR/run.out")"
assert_serves a.example a.example
assert_contains "$ITEST_DIR/run.out" 'Congratulations'
pass "a reload that takes: the served certificate checked, success"

# --- 2. a reload that does not take --------------------------------------------------------------
ngx_snapshot "$ITEST_DIR/snap1"
held=$(free_port)
bg_start holder "$ITEST_DIR/holder.out" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
time.sleep(600)' "$held"
holder=$BG_PID
wait_for_port "$held" 10 || fail "the port holder did not listen on $held"
orders=$(pebble_orders)
# b.example's HTTPS port is the held one (NGX_ARGS names a.example's).
base_args=("${NGX_ARGS[@]}")
NGX_ARGS=("${base_args[@]/#$NGX_HTTPS/$held}")
rc=0
ngx_certbot held run --nginx -d b.example --no-redirect || rc=$?
assert_eq "$rc" 1 "exit status when the reload does not take"
assert_eq "$(grep -c 'Could not install the certificate' "$ITEST_DIR/held.out")" 1 "error lines"
assert_contains "$ITEST_DIR/held.out" "nginx accepted the reload but does not serve its new configuration: b.example on 127.0.0.1:$held"
assert_contains "$ITEST_DIR/held.out" 'previous nginx configuration was restored'
assert_not_contains "$ITEST_DIR/held.out" 'Congratulations'
assert_contains "$NGX_DIR/error.log" "bind\(\) to 0.0.0.0:$held failed"
ngx_assert_unchanged "$ITEST_DIR/snap1" "after the reload that did not take"
assert_serves a.example a.example
assert_eq "$(http_answer b.example)" "200 " "plain HTTP for b.example after the rollback"
assert_file "$CB_CONFIG/live/b.example/cert.pem"
assert_eq "$(pebble_orders)" $((orders + 1)) "orders for b.example"
pass "a reload nginx cannot apply (port held): exit 1 naming it, rolled back byte for byte, a.example still served"

# --- 3. the port freed ----------------------------------------------------------------------------
bg_stop "$holder"
ngx_certbot install install --nginx --cert-name b.example --no-redirect ||
  fail "install after freeing the port failed: $(cat "$ITEST_DIR/install.out")"
got=$(openssl s_client -connect "127.0.0.1:$held" -servername b.example </dev/null 2>/dev/null |
  openssl x509 -noout -fingerprint -sha256)
assert_eq "$got" "$(file_fingerprint "$CB_CONFIG/live/b.example/cert.pem")" "certificate served for b.example"
assert_eq "$(pebble_orders)" $((orders + 1)) "orders after installing the kept certificate"
pass "with the port free, install --cert-name serves the kept certificate, no new order"
