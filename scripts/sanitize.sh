#!/usr/bin/env bash
# Build the whole project with AddressSanitizer and UndefinedBehaviorSanitizer and run tests
# under it. Any sanitizer report fails the run (halt_on_error, UBSan without recovery).
#
#   bash scripts/sanitize.sh            # unit tests, plugin tests and a slice of integration
#                                       # tests (what .ci/run does)
#   bash scripts/sanitize.sh --full     # the whole suite
#   bash scripts/sanitize.sh -R REGEX   # any ctest selection
#
# Environment: SAN_BUILD_DIR (default: build-asan), CTEST_PARALLEL (2). Dependencies are those
# of scripts/test.sh (run scripts/install-deps.sh first on a fresh machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${SAN_BUILD_DIR:-build-asan}
# The integration tests that cover the most of our own code per second: issuance over both
# challenge servers, renewal with hooks and signals, the hostile CA, nginx
# editing, the plugin loader's broken-file handling. (renew_crash is not among them: it kills
# through strace, and LeakSanitizer does not work under ptrace.)
readonly SLICE='^(unit\.|plugins\.|tests\.|fuzz\.)|integration\.(certonly_standalone|certonly_webroot|renew_semantics|signals|hostile_server|nginx_run|plugin_discovery|cli_config)$'

args=()
case "${1:-}" in
--full) ;;
"") args=(-R "$SLICE") ;;
*) args=("$@") ;;
esac

flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCERTBOT_WERROR=OFF -DCERTBOT_FAST_EXIT=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

# Leak checking stays on; every report is fatal and names the file and line. handle_segv=0: a
# plugin runner process (core/host) that segfaults must die of SIGSEGV as it does in production,
# since the fault-containment tests check that the host reports the signal; a segfault anywhere
# else still fails its test, only without ASan's report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:handle_segv=0}
# Tests that bound memory use allow for ASan's own (tests/integration/hostile_server.sh).
export CERTBOT_TEST_SANITIZED=1
# Leaks inside third-party libraries we cannot free are listed, with the reason, in
# tests/support/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/support/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir "$build_dir" --output-on-failure -j"${CTEST_PARALLEL:-2}" "${args[@]}"
