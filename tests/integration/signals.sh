#!/usr/bin/env bash
# SIGTERM and SIGINT while certbot works: the handler and the interrupt paths, at the stage where
# a run spends its time (the authenticator's perform, here the `recorder` fixture holding it):
#  1. certonly, SIGTERM during perform: ends with exit 1 and "interrupted", the challenge files
#     are cleaned up, no lineage is written, the lock is released (the next run succeeds);
#  2. certonly, SIGINT: the same;
#  3. renew of three lineages one at a time, SIGTERM during the second one's perform: the first
#     keeps its new version, the second and third keep their old ones, every live/ link is
#     whole, the post-hook still runs, exit 4 (some renewed, some not); the next renew completes.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

recorder_start
root=$RECORDER_ROOT
log=$RECORDER_LOG
challenges=$root/.well-known/acme-challenge
mapfile -t COMMON < <(cb_common_args)

# interrupt SIGNAL NAME NTH ARGS...: start our certbot with ARGS, send SIGNAL once the NTH perform
# has started, wait for it; sets RC, OUT (output file) and TOOK (seconds from signal to exit).
interrupt() {
  local sig=$1 name=$2 nth=$3 i pid start
  shift 3
  OUT=$ITEST_DIR/$name.out
  itest_log "certbot $name" "$OUT"
  rm -f "$log"
  "$CERTBOT" "$@" "${COMMON[@]}" --register-unsafely-without-email >"$OUT" 2>&1 </dev/null &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    [[ "$(grep -c '^start ' "$log" 2>/dev/null || true)" -ge "$nth" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ "$(grep -c '^start ' "$log" 2>/dev/null || true)" -ge "$nth" ]] ||
    fail "$name: perform #$nth never started: $(cat "$OUT")"
  kill "-$sig" "$pid" || fail "$name: the process was gone before the signal"
  start=$SECONDS
  RC=0
  wait "$pid" || RC=$?
  TOOK=$((SECONDS - start))
}

version() { readlink "$CB_CONFIG/live/$1/cert.pem" | sed -E 's/.*cert([0-9]+)\.pem$/\1/'; }

# --- 1 and 2: certonly -----------------------------------------------------------------------------
for sig in TERM INT; do
  name=sig-$(tr 'A-Z' 'a-z' <<<"$sig").example
  interrupt "$sig" "certonly-$sig" 1 certonly -a recorder --recorder-root "$root" \
    --recorder-sleep-ms 3000 -d "$name"
  assert_eq "$RC" 1 "certonly interrupted by SIG$sig: exit status ($(cat "$OUT"))"
  ((TOOK <= 10)) || fail "certonly took $TOOK s to end after SIG$sig"
  assert_contains "$OUT" "interrupted"
  assert_eq "$(find "$challenges" -type f | wc -l)" 0 "challenge files left after SIG$sig"
  assert_no_file "$CB_CONFIG/live/$name"
  assert_no_file "$CB_CONFIG/renewal/$name.conf"
  assert_no_file "$CB_CONFIG/archive/$name"
  pass "certonly, SIG$sig during perform: exit 1 after $TOOK s, cleaned up, nothing written"
done
# The lock was released: the same request now succeeds.
run_ours after-signals certonly -a recorder --recorder-root "$root" -d sig-term.example \
  --register-unsafely-without-email || fail "certonly after the signals: $(cat "$ITEST_DIR/after-signals.out")"
assert_eq "$(version sig-term.example)" 1 "version after a clean run"
pass "the lock was released: the next certonly succeeds"

# --- 3: renew ---------------------------------------------------------------------------------------
for n in r1.example r2.example; do
  run_ours "obtain-$n" certonly -a recorder --recorder-root "$root" -d "$n" \
    --register-unsafely-without-email || fail "certonly $n: $(cat "$ITEST_DIR/obtain-$n.out")"
done
post=$ITEST_DIR/post.log
# Pebble reuses an account's valid authorizations now and then even with PEBBLE_AUTHZREUSE=0; a
# lineage renewed that way runs no perform and the signal would land on the wrong lineage. A fresh
# account has no authorizations to reuse.
use_fresh_account r1.example r2.example sig-term.example
# Lineages renew in name order: r1, r2, sig-term. SIGTERM once r2's perform has started.
interrupt TERM renew-term 2 renew --force-renewal --no-random-sleep-on-renew --renewal-workers 1 \
  --recorder-sleep-ms 2000 --post-hook "echo post >>'$post'"
# Exit 4: one lineage renewed before the signal, the others did not (user guide, exit status).
assert_eq "$RC" 4 "renew interrupted by SIGTERM: exit status ($(cat "$OUT"))"
assert_contains "$OUT" "sig-term\.example/fullchain\.pem \(interrupted\)"
((TOOK <= 10)) || fail "renew took $TOOK s to end after SIGTERM"
assert_eq "$(grep -c '^start ' "$log")" 2 "performs started (the third lineage must not start)"
assert_eq "$(version r1.example)" 2 "r1.example, renewed before the signal"
assert_eq "$(version r2.example)" 1 "r2.example, interrupted"
assert_eq "$(version sig-term.example)" 1 "sig-term.example, never started"
for n in r1.example r2.example sig-term.example; do
  for f in cert chain fullchain privkey; do
    [[ -s "$CB_CONFIG/live/$n/$f.pem" ]] || fail "live/$n/$f.pem is broken after the interrupted renew"
  done
done
assert_eq "$(find "$challenges" -type f | wc -l)" 0 "challenge files left after the interrupted renew"
assert_eq "$(grep -c . "$post" 2>/dev/null || echo 0)" 1 "post-hook runs"
pass "renew, SIGTERM during the 2nd lineage: exit 4 after $TOOK s, r1 renewed, r2 and the rest untouched, post-hook ran"

run_ours renew-after renew --force-renewal --no-random-sleep-on-renew ||
  fail "renew after the interrupted one: $(cat "$ITEST_DIR/renew-after.out")"
assert_eq "$(version r2.example)" 2 "r2.example after a clean renew"
pass "the next renew completes"
