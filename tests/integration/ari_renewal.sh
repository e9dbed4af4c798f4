#!/usr/bin/env bash
# ACME Renewal Information (RFC 9773) and certificate profiles against the in-repo fake CA
# (tests/fake_acme/fake_acme_ca.cpp; Pebble 2.4 speaks neither):
#   - the fake itself agrees with the RFC's certID and window examples
#   - --preferred-profile is sent, stored in the renewal conf and used again on renew;
#     --required-profile of a profile the CA lacks fails clearly; --preferred-profile of one
#     only warns
#   - a window in the future: not renewed; the CA's Retry-After is saved (certbot 5.x's
#     [acme_renewal_info] ari_retry_after) and no request is made again before it passes
#   - a window in the past: renewed, newOrder names the replaced certificate ("replaces")
#   - "replaces" refused (409 alreadyReplaced): ordered again without it, renewed
#   - malformed, inverted, 404 and 500 answers: a warning, the lifetime rule decides (not due)
#   - a CA without renewalInfo: no ARI request at all
#   - `certificates` and `certificates --json` show the profile and the window
#   - renewal-hooks/deploy runs for certonly too (certbot 5.3), not with --no-directory-hooks
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fake_ca_prologue --profiles classic,shortlived
assert_eq "$(curl -fsS --cacert "$TEST_CA_CERT" "https://127.0.0.1:$FAKE_ACME_PORT/ari-example")" ok

ari_gets() { grep -c 'GET /renewalInfo/' "$FAKE_ACME_LOG" || true; }
renew() { run_ours "$1" renew --no-random-sleep-on-renew; }

# certbot 5.3: renewal-hooks/deploy also runs for certonly (not with --no-directory-hooks).
mkdir -p "$CB_CONFIG/renewal-hooks/deploy"
printf '#!/bin/sh\necho "$RENEWED_DOMAINS" >>"%s"\n' "$ITEST_DIR/deploy-dir.txt" \
  >"$CB_CONFIG/renewal-hooks/deploy/record"
chmod 755 "$CB_CONFIG/renewal-hooks/deploy/record"

# --- profiles ----------------------------------------------------------------------------
run_ours issue certonly --standalone --http-01-port "$(free_port)" -d ari.example \
  --register-unsafely-without-email --preferred-profile classic ||
  fail "certonly with --preferred-profile classic failed"
conf=$CB_CONFIG/renewal/ari.example.conf
assert_contains "$conf" '^preferred_profile = classic$'
assert_contains "$FAKE_ACME_LOG" 'POST /new-order -> 201 replaces= profile=classic'
assert_eq "$(cat "$ITEST_DIR/deploy-dir.txt")" ari.example

rc=0
run_ours required certonly --standalone --http-01-port "$(free_port)" -d other.example \
  --required-profile tlsserver || rc=$?
assert_eq "$rc" 2 "exit status of --required-profile of a profile the CA lacks (usage, as documented)"
assert_contains "$ITEST_DIR/required.out" 'does not offer the certificate profile "tlsserver".*classic, shortlived'
assert_no_file "$CB_CONFIG/renewal/other.example.conf"

run_ours preferred certonly --standalone --http-01-port "$(free_port)" -d pref.example \
  --preferred-profile tlsserver || fail "--preferred-profile of a profile the CA lacks failed"
assert_contains "$ITEST_DIR/preferred.out" 'does not offer the certificate profile "tlsserver"'
assert_contains "$CB_CONFIG/renewal/pref.example.conf" '^preferred_profile = tlsserver$'

run_ours short certonly --standalone --http-01-port "$(free_port)" -d short.example \
  --required-profile shortlived --no-directory-hooks || fail "--required-profile shortlived failed"
