#!/usr/bin/env bash
# IP address certificates (RFC 8738, certbot 5.3's --ip-address) against a local Pebble, which
# validates "ip" identifiers over http-01 and tls-alpn-01: standalone on 127.0.0.1 and ::1 (the
# IPv6 part is skipped when the loopback has no IPv6), webroot, manual with hooks, a mixed
# DNS+IP certificate, renew, `certificates`; then the inputs a user or a server can get wrong:
# -d with an IP, --ip-address garbage, a DNS-only authenticator or challenge for an IP, and an
# authorization for an address nobody ordered / an IP relabelled "dns" (the fake ACME server).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --authz-reuse 0
RUN_OURS_EXTRA=(--register-unsafely-without-email)

# The SAN entries of a certificate as openssl prints them ("IP Address:127.0.0.1", ...).
san_text() { openssl x509 -in "$1" -noout -ext subjectAltName | tail -n +2 | tr -d ' '; }

# --- standalone http-01, IPv4 ---------------------------------------------------------------
run_ours ip4 certonly --standalone --http-01-port "$HTTP01_PORT" --ip-address 127.0.0.1 ||
  fail "certonly --standalone --ip-address 127.0.0.1 failed"
live="$CB_CONFIG/live/127.0.0.1"
assert_file "$live/cert.pem"
assert_eq "$(san_text "$live/cert.pem")" "IPAddress:127.0.0.1" "the SAN is the address, as iPAddress"
assert_file "$CB_CONFIG/renewal/127.0.0.1.conf"
# Pebble issues exactly the order's identifiers, so the iPAddress SAN shows the order carried an
# "ip" identifier (the newOrder payload itself: acme_test "ordered as an ip identifier").
pass "standalone http-01 for 127.0.0.1: lineage 127.0.0.1, iPAddress SAN"

# --- standalone tls-alpn-01, IPv4 (nothing answers on the http-01 port) --------------------
bg_start "http-01 port blocker" "$ITEST_DIR/blocker.log" /usr/bin/python3 -c \
  "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $HTTP01_PORT)); s.listen(1); time.sleep(300)"
BLOCKER=$BG_PID
wait_for_port "$HTTP01_PORT" 10 || fail "blocker did not listen on $HTTP01_PORT"
# 127.0.0.1 was validated above: on a fresh account, so Pebble has no authorization to reuse (it
# does 1 time in 100 even with PEBBLE_AUTHZREUSE=0) and the tls-alpn-01 challenge really runs.
fresh_account
run_ours alpn4 certonly --standalone --preferred-challenges tls-alpn-01 --https-port "$TLSALPN_PORT" \
  --ip-address 127.0.0.1 --cert-name alpn4 --account "$FRESH_ACCOUNT_ID" ||
  fail "certonly --standalone --preferred-challenges tls-alpn-01 --ip-address 127.0.0.1 failed"
FRESH_ACCOUNT_PREV=$(sed -n 's/^account = //p' "$CB_CONFIG/renewal/127.0.0.1.conf")
drop_fresh_account alpn4
assert_eq "$(san_text "$CB_CONFIG/live/alpn4/cert.pem")" "IPAddress:127.0.0.1" "alpn4 SAN"
# RFC 8738 §6: the validator asks for the reverse name (or, without SNI, the address dialled).
assert_contains "$CB_LOGS/letsencrypt.log" 'Serving tls-alpn-01 for 127\.0\.0\.1 \(SNI 1\.0\.0\.127\.in-addr\.arpa\)'
assert_contains "$CB_LOGS/letsencrypt.log" 'presented the tls-alpn-01 certificate'
bg_stop "$BLOCKER"
pass "standalone tls-alpn-01 for 127.0.0.1"

# --- a mixed certificate: DNS names first, then the addresses --------------------------------
run_ours mixed certonly --standalone --http-01-port "$HTTP01_PORT" --ip-address 127.0.0.1 \
  -d mixed.example --duplicate ||
  fail "certonly -d mixed.example --ip-address 127.0.0.1 failed"
assert_file "$CB_CONFIG/live/mixed.example/cert.pem"
assert_cert_sans "$CB_CONFIG/live/mixed.example/cert.pem" mixed.example 127.0.0.1
pass "-d and --ip-address together: lineage named after the domain, both SANs"

# --- renew: deploy hook sees the address; the identifiers come from the certificate ----------
run_ours renew4 renew --cert-name 127.0.0.1 --force-renewal --no-random-sleep-on-renew \
  --deploy-hook 'printf "%s\n" "$RENEWED_DOMAINS" >"$ITEST_DIR/renewed-domains"' ||
  fail "renew of the 127.0.0.1 lineage failed"
