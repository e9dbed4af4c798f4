#!/usr/bin/env bash
# The renew scheduler really runs lineages in parallel, and a failure inside the worker pool is
# contained: this test fails if renew is made single-threaded.
#  1. --renewal-workers 4 over 4 lineages whose authenticator (the `recorder` fixture, a real
#     http-01 answerer that holds each perform 1.5 s and logs its start and end) must show
#     performs of different lineages running at the same time;
#  2. --renewal-workers 1 shows none (so the measurement itself can tell the two apart);
#  3. one lineage failing inside the pool: the other three still renew, the failed one is named,
#     the post-hook runs once, exit status 4 (some renewed, some failed).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

recorder_start
root=$RECORDER_ROOT
log=$RECORDER_LOG
names=(p1.example p2.example p3.example p4.example)

for n in "${names[@]}"; do
  run_ours "obtain-$n" certonly -a recorder --recorder-root "$root" -d "$n" \
    --register-unsafely-without-email || fail "certonly $n: $(cat "$ITEST_DIR/obtain-$n.out")"
done
pass "4 lineages obtained through the recorder authenticator"

# max_overlap: the largest number of performs running at one moment in $log.
max_overlap() {
  awk '{ print $3, ($1 == "start" ? 1 : -1) }' "$log" | sort -n -k1,1 -k2,2 |
    awk '{ cur += $2; if (cur > max) max = cur } END { print max + 0 }'
}

# --- 1. four workers: performs overlap ---------------------------------------------------------
rm -f "$log"
start=$SECONDS
run_ours parallel renew --force-renewal --no-random-sleep-on-renew --renewal-workers 4 \
  --recorder-sleep-ms 1500 || fail "renew with 4 workers failed: $(cat "$ITEST_DIR/parallel.out")"
elapsed=$((SECONDS - start))
# Pebble still reuses a valid authorization now and then despite PEBBLE_AUTHZREUSE=0, and then
# that lineage renews without a perform: at least two performs are needed to see an overlap.
performs=$(grep -c '^start ' "$log")
((performs >= 2)) || fail "4 workers: only $performs performs ran: $(cat "$log")"
overlap=$(max_overlap)
((overlap >= 2)) || fail "4 workers: performs never overlapped (max $overlap at once): $(cat "$log")"
for n in "${names[@]}"; do assert_file "$CB_CONFIG/archive/$n/cert2.pem"; done
pass "4 workers: up to $overlap performs at once, 4 lineages renewed in $elapsed s"

# --- 2. one worker: never two at once ------------------------------------------------------------
rm -f "$log"
run_ours sequential renew --force-renewal --no-random-sleep-on-renew --renewal-workers 1 \
  --recorder-sleep-ms 300 || fail "renew with 1 worker failed: $(cat "$ITEST_DIR/sequential.out")"
performs=$(grep -c '^start ' "$log")
((performs >= 2)) || fail "1 worker: only $performs performs ran: $(cat "$log")"
assert_eq "$(max_overlap)" 1 "1 worker: performs at once"
pass "1 worker: performs one at a time"

# --- 3. a failure inside the pool ---------------------------------------------------------------
rm -f "$log"
echo p3.example >"$CB_WORK/recorder/fail"
# p3 must reach its perform to fail there: on an account that has validated nothing, Pebble has
# no authorization of it to reuse (it does 1 time in 100 even with PEBBLE_AUTHZREUSE=0).
use_fresh_account p3.example
post=$ITEST_DIR/post.log
rc=0
run_ours failing renew --force-renewal --no-random-sleep-on-renew --renewal-workers 4 \
  --recorder-sleep-ms 500 --post-hook "echo post >>'$post'" || rc=$?
out=$ITEST_DIR/failing.out
assert_eq "$rc" 4 "renew with one failing lineage: exit status ($(cat "$out"))"
assert_contains "$out" "p3\.example"
for n in p1.example p2.example p4.example; do assert_file "$CB_CONFIG/archive/$n/cert4.pem"; done
assert_no_file "$CB_CONFIG/archive/p3.example/cert4.pem"
assert_eq "$(readlink "$CB_CONFIG/live/p3.example/cert.pem")" "../../archive/p3.example/cert3.pem" \
  "the failed lineage's live link"
assert_eq "$(grep -c . "$post")" 1 "post-hook runs"
pass "a failure inside the pool: 3 renewed, p3.example named and untouched, post-hook once, exit 4"
