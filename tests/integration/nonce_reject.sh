#!/usr/bin/env bash
# Pebble rejects 90% of valid nonces (PEBBLE_WFE_NONCEREJECT=90): our client
# must retry badNonce errors (RFC 8555 §6.5) with the fresh nonce it got, and
# issue three certificates in a row with the standalone plugin.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PEBBLE_WFE_NONCEREJECT=90
pebble_prologue --root "$ITEST_DIR/root.pem"

# The knob reached Pebble (lib.sh passes PEBBLE_* through).
pebble_log=""
for f in "$ITEST_DIR"/pebble/pebble.*.log; do pebble_log=$f; done # the last attempt's
assert_contains "$pebble_log" 'Configured to reject 90% of good nonces'

rejected=0
for n in 1 2 3; do
  name="n$n.example"
  out="$ITEST_DIR/run$n.out"
  itest_log "certbot run $n" "$out"
  cb_run "$CERTBOT" certonly --standalone -d "$name" --http-01-port "$HTTP01_PORT" \
    --register-unsafely-without-email -v >"$out" 2>&1 ||
    fail "certificate $n ($name) failed under nonce rejection: $(tail -n 5 "$out")"
  live="$CB_CONFIG/live/$name"
  assert_cert_sans "$live/cert.pem" "$name"
  v=$(openssl verify -CAfile "$ITEST_DIR/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
    fail "$name does not verify to Pebble's root: $v"
  # Our log of this run (rotated at the start of every run): badNonce answers.
  cp "$CB_LOGS/letsencrypt.log" "$ITEST_DIR/run$n.log"
  r=$(grep -cE 'POST https://[^ ]+ -> 400 ' "$ITEST_DIR/run$n.log" || true)
  rejected=$((rejected + r))
  printf 'run %s: %s rejected POSTs\n' "$n" "$r"
done

# With 90% of nonces rejected over ~30 POSTs, the retry path was exercised.
((rejected > 0)) || fail "no POST was rejected: the test did not exercise badNonce retries"
acct_count=$(find "$CB_CONFIG/accounts" -name regr.json | wc -l)
assert_eq "$acct_count" 1 "accounts after three runs (the first one is reused)"
pass "3 certificates issued while Pebble rejected $rejected nonces"

# The three renewed at once (--renewal-workers 4; webroot on the command line, so that they do
# not wait for each other's standalone port): the workers share one pool of nonces, each taken
# by one request only, and every badNonce is retried.
webroot="$ITEST_DIR/www"
serve_webroot "$webroot"
out="$ITEST_DIR/renew.out"
itest_log "parallel renew" "$out"
cb_run "$CERTBOT" renew --force-renewal --no-random-sleep-on-renew --renewal-workers 4 \
  -a webroot -w "$webroot" -v >"$out" 2>&1 ||
  fail "parallel renewal under nonce rejection failed: $(tail -n 5 "$out")"
for n in 1 2 3; do
  target=$(readlink "$CB_CONFIG/live/n$n.example/cert.pem")
  [[ "$target" == *cert2.pem ]] || fail "n$n.example was not renewed (cert.pem -> $target)"
done
r=$(grep -cE 'POST https://[^ ]+ -> 400 ' "$CB_LOGS/letsencrypt.log" || true)
((r > 0)) || fail "no POST of the parallel renewal was rejected: badNonce retries not exercised"
pass "3 lineages renewed by 4 workers sharing nonces while Pebble rejected $r of them"
