#!/usr/bin/env bash
# The plugin SDK as a third party uses it: `cmake --install` of the dev component into a scratch
# prefix, then the haproxy example (plugin-api/examples/haproxy) built from the copy of its
# source that the SDK installed, against that prefix only (find_package(CertbotPlugin CONFIG),
# and once more by hand with pkg-config). `certbot plugins --check` validates it without
# installing; then the real haproxy from Debian on loopback serves what the plugin deployed:
# certonly --standalone against Pebble, `install --installer haproxy`, `renew --force-renewal`.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
command -v haproxy >/dev/null || skip "haproxy is not installed (scripts/install-deps.sh installs it)"
command -v pkg-config >/dev/null || skip "pkg-config is not installed (scripts/install-deps.sh installs it)"

# --- 1. the SDK at a scratch prefix ------------------------------------------------------------
sdk="$ITEST_DIR/sdk"
cmake --install "$BUILD_DIR" --prefix "$sdk" --component dev >"$ITEST_DIR/sdk-install.log" 2>&1 ||
  fail "cmake --install --component dev failed: $(cat "$ITEST_DIR/sdk-install.log")"
src="$sdk/share/doc/certbot-native-dev/examples/haproxy"
assert_file "$src/CMakeLists.txt"
assert_file "$src/haproxy.cpp"
for f in include/certbot/plugin.h include/certbot/plugin.hpp; do assert_file "$sdk/$f"; done
pcdir=$(dirname "$(find "$sdk" -name certbot-plugin.pc -print -quit)")
[[ -n "$pcdir" && "$pcdir" != . ]] || fail "the SDK installed no certbot-plugin.pc"
export PKG_CONFIG_PATH="$pcdir"
abi_major=$(sed -n 's/^#define CB_ABI_MAJOR \([0-9]*\)u.*/\1/p' "$sdk/include/certbot/plugin.h")
assert_eq "$(pkg-config --variable=abi_major certbot-plugin)" "$abi_major" "pkg-config abi_major"
plugindir=$(pkg-config --variable=plugindir certbot-plugin)
[[ "$plugindir" == "$sdk"/lib*/certbot/plugins ]] ||
  fail "pkg-config plugindir is $plugindir, expected below $sdk/lib"

# --- 2. the example, out of tree, from the installed SDK only -------------------------------------
# CMAKE_FIND_USE_PACKAGE_REGISTRY etc. off and only the scratch prefix on the search path: the
# build cannot pick up a system-wide certbot-native-dev or the source tree.
ex="$ITEST_DIR/example"
mkdir -p "$ex"
cmake -S "$src" -B "$ex/build" -DCMAKE_PREFIX_PATH="$sdk" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >"$ex/configure.log" 2>&1 ||
  fail "configuring the example failed: $(cat "$ex/configure.log")"
grep -q "CertbotPlugin_DIR:PATH=$sdk/" "$ex/build/CMakeCache.txt" ||
  fail "the example did not find CertbotPlugin in $sdk: $(grep CertbotPlugin_DIR "$ex/build/CMakeCache.txt")"
cmake --build "$ex/build" >"$ex/build.log" 2>&1 || fail "building the example failed: $(cat "$ex/build.log")"
cmake --install "$ex/build" --prefix "$ex/prefix" >/dev/null || fail "installing the example failed"
plugin=$(find "$ex/prefix" -name haproxy.so -print -quit)
[[ "$plugin" == "$ex/prefix"/lib*/certbot/plugins/haproxy.so ]] ||
  fail "the example installed to '$plugin', not <prefix>/<libdir>/certbot/plugins/haproxy.so"
assert_eq "$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort -u | tr '\n' ' ')" \
  "certbot_plugin_entry " "dynamic symbols the plugin exports"

# The same source by hand, with pkg-config instead of CMake.
mkdir -p "$ex/pc"
# shellcheck disable=SC2046 # pkg-config prints several words
g++ -std=c++17 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
  $(pkg-config --cflags certbot-plugin) \
  -Wl,--version-script="$(pkg-config --variable=version_script certbot-plugin)" -Wl,-z,defs \
  -o "$ex/pc/haproxy.so" "$src/haproxy.cpp" 2>"$ex/pc.log" ||
  fail "building with pkg-config failed: $(cat "$ex/pc.log")"

# --- 3. certbot plugins --check ------------------------------------------------------------------
for so in "$plugin" "$ex/pc/haproxy.so"; do
  out=$("$CERTBOT" plugins --check "$so" 2>&1) || fail "plugins --check $so failed: $out"
  [[ "$out" == *"OK: plugin \"haproxy\""*"--haproxy-pem-dir"* ]] || fail "plugins --check said: $out"
