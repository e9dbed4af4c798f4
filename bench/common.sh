# shellcheck shell=bash
# Shared helpers of the benchmarks. Source it from a bench/*.sh script:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# It sources tests/integration/lib.sh (Pebble, scratch directory, cleanup on
# exit), so the rules written there apply: call pebble_start in the main shell,
# never in $(...), and register extra cleanup with on_exit.
#
# Results are appended to $BENCH_RESULTS (a TSV file, one measurement a line):
#   bench <TAB> impl <TAB> metric <TAB> value <TAB> note
# impl is "ours" or "python"; metric is wall_s (median wall time, seconds),
# rss_kib (median peak RSS, KiB), or n/a. bench/run.sh turns the file into
# the table and bench/results/latest.md.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${BUILD_DIR:=$(cd "$BENCH_DIR/.." && pwd)/build-bench}"
export BUILD_DIR
# shellcheck source=tests/integration/lib.sh
source "$BENCH_DIR/../tests/integration/lib.sh"

: "${BENCH_RESULTS:=$ITEST_DIR/results.tsv}"
export BENCH_RESULTS
# The helpers below are plain Python 3 standard library; Debian's interpreter,
# not whatever python3 is first on PATH.
BENCH_PY=${BENCH_PY:-/usr/bin/python3}
[[ -x "$BENCH_PY" ]] || BENCH_PY=python3

TIME_BIN=${TIME_BIN:-/usr/bin/time}
[[ -x "$TIME_BIN" ]] || fail "$TIME_BIN is missing: apt-get install time"

blog() { printf '[bench] %s\n' "$*" >&2; }

# record BENCH IMPL METRIC VALUE [NOTE]
record() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$BENCH_RESULTS"
}

# median: the median of the numbers on stdin (one a line).
median() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2]
    else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure OUTFILE CMD...: run CMD once, stdout+stderr to OUTFILE; append
# "<wall s> <peak RSS KiB> <exit status> <user+sys CPU s>" to $MEASURE_LOG.
# The stopwatch is bench/measure.c (compiled here on first use): the wall time
# runs from its fork() to the command's exit, to the microsecond, so it holds
# nothing of a shell, GNU time or timeout(1) (together 5.6-17.4 ms a run on the
# benchmark VM; sessions 1-9 measured with them around the command, see
# docs/performance.md "How the benchmarks measure"). Peak RSS and CPU come
# from wait4(), as GNU time's %M, %U and %S do. A leading "timeout N" in CMD
# becomes the stopwatch's own limit (SIGTERM to the command's process group
# after N s, SIGKILL 5 s later, status 124). Without a C compiler it falls
# back to GNU time and timeout(1). Returns CMD's status.
MEASURE_BIN=""
measure() {
  local out=$1
  shift
  local limit=0 rc=0
  if [[ "${1:-}" == timeout && "${2:-}" =~ ^[0-9]+$ ]]; then
    limit=$2
    shift 2
  fi
  if [[ -z "$MEASURE_BIN" ]]; then
    MEASURE_BIN=none
    if cc -O2 -Wall -o "$ITEST_DIR/measure" "$BENCH_DIR/measure.c" 2>"$ITEST_DIR/measure.cc.log"; then
      MEASURE_BIN=$ITEST_DIR/measure
    else
      blog "bench/measure.c did not compile (see $ITEST_DIR/measure.cc.log): timing with GNU time"
    fi
  fi
  if [[ "$MEASURE_BIN" != none ]]; then
    "$MEASURE_BIN" "$limit" "$MEASURE_LOG" "$@" >"$out" 2>&1 </dev/null || rc=$?
    return "$rc"
  fi
  local tfile="$ITEST_DIR/time.$$" t0 t1 line
  ((limit > 0)) && set -- timeout "$limit" "$@"
  t0=$EPOCHREALTIME
  "$TIME_BIN" -f '%e %M %U %S' -o "$tfile" -- "$@" >"$out" 2>&1 </dev/null || rc=$?
  t1=$EPOCHREALTIME
  # "Command exited with non-zero status N" precedes the format line on failure.
  line=$(tail -n 1 "$tfile")
  awk -v a="$t0" -v b="$t1" -v c="$rc" -v l="$line" \
    'BEGIN { split(l, f, " "); printf "%.6f %s %s %.2f\n", b - a, f[2], c, f[3] + f[4] }' \
    >>"$MEASURE_LOG"
  return "$rc"
}

