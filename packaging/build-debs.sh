#!/usr/bin/env bash
# Build certbot-native's Debian packages in a clean Debian 12 chroot, the way a distribution's
# build daemon would, and check them:
#   1. mmdebstrap makes a minimal bookworm chroot (variant buildd) from the Debian archive
#      entries of this machine's /etc/apt/sources.list* (other repositories are left out), as a
#      tarball (kept in --cache DIR for the next run, if given);
#   2. in a fresh copy of it, apt-get build-dep installs exactly debian/control's Build-Depends
#      (with the test tools, the <!nocheck> ones, unless --nocheck);
#   3. build 1: dpkg-buildpackage -b in /build/a, tests off (the .debs to ship), and at the
#      same time build 2: the same source from another, longer path, with another umask, tests
#      ON (ctest -LE integration, the unit and plugin tests);
#   4. lintian checks build 1's .debs and .changes (errors and warnings fail the script);
#   5. debian/tests (autopkgtest-style) run in a second fresh copy of the chroot (prepared with
#      the test dependencies while the packages build), while build 2 goes on: install the .debs with apt, plugins, Pebble, the service's renew command, the
#      upgrade from Debian's Python certbot, a third-party plugin package;
#   6. build 2's .debs must be byte-identical to build 1's (reproducibility; the tests change
#      nothing that is installed).
# The chroots are entered with chroot(8) in private mount and PID namespaces (unshare): a
# read-write /proc (mmdebstrap's hooks mount it read-only, which some unit tests notice), a
# minimal /dev, and nothing left mounted or running when the script ends. They share the
# host's network for apt and for the loopback test servers (free ports). Needs root; slow (see
# docs/packaging.md, "Measured"); not part of .ci/run. Heavy steps run under `nice -n 10`.
# The .debs, logs, lintian output and summary.txt go to --out.
#
# usage: packaging/build-debs.sh [--out DIR] [--cache DIR] [--nocheck] [--no-repro]
#                                [--no-tests] [--keep] [--debs DIR] [--work DIR] [--stages LIST]
#   --cache DIR   keep/reuse the base chroot tarball there (delete it to refresh)
#   --nocheck     no <!nocheck> Build-Depends, tests off in both builds
#   --no-repro    no second build (and no unit tests, which run in it)
#   --no-tests    no installed-system test
#   --keep        keep the scratch directory (chroots) for inspection
#   --debs DIR    no build: lintian and the installed-system test on the .debs and .changes
#                 of an earlier run's --out DIR (with the current debian/tests)
#   --work DIR    the scratch directory (chroots, build trees): made if missing, always kept,
#                 and reused by a later run with the same --work and --out (see --stages)
#   --stages LIST run only these of the stages, comma-separated (default: all of them):
#                   build-dep  a fresh build chroot with the Build-Depends (step 2)
#                   build1     build 1, its .debs, .changes and .buildinfo to --out (step 3)
#                   build2     build 2 (tests on) and the comparison with the .debs in --out
#                   lintian    lintian on the .changes and .debs in --out (step 4)
#                   test       the installed-system test on the .debs in --out (step 5)
#                 A stage finds what earlier stages made in --work and --out, so a run can be
#                 split into one invocation per stage, e.g. --stages build-dep,build1,lintian,test
#                 and then --stages build2 (same --work, --out). summary.txt is appended to
#                 unless build1 runs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$PWD/debs CACHE="" DEBS_IN="" WORK="" STAGES=""
ALL_STAGES=build-dep,build1,build2,lintian,test
NOCHECK=0 REPRO=1 TESTS=1 KEEP=0
while (($#)); do
  case $1 in
    --out) OUT=$2; shift ;;
    --cache) CACHE=$2; shift ;;
    --nocheck) NOCHECK=1 ;;
    --no-repro) REPRO=0 ;;
    --no-tests) TESTS=0 ;;
    --keep) KEEP=1 ;;
    --debs) DEBS_IN=$(cd "$2" && pwd); REPRO=0; shift ;;
    --work) WORK=$2; KEEP=1; shift ;;
    --stages) STAGES=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-debs: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'build-debs: %s\n' "$*" >&2; }
say() { log "$*"; echo "$(date -u +%T) $*" >>"$OUT/summary.txt"; } # summary lines: UTC time of the end
[[ $(id -u) -eq 0 ]] || { log "run as root (mmdebstrap --mode=root, chroot, mount)"; exit 1; }
for tool in mmdebstrap lintian dpkg-parsechangelog unshare; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install mmdebstrap lintian dpkg-dev util-linux"; exit 1; }
done

