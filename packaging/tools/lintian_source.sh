#!/bin/sh
# Cheap lintian check for CI (ctest packaging.lintian_source): the Debian source package as
# packaging/build-debs.sh makes it (the tree without build directories and .git, with
# packaging/debian as debian/), built with dpkg-source and checked with lintian: debian/control,
# copyright, rules, source format, tests/control. Errors and warnings fail. The binary packages
# are checked by build-debs.sh (they need the full package build).
# usage: lintian_source.sh SOURCE_DIR SCRATCH_DIR [DEBIAN_FILE SED_EXPRESSION]
# With the last two, DEBIAN_FILE (relative to debian/) is edited with SED_EXPRESSION in the copy
# first: the negative test (packaging.lintian_source_catches_errors) breaks debian/tests/control.
# LINTIAN_CHECKS (optional, lintian's -C list) limits the checks: the negative test needs only the
# one that must fire. The source tarball is gzip -1: it is thrown away, and xz took most of the
# time on a loaded machine.
set -eu
src=$1 scratch=$2
version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
rm -rf "$scratch"
mkdir -p "$scratch/certbot-native-$version"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude='./debs' -cf - . |
  tar -C "$scratch/certbot-native-$version" -xf -
cp -a "$scratch/certbot-native-$version/packaging/debian" "$scratch/certbot-native-$version/debian"
if [ $# -eq 4 ]; then
  sed -i -e "$4" "$scratch/certbot-native-$version/debian/$3"
fi
(cd "$scratch/certbot-native-$version" && dpkg-source -Zgzip -z1 -b . >../dpkg-source.log 2>&1) ||
  { cat "$scratch/dpkg-source.log"; exit 1; }
# lintian checks the binary packages' descriptions only on the .debs (build-debs.sh); this one
# (extended-description-line-too-long, > 80 columns) is cheap to check here.
long=$(awk '/^Package:/ { p = $2 } /^Description:/ { d = 1; next } /^[^ ]/ { d = 0 }
  d && length($0) > 80 { print "debian/control: " p ": description line longer than 80 columns" }' \
  "$scratch/certbot-native-$version/debian/control")
[ -z "$long" ] || { echo "$long"; echo "lintian: errors or warnings in the source package (above)"; exit 1; }
# lintian warns about running as root (CI does); that line is not a tag.
rc=0
lintian --fail-on error,warning --display-info ${LINTIAN_CHECKS:+-C "$LINTIAN_CHECKS"} \
  "$scratch/certbot-native_$version.dsc" \
  >"$scratch/lintian.log" 2>&1 || rc=$?
grep -v 'running with root privileges is not recommended' "$scratch/lintian.log" || true
[ "$rc" -eq 0 ] || { echo "lintian: errors or warnings in the source package (above), exit $rc"; exit 1; }
echo "lintian: source package clean ($(grep -c '^I: ' "$scratch/lintian.log" || true) info tags)"
