#!/bin/bash
# Runs inside the chroots made by packaging/build-debs.sh (see there); logs and summary lines
# go to /build/out.
#   build-in-chroot.sh build-dep NOCHECK          install debian/control's Build-Depends
#   build-in-chroot.sh build DIR TESTS UMASK NAME dpkg-buildpackage -b of /build/source.tar in
#                                                 DIR (TESTS 0/1), log /build/out/NAME.log
#   build-in-chroot.sh test-deps                  install what debian/tests need besides our
#                                                 packages (and Debian's certbot), ahead of time
#   build-in-chroot.sh test                       debian/tests against the .debs in /build/debs
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
out=/build/out
say() { printf 'build-in-chroot: %s\n' "$*" >&2; echo "$(date -u +%T) $*" >>"$out/summary.txt"; }
version=$(tar -xOf /build/source.tar --wildcards --no-anchored packaging/debian/changelog | sed -n '1s/.*(\([^)]*\)).*/\1/p')

unpack() { # unpack DIR: the source as DIR/certbot-native-VERSION with debian/; prints that path
  local dir=$1/certbot-native-$version
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -C "$dir" -xf /build/source.tar
  cp -a "$dir/packaging/debian" "$dir/debian"
  echo "$dir"
}

case $1 in
  build-dep)
    src=$(unpack /build/deps)
    profile=()
    (($2)) && profile=(-P nocheck)
    start=$SECONDS
    { apt-get -q update && apt-get -q -y --no-install-recommends "${profile[@]}" build-dep "$src"; } \
      >"$out/build-dep.log" 2>&1 || { tail -n 30 "$out/build-dep.log" >&2; exit 1; }
    say "build-dep: $(grep -c '^Setting up' "$out/build-dep.log") packages installed in $((SECONDS - start)) s"
    ;;
  build)
    dir=$2 tests=$3 mask=$4 name=$5
    src=$(unpack "$dir")
    opts="parallel=2" profile=()
    ((tests)) || { opts="nocheck $opts"; profile=(--build-profiles=nocheck); }
    start=$SECONDS
    (umask "$mask" && cd "$src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b "${profile[@]}") \
      >"$out/$name.log" 2>&1 || { tail -n 60 "$out/$name.log" >&2; say "$name ($dir) FAILED"; exit 1; }
    say "$name ($dir, umask $mask, tests $( ((tests)) && echo on || echo off)): $((SECONDS - start)) s"
    if ((tests)); then
      grep -E 'tests passed, ' "$out/$name.log" | tail -1 | sed "s/^/$name ctest: /" >>"$out/summary.txt" || true
    fi
    ;;
  test-deps)
    # debian/tests/control's Depends without our own packages, plus Debian's Python certbot for
    # the upgrade path: the test would install them itself, this only saves wall time.
    src=$(unpack /build/test)
    mapfile -t deps < <(sed -n '/^Depends:/,/^[A-Z][A-Za-z-]*:/{s/^Depends://;/^[A-Z][A-Za-z-]*:/d;p}' \
      "$src/debian/tests/control" | tr ',' '\n' | sed 's/[[:space:]]//g' | grep -v '^certbot-native' | grep .)
    start=$SECONDS
    { apt-get -q update && apt-get -q -y --no-install-recommends install "${deps[@]}" certbot; } \
      >"$out/test-deps.log" 2>&1 || { tail -n 30 "$out/test-deps.log" >&2; exit 1; }
    say "test-deps: ${#deps[@]} test dependencies and certbot installed in $((SECONDS - start)) s"
    ;;
  test)
    # debian/tests, as autopkgtest runs them: from the unpacked source, as root.
    src=$(unpack /build/test)
    cd "$src"
    start=$SECONDS
    rc=0
    for t in $(sed -n 's/^Tests: *//p' debian/tests/control); do
      tmp=$(mktemp -d)
      if AUTOPKGTEST_TMP=$tmp DEBS=/build/debs bash "debian/tests/$t" >"$out/test-$t.log" 2>&1; then
        say "debian/tests/$t: PASS"
      else
        tail -n 40 "$out/test-$t.log" >&2
        say "debian/tests/$t: FAIL"
        rc=1
      fi
    done
    say "installed-system tests: $((SECONDS - start)) s"
    exit $rc
    ;;
  *) echo "build-in-chroot: unknown step $1" >&2; exit 2 ;;
esac