assert_file "$CB_CONFIG/archive/127.0.0.1/cert2.pem"
assert_eq "$(cat "$ITEST_DIR/renewed-domains")" "127.0.0.1" "RENEWED_DOMAINS"
run_ours renewmixed renew --cert-name mixed.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew of mixed.example failed"
assert_cert_sans "$CB_CONFIG/live/mixed.example/cert.pem" mixed.example 127.0.0.1
pass "renew of IP lineages (deploy hook RENEWED_DOMAINS=127.0.0.1)"

# certbot 5.x's line for a lineage with an address (certbot PR #10468); DNS names first.
run_ours certs certificates || fail "certificates failed"
assert_contains "$ITEST_DIR/certs.out" 'Certificate Name: 127\.0\.0\.1'
assert_contains "$ITEST_DIR/certs.out" '^    Identifiers: 127\.0\.0\.1$'
assert_contains "$ITEST_DIR/certs.out" '^    Identifiers: mixed\.example 127\.0\.0\.1$'
assert_not_contains "$ITEST_DIR/certs.out" 'Domains:'
# --ip-address filters like -d (certbot 5.x: every name given must be among the lineage's).
run_ours certsfilter certificates -d mixed.example --ip-address 127.0.0.1 ||
  fail "certificates -d --ip-address failed"
assert_contains "$ITEST_DIR/certsfilter.out" '^Found the following matching certs:$'
assert_contains "$ITEST_DIR/certsfilter.out" '^  Certificate Name: mixed\.example$'
assert_eq "$(grep -c 'Certificate Name:' "$ITEST_DIR/certsfilter.out")" 1 "lineages matching both"
cb_run "$CERTBOT" certificates --json --ip-address 127.0.0.1 >"$ITEST_DIR/certsjson.out" \
  2>"$ITEST_DIR/certsjson.err" || fail "certificates --json failed: $(cat "$ITEST_DIR/certsjson.err")"
python3 - "$ITEST_DIR/certsjson.out" <<'PY' || fail "certificates --json identifiers"
import json, sys
doc = json.load(open(sys.argv[1]))
ids = {c["name"]: c["identifiers"] for c in doc["certificates"]}
assert ids["127.0.0.1"] == ["127.0.0.1"], ids
assert ids["mixed.example"] == ["mixed.example", "127.0.0.1"], ids
PY
pass "certificates: Identifiers: line with the addresses, --ip-address filter, --json"

# --- webroot (certbot 5.4) ------------------------------------------------------------------
ROOT="$ITEST_DIR/webroot"
serve_webroot "$ROOT"
run_ours webroot4 certonly --webroot -w "$ROOT" --ip-address 127.0.0.1 --cert-name webroot4 ||
  fail "certonly --webroot --ip-address 127.0.0.1 failed"
assert_eq "$(san_text "$CB_CONFIG/live/webroot4/cert.pem")" "IPAddress:127.0.0.1" "webroot4 SAN"
assert_eq "$(find "$ROOT/.well-known/acme-challenge" -type f | wc -l)" 0 "challenge files left"
assert_contains "$CB_CONFIG/renewal/webroot4.conf" '^127\.0\.0\.1 = '
# renew reads the stored map, keyed by the address, back.
run_ours renewwebroot renew --cert-name webroot4 --force-renewal --no-random-sleep-on-renew ||
  fail "renew of the webroot lineage for 127.0.0.1 failed"
assert_file "$CB_CONFIG/archive/webroot4/cert2.pem"
run_ours webrootmap certonly --webroot --webroot-map "{\"127.0.0.1\": \"$ROOT\"}" \
  --ip-address 127.0.0.1 --cert-name webrootmap ||
  fail "certonly --webroot-map with an address key failed"
assert_file "$CB_CONFIG/live/webrootmap/cert.pem"
pass "webroot for 127.0.0.1 (-w before --ip-address, --webroot-map keyed by the address, renew)"

