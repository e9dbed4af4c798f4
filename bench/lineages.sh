#!/usr/bin/env bash
# Benchmarks over many lineages, none of them due for renewal:
#
#   certificates-1000   `certbot certificates` over 1,000 lineages
#   certificates-10000  the same over 10,000
#   renew-1000          `certbot renew --no-random-sleep-on-renew` over 1,000
#   renew-10000         the same over 10,000
#
# One real lineage (two names, ECDSA, Pebble's 5-year certificate, issued by
# Debian's Python certbot so the seed is the reference format) is cloned with
# bench/clone_lineages.py. Each implementation runs on its own copy of the
# tree. No network: nothing is due, so neither client contacts the CA (Pebble
# is stopped before the timed runs to be sure).
#
# If our binary has no `renew` (it exits 2 with an error), ours is reported
# as "n/a (not implemented)" and Python certbot is still measured. Python
# certbot is run on 10,000 lineages (certificates and renew) only when 10 x its
# 1,000-lineage median stays under PY_RENEW_10K_LIMIT seconds (default 60);
# otherwise its 10,000 figure is extrapolated linearly from 1,000 and marked
# as such.
#
# Usage: bash bench/lineages.sh   (RUNS_LARGE=N (default 3), BUILD_DIR=...,
#        BENCH_RESULTS=file, LINEAGES_SMALL=1000, LINEAGES_BIG=10000)
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS_LARGE=${RUNS_LARGE:-3}
SMALL=${LINEAGES_SMALL:-1000}
BIG=${LINEAGES_BIG:-10000}
PY_RENEW_10K_LIMIT=${PY_RENEW_10K_LIMIT:-60}
bench_check_binaries

# --- the seed lineage ---------------------------------------------------------
pebble_start
bench_seed "$PEBBLE_DIR_URL" "$PYCERTBOT" --standalone -d a.lineage.example -d b.lineage.example \
  --http-01-port "$HTTP01_PORT"
blog "seed lineage issued; expires $(openssl x509 -in "$BENCH_SEED/config/live/lin/cert.pem" -noout -enddate | cut -d= -f2)"
# Nothing below may talk to the CA: stop Pebble (lib.sh stops it again on exit,
# which is a no-op for a process that is gone).
for ((i = 0; i < ${#_ITEST_PIDS[@]}; i++)); do
  [[ -n "${_ITEST_PIDS[i]}" ]] && _itest_forget "${_ITEST_PIDS[i]}"
done

binary_of() {
  case $1 in
    ours) printf '%s\n' "$CERTBOT" ;;
    python) printf '%s\n' "$PYCERTBOT" ;;
  esac
}

# Each run gets a fresh logs directory.
bench_before_run() { bench_fresh_logs; }

# bench_warm_up CMD...: one untimed run on a freshly cloned tree, for either client, so that
# every timed run finds the tree's inodes and pages cached (the first run after the clone was
# 10-25% slower for ours, noise for Python certbot's seconds; "What is measured" says the
# cache is warm in every run).
bench_warm_up() {
  bench_fresh_logs
  "$@" >/dev/null 2>&1 </dev/null || true
}

# --- certificates -------------------------------------------------------------------
certificates_bench() {
  # $1 = impl, $2 = lineage count; records certificates-<count>.
  local impl=$1 count=$2 bin listed label="certificates-$1-$2"
  bin=$(binary_of "$impl")
  CUR_TREE="$ITEST_DIR/tree-$impl-$count"
  bench_clone "$CUR_TREE" "$count"
  mapfile -t dargs < <(bench_dir_args "$CUR_TREE")
  bench_warm_up timeout 1800 "$bin" certificates "${dargs[@]}"
  measure_runs "$RUNS_LARGE" "$label" timeout 1800 "$bin" certificates "${dargs[@]}"
  listed=$(grep -c 'Certificate Name: lin-' "$ITEST_DIR/$label.out" || true)
  if [[ "$RUN_FAILED" == 1 || "$listed" -ne "$count" ]]; then
    blog "certificates ($impl): listed $listed of $count lineages"
    tail -n 20 "$ITEST_DIR/$label.out" >&2
    record "certificates-$count" "$impl" n/a failed "listed $listed of $count"
  else
    record_medians "certificates-$count" "$impl" "$RUNS_LARGE runs"
  fi
  rm -rf "$CUR_TREE"
}

# --- renew, nothing due -----------------------------------------------------------
renew_bench() {
  # $1 = impl, $2 = lineage count; records renew-<count>.
  local impl=$1 count=$2 bin
  bin=$(binary_of "$impl")
  CUR_TREE="$ITEST_DIR/tree-$impl-$count"
  bench_clone "$CUR_TREE" "$count"
  mapfile -t dargs < <(bench_dir_args "$CUR_TREE")
  bench_warm_up timeout 1800 "$bin" renew --no-random-sleep-on-renew "${dargs[@]}"
  measure_runs "$RUNS_LARGE" "renew-$impl-$count" timeout 1800 "$bin" renew --no-random-sleep-on-renew "${dargs[@]}"
  if [[ "$RUN_FAILED" == 1 ]] || ! renew_check_output "$ITEST_DIR/renew-$impl-$count.out" "$count"; then
    tail -n 20 "$ITEST_DIR/renew-$impl-$count.out" >&2
    record "renew-$count" "$impl" n/a failed "see the bench output"
  else
    record_medians "renew-$count" "$impl" "$RUNS_LARGE runs"
  fi
  rm -rf "$CUR_TREE"
}

# python_big KIND: Python certbot's KIND (certificates, renew) over BIG lineages, measured once
# if 10 x its SMALL median stays under PY_RENEW_10K_LIMIT, otherwise extrapolated.
python_big() {
  local kind=$1 small est
  small=$(awk -F'\t' -v b="$kind-$SMALL" '$1 == b && $2 == "python" && $3 == "wall_s" { v = $4 } END { print v }' "$BENCH_RESULTS")
  if [[ -z "$small" ]]; then
    record "$kind-$BIG" python n/a skipped "the $SMALL-lineage run failed"
  elif awk -v t="$small" -v k="$((BIG / SMALL))" -v lim="$PY_RENEW_10K_LIMIT" 'BEGIN { exit !(t * k > lim) }'; then
    est=$(awk -v t="$small" -v k="$((BIG / SMALL))" 'BEGIN { printf "%.6f", t * k }')
    blog "python $kind on $BIG lineages skipped: ~${est}s estimated (> ${PY_RENEW_10K_LIMIT}s); extrapolated"
    record "$kind-$BIG" python wall_s "$est" "extrapolated: $((BIG / SMALL)) x the $SMALL-lineage median, not measured"
  else
    RUNS_LARGE=1 "${kind}_bench" python "$BIG"
  fi
}

certificates_bench ours "$SMALL"
certificates_bench ours "$BIG"
certificates_bench python "$SMALL"
python_big certificates

if ours_has_verb renew; then
  renew_bench ours "$SMALL"
  renew_bench ours "$BIG"
else
  blog "our binary has no renew command (${PROBE_MSG:-exit 2}): reporting n/a"
  record "renew-$SMALL" ours n/a "n/a (not implemented)"
  record "renew-$BIG" ours n/a "n/a (not implemented)"
fi
renew_bench python "$SMALL"
python_big renew
