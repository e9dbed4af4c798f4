#!/bin/bash
# Runs inside the chroot made by packaging/build-debs.sh (see there). Environment: VERSION,
# NOCHECK, REPRO, TESTS (0/1). Results go to /build/out.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
out=/build/out
say() { printf 'build-in-chroot: %s\n' "$*"; echo "$*" >>"$out/summary.txt"; }

unpack() { # unpack DIR: the source as DIR/certbot-native-VERSION with debian/
  local dir=$1/certbot-native-$VERSION
  mkdir -p "$dir"
  tar -C "$dir" -xf /build/source.tar
  cp -a "$dir/packaging/debian" "$dir/debian"
  echo "$dir"
}

# The services the test tools bring (nginx, apache2) must not start in the chroot.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

a=$(unpack /build/a)
apt-get -q update >/dev/null
profile=()
((NOCHECK)) && profile=(-P nocheck)
apt-get -q -y --no-install-recommends "${profile[@]}" build-dep "$a" >"$out/build-dep.log" 2>&1 ||
  { cat "$out/build-dep.log"; exit 1; }
say "build-dep: $(grep -c '^Setting up' "$out/build-dep.log") packages installed"

opts=""
((NOCHECK)) && opts="nocheck"
start=$SECONDS
(cd "$a" && DEB_BUILD_OPTIONS="$opts parallel=2" dpkg-buildpackage -us -uc -b "${profile[@]}") \
  >"$out/build-a.log" 2>&1 || { tail -n 80 "$out/build-a.log"; say "build A FAILED"; exit 1; }
say "build A ($a, tests $([[ -z $opts ]] && echo on || echo off)): $((SECONDS - start)) s"
grep -E '^[0-9]+% tests passed|tests passed, ' "$out/build-a.log" | tail -1 >>"$out/summary.txt" || true
cp /build/a/*.deb /build/a/*.changes /build/a/*.buildinfo "$out/"

if ((REPRO)); then
  # Same source, another (longer) path, another umask; tests off to save time (they do not
  # change what is installed).
  b=$(unpack /build/reproducible-second-build-path)
  start=$SECONDS
  (umask 0002 && cd "$b" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b -P nocheck) \
    >"$out/build-b.log" 2>&1 || { tail -n 80 "$out/build-b.log"; say "build B FAILED"; exit 1; }
  say "build B ($b, tests off): $((SECONDS - start)) s"
  differ=0
  for deb in /build/a/*.deb; do
    other=/build/reproducible-second-build-path/$(basename "$deb")
    if ! cmp -s "$deb" "$other"; then
      say "NOT REPRODUCIBLE: $(basename "$deb")"
      differ=1
    fi
  done
  ((differ == 0)) || exit 1
  say "reproducible: $(ls /build/a/*.deb | wc -l) .debs identical from two paths"
fi

if ((TESTS)); then
  # debian/tests, as autopkgtest would run them: from the source tree, packages installed.
  cd "$a"
  start=$SECONDS
  for t in $(sed -n 's/^Tests: *//p' debian/tests/control); do
    if AUTOPKGTEST_TMP=$(mktemp -d) DEBS=/build/a bash "debian/tests/$t" >"$out/test-$t.log" 2>&1; then
      say "debian/tests/$t: PASS"
    else
      tail -n 60 "$out/test-$t.log"
      say "debian/tests/$t: FAIL"
      exit 1
    fi
  done
  say "installed-system tests: $((SECONDS - start)) s"
fi
