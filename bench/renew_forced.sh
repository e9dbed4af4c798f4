#!/usr/bin/env bash
# Forced renewal of many lineages against a local Pebble:
#
#   renew-forced-100   `certbot renew --force-renewal --no-random-sleep-on-renew` over 100
#                      webroot lineages (2 names each), every one really ordered, validated
#                      (PEBBLE_AUTHZREUSE=0) and saved
#
# Ours runs with its default --renewal-workers (4 lineages at a time); Python certbot renews
# one after the other (it has no such option). --no-random-sleep-on-renew keeps Python's random
# 1-480 s pause out of the figure. One python3 http.server serves the webroot for both.
#
# The seed lineage is issued by Python certbot (the reference format) and cloned with
# bench/clone_lineages.py; each implementation renews its own copy. Checked after each run:
# every lineage's live/ links point at version 2 (nothing skipped, nothing failed).
#
# Usage: bash bench/renew_forced.sh   (FORCED_LINEAGES=100, RUNS_FORCED=1, FORCED_IMPLS="ours
#        python", BUILD_DIR=..., BENCH_RESULTS=file)
set -euo pipefail
export PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}
# No nonce rejections: Python certbot retries a badNonce once, so at the default 5% a few of its
# 100 renewals fail for reasons that have nothing to do with speed.
export PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0}
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
COUNT=${FORCED_LINEAGES:-100}
FORCED_IMPLS=${FORCED_IMPLS:-ours python}
RUNS_FORCED=${RUNS_FORCED:-1}
bench_check_binaries

pebble_start
www="$ITEST_DIR/www"
serve_webroot "$www"

bench_seed "$PEBBLE_DIR_URL" "$PYCERTBOT" --webroot -w "$www" -d a.forced.example -d b.forced.example
blog "renew-forced: seed lineage issued; $COUNT clones per implementation, $RUNS_FORCED run(s)"

all_at_version_2() {
  local base=$1 n=0 d
  for d in "$base"/config/live/lin-*/; do
    [[ "$(readlink "$d/cert.pem")" == *cert2.pem && "$(readlink "$d/privkey.pem")" == *privkey2.pem ]] &&
      n=$((n + 1))
  done
  echo "$n"
}

# Each run renews a fresh clone (not timed).
bench_before_run() { bench_clone "$CUR_TREE" "$COUNT"; }

for impl in $FORCED_IMPLS; do
  case $impl in
    ours) bin=$CERTBOT workers="--renewal-workers 4 (default)" ;;
    python) bin=$PYCERTBOT workers="sequential" ;;
  esac
  CUR_TREE="$ITEST_DIR/tree-$impl"
  measure_runs "$RUNS_FORCED" "renew-forced-$impl" timeout 1800 "$bin" renew --force-renewal \
    --no-random-sleep-on-renew --config-dir "$CUR_TREE/config" --work-dir "$CUR_TREE/work" \
    --logs-dir "$CUR_TREE/logs" -n
  done_n=$(all_at_version_2 "$CUR_TREE")  # the last run's tree
  if [[ "$RUN_FAILED" == 1 || "$done_n" -ne "$COUNT" ]]; then
    blog "renew-forced ($impl): $done_n of $COUNT lineages at version 2"
    tail -n 20 "$ITEST_DIR/renew-forced-$impl.out" >&2
    record "renew-forced-$COUNT" "$impl" n/a failed "$done_n of $COUNT renewed"
  else
    record_medians "renew-forced-$COUNT" "$impl" "$RUNS_FORCED run(s), $workers"
  fi
  rm -rf "$CUR_TREE"
done
