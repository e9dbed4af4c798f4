#!/usr/bin/env bash
# Command-line basics of our certbot: --version, --help (and a plugin's help
# topic), and usage errors: each bad command line exits 2 with one line that
# names the offending flag or value, before any network access. Finally,
# certonly -n without --agree-tos against Pebble (fresh config dir) refuses,
# naming --agree-tos, and registers no account.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
certbot_dirs
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")
# A server nobody listens on: usage errors must come before any request.
dead_server=https://127.0.0.1:9/dir

# run NAME ARGS...: run our certbot (bounded), stdout+stderr to $ITEST_DIR/NAME.out.
# Sets RC and OUT (the output).
run() {
  local name=$1
  shift
  RC=0
  timeout --kill-after=5 30 "$CERTBOT" "$@" >"$ITEST_DIR/$name.out" 2>&1 </dev/null || RC=$?
  OUT=$(cat "$ITEST_DIR/$name.out")
}

# usage_error NAME PATTERN ARGS...: ARGS exit 2 with exactly one non-empty
# line of output, matching PATTERN.
usage_error() {
  local name=$1 pattern=$2
  shift 2
  run "$name" "$@"
  assert_eq "$RC" 2 "$name: exit status (output: $OUT)"
  assert_eq "$(grep -c . <<<"$OUT")" 1 "$name: lines of output (output: $OUT)"
  assert_contains "$OUT" "$pattern"
  assert_not_contains "$OUT" '[Tt]raceback|terminate called|Aborted'
  pass "$name: exit 2: $OUT"
}

# --- version and help ---------------------------------------------------------------
run version --version
assert_eq "$RC" 0 "--version exit status"
[[ "$OUT" =~ ^certbot\ 2\.1\.0\ \(certbot-native\ [0-9]+\.[0-9]+\.[0-9]+\)$ ]] ||
  fail "--version printed '$OUT', expected 'certbot 2.1.0 (certbot-native X.Y.Z)'"
assert_eq "$(awk '{print $2}' <<<"$OUT")" 2.1.0 "the version field scripts read"
pass "--version: $OUT"

run help --help
assert_eq "$RC" 0 "--help exit status"
assert_contains "$OUT" '^ *certonly +'
assert_contains "$OUT" '^usage:'
pass "--help mentions certonly"

run help_webroot --help webroot
assert_eq "$RC" 0 "--help webroot exit status"
assert_contains "$OUT" '--webroot-path'
assert_contains "$OUT" '--webroot-map'
pass "--help webroot shows --webroot-path"

# --- usage errors ----------------------------------------------------------------------
soft usage_error unknown_flag -- '--no-such-flag' certonly --no-such-flag "${dirs[@]}"
soft usage_error unknown_verb 'frobnicate' frobnicate "${dirs[@]}"
soft usage_error no_domain '(^|[^a-z])-d([^a-z-]|$)|--domains' \
  certonly -n --standalone --agree-tos --server "$dead_server" "${dirs[@]}"
soft usage_error bad_domain 'bad\.\.name' \
  certonly -n --standalone --agree-tos -d 'bad..name' --server "$dead_server" "${dirs[@]}"
soft usage_error bad_key_type 'dsa' \
  certonly -n --standalone --agree-tos -d a.example --key-type dsa --server "$dead_server" "${dirs[@]}"
# Python certbot: "Requested domain  is not a FQDN because it contains an empty label."
soft usage_error empty_label 'empty|,a\.example' \
  certonly -n --standalone --agree-tos -d ',a.example' --server "$dead_server" "${dirs[@]}"
assert_no_file "$CB_CONFIG/accounts"
assert_no_file "$CB_CONFIG/live"

# --- no --agree-tos with -n -----------------------------------------------------------------
pebble_start
certbot_dirs # a fresh config dir: no account yet
run no_tos certonly -n --standalone -d a.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email --server "$PEBBLE_DIR_URL" \
  --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS"
assert_eq "$RC" 2 "certonly -n without --agree-tos: exit status: $OUT"
[[ "$RC" -lt 124 ]] || fail "certonly -n without --agree-tos ended with status $RC"
assert_contains "$OUT" '--agree-tos'
assert_not_contains "$OUT" '[Tt]raceback|terminate called|Aborted'
assert_no_file "$CB_CONFIG/accounts"
assert_no_file "$CB_CONFIG/live/a.example"
pass "certonly -n without --agree-tos: exit $RC, names --agree-tos, no account"

soft_done
