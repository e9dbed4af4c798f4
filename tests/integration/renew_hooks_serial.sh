#!/usr/bin/env bash
# renew's parallel workers never run user code at the same time: three --manual lineages whose
# auth/cleanup hooks take 0.3 s each, plus two webroot lineages, all with a --deploy-hook, renewed
# with --renewal-workers 4. Every hook writes its start and end time (ns); the intervals must not
# overlap, and the hooks must come in the same order (conf order) on two runs.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every renewal challenges again, so the auth hooks run.
pebble_prologue --authz-reuse 0
RUN_OURS_EXTRA=(--register-unsafely-without-email)

htdocs="$ITEST_DIR/htdocs"
mkdir -p "$htdocs/.well-known/acme-challenge"
serve_webroot "$htdocs"
times="$ITEST_DIR/times"
hooks="$ITEST_DIR/hooks"
mkdir -p "$hooks"
# hook.sh KIND: appends "KIND NAME start end" (nanoseconds), 0.3 s apart.
cat >"$hooks/hook.sh" <<EOF
#!/bin/bash
start=\$(date +%s%N)
if [[ \$1 == auth ]]; then
  echo "\$CERTBOT_VALIDATION" >"$htdocs/.well-known/acme-challenge/\$CERTBOT_TOKEN"
fi
sleep 0.3
echo "\$1 \${CERTBOT_DOMAIN:-\${RENEWED_LINEAGE##*/}} \$start \$(date +%s%N)" >>"$times"
EOF
chmod +x "$hooks/hook.sh"

for n in m1 m2 m3; do
  run_ours "issue-$n" certonly --manual -d "$n.example" --preferred-challenges http \
    --manual-auth-hook "$hooks/hook.sh auth" --manual-cleanup-hook "$hooks/hook.sh cleanup" \
    --deploy-hook "$hooks/hook.sh deploy" || fail "certonly --manual $n failed"
done
for n in w1 w2; do
  run_ours "issue-$n" certonly --webroot -w "$htdocs" -d "$n.example" \
    --deploy-hook "$hooks/hook.sh deploy" || fail "certonly --webroot $n failed"
done

# check_serial RUN: no two hook intervals overlap.
check_serial() {
  sort -k3,3n "$times" >"$ITEST_DIR/sorted.$1"
  awk -v run="$1" '{ if (NR > 1 && $3 < prev) { printf "%s: %s %s started at %s before the previous hook ended at %s\n", run, $1, $2, $3, prev; bad = 1 } prev = $4 }
    END { exit bad }' "$ITEST_DIR/sorted.$1" || fail "hooks overlapped in $1 (times: $(cat "$ITEST_DIR/sorted.$1"))"
}

orders=()
for run in 1 2; do
  # Each run renews the manual lineages with an account that has validated nothing (Pebble
  # would otherwise reuse an authorization now and then, and an auth hook would not run).
  use_fresh_account m1.example m2.example m3.example
  : >"$times"
  run_ours "renew-$run" renew --force-renewal --no-random-sleep-on-renew --renewal-workers 4 || fail "renew $run failed"
  assert_eq "$(grep -c '^auth ' "$times")" 3 "auth hooks in renew $run"
  assert_eq "$(grep -c '^cleanup ' "$times")" 3 "cleanup hooks in renew $run"
  assert_eq "$(grep -c '^deploy ' "$times")" 5 "deploy hooks in renew $run"
  check_serial "renew-$run"
  drop_fresh_account m1.example m2.example m3.example
  orders+=("$(awk '{print $1, $2}' "$ITEST_DIR/sorted.renew-$run" | tr '\n' ',')")
done
assert_eq "${orders[1]}" "${orders[0]}" "hook order of the second renew"
assert_eq "$(awk '$1 == "auth" {print $2}' "$ITEST_DIR/sorted.renew-1" | tr '\n' ' ')" \
  "m1.example m2.example m3.example " "auth hooks in conf order"
assert_eq "$(awk '$1 == "deploy" {print $2}' "$ITEST_DIR/sorted.renew-1" | tr '\n' ' ')" \
  "m1.example m2.example m3.example w1.example w2.example " "deploy hooks in conf order"
pass "renew --renewal-workers 4: 11 hooks, none overlapping, the same order twice: ${orders[0]}"