# --- manual with hooks: certbot 5.3's CERTBOT_IDENTIFIER / CERTBOT_ALL_IDENTIFIERS -------------
cat >"$ITEST_DIR/auth.sh" <<HOOK
#!/bin/sh
env | grep -E '^CERTBOT_(DOMAIN|IDENTIFIER|ALL_IDENTIFIERS|ALL_DOMAINS)=' | sort >"$ITEST_DIR/auth-env"
mkdir -p "$ROOT/.well-known/acme-challenge"
printf '%s' "\$CERTBOT_VALIDATION" >"$ROOT/.well-known/acme-challenge/\$CERTBOT_TOKEN"
HOOK
cat >"$ITEST_DIR/cleanup.sh" <<HOOK
#!/bin/sh
rm -f "$ROOT/.well-known/acme-challenge/\$CERTBOT_TOKEN"
HOOK
chmod +x "$ITEST_DIR/auth.sh" "$ITEST_DIR/cleanup.sh"
# On a fresh account (see alpn4): a reused authorization would run no hook.
fresh_account
run_ours manual4 certonly --manual --manual-auth-hook "$ITEST_DIR/auth.sh" \
  --manual-cleanup-hook "$ITEST_DIR/cleanup.sh" --ip-address 127.0.0.1 --cert-name manual4 \
  --account "$FRESH_ACCOUNT_ID" || fail "certonly --manual --ip-address 127.0.0.1 failed"
FRESH_ACCOUNT_PREV=$(sed -n 's/^account = //p' "$CB_CONFIG/renewal/127.0.0.1.conf")
drop_fresh_account manual4
assert_eq "$(cat "$ITEST_DIR/auth-env")" "CERTBOT_ALL_DOMAINS=127.0.0.1
CERTBOT_ALL_IDENTIFIERS=127.0.0.1
CERTBOT_DOMAIN=127.0.0.1
CERTBOT_IDENTIFIER=127.0.0.1" "the manual hook's environment"
assert_eq "$(find "$ROOT/.well-known/acme-challenge" -type f | wc -l)" 0 "challenge files left"
stop_webroot
pass "manual hooks for 127.0.0.1"

# --- IPv6: ::1 -------------------------------------------------------------------------------
if python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1', 0))" 2>/dev/null; then
  run_ours ip6 certonly --standalone --http-01-port "$HTTP01_PORT" --ip-address 0:0:0:0:0:0:0:1 ||
    fail "certonly --standalone --ip-address ::1 failed"
  # RFC 5952: the canonical form names the lineage and goes to the CA. certbot 5.3 names the
  # lineage str(first SAN) with ':' kept (client.py Client._choose_lineagename).
  assert_eq "$(san_text "$CB_CONFIG/live/::1/cert.pem")" "IPAddress:0:0:0:0:0:0:0:1" "::1 SAN"
  assert_file "$CB_CONFIG/renewal/::1.conf"
  assert_file "$CB_CONFIG/archive/::1/cert1.pem"
  assert_eq "$(readlink "$CB_CONFIG/live/::1/cert.pem")" "../../archive/::1/cert1.pem" "live/::1 link"
  assert_contains "$CB_CONFIG/renewal/::1.conf" '^archive_dir = .*/archive/::1$'
  run_ours ip6again certonly --standalone --http-01-port "$HTTP01_PORT" --ip-address ::1 --duplicate ||
    fail "a second certificate for ::1 failed"
  assert_file "$CB_CONFIG/renewal/::1-0001.conf"
  assert_file "$CB_CONFIG/live/::1-0001/fullchain.pem"
  run_ours renew6 renew --cert-name ::1 --force-renewal --no-random-sleep-on-renew ||
    fail "renew --cert-name ::1 failed"
  assert_file "$CB_CONFIG/archive/::1/cert2.pem"
  run_ours certs6 certificates --cert-name ::1 || fail "certificates --cert-name ::1 failed"
  assert_contains "$ITEST_DIR/certs6.out" '^  Certificate Name: ::1$'
  assert_contains "$ITEST_DIR/certs6.out" '^    Private Key Path: .*/live/::1/privkey\.pem$'
  assert_not_contains "$ITEST_DIR/certs6.out" 'Certificate Name: ::1-0001'
  pass "lineage ::1 (renewal/::1.conf, live/::1/, archive/::1/), then ::1-0001; renew and list by name"
  fresh_account # ::1 was validated above (see alpn4)
  run_ours alpn6 certonly --standalone --preferred-challenges tls-alpn-01 \
    --https-port "$TLSALPN_PORT" --ip-address ::1 --cert-name alpn6 --account "$FRESH_ACCOUNT_ID" ||
    fail "tls-alpn-01 for ::1 failed"
  FRESH_ACCOUNT_PREV=$(sed -n 's/^account = //p' "$CB_CONFIG/renewal/::1.conf")
  drop_fresh_account alpn6
  assert_contains "$CB_LOGS/letsencrypt.log" 'Serving tls-alpn-01 for ::1 \(SNI 1(\.0){31}\.ip6\.arpa\)'
  pass "standalone http-01 and tls-alpn-01 for ::1"
  ROOT6="$ITEST_DIR/webroot6"
  mkdir -p "$ROOT6"
  bg_start "http.server [::1]" "$ITEST_DIR/http-server6.log" \
    python3 -m http.server --bind ::1 --directory "$ROOT6" "$HTTP01_PORT"
  SERVER6=$BG_PID
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('::1', $HTTP01_PORT), 1)" 2>/dev/null && break
    sleep 0.2
  done
  run_ours webroot6 certonly --webroot -w "$ROOT6" --ip-address ::1 --cert-name webroot6 ||
    fail "certonly --webroot --ip-address ::1 failed"
  assert_contains "$CB_CONFIG/renewal/webroot6.conf" '^::1 = '
  run_ours renewwebroot6 renew --cert-name webroot6 --force-renewal --no-random-sleep-on-renew ||
    fail "renew of the webroot lineage for ::1 failed"
  bg_stop "$SERVER6"
  pass "webroot for ::1, and its renewal from the stored map"
