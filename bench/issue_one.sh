#!/usr/bin/env bash
# Benchmark "issue-one": one certificate for two names from a local Pebble,
# standalone plugin (http-01), our certbot vs Debian's Python certbot.
#
# Each implementation gets its own config directory. One untimed warm-up run
# registers the account and creates the lineage; then the timed runs
# (11 of ours, 5 of Python certbot's by default) re-issue it with --force-renewal and a fixed --cert-name, so
# every timed run is: new order, two http-01 challenges answered by the
# standalone server, finalize with a new key, download, archive + live update.
# Our lineage pruning keeps 6 versions, so a sixth renewal would also delete
# the oldest: every 5 timed runs the config directory is put back as the
# warm-up left it (one version), untimed, and every timed run does the same.
# Pebble runs with PEBBLE_VA_NOSLEEP=1 (no random validation delay) and
# PEBBLE_AUTHZREUSE=0 (no reuse of the previous run's authorizations, which
# Pebble otherwise does at random and which would make runs incomparable).
#
# Ours gets more timed runs than Python certbot (RUNS_OURS, default 11, against RUNS, default 5):
# at ~70 ms a run, one disturbed run moves a median of 5 by several percent, and 11 cost < 1 s.
#
# Usage: bash bench/issue_one.sh   (RUNS=N, RUNS_OURS=N, BUILD_DIR=..., BENCH_RESULTS=file,
#        ISSUE_IMPLS="ours python": which clients to measure)
set -euo pipefail
export PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS=${RUNS:-5}
RUNS_OURS=${RUNS_OURS:-11}
ISSUE_IMPLS=${ISSUE_IMPLS:-ours python}
bench_check_binaries

pebble_start
blog "issue-one: Pebble at $PEBBLE_DIR_URL (http-01 port $HTTP01_PORT), $RUNS_OURS runs of ours, $RUNS of Python certbot"

issue_args() {
  # $1 = config base directory
  printf '%s\n' certonly --standalone -d a.bench.example -d b.bench.example \
    --cert-name bench --http-01-port "$HTTP01_PORT" \
    --config-dir "$1/config" --work-dir "$1/work" --logs-dir "$1/logs" \
    --server "$PEBBLE_DIR_URL" --agree-tos -n --register-unsafely-without-email
}

BATCH=5
# Before timed run $2 (1-based): back to the warm-up's store at the start of each batch.
bench_before_run() {
  if (($2 > 1 && ($2 - 1) % BATCH == 0)); then
    rm -rf "$base/config"
    cp -a "$base/config.warm" "$base/config"
  fi
}

for impl in $ISSUE_IMPLS; do
  case $impl in
    ours) bin=$CERTBOT runs=$RUNS_OURS ;;
    python) bin=$PYCERTBOT runs=$RUNS ;;
  esac
  base="$ITEST_DIR/issue-$impl"
  mkdir -p "$base"
  mapfile -t args < <(issue_args "$base")
  itest_log "certbot ($impl) warm-up" "$ITEST_DIR/issue-$impl-warmup.out"
  if ! timeout 120 "$bin" "${args[@]}" >"$ITEST_DIR/issue-$impl-warmup.out" 2>&1 </dev/null; then
    blog "issue-one ($impl): the warm-up issuance failed:"
    tail -n 20 "$ITEST_DIR/issue-$impl-warmup.out" >&2
    record issue-one "$impl" n/a "failed" "warm-up issuance failed"
    continue
  fi
  rm -rf "$base/config.warm"
  cp -a "$base/config" "$base/config.warm"
  measure_runs "$runs" "issue-$impl" timeout 120 "$bin" "${args[@]}" --force-renewal
  if [[ "$RUN_FAILED" == 1 ]]; then
    record issue-one "$impl" n/a failed "a timed run failed"
    continue
  fi
  versions=$(find "$base/config/archive/bench" -name 'cert*.pem' | wc -l)
  expected=$(((runs - 1) % BATCH + 2))
  [[ "$versions" -eq "$expected" ]] ||
    fail "issue-one ($impl): expected $expected certificate versions, found $versions"
  record_medians issue-one "$impl" "$runs runs"
done