# The stages to run: --stages, else all; --debs, --no-repro and --no-tests take theirs out.
STAGES=${STAGES:-$ALL_STAGES}
drop_stages() { STAGES=$(tr ',' '\n' <<<"$STAGES" | { grep -vxE "$1" || true; } | paste -sd, -); }
[[ -z $DEBS_IN ]] || drop_stages 'build-dep|build1|build2'
((REPRO)) || drop_stages build2
((TESTS)) || drop_stages test
for stage in ${STAGES//,/ }; do
  [[ ,$ALL_STAGES, == *",$stage,"* ]] || { log "unknown stage '$stage' (stages: $ALL_STAGES)"; exit 2; }
done
[[ -n $STAGES ]] || { log "no stage left to run"; exit 2; }
has() { [[ ,$STAGES, == *",$1,"* ]]; }

VERSION=$(dpkg-parsechangelog -l "$REPO/packaging/debian/changelog" -S Version)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if has build1; then # a new set of packages: nothing of an earlier run stays in --out
  rm -f "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo "$OUT"/*.log "$OUT/summary.txt"
else # the earlier stages' .debs and logs stay; this run's stages log afresh
  ! has build-dep || rm -f "$OUT/build-dep.log"
  ! has build2 || rm -f "$OUT/build2.log"
  ! has lintian || rm -f "$OUT/lintian.log"
  ! has test || rm -f "$OUT"/test-*.log
  if [[ -n $DEBS_IN && $DEBS_IN != "$OUT" ]]; then rm -f "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo; fi
  echo "--- $(date -u '+%F %T') UTC: stages $STAGES" >>"$OUT/summary.txt"
fi
! has build2 || rm -rf "$OUT/build2"
if [[ -n $WORK ]]; then
  mkdir -p "$WORK"
  work=$(cd "$WORK" && pwd)
else
  work=$(mktemp -d /var/tmp/certbot-native-debs.XXXXXX)
fi
build1_pid="" build2_pid="" test_pid="" testdeps_pid=""
cleanup() { # the background chroots (their namespaces end with them), then the scratch directory
  local pid
  # unshare --fork ignores SIGTERM while it waits; SIGKILL ends it, and with it (--kill-child,
  # then the PID namespace's end) everything in the chroot.
  for pid in $build1_pid $build2_pid $test_pid $testdeps_pid; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if ((KEEP)); then log "scratch directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
total_start=$SECONDS

# --- 1. the base chroot ---------------------------------------------------------------------
# The Debian archive as this machine's apt sees it (deb822 .sources stanzas and one-line .list
# entries whose URI is a debian.org one), nothing else.
{
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    awk -v RS= -v ORS='\n\n' '/(^|\n)URIs:[^\n]*debian\.org/' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -e $f ]] || continue
    grep -E '^deb[[:space:]].*debian\.org' "$f" || true
  done
} >"$work/debian-archive.sources"
[[ -s "$work/debian-archive.sources" ]] || { log "no Debian archive entry in /etc/apt/sources.list*"; exit 1; }

base=${CACHE:+$CACHE/bookworm-buildd.tar}
base=${base:-$work/bookworm-buildd.tar}
if ! has build-dep && ! has test; then
  : # no new chroot in this run
elif [[ -s $base ]]; then
  say "base chroot: reused $base"
else
  [[ -z $CACHE ]] || mkdir -p "$CACHE"
  start=$SECONDS
  # --format=tar: mmdebstrap would take the format from the name, and "*.tmp" is a directory.
  nice -n 10 mmdebstrap --mode=root --format=tar --variant=buildd --include=ca-certificates \
    bookworm "$base.tmp" "$work/debian-archive.sources" >"$OUT/mmdebstrap.log" 2>&1 ||
    { tail -n 30 "$OUT/mmdebstrap.log" >&2; log "mmdebstrap FAILED; see $OUT/mmdebstrap.log"; exit 1; }
  mv "$base.tmp" "$base"
  say "base chroot (mmdebstrap, bookworm buildd): $((SECONDS - start)) s"
fi

# new_root NAME: a fresh copy of the base chroot with the source, the inner script, the host's
# name resolution (for apt) and an /etc/hosts for localhost; prints its path.
new_root() {
  local root=$work/$1
  mkdir -p "$root"
  tar -C "$root" -xf "$base" || { log "cannot unpack the base chroot $base"; return 1; }
  mkdir -p "$root/build/out"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # mmdebstrap writes no /etc/hosts, and a DNS server need not know "localhost" (this machine's
  # answers NXDOMAIN): unit tests reach their loopback servers by that name (core/acme/
  # http_test.cpp), as they would on any installed Debian system.
  printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
  cp "$work/source.tar" "$REPO/packaging/build-in-chroot.sh" "$root/build/"
  # A throwaway chroot: dpkg need not fsync every file it unpacks (as sbuild and mmdebstrap do).
  echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/certbot-native-unsafe-io"
  # The services the test tools bring (nginx, apache2) must not start in the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  echo "$root"
}