# measure_runs N LABEL CMD...: run CMD N times through measure (output of the
# last run kept in $ITEST_DIR/LABEL.out); sets MED_WALL, MED_CPU, MED_RSS, and
# RUN_FAILED=1 if any run failed. Extra per-run setup: define bench_before_run.
measure_runs() {
  local n=$1 label=$2 i
  shift 2
  MEASURE_LOG="$ITEST_DIR/$label.times"
  : >"$MEASURE_LOG"
  # shellcheck disable=SC2034 # RUN_FAILED, MED_*: read by the sourcing script
  RUN_FAILED=0
  for ((i = 1; i <= n; i++)); do
    if declare -F bench_before_run >/dev/null; then bench_before_run "$label" "$i"; fi
    if ! measure "$ITEST_DIR/$label.out" "$@"; then
      # shellcheck disable=SC2034
      RUN_FAILED=1
      blog "$label: run $i failed (exit $(tail -n 1 "$MEASURE_LOG" | awk '{print $3}')); last lines:"
      tail -n 15 "$ITEST_DIR/$label.out" >&2
    fi
  done
  MED_WALL=$(awk '{ print $1 }' "$MEASURE_LOG" | median)
  MED_RSS=$(awk '{ print $2 }' "$MEASURE_LOG" | median)
  MED_CPU=$(awk '{ print $4 }' "$MEASURE_LOG" | median)
  blog "$label: runs=$n median wall ${MED_WALL}s, CPU ${MED_CPU}s, peak RSS ${MED_RSS} KiB (all: $(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 }' "$MEASURE_LOG"))"
}

# bench_check_binaries: our binary built and Python certbot installed.
bench_check_binaries() {
  [[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built (bash bench/run.sh builds it)"
  [[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT is missing: apt-get install certbot"
}

# ours_has_verb VERB: 0 if our binary implements VERB. A binary without it
# exits 2 with an error naming another command or "not available". Probed
# against an empty scratch config so nothing real is touched.
ours_has_verb() {
  local verb=$1 d rc=0 out
  d=$(mktemp -d "$ITEST_DIR/probe.XXXXXX")
  mkdir -p "$d/c" "$d/w" "$d/l"
  out=$(timeout 30 "$CERTBOT" "$verb" --config-dir "$d/c" --work-dir "$d/w" --logs-dir "$d/l" \
    -n --no-random-sleep-on-renew 2>&1 </dev/null) || rc=$?
  if [[ "$rc" -eq 2 ]] || grep -qiE 'not available|unrecognized|invalid choice|unknown command' <<<"$out"; then
    # shellcheck disable=SC2034 # read by the sourcing script
    PROBE_MSG=$(head -n 1 <<<"$out")
    return 1
  fi
  return 0
}

# record_medians BENCH IMPL NOTE: record MED_WALL, MED_CPU and MED_RSS.
record_medians() {
  record "$1" "$2" wall_s "$MED_WALL" "$3"
  record "$1" "$2" cpu_s "$MED_CPU"
  record "$1" "$2" rss_kib "$MED_RSS"
}

# renew_check_output FILE COUNT: a no-op renew's output names every one of COUNT cloned
# lineages (lin-NNNNN) as not due, and no error.
renew_check_output() {
  local n m
  n=$(grep -cE '/renewal/lin-[0-9]+\.conf' "$1" || true)
  m=$(grep -cE '/live/lin-[0-9]+/' "$1" || true)
  ((m > n)) && n=$m
  [[ "$n" -ge "$2" ]] || { blog "renew output names $n of $2 lineages"; return 1; }
  ! grep -qiE 'renewal failed|failures|error' "$1" || { blog "renew reported an error"; return 1; }
}

# --- the cloned lineage trees the lineage benchmarks run on ---------------------------------------

# bench_dir_args BASE: the directory options (one a line) of a tree with config/, work/, logs/.
bench_dir_args() {
  printf '%s\n' --config-dir "$1/config" --work-dir "$1/work" --logs-dir "$1/logs"
}

# bench_seed SERVER BIN ARGS...: the seed lineage "lin" the benchmarks clone: `BIN certonly ARGS`
# (the authenticator and the names) against the directory URL SERVER, registering an account
# without email, into the tree BENCH_SEED ($ITEST_DIR/seed). Output in $ITEST_DIR/seed.out.
bench_seed() {
  local server=$1 bin=$2
  shift 2
  BENCH_SEED="$ITEST_DIR/seed"
  mkdir -p "$BENCH_SEED"
  local -a dargs
  mapfile -t dargs < <(bench_dir_args "$BENCH_SEED")
  itest_log "seed issuance" "$ITEST_DIR/seed.out"
  timeout 120 "$bin" certonly "$@" --cert-name lin "${dargs[@]}" --server "$server" \
    --agree-tos -n --register-unsafely-without-email >"$ITEST_DIR/seed.out" 2>&1 </dev/null ||
    { tail -n 20 "$ITEST_DIR/seed.out" >&2; fail "seed issuance with $bin from $server failed"; }
}

# bench_clone DIR COUNT: DIR made afresh as COUNT clones of the seed lineage (lin-00001, ...;
# bench/clone_lineages.py), with its own work/ and logs/.
bench_clone() {
  local t0=$EPOCHREALTIME
  rm -rf "$1"
  "$BENCH_PY" "$BENCH_DIR/clone_lineages.py" "$BENCH_SEED" lin "$1" "$2"
  blog "cloned $2 lineages into ${1##*/} in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

# bench_fresh_logs: an empty logs directory in the tree CUR_TREE, so that log rotation (Python
# certbot keeps 1,000 old logs) costs the same in every run (call it from bench_before_run).
bench_fresh_logs() {
  rm -rf "$CUR_TREE/logs"
  mkdir -p "$CUR_TREE/logs"
}
