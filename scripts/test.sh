#!/usr/bin/env bash
# Install dependencies, build, and run the whole test suite (unit and
# integration) through ctest. Used by .ci/run; run it from anywhere.
#
# Environment: BUILD_DIR (default: build), CMAKE_BUILD_TYPE (RelWithDebInfo),
# CTEST_PARALLEL (2), and any extra ctest arguments are passed on:
#   scripts/test.sh -R integration
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${BUILD_DIR:-build}
# Every dependency is installed below, so no test may skip: a check that cannot run is a failure
# (tests/integration/lib.sh `skip`, tests/support/strict_test.h). CERTBOT_TEST_STRICT=0 allows
# visible skips on a machine that lacks something.
export CERTBOT_TEST_STRICT=${CERTBOT_TEST_STRICT:-1}

bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}"
cmake --build "$build_dir" -j"$(nproc)"
# ctest prints its closing summary line ("100% tests passed, 0 tests failed out of N").
ctest --test-dir "$build_dir" --output-on-failure -j"${CTEST_PARALLEL:-2}" "$@"
