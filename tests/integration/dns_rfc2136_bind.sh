#!/usr/bin/env bash
# The dns-rfc2136 plugin against a real BIND 9 (named) on loopback, with Pebble's VA resolving
# through that BIND (PEBBLE_DNS_SERVER):
#   1. example.test and *.example.test in one run (two TXT records on one name), HMAC-SHA256;
#      the records are gone afterwards; renewal conf as certbot-dns-rfc2136's; lineage
#      example.test; a TXT record we did not add survives cleanup (delete is by value, not the
#      whole RRset); `renew` works from the stored options; the secret is in no log or output;
#   2. an HMAC-SHA512 key; the server on ::1;
#   3. wrong secret: clear error naming the server and the key; a key without update rights;
#   4. Debian's Python certbot-dns-rfc2136 (the oracle) with the same credentials writes the
#      same dns_rfc2136_* keys, and we renew the lineage it created;
#   5. credentials readable by others: warning; server unreachable / not answering:
#      bounded wait and a clear error.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
command -v named >/dev/null || fail "named (Debian package bind9) is not installed"
command -v dig >/dev/null || fail "dig (Debian package bind9-dnsutils) is not installed"

# --- BIND ------------------------------------------------------------------------------
bind="$ITEST_DIR/bind"
mkdir -p "$bind"
SECRET256=$(openssl rand -base64 32)
SECRET512=$(openssl rand -base64 64 | tr -d '\n')
cat >"$bind/example.test.zone" <<'EOF'
$TTL 300
@   IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@   IN NS  ns.example.test.
ns  IN A   127.0.0.1
@   IN A   127.0.0.1
*   IN A   127.0.0.1
_acme-challenge IN TXT "someone-elses-record"
EOF
bind_start() {
  local attempt
  for attempt in 1 2 3; do
    BIND_PORT=$(free_port)
    cat >"$bind/named.conf" <<EOF
options {
  directory "$bind";
  pid-file "$bind/named.pid";
  listen-on port $BIND_PORT { 127.0.0.1; };
  listen-on-v6 port $BIND_PORT { ::1; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "certbot-key." { algorithm hmac-sha256; secret "$SECRET256"; };
key "sha512-key." { algorithm hmac-sha512; secret "$SECRET512"; };
key "no-rights-key." { algorithm hmac-sha256; secret "$SECRET256"; };
zone "example.test" {
  type primary;
  file "$bind/example.test.zone";
  update-policy {
    grant certbot-key. name _acme-challenge.example.test. TXT;
    grant certbot-key. name _acme-challenge.v6.example.test. TXT;
    grant sha512-key. name _acme-challenge.sha512.example.test. TXT;
  };
};
EOF
    bg_start "named" "$bind/named.$attempt.log" named -g -c "$bind/named.conf" -p "$BIND_PORT"
    local deadline=$((SECONDS + 15))
    while ((SECONDS < deadline)) && kill -0 "$BG_PID" 2>/dev/null; do
      if dig +short +time=1 +tries=1 -p "$BIND_PORT" @127.0.0.1 SOA example.test 2>/dev/null | grep -q hostmaster; then
        return 0
      fi
      sleep 0.2
    done
    bg_stop "$BG_PID"
  done
  fail "named did not start (see its log)"
}
bind_start
txt_records() {
  dig +short +time=2 +tries=1 -p "$BIND_PORT" @127.0.0.1 TXT _acme-challenge.example.test | sort
}
assert_eq "$(txt_records)" '"someone-elses-record"' "TXT records before the run"

export PEBBLE_DNS_SERVER="127.0.0.1:$BIND_PORT"
pebble_prologue --authz-reuse 0
RUN_OURS_EXTRA=(--register-unsafely-without-email)

# credentials NAME KEY SECRET ALGORITHM [PORT] [SERVER]: write $ITEST_DIR/NAME.ini (0600).
credentials() {
  local f="$ITEST_DIR/$1.ini"
  (umask 077 && cat >"$f" <<EOF
# Target DNS server
dns_rfc2136_server = ${6:-127.0.0.1}
dns_rfc2136_port = ${5:-$BIND_PORT}
# TSIG key name
dns_rfc2136_name = $2
# TSIG key secret
dns_rfc2136_secret = $3
# TSIG key algorithm
dns_rfc2136_algorithm = $4
EOF
  )
  echo "$f"
}

# --- 1. example.test + *.example.test ------------------------------------------------------
ini=$(credentials good certbot-key. "$SECRET256" HMAC-SHA256)
run_ours wild certonly --dns-rfc2136 --dns-rfc2136-credentials "$ini" \
  --dns-rfc2136-propagation-seconds 0 -d example.test -d '*.example.test' ||
  fail "certonly --dns-rfc2136 for example.test + *.example.test failed"
live="$CB_CONFIG/live/example.test"
assert_cert_sans "$live/cert.pem" '*.example.test' example.test
assert_no_file "$CB_CONFIG/live/*.example.test"
assert_eq "$(txt_records)" '"someone-elses-record"' "TXT records after cleanup (ours deleted, the other kept)"
bind_log() { cat "$bind"/named.*.log; }
assert_eq "$(bind_log | grep -c "adding an RR at '_acme-challenge.example.test' TXT")" 2 \
  "TXT records BIND added"
assert_eq "$(bind_log | grep -c "deleting an RR at _acme-challenge.example.test TXT")" 2 \
  "TXT records BIND deleted"
conf="$CB_CONFIG/renewal/example.test.conf"
soft assert_contains "$conf" '^authenticator = dns-rfc2136$'
soft assert_contains "$conf" "^dns_rfc2136_credentials = $ini\$"
soft assert_contains "$conf" '^dns_rfc2136_propagation_seconds = 0$'
soft_done
for f in "$ITEST_DIR/wild.out" "$CB_LOGS/letsencrypt.log"; do
  grep -qF "$SECRET256" "$f" && fail "the TSIG secret appears in $f"
done
pass "example.test + *.example.test via RFC 2136 (HMAC-SHA256); only our records deleted"

run_ours renew renew --cert-name example.test --force-renewal --no-random-sleep-on-renew ||
  fail "renew with the stored dns-rfc2136 options failed"
assert_file "$CB_CONFIG/archive/example.test/cert2.pem"
assert_eq "$(txt_records)" '"someone-elses-record"' "TXT records after renew"
pass "renew from the stored dns_rfc2136_* options"

# --- 2. HMAC-SHA512 ----------------------------------------------------------------------------
# From here on every run asks for a name never validated before: Pebble reuses a valid
# authorization 1 time in 100 even with PEBBLE_AUTHZREUSE=0, and a run whose authorization was
# reused sends no update (a wrong key would pass, an unreachable server would not fail).
ini512=$(credentials sha512 sha512-key "$SECRET512" hmac-sha512)
run_ours sha512 certonly --dns-rfc2136 --dns-rfc2136-credentials "$ini512" \
  --dns-rfc2136-propagation-seconds 0 -d sha512.example.test --cert-name sha512 ||
  fail "certonly --dns-rfc2136 with an HMAC-SHA512 key failed"
assert_file "$CB_CONFIG/live/sha512/cert.pem"
assert_eq "$(bind_log | grep -c "sha512-key.*adding an RR at '_acme-challenge.sha512.example.test' TXT")" 1 \
  "TXT records BIND added for the HMAC-SHA512 key"
pass "HMAC-SHA512 key"

if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
  ini6=$(credentials v6 certbot-key. "$SECRET256" HMAC-SHA256 "$BIND_PORT" ::1)
  run_ours v6 certonly --dns-rfc2136 --dns-rfc2136-credentials "$ini6" \
    --dns-rfc2136-propagation-seconds 0 -d v6.example.test --cert-name v6 ||
    fail "certonly --dns-rfc2136 with dns_rfc2136_server = ::1 failed"
  assert_contains "$ITEST_DIR/v6.out" "at \[::1\]:$BIND_PORT"
  pass "DNS server on IPv6 (::1)"
fi

# --- 3. wrong secret ------------------------------------------------------------------------------
badini=$(credentials bad certbot-key. "$(openssl rand -base64 32)" HMAC-SHA256)
# must fail: certonly with a wrong TSIG secret
run_ours_expect 1 badkey certonly --dns-rfc2136 --dns-rfc2136-credentials "$badini" \
  --dns-rfc2136-propagation-seconds 0 -d badkey.example.test --cert-name badkey
assert_contains "$ITEST_DIR/badkey.out" "127\.0\.0\.1:$BIND_PORT rejected the TSIG key \"certbot-key\.\" \(BADSIG\)"
assert_no_file "$CB_CONFIG/live/badkey"
norightsini=$(credentials norights no-rights-key. "$SECRET256" HMAC-SHA256)
# must fail: certonly with a key without update rights
run_ours_expect 1 norights certonly --dns-rfc2136 --dns-rfc2136-credentials "$norightsini" \
  --dns-rfc2136-propagation-seconds 0 -d norights.example.test --cert-name norights
assert_contains "$ITEST_DIR/norights.out" 'answered REFUSED \(does the key "no-rights-key\." have update rights on zone example\.test\?\)'
# Refused: nothing was added, so cleanup sends no delete (which would be refused again).
assert_not_contains "$ITEST_DIR/norights.out" 'Could not delete'
pass "wrong secret: $(grep -m1 'rejected the TSIG key' "$ITEST_DIR/badkey.out")"

# --- 4. Python certbot-dns-rfc2136 as the oracle -------------------------------------------------
if "$PYCERTBOT" plugins 2>/dev/null | grep -q '^\* dns-rfc2136$'; then
  itest_log "python certbot" "$ITEST_DIR/py.out"
  cb_run "$PYCERTBOT" certonly --authenticator dns-rfc2136 --dns-rfc2136-credentials "$ini" \
    --dns-rfc2136-propagation-seconds 1 -d example.test -d '*.example.test' --cert-name py \
    --register-unsafely-without-email >"$ITEST_DIR/py.out" 2>&1 ||
    fail "Python certbot with dns-rfc2136 failed against the same BIND"
  assert_eq "$(txt_records)" '"someone-elses-record"' "TXT records after Python certbot's run"
  plugin_keys() { grep -E '^(authenticator|dns_rfc2136_[a-z_]+) = ' "$1" | sort; }
  pyconf="$CB_CONFIG/renewal/py.conf"
  run_ours keys certonly --dns-rfc2136 --dns-rfc2136-credentials "$ini" \
    --dns-rfc2136-propagation-seconds 1 -d example.test -d '*.example.test' --cert-name ours ||
    fail "our certonly with the oracle's flags failed"
  assert_eq "$(plugin_keys "$CB_CONFIG/renewal/ours.conf")" "$(plugin_keys "$pyconf")" \
    "dns-rfc2136 keys in our renewal conf vs Python certbot's"
  run_ours pyrenew renew --cert-name py --force-renewal --no-random-sleep-on-renew ||
    fail "renewing Python certbot's dns-rfc2136 lineage failed"
  assert_file "$CB_CONFIG/archive/py/cert2.pem"
  pass "same renewal-conf keys as Python certbot-dns-rfc2136; we renew its lineage"
else
  fail "Python certbot has no dns-rfc2136 plugin (Debian: python3-certbot-dns-rfc2136; scripts/install-deps.sh)"
fi

# --- 5. permissions, unreachable and silent servers --------------------------------------------------
chmod 644 "$ini"
run_ours perms certonly --dns-rfc2136 --dns-rfc2136-credentials "$ini" \
  --dns-rfc2136-propagation-seconds 0 -d example.test --cert-name perms ||
  fail "certonly with a world-readable credentials file failed"
assert_contains "$ITEST_DIR/perms.out" "Unsafe permissions on credentials configuration file: $ini"
chmod 600 "$ini"
pass "world-readable credentials: warned"

before=$(pebble_orders)
# must fail: certonly with a missing credentials file
run_ours_expect 1 noini certonly --dns-rfc2136 --dns-rfc2136-credentials "$ITEST_DIR/missing.ini" \
  -d example.test --cert-name noini
assert_contains "$ITEST_DIR/noini.out" "dns-rfc2136 plugin.*Cannot read the credentials file $ITEST_DIR/missing\.ini"
assert_eq "$(pebble_orders)" "$before" "orders placed with a missing credentials file"
# must fail: certonly --dns-rfc2136 without credentials
run_ours_expect 1 noopt certonly --dns-rfc2136 -d example.test --cert-name noopt
assert_contains "$ITEST_DIR/noopt.out" "--dns-rfc2136-credentials"
pass "missing credentials: refused before ordering"

closed=$(free_port)
deadini=$(credentials dead certbot-key. "$SECRET256" HMAC-SHA256 "$closed")
start=$SECONDS
# must fail: certonly with an unreachable DNS server
run_ours_expect 1 dead certonly --dns-rfc2136 --dns-rfc2136-credentials "$deadini" \
  --dns-rfc2136-propagation-seconds 0 -d dead.example.test --cert-name dead
assert_contains "$ITEST_DIR/dead.out" "the DNS server 127\.0\.0\.1:$closed is unreachable"
((SECONDS - start < 30)) || fail "unreachable server: took $((SECONDS - start)) s"

silent=$(free_port)
bg_start "silent tcp listener" "$ITEST_DIR/silent.log" /usr/bin/python3 -c \
  "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $silent)); s.listen(5); time.sleep(120)"
wait_for_port "$silent" 10 || fail "silent listener did not start"
silentini=$(credentials silent certbot-key. "$SECRET256" HMAC-SHA256 "$silent")
start=$SECONDS
# must fail: certonly with a DNS server that never answers
run_ours_expect 1 silent certonly --dns-rfc2136 --dns-rfc2136-credentials "$silentini" \
  --dns-rfc2136-propagation-seconds 0 -d silent.example.test --cert-name silent
took=$((SECONDS - start))
assert_contains "$ITEST_DIR/silent.out" "the DNS server 127\.0\.0\.1:$silent did not answer within 10 s"
((took < 30)) || fail "silent server: took $took s"
pass "unreachable and silent DNS servers: clear errors, bounded wait (${took} s)"