# in_root ROOT CMD...: run CMD in ROOT as its PID 1's child, in private mount and PID
# namespaces: fresh read-write /proc, /sys read-only, a tmpfs /dev with the usual nodes and a
# private devpts, $OUT at /build/out. The mounts vanish with the namespace; every process in
# it is killed when CMD ends.
IN_ROOT_SCRIPT='
    root=$1 out=$2
    shift 2
    mount -t proc proc "$root/proc"
    mount -t sysfs -o ro sysfs "$root/sys"
    mount -t tmpfs -o mode=0755,nosuid devtmp "$root/dev"
    for n in null zero full random urandom tty; do
      touch "$root/dev/$n"
      mount --bind "/dev/$n" "$root/dev/$n"
    done
    mkdir "$root/dev/pts" "$root/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
    ln -s pts/ptmx "$root/dev/ptmx"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
    ln -s /proc/self/fd "$root/dev/fd"
    ln -s /proc/self/fd/0 "$root/dev/stdin"
    ln -s /proc/self/fd/1 "$root/dev/stdout"
    ln -s /proc/self/fd/2 "$root/dev/stderr"
    mount --bind "$out" "$root/build/out"
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive "$@"
'
UNSHARE=(nice -n 10 unshare --mount --pid --fork --kill-child --propagation private --
  bash -euc "$IN_ROOT_SCRIPT" in_root)
in_root() {
  "${UNSHARE[@]}" "$1" "$OUT" "${@:2}"
}

# The source: the working tree without build directories and .git, as a release tarball would
# be; the inner script adds packaging/debian as debian/.
tar -C "$REPO" --exclude='./build*' --exclude=./.git --exclude='./debs' -cf "$work/source.tar" .
broot=$work/build-root

# --- 2.-3. build 1 and build 2 ------------------------------------------------------------------
# The installed-system test's chroot, with what the test needs besides our packages installed
# while the packages build (it only saves wall time: the test would install them itself).
if has test; then
  rm -rf "$work/test-root"
  troot=$(new_root test-root)
  mkdir -p "$troot/build/debs"
  "${UNSHARE[@]}" "$troot" "$OUT" bash /build/build-in-chroot.sh test-deps &
  testdeps_pid=$!
fi

