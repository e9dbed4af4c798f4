#!/usr/bin/env bash
# Benchmark "version": start-up cost, `certbot --version`, ours vs Python
# certbot. With hyperfine (apt-get install hyperfine): --warmup 3, no
# intermediate shell (-N), median reported. Without hyperfine: a shell loop,
# each run timed with EPOCHREALTIME. Runs: VERSION_RUNS for ours (default
# 100), VERSION_RUNS_PY for Python certbot (default 20: it takes about a
# second a run, so 100 runs would dominate the whole suite).
# CPU time and peak RSS: medians of 5 runs under /usr/bin/time.
#
# Usage: bash bench/version.sh   (VERSION_RUNS=N, VERSION_RUNS_PY=N, BUILD_DIR=...,
#        BENCH_RESULTS=file)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
VERSION_RUNS=${VERSION_RUNS:-100}
VERSION_RUNS_PY=${VERSION_RUNS_PY:-20}
bench_check_binaries

for impl in ours python; do
  case $impl in
    ours) bin=$CERTBOT runs=$VERSION_RUNS ;;
    python) bin=$PYCERTBOT runs=$VERSION_RUNS_PY ;;
  esac
  "$bin" --version >/dev/null 2>&1 || fail "$bin --version failed"
  if command -v hyperfine >/dev/null 2>&1; then
    json="$ITEST_DIR/version-$impl.json"
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" --style none \
      "$bin --version" >"$ITEST_DIR/version-$impl.hyperfine" 2>&1 ||
      { cat "$ITEST_DIR/version-$impl.hyperfine" >&2; fail "hyperfine failed"; }
    read -r med mean sd < <("$BENCH_PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.6f %.6f %.6f" % (r["median"], r["mean"], r["stddev"] or 0))' "$json")
    how="hyperfine, $runs runs, mean $(awk -v m="$mean" 'BEGIN { printf "%.1f", m * 1000 }') ms +- $(awk -v m="$sd" 'BEGIN { printf "%.1f", m * 1000 }') ms"
  else
    times="$ITEST_DIR/version-$impl.loop"
    : >"$times"
    for ((i = 0; i < runs; i++)); do
      t0=$EPOCHREALTIME
      "$bin" --version >/dev/null 2>&1
      t1=$EPOCHREALTIME
      awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$times"
    done
    med=$(median <"$times")
    how="shell loop (no hyperfine), $runs runs"
  fi
  blog "version ($impl): median $(awk -v m="$med" 'BEGIN { printf "%.1f", m * 1000 }') ms ($how)"
  record version "$impl" wall_s "$med" "$how"
  measure_runs 5 "version-$impl" "$bin" --version
  record version "$impl" cpu_s "$MED_CPU"
  record version "$impl" rss_kib "$MED_RSS"
done
