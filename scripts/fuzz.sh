#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz, plugins/nginx, plugins/apache) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and fuzz each for a while, starting from its committed corpus.
#
#   bash scripts/fuzz.sh                 # every target, 60 s each
#   bash scripts/fuzz.sh 600 configobj   # 10 minutes on one target
#
# New interesting inputs go to a scratch corpus (build-fuzz/corpus/<name>), never into the
# repository by themselves. A crash leaves crash-<sha1> in build-fuzz/; fix the bug, then add the
# input to tests/fuzz/corpus/<name>/ so that ctest replays it on every build.
# Needs: clang (Debian package clang), plus scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
shift || true
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g"
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCERTBOT_WERROR=OFF -DCERTBOT_FUZZ=ON \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null

# The same LeakSanitizer suppressions as the sanitizer job: leaks inside third-party libraries
# only (libaugeas), each justified in the file.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/support/lsan.supp:print_suppressions=0}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(cli_ini configobj pem acme_fields acme_client dns_message nginx apache)
fi
for t in "${targets[@]}"; do
  if [[ "$t" == nginx ]]; then
    exe=nginx_fuzz_parser; seeds=plugins/nginx/testdata/corpus
  elif [[ "$t" == apache ]]; then
    exe=apache_fuzz_config; seeds=plugins/apache/testdata/corpus
  else
    exe=${t}_fuzz; seeds=tests/fuzz/corpus/$t
  fi
  cmake --build "$build_dir" -j"$(nproc)" --target "$exe" >/dev/null
  bin=$(find "$build_dir" -type f -name "$exe" -perm -u+x | head -n 1)
  mkdir -p "$build_dir/corpus/$t"
  echo "fuzz.sh: $t for $seconds s"
  (cd "$build_dir" && "$OLDPWD/$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    "corpus/$t" "$OLDPWD/$seeds")
done