if [[ -n $DEBS_IN ]]; then
  [[ $DEBS_IN == "$OUT" ]] || cp "$DEBS_IN"/*.deb "$DEBS_IN"/*.changes "$DEBS_IN"/*.buildinfo "$OUT/"
  say "no build: the .debs of $DEBS_IN"
fi
if has build-dep; then
  rm -rf "$broot"
  new_root build-root >/dev/null
  log "building certbot-native $VERSION in a clean bookworm chroot ($broot; logs in $OUT)"
  in_root "$broot" bash /build/build-in-chroot.sh build-dep "$NOCHECK" ||
    { log "FAILED: apt-get build-dep; see $OUT/build-dep.log"; exit 1; }
  touch "$broot/build/.build-deps-installed"
elif has build1 || has build2; then # an earlier run's build chroot, with the current source
  [[ -e $broot/build/.build-deps-installed ]] ||
    { log "no build chroot with the Build-Depends in $work: run the build-dep stage (same --work)"; exit 1; }
  cp "$work/source.tar" "$REPO/packaging/build-in-chroot.sh" "$broot/build/"
  log "building certbot-native $VERSION in the build chroot of an earlier run ($broot; logs in $OUT)"
fi
if has build2 && ! has build1 && ! compgen -G "$OUT/*.deb" >/dev/null; then
  log "build2 compares with build 1's .debs in $OUT, and there are none: run build1 first"; exit 1
fi
if has build1 || has build2; then
  if has build2; then
    tests=1
    ((NOCHECK)) && tests=0
    # Not through the in_root function, so that $! is unshare itself: killing it ends the namespace.
    "${UNSHARE[@]}" "$broot" "$OUT" bash /build/build-in-chroot.sh build \
      /build/reproducible-second-build-path "$tests" 0002 build2 &
    build2_pid=$!
  fi
  if has build1; then
    # In the background too, so that cleanup can end it when the script is interrupted.
    "${UNSHARE[@]}" "$broot" "$OUT" bash /build/build-in-chroot.sh build /build/a 0 0022 build1 &
    build1_pid=$!
    b1rc=0
    wait "$build1_pid" || b1rc=$?
    build1_pid=""
    if ((b1rc != 0)); then
      log "FAILED: build 1; see $OUT/build1.log"
      exit 1
    fi
    cp "$broot"/build/a/*.deb "$broot"/build/a/*.changes "$broot"/build/a/*.buildinfo "$OUT/"
  fi
fi

# The .debs the later stages check.
if { has lintian || has test; } && ! compgen -G "$OUT/*.deb" >/dev/null; then
  log "no .debs in $OUT to check: run build1 first (same --out), or give --debs DIR"; exit 1
fi
# --- 5. installed-system test, in its own fresh chroot, in the background: started before
# lintian (step 4), which takes minutes on the 39 .debs, so that the two overlap -------------
trc=0
if has test; then
  cp "$OUT"/*.deb "$troot/build/debs/"
  wait "$testdeps_pid" || trc=$?
  testdeps_pid=""
  if ((trc == 0)); then
    "${UNSHARE[@]}" "$troot" "$OUT" bash /build/build-in-chroot.sh test &
    test_pid=$!
  else
    log "FAILED: installing the test dependencies; see $OUT/test-deps.log"
  fi
fi

# --- 4. lintian (this machine's, the same bookworm version), on the .changes -----------------
lrc=0
if has lintian; then
  changes=$(ls "$OUT"/certbot-native_*.changes)
  start=$SECONDS
  nice -n 10 lintian --fail-on error,warning --display-info --info --verbose "$changes" >"$OUT/lintian.log" 2>&1 || lrc=$?
  grep -E '^[EWIPN]: ' "$OUT/lintian.log" >&2 || true
  say "lintian: exit $lrc, $(grep -c '^E: ' "$OUT/lintian.log") errors, $(grep -c '^W: ' "$OUT/lintian.log") warnings, $(grep -c '^I: ' "$OUT/lintian.log") info, $(grep -c '^N: [0-9]* hint' "$OUT/lintian.log" || true) hints, $((SECONDS - start)) s"
fi

# --- 6. reproducibility: build 2's .debs against build 1's ----------------------------------------
brc=0
if [[ -n $build2_pid ]]; then
  b2rc=0
  wait "$build2_pid" || b2rc=$?
  build2_pid=""
  if ((b2rc == 0)); then
    mkdir -p "$OUT/build2"
    differ=0
    for deb in "$OUT"/*.deb; do
      name=$(basename "$deb")
      other=$broot/build/reproducible-second-build-path/$name
      if [[ ! -e $other ]]; then
        say "NOT REPRODUCIBLE: $name missing from build 2"; differ=1
      elif ! cmp -s "$deb" "$other"; then
        say "NOT REPRODUCIBLE: $name differs (both copies in $OUT and $OUT/build2)"
        cp "$other" "$OUT/build2/"
        differ=1
      fi
    done
    n1=$(find "$OUT" -maxdepth 1 -name '*.deb' | wc -l)
    n2=$(find "$broot/build/reproducible-second-build-path" -maxdepth 1 -name '*.deb' | wc -l)
    ((n1 == n2)) || { say "NOT REPRODUCIBLE: build 1 made $n1 .debs, build 2 made $n2"; differ=1; }
    if ((differ == 0)); then
      say "reproducible: all $n1 .debs (dbgsym included) byte-identical from /build/a (umask 0022, tests off) and /build/reproducible-second-build-path (umask 0002, tests $( ((NOCHECK)) && echo off || echo on))"
      rmdir "$OUT/build2"
    else
      brc=1
    fi
  else
    log "FAILED: build 2; see $OUT/build2.log"
    brc=1
  fi
fi

if [[ -n $test_pid ]]; then
  wait "$test_pid" || trc=$?
  test_pid=""
fi
say "total: $((SECONDS - total_start)) s"
fail=0
((lrc == 0)) || { log "lintian found errors or warnings; see $OUT/lintian.log"; fail=1; }
((trc == 0)) || { log "installed-system test FAILED; see $OUT/test-installed-system.log"; fail=1; }
((brc == 0)) || { log "build 2 or reproducibility FAILED"; fail=1; }
((fail == 0)) || exit 1
log "OK (stages $STAGES): $(find "$OUT" -maxdepth 1 -name '*.deb' | wc -l) .debs in $OUT"
cat "$OUT/summary.txt" >&2
