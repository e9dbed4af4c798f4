#!/usr/bin/env bash
# Build certbot-native's Debian packages in a clean Debian 12 chroot, the way a distribution's
# build daemon would, and check them:
#   1. mmdebstrap makes a minimal bookworm chroot (variant buildd) from the Debian archive
#      entries of this machine's /etc/apt/sources.list* (other repositories are left out);
#   2. apt-get build-dep installs exactly debian/control's Build-Depends (with the test tools,
#      the <!nocheck> ones, unless --nocheck);
#   3. dpkg-buildpackage -b builds and runs the unit/plugin tests (ctest -LE integration);
#   4. a second build from a different, longer path (tests off) must give byte-identical .debs;
#   5. lintian checks the .debs and the .changes (errors and warnings fail the script);
#   6. debian/tests (autopkgtest-style) run against the built packages inside the same chroot:
#      install them with apt, plugins, Pebble, the service's renew command, the upgrade from
#      Debian's Python certbot.
# Runs as root (mmdebstrap --mode=root; the chroot shares the host's network for apt and for
# the loopback test servers, which pick free ports). Slow (tens of minutes on two cores); not
# part of .ci/run. The .debs, build logs and lintian output go to --out.
#
# usage: packaging/build-debs.sh [--out DIR] [--nocheck] [--no-repro] [--no-tests] [--keep]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$PWD/debs
NOCHECK=0 REPRO=1 TESTS=1 KEEP=0
while (($#)); do
  case $1 in
    --out) OUT=$2; shift ;;
    --nocheck) NOCHECK=1 ;;
    --no-repro) REPRO=0 ;;
    --no-tests) TESTS=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-debs: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'build-debs: %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { log "run as root (mmdebstrap --mode=root)"; exit 1; }
for tool in mmdebstrap lintian dpkg-parsechangelog; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install mmdebstrap lintian dpkg-dev"; exit 1; }
done

VERSION=$(dpkg-parsechangelog -l "$REPO/packaging/debian/changelog" -S Version)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d /var/tmp/certbot-native-debs.XXXXXX)
if ((KEEP)); then log "scratch directory kept: $work"; else trap 'rm -rf "$work"' EXIT; fi

# 1. The Debian archive as this machine's apt sees it (deb822 .sources stanzas and one-line
#    .list entries whose URI is a debian.org one), nothing else.
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

# 2. The source: the working tree without build directories and .git, as a release tarball
#    would be, with packaging/debian as debian/.
tar -C "$REPO" --exclude='./build*' --exclude=./.git --exclude='./debs' -cf "$work/source.tar" .
cp "$REPO/packaging/build-in-chroot.sh" "$work/"

log "building certbot-native $VERSION in a clean bookworm chroot (log: $OUT/build.log)"
start=$SECONDS
rc=0
mmdebstrap --mode=root --variant=buildd --format=null \
  --include=ca-certificates \
  --customize-hook="mkdir -p \"\$1/build/out\"" \
  --customize-hook="copy-in $work/source.tar $work/build-in-chroot.sh /build" \
  --customize-hook="chroot \"\$1\" env VERSION=$VERSION NOCHECK=$NOCHECK REPRO=$REPRO TESTS=$TESTS bash /build/build-in-chroot.sh" \
  --customize-hook="sync-out /build/out $OUT" \
  bookworm /dev/null "$work/debian-archive.sources" >"$OUT/build.log" 2>&1 || rc=$?
log "chroot build finished with status $rc after $((SECONDS - start)) s"
if ((rc != 0)); then
  tail -n 40 "$OUT/build.log" >&2
  log "FAILED; see $OUT/build.log and $OUT/*.log"
  exit 1
fi

# 5. lintian (this machine's, the same bookworm version), on the .changes of the first build.
changes=$(ls "$OUT"/certbot-native_*.changes)
lintian --fail-on error,warning --display-info --info "$changes" >"$OUT/lintian.log" 2>&1 || rc=$?
cat "$OUT/lintian.log" >&2
if ((rc != 0)); then log "lintian found errors or warnings"; exit 1; fi
log "OK: $(ls "$OUT"/*.deb | wc -l) .debs in $OUT; $(cat "$OUT/summary.txt" 2>/dev/null | tr '\n' ' ')"
