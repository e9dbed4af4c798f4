#!/usr/bin/env bash
# Line coverage per library: build with gcov instrumentation, run tests, and print one row per
# library (the core layers, the subcommands, each plugin, the plugin support library), as in
# docs/coverage.md.
#
#   bash scripts/coverage.sh            # unit, plugin and fuzz-replay tests (a few minutes)
#   bash scripts/coverage.sh --full     # the whole suite, integration tests included
#   bash scripts/coverage.sh -R REGEX   # any ctest selection
#
# Environment: COV_BUILD_DIR (default build-coverage), CTEST_PARALLEL (2). Needs gcovr (Debian
# package gcovr; installed here when missing and running as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${COV_BUILD_DIR:-build-coverage}
# ccache's base_dir rewrites source paths to relative ones, which gcov then cannot resolve from
# the object directory: compile this build with absolute paths.
export CCACHE_BASEDIR=
export CCACHE_HASHDIR=1
if ! command -v gcovr >/dev/null; then
  [[ "$(id -u)" == 0 ]] || { echo "coverage.sh: gcovr is not installed (apt-get install gcovr)" >&2; exit 2; }
  apt-get install -y gcovr >/dev/null
fi
args=(-E '^integration\.')
case "${1:-}" in
--full) args=() ;;
"") ;;
*) args=("$@") ;;
esac

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCERTBOT_WERROR=OFF -DCERTBOT_FAST_EXIT=OFF \
  -DCMAKE_C_FLAGS="--coverage -O0" -DCMAKE_CXX_FLAGS="--coverage -O0" \
  -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
  -DCMAKE_MODULE_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
find "$build_dir" -name '*.gcda' -delete
ctest --test-dir "$build_dir" -j"${CTEST_PARALLEL:-2}" "${args[@]}" >"$build_dir/coverage-ctest.log" 2>&1 ||
  echo "coverage.sh: some tests failed (see $build_dir/coverage-ctest.log); coverage is still reported" >&2
tail -n 3 "$build_dir/coverage-ctest.log"

# Production sources only: tests, fixtures, fuzz targets and test helpers are not counted.
gcovr --root . --object-directory "$build_dir" --json-summary "$build_dir/coverage.json" \
  --exclude '.*_test\.(cpp|h)$' --exclude 'tests/' --exclude '.*/tests/' --exclude 'bench/' \
  --exclude '.*fuzz.*' --exclude "$build_dir/" --gcov-ignore-parse-errors >/dev/null
python3 - "$build_dir/coverage.json" <<'PY'
import json, sys, collections
data = json.load(open(sys.argv[1]))
rows = collections.OrderedDict()
def library(path):
    parts = path.split('/')
    if parts[0] in ('core', 'plugins') and len(parts) > 2:
        return '/'.join(parts[:2])
    if parts[0] == 'cli' and len(parts) > 2:
        return '/'.join(parts[:2])
    return parts[0]
for f in data['files']:
    lib = library(f['filename'])
    covered, total = rows.get(lib, (0, 0))
    rows[lib] = (covered + f['line_covered'], total + f['line_total'])
print('| library | lines covered | lines | % |')
print('|---|---:|---:|---:|')
all_c = all_t = 0
for lib in sorted(rows):
    c, t = rows[lib]
    all_c += c; all_t += t
    print(f'| `{lib}` | {c} | {t} | {100.0 * c / t:.1f} |' if t else f'| `{lib}` | 0 | 0 | - |')
print(f'| all | {all_c} | {all_t} | {100.0 * all_c / max(all_t, 1):.1f} |')
PY
