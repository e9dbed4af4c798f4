#!/usr/bin/env bash
# Run every benchmark: our certbot vs Debian's Python certbot (/usr/bin/certbot).
#
#   bash bench/run.sh
#
# Builds build-bench/ (RelWithDebInfo) when needed, runs bench/version.sh,
# bench/issue_one.sh, bench/lineages.sh, bench/renew_ari.sh and bench/renew_forced.sh, prints a
# table and writes it to
# bench/results/latest.md (the raw measurements go to bench/results/latest.tsv).
# Benchmarks, not tests: nothing here passes or fails on a number.
#
# Knobs (environment): BUILD_DIR (default build-bench), RUNS (issue-one runs of
# Python certbot, default 5), RUNS_OURS (issue-one runs of ours, 11), RUNS_LARGE (lineage benchmarks, default 3), VERSION_RUNS (100),
# VERSION_RUNS_PY (20), LINEAGES_SMALL (1000), LINEAGES_BIG (10000),
# PY_RENEW_10K_LIMIT (60 s), FORCED_LINEAGES (100), RUNS_FORCED (1),
# ARI_LINEAGES (1000), BENCH_ONLY (subset of "version issue lineages ari forced"),
# NO_BUILD=1 (use the binary as it is), BENCH_OUT (default bench/results).
#
# Needs: pebble, certbot (Python), time, curl, openssl, python3; hyperfine is
# optional (apt-get install hyperfine). See docs/performance.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build-bench}
CERTBOT=${CERTBOT:-$BUILD_DIR/cli/certbot}
PYCERTBOT=${PYCERTBOT:-/usr/bin/certbot}
BENCH_ONLY=${BENCH_ONLY:-version issue lineages ari forced}
OUT=${BENCH_OUT:-$BENCH_DIR/results}
export BUILD_DIR CERTBOT PYCERTBOT

say() { printf '[bench] %s\n' "$*" >&2; }

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v pebble >/dev/null 2>&1 || missing+=(pebble)
[[ -x "$PYCERTBOT" ]] || missing+=(certbot)
for t in curl openssl; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if ((${#missing[@]})); then
  say "missing: ${missing[*]} (Debian: apt-get install ${missing[*]})"
  exit 1
fi
command -v hyperfine >/dev/null 2>&1 || say "hyperfine not installed: timing --version with a shell loop"

# --- build ------------------------------------------------------------------------
if [[ "${NO_BUILD:-0}" != 1 ]]; then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    say "configuring $BUILD_DIR (RelWithDebInfo)"
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BENCH_DIR/.build.log" 2>&1 ||
      { tail -n 30 "$BENCH_DIR/.build.log" >&2; exit 1; }
  fi
  say "building certbot and the plugins in $BUILD_DIR"
  # Only what the benchmarks run; the test targets are not needed.
  if ! cmake --build "$BUILD_DIR" -j"$(nproc)" --target certbot standalone webroot fake_acme_ca \
    >"$BENCH_DIR/.build.log" 2>&1; then
    tail -n 30 "$BENCH_DIR/.build.log" >&2
    if [[ -x "$CERTBOT" ]]; then
      say "build failed; benchmarking the binary already in $BUILD_DIR"
    else
      exit 1
    fi
  fi
  rm -f "$BENCH_DIR/.build.log"
fi
[[ -x "$CERTBOT" ]] || { say "$CERTBOT not found"; exit 1; }

# --- machine -------------------------------------------------------------------------
mkdir -p "$OUT"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
results="$tmp/results.tsv"
machine="$tmp/machine.txt"
: >"$results"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if git -C "$REPO" status --porcelain 2>/dev/null | grep -q .; then dirty=" + uncommitted changes"; fi
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs ($cpu), $mem RAM, $(uname -sr)"
  # The binary relative to the repository, so that no machine path lands in committed results.
  echo "ours: $("$CERTBOT" --version 2>&1 | head -n 1) (${CERTBOT#"$REPO"/}, commit $commit$dirty, $(grep -s '^CMAKE_BUILD_TYPE:' "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "Python certbot: $("$PYCERTBOT" --version 2>&1 | head -n 1) ($PYCERTBOT, $(/usr/bin/python3 --version 2>&1))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$machine"
cat "$machine" >&2

# --- benchmarks ----------------------------------------------------------------------
status=0
for b in $BENCH_ONLY; do
  case $b in
    version) script=version.sh ;;
    issue) script=issue_one.sh ;;
    lineages) script=lineages.sh ;;
    ari) script=renew_ari.sh ;;
    forced) script=renew_forced.sh ;;
    *) say "unknown benchmark '$b' (version, issue, lineages, ari, forced)"; exit 2 ;;
  esac
  say "=== $script ==="
  BENCH_RESULTS=$results bash "$BENCH_DIR/$script" || { status=$?; say "$script failed (exit $status)"; }
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$machine"

/usr/bin/python3 "$BENCH_DIR/report.py" "$results" "$machine" >"$OUT/latest.md"
cp "$results" "$OUT/latest.tsv"
echo
cat "$OUT/latest.md"
echo
say "written: $OUT/latest.md (raw: $OUT/latest.tsv)"
exit "$status"
