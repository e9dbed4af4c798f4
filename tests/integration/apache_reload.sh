#!/usr/bin/env bash
# A reload Apache accepts but cannot apply is a failure, not a success (the installer's restart
# checks with a TLS handshake what Apache really serves; plugins/support/served_cert.h), with the
# real apache2 and Pebble:
#   1. the HTTPS address held by another program: `certbot --apache -d a.example` gets the
#      certificate, configtest passes, `apache2ctl graceful` succeeds but Apache cannot bind
#      (it stops): the run exits 1 with one line saying Apache does not serve it and that the
#      previous configuration was restored; the tree is byte for byte as before and Apache serves
#      plain HTTP again; the certificate is kept in live/;
#   2. the address freed: `install --cert-name a.example` serves it, without a new order.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

apache_test_begin
apache_simple_site a.conf a.example "site a"
apache_start
ap_snapshot "$ITEST_DIR/snap0"

# --- 1. a reload that does not take --------------------------------------------------------------
bg_start holder "$ITEST_DIR/holder.out" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind((sys.argv[1], 443))
s.listen(16)
time.sleep(600)' "$AP_TLS_ADDR"
holder=$BG_PID
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/$AP_TLS_ADDR/443") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/$AP_TLS_ADDR/443") 2>/dev/null || fail "the holder did not listen on $AP_TLS_ADDR:443"
orders=$(pebble_orders)
rc=0
ap_certbot held run --apache -d a.example --no-redirect || rc=$?
assert_eq "$rc" 1 "exit status when the reload does not take"
assert_eq "$(grep -c 'Could not install the certificate' "$ITEST_DIR/held.out")" 1 "error lines"
assert_contains "$ITEST_DIR/held.out" "Apache accepted the reload but does not serve its new configuration: a.example on $AP_TLS_ADDR:443"
assert_contains "$ITEST_DIR/held.out" 'previous apache configuration was restored'
assert_not_contains "$ITEST_DIR/held.out" 'Congratulations'
ap_assert_unchanged "$ITEST_DIR/snap0" "after the reload that did not take"
wait_for_port "$AP_HTTP" 10 || fail "apache does not listen on $AP_HTTP after the rollback"
assert_eq "$(ap_http_answer a.example)" "200 " "plain HTTP for a.example after the rollback"
assert_file "$CB_CONFIG/live/a.example/cert.pem"
assert_eq "$(pebble_orders)" $((orders + 1)) "orders for a.example"
pass "a reload Apache cannot apply (address held): exit 1 naming it, rolled back byte for byte, plain HTTP served"

# --- 2. the address freed ---------------------------------------------------------------------------
bg_stop "$holder"
ap_run install install --apache --cert-name a.example --no-redirect
ap_assert_serves a.example a.example
assert_eq "$(pebble_orders)" $((orders + 1)) "orders after installing the kept certificate"
pass "with the address free, install --cert-name serves the kept certificate, no new order"
