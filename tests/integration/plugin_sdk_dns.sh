#!/usr/bin/env bash
# The DNS toolkit as a third party uses it: `cmake --install` of the dev component into a scratch
# prefix, then a DNS plugin (the source of plugins/dns-luadns, copied out of the tree) built
# against that prefix only with find_package(CertbotPluginDns CONFIG). `certbot plugins --check`
# validates the result, and dns_luadns.sh (lib_dns.bash's suite: a wildcard certificate
# validated by Pebble, renew, wrong credentials, a zone not in the account, API errors, garbage
# answers) runs with that plugin as the only one certbot loads.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"

# --- 1. the SDK at a scratch prefix ------------------------------------------------------------
sdk="$ITEST_DIR/sdk"
cmake --install "$BUILD_DIR" --prefix "$sdk" --component dev >"$ITEST_DIR/sdk-install.log" 2>&1 ||
  fail "cmake --install --component dev failed: $(cat "$ITEST_DIR/sdk-install.log")"
for f in dns_authenticator.h dns_credentials.h dns_https.h dns_json.h dns_paging.h; do
  assert_file "$sdk/include/certbot/dns/$f"
done
config=$(find "$sdk" -name CertbotPluginDnsConfig.cmake -print -quit)
[[ -n "$config" ]] || fail "the SDK installed no CertbotPluginDnsConfig.cmake"
[[ -n "$(find "$sdk" -name 'libcertbot_plugin_dns.a' -print -quit)" ]] ||
  fail "the SDK installed no libcertbot_plugin_dns.a"
pass "SDK: the DNS toolkit's headers, static library and CMake package are installed"

# --- 2. a provider plugin, out of tree, from the installed SDK only ------------------------------
src="$ITEST_DIR/dns-thirdparty"
mkdir -p "$src"
cp "$REPO_ROOT/plugins/dns-luadns/luadns.cpp" "$src/"
cat >"$src/CMakeLists.txt" <<'EOF2'
cmake_minimum_required(VERSION 3.18)
project(dns_thirdparty CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
find_package(CertbotPluginDns CONFIG REQUIRED)
certbot_add_plugin(dns-luadns SOURCES luadns.cpp LIBS CertbotPluginDns::dns)
EOF2
# Configured and built under umask 0002, as many developers' shells are: the linker makes the .so
# and its directory group-writable, and certbot refuses plugins others can change, so
# certbot_add_plugin must take group write away for the plugin to load below.
caller_umask=$(umask)
umask 0002
cmake -S "$src" -B "$src/build" -DCMAKE_PREFIX_PATH="$sdk" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >"$src/configure.log" 2>&1 ||
  fail "configuring the third-party plugin failed: $(cat "$src/configure.log")"
grep -q "CertbotPluginDns_DIR:PATH=$sdk/" "$src/build/CMakeCache.txt" ||
  fail "the plugin did not find CertbotPluginDns in $sdk: $(grep CertbotPluginDns_DIR "$src/build/CMakeCache.txt")"
cmake --build "$src/build" >"$src/build.log" 2>&1 || fail "building the plugin failed: $(cat "$src/build.log")"
umask "$caller_umask"
so="$src/build/dns-luadns.so"
assert_file "$so"
assert_eq "$(stat -c %A "$so" | cut -c6,9)$(stat -c %A "$src/build" | cut -c6,9)" "----" \
  "group/other write bits of the plugin and its directory built under umask 0002"
assert_eq "$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u | tr '\n' ' ')" \
  "certbot_plugin_entry " "dynamic symbols the plugin exports"
out=$("$CERTBOT" plugins --check "$so" 2>&1) || fail "plugins --check $so failed: $out"
[[ "$out" == *'OK: plugin "dns-luadns"'*"--dns-luadns-credentials"* ]] || fail "plugins --check said: $out"
pass "SDK: a DNS plugin builds out of tree on the installed toolkit and passes plugins --check"

# --- 3. that plugin, alone, through the whole dns-luadns test ---------------------------------------
export CERTBOT_PLUGIN_PATH="$src/build"
"$CERTBOT" plugins >"$ITEST_DIR/plugins.out" 2>&1 || fail "certbot plugins failed"
assert_contains "$ITEST_DIR/plugins.out" "File: $so"
itest_log "dns_luadns.sh with the third-party build" "$ITEST_DIR/dns_luadns.out"
bash "$ITEST_LIB_DIR/dns_luadns.sh" >"$ITEST_DIR/dns_luadns.out" 2>&1 ||
  fail "dns_luadns.sh failed with the plugin built from the SDK"
grep -E "^PASS" "$ITEST_DIR/dns_luadns.out" | sed 's/^PASS: /  /'
pass "SDK: the out-of-tree dns-luadns passes the whole dns_luadns suite"