done
rc=0
out=$("$CERTBOT" plugins --check "$BUILD_DIR/tests/fixtures/plugins/wrong_abi.so" 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of plugins --check on a plugin for another ABI"
[[ "$out" == *"wrong_abi.so is not a usable plugin: it was built for plugin ABI"* ]] ||
  fail "plugins --check on wrong_abi.so said: $out"
rc=0
out=$("$CERTBOT" plugins --check "$ITEST_DIR/missing.so" 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of plugins --check on a missing file"
[[ "$out" == *"missing.so"* ]] || fail "plugins --check on a missing file said: $out"

export CERTBOT_PLUGIN_PATH="$(dirname "$plugin"):$BUILD_DIR/plugins"
"$CERTBOT" plugins --installers >"$ITEST_DIR/plugins.out" 2>&1 || fail "certbot plugins failed"
assert_contains "$ITEST_DIR/plugins.out" "File: $plugin"

# --- 4. haproxy on loopback serves what the plugin deploys ----------------------------------------
pebble_start
certbot_dirs
pebble_root_pem "$ITEST_DIR/root.pem"
pebble_intermediate_pem "$ITEST_DIR/intermediate.pem"
cat "$ITEST_DIR/intermediate.pem" "$ITEST_DIR/root.pem" >"$ITEST_DIR/pebble-ca.pem"

run_ours certonly certonly --standalone -d h.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email || fail "certonly --standalone failed: $(cat "$ITEST_DIR/certonly.out")"
live="$CB_CONFIG/live/h.example"

hp="$ITEST_DIR/haproxy"
mkdir -p "$hp/certs"
# haproxy refuses to start with an empty certificate directory: a placeholder for another name.
tls_server_cert "$hp/placeholder" DNS:placeholder.invalid
cat "$hp/placeholder/cert.pem" "$hp/placeholder/key.pem" >"$hp/certs/00-placeholder.pem"
port=$(free_port)
cat >"$hp/haproxy.cfg" <<CFG
global
    log stderr format short local0 notice
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend tls
    bind 127.0.0.1:$port ssl crt $hp/certs/
    http-request return status 200 content-type text/plain string "served by haproxy\n"
CFG
haproxy -c -q -f "$hp/haproxy.cfg" || fail "haproxy rejects the test configuration"
# Master-worker mode in the foreground: SIGUSR2 to the master reloads the configuration and the
# certificates, as `systemctl reload haproxy` does.
bg_start haproxy "$hp/haproxy.log" haproxy -W -db -f "$hp/haproxy.cfg"
master=$BG_PID
wait_for_port "$port" 10 || fail "haproxy did not listen on 127.0.0.1:$port"

served_fingerprint() {
  openssl s_client -connect "127.0.0.1:$port" -servername h.example </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null || true
}
# wait_served CERT: haproxy serves CERT for h.example within 15 seconds (a reload is async).
wait_served() {
  local want i
  want=$(openssl x509 -in "$1" -noout -fingerprint -sha256)
  for ((i = 0; i < 150; i++)); do
    [[ "$(served_fingerprint)" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "haproxy serves '$(served_fingerprint)' for h.example, expected $1 ($want)"
}

haproxy_opts=(--haproxy-pem-dir "$hp/certs" --haproxy-config "$hp/haproxy.cfg"
  --haproxy-reload-command "kill -USR2 $master")
run_ours install install --installer haproxy --cert-name h.example "${haproxy_opts[@]}" ||
  fail "install --installer haproxy failed: $(cat "$ITEST_DIR/install.out")"
assert_file_mode "$hp/certs/h.example.pem" 600
assert_eq "$(cat "$hp/certs/h.example.pem")" "$(cat "$live/fullchain.pem" "$live/privkey.pem")" \
  "h.example.pem is fullchain.pem followed by privkey.pem"
wait_served "$live/cert.pem"
body=$(curl -fsS --max-time 10 --cacert "$ITEST_DIR/pebble-ca.pem" \
  --resolve "h.example:$port:127.0.0.1" "https://h.example:$port/") ||
  fail "curl could not verify haproxy's certificate for h.example against Pebble's root"
assert_eq "$body" "served by haproxy" "body curl received"
first=$(openssl x509 -in "$live/cert.pem" -noout -serial)

# `install` does not change the renewal configuration (as certbot's); `reconfigure` makes renew
# use the installer.
run_ours reconfigure reconfigure --cert-name h.example --installer haproxy "${haproxy_opts[@]}" \
  --http-01-port "$HTTP01_PORT" || fail "reconfigure failed: $(cat "$ITEST_DIR/reconfigure.out")"
assert_contains "$CB_CONFIG/renewal/h.example.conf" "installer = haproxy"
assert_contains "$CB_CONFIG/renewal/h.example.conf" "haproxy_pem_dir = $hp/certs"

# --- 5. renewal deploys again and reloads ---------------------------------------------------------
run_ours renew renew --force-renewal --no-random-sleep-on-renew ||
  fail "renew --force-renewal failed: $(cat "$ITEST_DIR/renew.out")"
second=$(openssl x509 -in "$live/cert.pem" -noout -serial)
[[ "$first" != "$second" ]] || fail "renew --force-renewal did not replace the certificate"
wait_served "$live/cert.pem"
kill -0 "$master" 2>/dev/null || fail "haproxy exited during the reloads: $(cat "$hp/haproxy.log")"
pass "the haproxy example, built from the installed SDK, installs and renews what haproxy serves"