else
  skip_part "the loopback has no IPv6 (::1): the ::1 part is skipped"
fi

# --- what a user can get wrong -----------------------------------------------------------------
check_usage_error() { # NAME PATTERN ARGS...
  local name=$1 pattern=$2 rc=0
  shift 2
  run_ours "$name" certonly --standalone --http-01-port "$HTTP01_PORT" "$@" || rc=$?
  assert_eq "$rc" 2 "$name: exit status"
  assert_eq "$(grep -c . "$ITEST_DIR/$name.out")" 1 "$name: one line of output"
  assert_contains "$ITEST_DIR/$name.out" "$pattern"
}
certbot_dirs # no lineage for 127.0.0.1 yet: each command must fail on its own input
orders_before=$(pebble_orders)
check_usage_error d-ip 'is an IP address: request it with --ip-address 192\.0\.2\.1' -d 192.0.2.1
check_usage_error d-ip6 'with --ip-address 2001:db8::1' -d 2001:db8::1
check_usage_error garbage 'not a valid IPv4 or IPv6 address.*--ip-address' --ip-address 300.1.1.1
check_usage_error bracket 'not a valid IPv4 or IPv6 address' --ip-address '[::1]'
check_usage_error dnschall 'excludes both' --ip-address 127.0.0.1 --preferred-challenges dns
rc=0
run_ours manualdns certonly --manual --manual-auth-hook /bin/true --preferred-challenges dns \
  --ip-address 127.0.0.1 || rc=$?
assert_eq "$rc" 2 "manual with dns-01 only for an IP"
if [[ -f "$BUILD_DIR/plugins/dns-rfc2136.so" ]]; then
  printf 'dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k.\ndns_rfc2136_secret = c2VjcmV0\n' \
    >"$ITEST_DIR/rfc2136.ini"
  chmod 600 "$ITEST_DIR/rfc2136.ini"
  rc=0
  run_ours dnsplugin certonly --dns-rfc2136 --dns-rfc2136-credentials "$ITEST_DIR/rfc2136.ini" \
    --ip-address 127.0.0.1 || rc=$?
  assert_eq "$rc" 2 "a DNS plugin for an IP"
  assert_contains "$ITEST_DIR/dnsplugin.out" 'IP address 127\.0\.0\.1 can only be validated with http-01 or tls-alpn-01.*dns-rfc2136'
else
  skip_part "dns-rfc2136 plugin not built: the DNS-plugin refusal is not checked"
fi
assert_eq "$(pebble_orders)" "$orders_before" "orders created by refused commands"
pass "usage errors: -d with an IP, garbage, dns-01 or a DNS plugin for an IP; nothing ordered"

# --- what a server can get wrong (the fake ACME server: Pebble cannot misbehave on purpose) ---
for mode in foreign-ip-authz ip-as-dns-authz; do
  fake_acme_start "$mode"
  certbot_dirs
  rc=0
  CB_SERVER=$FAKE_ACME_DIR_URL run_ours "$mode" certonly --standalone \
    --http-01-port "$(free_port)" --ip-address 127.0.0.1 || rc=$?
  [[ "$rc" -ne 0 ]] || fail "$mode: certonly succeeded"
  case $mode in
  foreign-ip-authz) assert_contains "$ITEST_DIR/$mode.out" '192\.0\.2\.66' ;;
  ip-as-dns-authz) assert_contains "$ITEST_DIR/$mode.out" 'an IP address as a dns identifier' ;;
  esac
  # No challenge was answered: nothing was POSTed to a challenge URL.
  assert_not_contains "$FAKE_ACME_LOG" 'POST /chall/'
  pass "$mode: refused before any challenge was answered"
done
