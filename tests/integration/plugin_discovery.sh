#!/usr/bin/env bash
# Plugin discovery from the CLI: `certbot plugins` lists the build tree's
# webroot and standalone plugins with their files; CERTBOT_PLUGIN_PATH replaces
# the search path: an empty directory leaves --webroot unavailable (exit 2,
# message naming the plugin and the directory), and a non-ELF "junk.so" next
# to a copied webroot.so is skipped with one line while webroot still loads.
# No server needed: every case fails or ends before any network access.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
unset CERTBOT_PLUGIN_PATH
certbot_dirs
local_args=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")

# plugin_file OUTPUT NAME: the "File:" line of plugin NAME in `certbot plugins` OUTPUT.
plugin_file() {
  awk -v want="* $2" '$0 == want {inside = 1; next} /^\* / {inside = 0}
    inside && /^File: / {sub(/^File: /, ""); print; exit}' <<<"$1"
}

# --- the default search path (the build tree) ----------------------------------------
out=$("$CERTBOT" plugins "${local_args[@]}" 2>&1) || fail "certbot plugins failed: $out"
for p in webroot standalone; do
  assert_contains "$out" "^\\* $p\$"
  file=$(plugin_file "$out" "$p")
  [[ "$file" == /*/"$p.so" ]] || fail "plugin $p: File is '$file', expected an absolute path to $p.so"
  assert_file "$file"
  [[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" == '177ELF' ]] || fail "$file is not an ELF file"
done
assert_contains "$out" 'Challenges: http-01'
assert_not_contains "$out" '[Ss]kipped'
pass "certbot plugins lists webroot and standalone with their .so files"

# --- an empty plugin directory -------------------------------------------------------
empty="$ITEST_DIR/no-plugins"
mkdir -p "$empty"
rc=0
out=$(CERTBOT_PLUGIN_PATH=$empty timeout 30 "$CERTBOT" certonly --webroot -w "$ITEST_DIR" \
  -d a.example -n --agree-tos --register-unsafely-without-email \
  --server https://127.0.0.1:9/dir "${local_args[@]}" 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of certonly --webroot without the webroot plugin (output: $out)"
soft assert_contains "$out" 'webroot'
soft assert_contains "$out" "$empty"
assert_no_file "$CB_CONFIG/accounts"
pass "no webroot plugin in $empty: exit 2 (message checked softly)"

rc=0
out=$(CERTBOT_PLUGIN_PATH=$empty timeout 30 "$CERTBOT" plugins "${local_args[@]}" 2>&1) || rc=$?
assert_not_contains "$out" '^\* '
assert_contains "$out" "No plugins found in $empty"
# Separator lines come one per line (not glued together when the list is empty).
soft assert_not_contains "$out" '- -- -'
pass "certbot plugins with an empty path lists nothing (exit $rc)"

# --- a copied webroot.so next to a non-ELF junk.so -----------------------------------------
some="$ITEST_DIR/some-plugins"
mkdir -p "$some"
default_webroot=$(plugin_file "$("$CERTBOT" plugins "${local_args[@]}" 2>&1)" webroot)
cp "$default_webroot" "$some/webroot.so"
printf 'this is not a shared object\n' >"$some/junk.so"
out=$(CERTBOT_PLUGIN_PATH=$some timeout 30 "$CERTBOT" plugins "${local_args[@]}" 2>&1) ||
  fail "certbot plugins with junk.so failed: $out"
assert_contains "$out" '^\* webroot$'
assert_eq "$(plugin_file "$out" webroot)" "$some/webroot.so" "webroot plugin file"
assert_not_contains "$out" '^\* standalone$'
assert_eq "$(grep -c 'junk\.so' <<<"$out")" 1 "lines naming junk.so"
assert_contains "$out" "$some/junk\\.so.*not an ELF shared object"
assert_contains "$out" '[Ss]kipped.*junk\.so'
pass "junk.so skipped with one line, the copied webroot.so still listed"

# --- typed options (plugin ABI 1.3): help shows metavar and default; bad values refused --
out=$(timeout 30 "$CERTBOT" --help dns-cloudflare "${local_args[@]}" 2>&1) ||
  fail "--help dns-cloudflare failed: $out"
assert_contains "$out" '--dns-cloudflare-propagation-seconds DNS_CLOUDFLARE_PROPAGATION_SECONDS'
assert_contains "$out" 'record\. \(default: 10\)'
out=$(timeout 30 "$CERTBOT" --help all "${local_args[@]}" 2>&1) || fail "--help all failed: $out"
assert_contains "$out" '-w WEBROOT_PATH, --webroot-path WEBROOT_PATH'
assert_contains "$out" '--nginx-server-root NGINX_SERVER_ROOT'
pass "--help shows a typed plugin option's metavar and default"
# An int given on the command line is checked as it is parsed, whichever plugin is used
# (argparse's type=int): one line naming the flag and the plugin, exit 2, nothing ordered.
run_ours_expect 2 typed-int certonly --standalone -d a.example -n --agree-tos \
  --register-unsafely-without-email --server https://127.0.0.1:9/dir \
  --dns-cloudflare-propagation-seconds soon
assert_contains "$ITEST_DIR/typed-int.out" \
  "The dns-cloudflare plugin's --dns-cloudflare-propagation-seconds takes a whole number, not \"soon\""
assert_no_file "$CB_CONFIG/accounts"
# A required option the plugin in use lacks: refused before anything is ordered, exit 1 as
# certbot's "Missing command line flag or config entry" (the dns_* tests check the same).
run_ours_expect 1 typed-required certonly --dns-cloudflare -d a.example -n --agree-tos \
  --register-unsafely-without-email --server https://127.0.0.1:9/dir
assert_contains "$ITEST_DIR/typed-required.out" \
  'The dns-cloudflare plugin needs --dns-cloudflare-credentials DNS_CLOUDFLARE_CREDENTIALS'
assert_no_file "$CB_CONFIG/accounts"
pass "typed options: a bad int and a missing required option fail naming the flag and plugin"

soft_done
