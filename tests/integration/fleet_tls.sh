#!/usr/bin/env bash
# Fleet mode over TLS with client certificate authentication (docs/fleet.md, security model): one
# etcd member that requires a client certificate signed by the test CA, on loopback.
#   1. with --fleet-etcd-cacert/--fleet-etcd-cert/--fleet-etcd-key, `fleet status` answers;
#   2. without the client certificate the member refuses the connection: a clear failure;
#   3. with a CA that did not sign the member's certificate: refused (server not trusted).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
command -v etcd >/dev/null || skip "etcd is not installed (apt-get install etcd-server)"

test_ca
# leaf_cert DIR CN EXTENSIONS: DIR/cert.pem and DIR/key.pem signed by the test CA.
leaf_cert() {
  mkdir -p "$1"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$1/key.pem" \
    -out "$1/csr.pem" -subj "/CN=$2" 2>/dev/null || fail "openssl req failed"
  openssl x509 -req -in "$1/csr.pem" -CA "$TEST_CA_CERT" -CAkey "$TEST_CA_KEY" \
    -CAcreateserial -out "$1/cert.pem" -days 2 -extfile <(printf '%b' "$3") 2>/dev/null ||
    fail "openssl x509 failed"
  chmod 600 "$1/key.pem"
}
# etcd's gateway dials its own gRPC port with the server certificate as a client certificate:
# with --client-cert-auth the server certificate needs clientAuth too.
leaf_cert "$ITEST_DIR/server" localhost \
  'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n'
client=$ITEST_DIR/client
leaf_cert "$client" fleet-node \
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
# Another CA, which signed nothing here.
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$ITEST_DIR/other-ca.key" -out "$ITEST_DIR/other-ca.pem" -days 2 -subj "/CN=other" \
  2>/dev/null

port=$(free_port)
peer=$(free_port)
bg_start "etcd" "$ITEST_DIR/etcd.log" etcd --name tls0 --data-dir "$ITEST_DIR/etcd-data" \
  --listen-client-urls "https://127.0.0.1:$port" --advertise-client-urls "https://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "tls0=http://127.0.0.1:$peer" \
  --cert-file "$ITEST_DIR/server/cert.pem" --key-file "$ITEST_DIR/server/key.pem" \
  --client-cert-auth --trusted-ca-file "$TEST_CA_CERT"
deadline=$((SECONDS + 60))
until curl -sf --max-time 3 --cacert "$TEST_CA_CERT" --cert "$client/cert.pem" \
  --key "$client/key.pem" -X POST "https://127.0.0.1:$port/v3/kv/range" -d '{"key":"Lw=="}' >/dev/null; do
  ((SECONDS < deadline)) || fail "etcd with TLS did not come up"
  sleep 0.2
done

head -c 32 /dev/urandom >"$ITEST_DIR/fleet.key"
chmod 600 "$ITEST_DIR/fleet.key"
certbot_dirs
common=(--fleet-etcd "https://127.0.0.1:$port" --fleet-key "$ITEST_DIR/fleet.key")

run_ours status fleet status "${common[@]}" --fleet-etcd-cacert "$TEST_CA_CERT" \
  --fleet-etcd-cert "$client/cert.pem" --fleet-etcd-key "$client/key.pem" ||
  fail "fleet status over TLS failed: $(cat "$ITEST_DIR/status.out")"
assert_contains "$ITEST_DIR/status.out" "tls0  https://127.0.0.1:$port"
pass "fleet status over TLS with a client certificate"

rc=0
run_ours nocert fleet status "${common[@]}" --fleet-etcd-cacert "$TEST_CA_CERT" || rc=$?
[[ $rc -ne 0 ]] || fail "fleet status without a client certificate succeeded"
assert_contains "$ITEST_DIR/nocert.out" "etcd member"
pass "without a client certificate: refused (exit $rc)"

rc=0
run_ours otherca fleet status "${common[@]}" --fleet-etcd-cacert "$ITEST_DIR/other-ca.pem" \
  --fleet-etcd-cert "$client/cert.pem" --fleet-etcd-key "$client/key.pem" || rc=$?
[[ $rc -ne 0 ]] || fail "fleet status with the wrong CA succeeded"
assert_contains "$ITEST_DIR/otherca.out" "not trusted|certificate"
pass "a member whose certificate the given CA did not sign: refused (exit $rc)"