assert_not_contains "$ITEST_DIR/deploy-dir.txt" short.example
days=$(( ($(date -d "$(openssl x509 -in "$CB_CONFIG/live/short.example/cert.pem" -noout -enddate |
  cut -d= -f2)" +%s) - $(date +%s)) / 3600 ))
[[ $days -le 160 && $days -ge 158 ]] || fail "shortlived certificate lives $days hours, not 160"
rm -f "$CB_CONFIG/renewal/pref.example.conf" "$CB_CONFIG/renewal/short.example.conf"

# --- a window in the future: not due; Retry-After saved and honoured ------------------------
fake_ca_control 'ari=future&retry_after=3600' >/dev/null
renew future || fail "renew failed (future window)"
assert_contains "$ITEST_DIR/future.out" 'not due for renewal'
assert_eq "$(ari_gets)" 1
assert_contains "$conf" '^\[acme_renewal_info\]$'
assert_contains "$conf" '^ari_retry_after = [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$'
retry=$(sed -n 's/^ari_retry_after = //p' "$conf")
delta=$(( $(date -u -d "${retry}Z" +%s) - $(date +%s) ))
[[ $delta -gt 3500 && $delta -le 3600 ]] || fail "ari_retry_after is $delta s away, not ~3600"
run_ours list certificates || fail "certificates failed"
assert_contains "$ITEST_DIR/list.out" 'Profile: classic'
assert_contains "$ITEST_DIR/list.out" 'ARI Renewal Window: '
# stdout only: "Saving debug log to ..." goes to stderr, as certbot's.
cb_run "$CERTBOT" certificates --json >"$ITEST_DIR/json.out" 2>"$ITEST_DIR/json.err" ||
  fail "certificates --json failed: $(cat "$ITEST_DIR/json.err")"
jq -e '.certificates[0].profile == "classic" and (.certificates[0].ari.window_start | test("Z$"))' \
  "$ITEST_DIR/json.out" >/dev/null || fail "certificates --json lacks profile/ari"

fake_ca_control 'ari=past' >/dev/null
renew again || fail "renew failed (inside Retry-After)"
assert_eq "$(ari_gets)" 1
assert_contains "$ITEST_DIR/again.out" 'not due for renewal'

# --- a window in the past: renewed with "replaces" -----------------------------------------
sed -i 's/^ari_retry_after = .*/ari_retry_after = 2020-01-01T00:00:00/' "$conf"
old_serial=$(openssl x509 -in "$CB_CONFIG/live/ari.example/cert.pem" -noout -serial)
renew past || fail "renew failed (past window)"
assert_contains "$ITEST_DIR/past.out" 'Congratulations, all renewals succeeded'
assert_contains "$FAKE_ACME_LOG" 'POST /new-order -> 201 replaces=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+ profile=classic'
[[ "$(openssl x509 -in "$CB_CONFIG/live/ari.example/cert.pem" -noout -serial)" != "$old_serial" ]] ||
  fail "the certificate did not change"
assert_not_contains "$conf" '^ari_retry_after'

# --- "replaces" refused: ordered again without it --------------------------------------------
fake_ca_control 'refuse_replaces=1' >/dev/null
renew refused || fail "renew failed when the CA refused replaces"
assert_contains "$FAKE_ACME_LOG" 'POST /new-order -> 409'
assert_contains "$ITEST_DIR/refused.out" 'ordering again without "replaces"'
assert_contains "$ITEST_DIR/refused.out" 'Congratulations, all renewals succeeded'
fake_ca_control 'refuse_replaces=0' >/dev/null

# --- broken answers: warning, lifetime rule (not due), nothing saved -------------------------
for mode in malformed inverted 404 500; do
  fake_ca_control "ari=$mode" >/dev/null
  before=$(ari_gets)
  renew "bad-$mode" || fail "renew failed with ARI answer $mode"
  assert_contains "$ITEST_DIR/bad-$mode.out" 'An error occurred requesting ACME Renewal Information'
  assert_contains "$ITEST_DIR/bad-$mode.out" 'not due for renewal'
  assert_eq "$(ari_gets)" $((before + 1))
  assert_not_contains "$conf" '^ari_retry_after'
done

# --- a CA without renewalInfo: never asked ----------------------------------------------------
saved_log=$FAKE_ACME_LOG
fake_ca_start --no-ari
sed -i "s|^server = .*|server = $FAKE_ACME_DIR_URL|" "$conf"
renew noari || fail "renew failed against a CA without ARI"
assert_contains "$ITEST_DIR/noari.out" 'not due for renewal'
assert_eq "$(ari_gets)" 0
assert_contains "$FAKE_ACME_LOG" 'GET /dir'
[[ -n "$saved_log" ]]

pass "ARI and profiles against the fake CA"
