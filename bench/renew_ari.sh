#!/usr/bin/env bash
# Benchmark: `renew` with nothing due, with ACME Renewal Information (RFC 9773) on, against a
# CA that speaks it: the in-repo fake CA (tests/fake_acme/fake_acme_ca.cpp; Pebble 2.4 has no
# ARI). Ours only: Debian's Python certbot 2.1 predates ARI (compare with its renew-N row).
#
#   renew-ari-cold-N   no ARI state stored yet: one directory request, N renewalInfo requests
#                      (8 at a time), and the CA's window and Retry-After saved in each of the
#                      N renewal confs. Each run starts from a fresh copy of the tree.
#   renew-ari-warm-N   the run after: every lineage inside the CA's Retry-After (6 h), so no
#                      request at all; what a timer firing twice a day costs.
#   renew-ari-down-N   no state, and the CA is down (connection refused): one failed
#                      directory request, then the lifetime rule decides.
#
# The seed lineage (two names, ECDSA, 90 days, issued by ours from the fake CA) is cloned with
# bench/clone_lineages.py; the CA's default window is the last third of the lifetime, so no
# lineage is due. Checked: the CA saw exactly N renewalInfo requests per cold run and none in
# the warm runs, and every lineage is reported as not due.
#
# Usage: bash bench/renew_ari.sh   (ARI_LINEAGES=1000, RUNS_LARGE=3, BUILD_DIR=...,
#        BENCH_RESULTS=file)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS_LARGE=${RUNS_LARGE:-3}
N=${ARI_LINEAGES:-1000}
[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built (bash bench/run.sh builds it)"

fake_ca_start
blog "renew-ari: fake ACME CA at $FAKE_ACME_DIR_URL, $N lineages, $RUNS_LARGE runs each"
bench_seed "$FAKE_ACME_DIR_URL" "$CERTBOT" --standalone -d a.ari.example -d b.ari.example \
  --http-01-port "$(free_port)"

pristine="$ITEST_DIR/ari-pristine"
bench_clone "$pristine" "$N"
tree="$ITEST_DIR/ari-tree"
args=(renew --no-random-sleep-on-renew --config-dir "$tree/config" --work-dir "$tree/work"
  --logs-dir "$tree/logs")

ari_gets() { grep -c 'GET /renewalInfo/' "$FAKE_ACME_LOG" || true; }
fresh_tree() {
  rm -rf "$tree"
  cp -a "$pristine" "$tree"
}

# bench_before_run (measure_runs' hook) per phase.
phase=cold
bench_before_run() {
  [[ "$phase" == warm ]] || fresh_tree
  rm -rf "$tree/logs"
  mkdir -p "$tree/logs"
}

run_phase() {
  # $1 = phase (cold, warm, down), $2 = expected renewalInfo requests per run.
  phase=$1
  local label="renew-ari-$1-$N" total_before
  total_before=$(ari_gets)
  measure_runs "$RUNS_LARGE" "$label" timeout 900 "$CERTBOT" "${args[@]}"
  local asked=$(($(ari_gets) - total_before))
  if [[ "$RUN_FAILED" == 1 ]] || ! renew_check_output "$ITEST_DIR/$label.out" "$N"; then
    tail -n 20 "$ITEST_DIR/$label.out" >&2
    record "$label" ours n/a failed "see the bench output"
  elif [[ "$1" != down && "$asked" -ne $(($2 * RUNS_LARGE)) ]]; then
    blog "$label: the CA saw $asked renewalInfo requests, expected $(($2 * RUNS_LARGE))"
    record "$label" ours n/a failed "$asked renewalInfo requests in $RUNS_LARGE runs, not $(($2 * RUNS_LARGE))"
  else
    record_medians "$label" ours "$RUNS_LARGE runs"
  fi
}

run_phase cold "$N"
grep -q '^ari_retry_after = ' "$tree/config/renewal/lin-00001.conf" ||
  fail "the cold run saved no ARI state"
run_phase warm 0
# The CA down: stop it (lib.sh stops it again on exit, a no-op for a process that is gone).
for ((i = 0; i < ${#_ITEST_PIDS[@]}; i++)); do
  [[ -n "${_ITEST_PIDS[i]}" ]] && _itest_forget "${_ITEST_PIDS[i]}"
done
run_phase down 0
