#!/usr/bin/env bash
# Regenerate cli/certbot.order, the code layout of the certbot executable (docs/packaging.md
# "Code layout"): the names of the function sections that the common commands run, in the order
# they first run, which the `certbot` link (gold's --section-ordering-file) puts together.
#
# How: a scratch build (ORDER_BUILD_DIR, default build-order) of certbot and the standalone
# plugin with -finstrument-functions, whose hook (bench/link_order_hook.c) appends the address of
# each function of the executable the first time it runs to one file per process. Against a local
# Pebble, as bench/issue_one.sh does, it runs in this order: one issuance (certonly --standalone
# --force-renewal of an existing lineage: the main process, then its plugin runner), renew with
# nothing due, certificates, then a first issuance (account registration). bench/link_order.py
# maps the addresses to functions through the scratch link's map and the functions to the
# sections of the regular build (BUILD_DIR, default build/, configured with CERTBOT_LINK_ORDER on:
# its cli/certbot.map), and lists each section once, where it first ran: what an issuance runs
# comes first, then what only the later commands add. Nothing in the file depends on this machine
# (section names only, no address or path), and the regular build only reads it: a name that no
# longer exists is ignored by the linker (layout quality, not correctness).
#
# Usage: bash bench/link_order.sh [OUT]    (default: cli/certbot.order)
#        ORDER_BUILD_DIR=dir (the scratch build; reused and updated if it exists)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
out=${1:-$repo/cli/certbot.order}
build=${ORDER_BUILD_DIR:-$repo/build-order}
mkdir -p "$build/hook"
build=$(cd "$build" && pwd)
real_build=$(cd "${BUILD_DIR:-$repo/build}" && pwd)

# The hook is a shared library every instrumented binary and plugin links (its soname found
# through LD_LIBRARY_PATH at run time).
hook=$build/hook/libcertbot_order_hook.so
cc -O2 -shared -fPIC -Wl,-soname,libcertbot_order_hook.so -o "$hook" \
  "$repo/bench/link_order_hook.c" -lpthread
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTBOT_WERROR=OFF \
  -DCERTBOT_BUILD_TESTS=OFF -DCERTBOT_LINK_ORDER=ON \
  -DCMAKE_C_FLAGS=-finstrument-functions -DCMAKE_CXX_FLAGS=-finstrument-functions \
  -DCMAKE_EXE_LINKER_FLAGS="$hook" -DCMAKE_SHARED_LINKER_FLAGS="$hook" \
  -DCMAKE_MODULE_LINKER_FLAGS="$hook" >/dev/null
cmake --build "$build" -j"$(nproc)" --target certbot standalone >/dev/null
# The regular build the order is for: its link map names the sections as they are there.
cmake --build "$real_build" -j"$(nproc)" --target certbot >/dev/null
real_map=$real_build/cli/certbot.map
[[ -f "$real_map" ]] || {
  echo "link_order: no $real_map: configure $real_build with -DCERTBOT_LINK_ORDER=ON" >&2
  exit 1
}

export BUILD_DIR=$build CERTBOT=$build/cli/certbot PEBBLE_AUTHZREUSE=0
# shellcheck source=bench/common.sh
source "$repo/bench/common.sh"
pebble_start
export LD_LIBRARY_PATH=$build/hook${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
base=$ITEST_DIR/order
# The profile stays in the scratch build, for bench/link_order.py to be re-run on it.
profile=$build/profile
rm -rf "$profile"
mkdir -p "$base" "$profile"
common=(--config-dir "$base/config" --work-dir "$base/work" --logs-dir "$base/logs"
  --server "$PEBBLE_DIR_URL" -n)
issue=(certonly --standalone -d a.order.example -d b.order.example --cert-name order
  --http-01-port "$HTTP01_PORT" --agree-tos --register-unsafely-without-email "${common[@]}")

# profiled STEP ARGS...: run certbot with the hook writing to $profile/STEP.
step=0
profiled() {
  local name=$1 dir
  shift
  step=$((step + 1))
  dir=$profile/$(printf '%02d' "$step")-$name
  mkdir -p "$dir"
  CERTBOT_ORDER_PROFILE_DIR=$dir "$CERTBOT" "$@" >"$ITEST_DIR/$name.out" 2>&1 </dev/null ||
    fail "link_order: certbot $name failed: $(tail -n 5 "$ITEST_DIR/$name.out")"
}
profiled register "${issue[@]}"
rm -rf "${profile:?}"/*
step=0
profiled issue "${issue[@]}" --force-renewal
profiled renew renew "${common[@]}"
profiled certificates certificates "${common[@]}"
rm -rf "$base"
profiled register "${issue[@]}"

"$BENCH_PY" "$repo/bench/link_order.py" "$build/cli/certbot.map" "$real_map" "$profile" "$out"
