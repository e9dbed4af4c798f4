#!/usr/bin/env bash
# tls-alpn-01 (RFC 8737) with the standalone plugin against a local Pebble, whose VA connects
# to TLSALPN_PORT: --preferred-challenges tls-alpn-01 --https-port; the renewal conf keeps both
# so `renew` answers tls-alpn-01 again. The http-01 port is held by a listener that never
# answers, so an http-01 validation could not pass.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --authz-reuse 0
RUN_OURS_EXTRA=(--register-unsafely-without-email)

# Something else holds the http-01 port: the run must not need it.
bg_start "http-01 port blocker" "$ITEST_DIR/blocker.log" /usr/bin/python3 -c \
  "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $HTTP01_PORT)); s.listen(1); time.sleep(120)"
wait_for_port "$HTTP01_PORT" 10 || fail "blocker did not listen on $HTTP01_PORT"

run_ours alpn certonly --standalone --preferred-challenges tls-alpn-01 \
  --https-port "$TLSALPN_PORT" --http-01-address 127.0.0.1 -d alpn.example -d www.alpn.example ||
  fail "certonly --standalone --preferred-challenges tls-alpn-01 failed"
live="$CB_CONFIG/live/alpn.example"
assert_cert_sans "$live/cert.pem" alpn.example www.alpn.example
# The http-01 port only has a listener that never answers, so these validations were tls-alpn-01.
assert_eq "$(grep -c 'Serving tls-alpn-01 for' "$CB_LOGS/letsencrypt.log")" 2 \
  "tls-alpn-01 challenges the standalone server answered"
assert_not_contains "$CB_LOGS/letsencrypt.log" 'Serving http-01'
conf="$CB_CONFIG/renewal/alpn.example.conf"
soft assert_contains "$conf" '^pref_challs = tls-alpn-01,$'
soft assert_contains "$conf" "^https_port = $TLSALPN_PORT\$"
soft assert_contains "$conf" '^authenticator = standalone$'
soft_done
# Nothing listens on the TLS port after cleanup.
if (exec 3<>"/dev/tcp/127.0.0.1/$TLSALPN_PORT") 2>/dev/null; then
  fail "something still listens on $TLSALPN_PORT after the run"
fi
pass "tls-alpn-01 via standalone on --https-port $TLSALPN_PORT"

# On an account that has validated nothing: Pebble reuses a valid authorization 1 time in 100
# even with PEBBLE_AUTHZREUSE=0, and a reused one would answer no challenge.
use_fresh_account alpn.example
run_ours renew renew --cert-name alpn.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew of a tls-alpn-01 lineage failed"
assert_file "$CB_CONFIG/archive/alpn.example/cert2.pem"
assert_eq "$(grep -c 'Serving tls-alpn-01 for' "$CB_LOGS/letsencrypt.log")" 2 \
  "tls-alpn-01 challenges the renewal answered"
pass "renew answered tls-alpn-01 again from the stored https_port/pref_challs"
