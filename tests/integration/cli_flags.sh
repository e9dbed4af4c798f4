#!/usr/bin/env bash
# Flags refused out loud, before any request, with certbot's words (Debian's certbot 2.1 as the
# oracle where it gives the same answer offline):
#   --staging with another --server (also from cli.ini); --dry-run outside certonly/renew;
#   abbreviated long options (unique prefixes work, ambiguous ones are refused);
#   -d before the first of several -w; a plugin that is not installed, by selector and by -a;
#   a plugin built for another ABI major, by name with both versions.
# Then, against Pebble: --force-renew/--agree/--preferred-challenge abbreviations do their job,
# and --staging with Let's Encrypt's production URL never reaches it (unit-tested in
# core/config_test.cpp: the URL choice itself).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
[[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT is not installed"
certbot_dirs
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")
dead_server=https://127.0.0.1:9/dir

# refused NAME PATTERN ARGS...: our certbot exits 2 with one line matching PATTERN.
refused() {
  local name=$1 pattern=$2
  shift 2
  local rc=0 out
  out=$(timeout --kill-after=5 30 "$CERTBOT" "$@" "${dirs[@]}" 2>&1 </dev/null) || rc=$?
  assert_eq "$rc" 2 "$name: exit status (output: $out)"
  assert_eq "$(grep -c . <<<"$out")" 1 "$name: lines of output (output: $out)"
  assert_contains "$out" "$pattern"
  pass "$name: $out"
}
# python_says PATTERN ARGS...: Debian's certbot refuses ARGS with PATTERN too.
python_says() {
  local pattern=$1
  shift
  local out
  out=$(timeout --kill-after=5 60 "$PYCERTBOT" "$@" --config-dir "$ITEST_DIR/py/c" \
    --work-dir "$ITEST_DIR/py/w" --logs-dir "$ITEST_DIR/py/l" 2>&1 </dev/null) && fail "Python certbot accepted $*"
  assert_contains "$out" "$pattern"
}

# --- test servers ---------------------------------------------------------------------------
refused staging_server '^--server value conflicts with --staging$' \
  certonly --staging --server "$dead_server" -d a.example --standalone -n --agree-tos
python_says '--server value conflicts with --staging' \
  certonly --staging --server "$dead_server" -d a.example --standalone -n --agree-tos
refused test_cert_server '^--server value conflicts with --staging$' \
  certonly --test-cert --server "$dead_server" -d a.example --standalone -n --agree-tos
printf 'server = %s\n' "$dead_server" >"$ITEST_DIR/server.ini"
refused staging_server_ini "^--server value conflicts with --staging \\(set in $ITEST_DIR/server.ini:1\\)\$" \
  certonly -c "$ITEST_DIR/server.ini" --staging -d a.example --standalone -n --agree-tos
refused dry_run_run "^--dry-run currently only works with the 'certonly' or 'renew' subcommands \\('run'\\)\$" \
  run --dry-run -d a.example --standalone -n --agree-tos
python_says "--dry-run currently only works with the 'certonly' or 'renew' subcommands" \
  run --dry-run -d a.example --standalone -n --agree-tos

# --- abbreviations ---------------------------------------------------------------------------
refused ambiguous '^ambiguous option: --re could match .*--reinstall.*--renew-hook' \
  certonly --re -d a.example
python_says 'ambiguous option: --re could match' certonly --re -d a.example
refused ambiguous_eq '^ambiguous option: --no-re' certonly --no-re -d a.example

# --- webroot -w/-d ordering ------------------------------------------------------------------
mkdir -p "$ITEST_DIR/w1" "$ITEST_DIR/w2"
refused webroot_order 'one of them must precede all domain flags' \
  certonly --webroot -d a.example -w "$ITEST_DIR/w1" -w "$ITEST_DIR/w2" -d b.example -n --agree-tos
python_says 'one of them must precede all domain flags' \
  certonly --webroot -d a.example -w "$ITEST_DIR/w1" -w "$ITEST_DIR/w2" -d b.example -n --agree-tos

# --- plugins that are not installed ---------------------------------------------------------
# (certbot's plugins, all built here, with a plugin path that has none of them)
mkdir -p "$ITEST_DIR/no-plugins"
CERTBOT_PLUGIN_PATH="$ITEST_DIR/no-plugins" refused no_nsone \
  '^The requested dns-nsone plugin does not appear to be installed: no dns-nsone\.so in ' \
  --dns-nsone -d a.example -n --agree-tos
CERTBOT_PLUGIN_PATH="$ITEST_DIR/no-plugins" refused no_gehirn \
  'The requested dns-gehirn plugin does not appear to be installed.*dns-gehirn\.so.*certbot-native-plugin-dns-gehirn' \
  certonly --dns-gehirn -d a.example -n --agree-tos
CERTBOT_PLUGIN_PATH="$ITEST_DIR/no-plugins" refused no_gehirn_option \
  'The requested dns-gehirn plugin does not appear to be installed' \
  certonly --dns-gehirn-credentials /dev/null -d a.example -n --agree-tos
refused no_plugin_a 'The requested frobnicator plugin does not appear to be installed' \
  certonly -a frobnicator -d a.example -n --agree-tos
# A plugin built for another ABI major (tests/fixtures/plugins/c_plugin.c as wrong_abi.so):
# refused by its name, with both versions, not as "not installed".
CERTBOT_PLUGIN_PATH="$BUILD_DIR/tests/fixtures/plugins" refused newer_abi_major \
  '^The requested wrong-abi plugin \(.*/wrong_abi\.so\) cannot be used: it was built for plugin ABI 99\.[0-9]*; this certbot speaks ABI 1\.0 to 1\.[0-9]* ' \
  certonly -a wrong-abi -d a.example -n --agree-tos
assert_no_file "$CB_CONFIG/accounts"

# --- against Pebble: the abbreviations work as the full names ---------------------------------
pebble_start
serve_webroot "$ITEST_DIR/w1"
RUN_OURS_EXTRA=(--register-unsafely-without-email)
run_ours first certonly --webroot -w "$ITEST_DIR/w1" -d a.example || fail "certonly failed"
run_ours abbrev certonly --webroot -w "$ITEST_DIR/w1" -d a.example --force-renew --agree \
  --preferred-challenge http || fail "certonly with abbreviations failed: $(cat "$ITEST_DIR/abbrev.out")"
assert_file "$CB_CONFIG/archive/a.example/cert2.pem"
assert_contains "$(cat "$CB_CONFIG/renewal/a.example.conf")" '^pref_challs = http-01,$'
pass "--force-renew --agree --preferred-challenge http: renewed, pref_challs stored"

# The log: the command line at the top (the EAB HMAC key masked), and where it is.
run_ours masked certonly --webroot -w "$ITEST_DIR/w1" -d a.example --eab-kid kid-1 \
  --eab-hmac-key c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw || true
assert_contains "$(cat "$ITEST_DIR/masked.out")" "^Saving debug log to $CB_LOGS/letsencrypt.log\$"
log=$(cat "$CB_LOGS/letsencrypt.log")
assert_contains "$log" 'Arguments: certonly --webroot -w .* --eab-hmac-key \*\*\*\*\*'
assert_not_contains "$log" 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw'
pass "the log starts with the command line, secrets masked"
