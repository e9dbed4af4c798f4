#!/usr/bin/env bash
# Where the time of one issuance goes: the issue-one scenario (two names,
# standalone, local Pebble with PEBBLE_VA_NOSLEEP=1 and PEBBLE_AUTHZREUSE=0),
# a warm-up run, then one --force-renewal run of each client (ours with -v),
# broken down from the run's letsencrypt.log by bench/log_gaps.py. With strace
# installed, one more run of ours shows the time spent in fsync and rename.
#
# Usage: bash bench/trace_issue.sh   (BUILD_DIR=...)
set -euo pipefail
export PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0}
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_check_binaries
pebble_start

for impl in ours python; do
  case $impl in
    ours) bin=$CERTBOT extra=(-v) ;;
    python) bin=$PYCERTBOT extra=() ;;
  esac
  base="$ITEST_DIR/trace-$impl"
  args=(certonly --standalone -d a.trace.example -d b.trace.example --cert-name trace
    --http-01-port "$HTTP01_PORT" --config-dir "$base/config" --work-dir "$base/work"
    --logs-dir "$base/logs" --server "$PEBBLE_DIR_URL" --agree-tos -n
    --register-unsafely-without-email)
  timeout 120 "$bin" "${args[@]}" >"$ITEST_DIR/trace-$impl-warmup.out" 2>&1 </dev/null ||
    { tail -n 20 "$ITEST_DIR/trace-$impl-warmup.out" >&2; fail "$impl warm-up failed"; }
  rm -rf "$base/logs"
  t0=$EPOCHREALTIME
  timeout 120 "$bin" "${args[@]}" --force-renewal "${extra[@]}" >"$ITEST_DIR/trace-$impl.out" 2>&1 </dev/null ||
    { tail -n 20 "$ITEST_DIR/trace-$impl.out" >&2; fail "$impl run failed"; }
  t1=$EPOCHREALTIME
  echo "== $impl ($bin) =="
  "$BENCH_PY" "$BENCH_DIR/log_gaps.py" "$base/logs/letsencrypt.log" "$t0" "$t1" 10
  if [[ "$impl" == ours ]] && command -v strace >/dev/null 2>&1; then
    rm -rf "$base/logs"
    t0=$EPOCHREALTIME
    strace -f -T -o "$ITEST_DIR/strace-$impl.txt" -e trace=fsync,fdatasync,rename,renameat,renameat2,symlink,symlinkat \
      timeout 120 "$bin" "${args[@]}" --force-renewal >/dev/null 2>&1 </dev/null || true
    t1=$EPOCHREALTIME
    echo "one more run under strace -T ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms wall; time inside the calls):"
    awk '/^[0-9]+ +[a-z0-9]+\(/ && match($0, /<[0-9.]+>$/) {
           split($2, n, "("); c[n[1]]++; s[n[1]] += substr($0, RSTART + 1, RLENGTH - 2) }
         END { for (k in c) printf "  %-10s %3d calls %7.1f ms\n", k, c[k], s[k] * 1000 }' \
      "$ITEST_DIR/strace-$impl.txt" | sort
  fi
  echo
done
