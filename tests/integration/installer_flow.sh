#!/usr/bin/env bash
# The host's installer flow (run, install, enhance, rollback, renew) against Pebble, with the
# standalone authenticator and the fakeinst fixture installer (tests/fixtures/installer), which
# records every call in <work-dir>/fakeinst/calls.log and keeps a fake server configuration
# with checkpoints in <work-dir>/fakeinst/server.conf. No web server needed.
#   1. run -a standalone -i fakeinst: the call sequence certbot makes, redirect by default,
#      installer = fakeinst in the renewal conf; a repeat run reinstalls without an order;
#   2. failures: config_test and restart fail -> rolled back byte for byte, exit 1, error says
#      restored; an invalid configuration from the start and an unsupported --redirect are
#      refused before any order;
#   3. plugin choice and names: -n without -d names -d; --force-interactive offers the
#      installer's names as a numbered list; -i alone and --standalone alone are refused;
#      run --cert-name without -d takes the certificate's names;
#   4. install --cert-name / --cert-path --key-path, enhance, rollback --checkpoints N;
#   5. renew --force-renewal restarts the installer once, without deploy_cert, with the
#      installer options stored in the renewal conf.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAKEINST_DIR="$BUILD_DIR/tests/fixtures/installer"
[[ -f "$FAKEINST_DIR/fakeinst.so" ]] || fail "$FAKEINST_DIR/fakeinst.so is not built"
export CERTBOT_PLUGIN_PATH="$BUILD_DIR/plugins:$FAKEINST_DIR"

pebble_prologue
calls="$CB_WORK/fakeinst/calls.log"
conf="$CB_WORK/fakeinst/server.conf"

# run_ours NAME ARGS...: cb_run our binary, output to $ITEST_DIR/NAME.out.
run_ours() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  cb_run "$CERTBOT" "$@" --register-unsafely-without-email >"$ITEST_DIR/$name.out" 2>&1
}
# calls_of NAME ARGS...: run_ours with a fresh calls.log; prints nothing, returns the status.
calls_of() {
  rm -f "$calls"
  run_ours "$@"
}
# refused NAME STATUS PATTERN ARGS...: calls_of NAME ARGS... must exit with STATUS and print a
# line matching PATTERN.
refused() {
  local name=$1 want=$2 pattern=$3 rc=0
  shift 3
  calls_of "$name" "$@" || rc=$?
  assert_eq "$rc" "$want" "exit status of certbot $*"
  assert_contains "$ITEST_DIR/$name.out" "$pattern"
}
pebble_orders() {
  local log="" f
  for f in "$ITEST_DIR"/pebble/pebble.*.log; do log=$f; done
  grep -c 'Added order' "$log" || true
}
live="$CB_CONFIG/live/a.example"
sa=(-a standalone --http-01-port "$HTTP01_PORT")

# --- 1. run ---------------------------------------------------------------------------
calls_of run1 run "${sa[@]}" -i fakeinst -d a.example -d www.a.example ||
  fail "run failed: $(cat "$ITEST_DIR/run1.out")"
expected="create
recovery_routine
get_all_names
config_test
supported_enhancements
create
deploy_cert a.example $live/cert.pem $live/privkey.pem $live/chain.pem $live/fullchain.pem
deploy_cert www.a.example $live/cert.pem $live/privkey.pem $live/chain.pem $live/fullchain.pem
save Deployed ACME Certificate 0
enhance a.example redirect -
enhance www.a.example redirect -
save Add enhancement redirect 0
config_test
restart"
assert_eq "$(cat "$calls")" "$expected" "installer calls of run"
assert_cert_sans "$live/cert.pem" a.example www.a.example
soft assert_contains "$CB_CONFIG/renewal/a.example.conf" '^installer = fakeinst$'
soft assert_contains "$CB_CONFIG/renewal/a.example.conf" '^authenticator = standalone$'
soft assert_contains "$ITEST_DIR/run1.out" 'Congratulations! You have successfully enabled HTTPS on https://a\.example, https://www\.a\.example'
soft_done
pass "run: deploy per domain, save, redirect by default, config_test, restart; installer in the renewal conf"

orders=$(pebble_orders)
calls_of run2 run "${sa[@]}" -i fakeinst -d a.example -d www.a.example --no-redirect ||
  fail "repeat run failed: $(cat "$ITEST_DIR/run2.out")"
assert_eq "$(pebble_orders)" "$orders" "orders after a repeat run (not yet due)"
assert_contains "$ITEST_DIR/run2.out" 'reinstalling the existing certificate a\.example'
assert_not_contains "$calls" '^enhance'
assert_contains "$calls" '^deploy_cert www\.a\.example '
pass "repeat run: no new order, the existing certificate is reinstalled; --no-redirect"

# --- 2. failures ------------------------------------------------------------------------
cp "$conf" "$ITEST_DIR/conf.before"
refused fail_test 1 'config_test failed.*previous fakeinst configuration was restored' \
  run "${sa[@]}" -i fakeinst -d b.example --fakeinst-fail config_test
soft assert_eq "$(tail -n 3 "$calls")" "config_test
recovery_routine
rollback_checkpoints 2" "calls after the failed config test"
soft assert_not_contains "$calls" '^restart'
cmp -s "$conf" "$ITEST_DIR/conf.before" || fail "server.conf changed after a failed config test"
soft assert_file "$CB_CONFIG/live/b.example/cert.pem"
soft assert_contains "$ITEST_DIR/fail_test.out" "it is saved in $CB_CONFIG/live/b.example"
soft_done
pass "config_test failure: both checkpoints rolled back, server.conf byte for byte, exit 1"

refused fail_restart 1 'restart failed.*previous fakeinst configuration was restored' \
  install -i fakeinst --cert-name b.example --fakeinst-fail restart
soft assert_eq "$(tail -n 4 "$calls")" "restart
recovery_routine
rollback_checkpoints 2
restart" "calls after the failed restart"
cmp -s "$conf" "$ITEST_DIR/conf.before" || fail "server.conf changed after a failed restart"
soft_done
pass "restart failure: rolled back and restarted with the old configuration"

orders=$(pebble_orders)
refused invalid 1 'The fakeinst configuration is invalid before any change \(fakeinst: config_test-always failed' \
  run "${sa[@]}" -i fakeinst -d c.example --fakeinst-fail config_test-always
assert_eq "$(cat "$calls")" "create fail=config_test-always
recovery_routine
get_all_names
config_test" "calls when the configuration is invalid from the start"
refused unsupported 2 '--redirect is not supported by the fakeinst installer' \
  run "${sa[@]}" -i fakeinst -d c.example --redirect --fakeinst-enhancements ensure-http-header
assert_eq "$(pebble_orders)" "$orders" "orders after a refused enhancement"
pass "an invalid configuration and an unsupported, explicitly requested enhancement are refused before any order"

# --- 3. plugin choice and names ------------------------------------------------------------
refused no_d 2 'No domain names given: name them with -d/--domains' \
  run "${sa[@]}" -i fakeinst

refused only_i 2 'No authenticator chosen for run: add -a/--authenticator' \
  run -i fakeinst -d a.example
refused only_a 2 'you probably want the certonly command' run --standalone -d a.example

rm -f "$calls"
# 1 2: the names; 1: keep the certificate a.example already has for them (certbot's
# "Keep / Renew & replace" menu, asked on a terminal).
out=$(printf '1 2\n1\n' | timeout 60 "$CERTBOT" run "${sa[@]}" -i fakeinst --force-interactive \
  --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" \
  --server "$PEBBLE_DIR_URL" --agree-tos --no-redirect 2>&1) || fail "interactive run failed: $out"
assert_contains "$out" '^1: a\.example$'
assert_contains "$out" '^2: www\.a\.example$'
assert_contains "$out" '^3: b\.example$'
assert_contains "$out" 'Keep the existing certificate for now'
assert_not_contains "$out" 'localhost|192\.0\.2\.1|wild'
assert_eq "$(grep -c '^deploy_cert' "$calls")" 2 "names deployed after choosing 1 and 2"
assert_contains "$calls" '^deploy_cert www\.a\.example '
pass "no -d: -n names -d; on a terminal the installer's names are offered as a numbered list"

calls_of by_name run "${sa[@]}" -i fakeinst --cert-name b.example --no-redirect ||
  fail "run --cert-name without -d failed: $(cat "$ITEST_DIR/by_name.out")"
assert_eq "$(grep '^deploy_cert' "$calls" | cut -d' ' -f2)" "b.example" "names deployed for --cert-name b.example"
pass "run --cert-name without -d uses the certificate's names"

# --- 4. install, enhance, rollback -----------------------------------------------------------
refused no_cert 2 'Cannot read .*/missing\.pem \(--cert-path\)' install -i fakeinst \
  --cert-path "$ITEST_DIR/missing.pem" --key-path "$live/privkey.pem" -d a.example
refused no_paths 2 'name it with --cert-name, or give --cert-path and --key-path' install -i fakeinst
calls_of paths install -i fakeinst --cert-path "$CB_CONFIG/live/../live/a.example/cert.pem" \
  --key-path "$live/privkey.pem" --fullchain-path "$live/fullchain.pem" -d www.a.example --no-redirect ||
  fail "install with --cert-path/--key-path failed: $(cat "$ITEST_DIR/paths.out")"
assert_eq "$(grep '^deploy_cert' "$calls")" \
  "deploy_cert www.a.example $live/cert.pem $live/privkey.pem - $live/fullchain.pem" \
  "deploy_cert with explicit paths (normalised, no chain)"
pass "install --cert-path/--key-path: paths normalised, a missing file or no certificate at all refused"

cp "$conf" "$ITEST_DIR/conf.0"
calls_of install install -i fakeinst --cert-name a.example --hsts --no-redirect ||
  fail "install failed: $(cat "$ITEST_DIR/install.out")"
soft assert_contains "$calls" "^deploy_cert a\\.example $live/cert\\.pem "
soft assert_contains "$calls" '^enhance www\.a\.example ensure-http-header Strict-Transport-Security$'
soft assert_contains "$calls" '^save Add enhancement Strict-Transport-Security 0$'
soft_done
cp "$conf" "$ITEST_DIR/conf.1"
calls_of enhance enhance -i fakeinst --cert-name a.example --uir --staple-ocsp ||
  fail "enhance failed: $(cat "$ITEST_DIR/enhance.out")"
soft assert_contains "$calls" "^enhance a\\.example staple-ocsp $live/chain\\.pem$"
soft assert_contains "$calls" '^enhance a\.example ensure-http-header Upgrade-Insecure-Requests$'
soft assert_not_contains "$calls" '^deploy_cert|redirect'
soft assert_eq "$(head -n 2 "$calls")" "create
recovery_routine" "enhance starts with recovery_routine"
soft_done
calls_of declined enhance -i fakeinst --cert-name a.example --staple-ocsp \
  --fakeinst-decline staple-ocsp || fail "a declined enhancement failed: $(cat "$ITEST_DIR/declined.out")"
soft assert_contains "$ITEST_DIR/declined.out" 'staple-ocsp not applied to a\.example'
soft assert_not_contains "$calls" '^save'
soft assert_contains "$calls" '^restart$'
soft_done
refused enhance_none 2 'No enhancements requested' enhance -i fakeinst --cert-name a.example
refused enhance_nocert 2 'name it with --cert-name' enhance -i fakeinst --hsts

calls_of rollback2 rollback -i fakeinst --checkpoints 2 || fail "rollback failed: $(cat "$ITEST_DIR/rollback2.out")"
assert_eq "$(tail -n 2 "$calls")" "rollback_checkpoints 2
restart" "calls of rollback"
cmp -s "$conf" "$ITEST_DIR/conf.1" || fail "rollback --checkpoints 2 did not restore the state after install"
refused rollback_which 2 'Name it with -i/--installer \(one of .*fakeinst' rollback --checkpoints 2
cmp -s "$conf" "$ITEST_DIR/conf.1" || fail "a refused rollback changed server.conf"
CERTBOT_PLUGIN_PATH=$FAKEINST_DIR calls_of rollback_default rollback --checkpoints 2 ||
  fail "rollback with the only installer failed: $(cat "$ITEST_DIR/rollback_default.out")"
cmp -s "$conf" "$ITEST_DIR/conf.0" || fail "rollback --checkpoints 2 did not restore the state before install"
refused rollback_many 1 'only [0-9]+ checkpoints' rollback -i fakeinst --checkpoints 999
pass "install --cert-name, enhance (--uir, --staple-ocsp with chain.pem), rollback --checkpoints restores byte for byte"

# --- 5. renew ------------------------------------------------------------------------------
rm -f "$calls"
run_ours renew renew --cert-name a.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew failed: $(cat "$ITEST_DIR/renew.out")"
assert_file "$CB_CONFIG/archive/a.example/cert2.pem"
assert_eq "$(grep -v '^create$' "$calls")" "restart" "installer calls during renew"
assert_contains "$ITEST_DIR/renew.out" 'Reloading fakeinst server after certificate renewal'
# b.example was obtained with --fakeinst-fail config_test: the installer's option is stored
# and handed to the installer again on renewal.
assert_contains "$CB_CONFIG/renewal/b.example.conf" '^fakeinst_fail = config_test$'
assert_not_contains "$CB_CONFIG/renewal/a.example.conf" '^fakeinst_'
rm -f "$calls"
run_ours renew_b renew --cert-name b.example --force-renewal --no-random-sleep-on-renew ||
  fail "renew of b.example failed: $(cat "$ITEST_DIR/renew_b.out")"
assert_eq "$(cat "$calls")" "create fail=config_test
restart" "installer calls when renewing b.example"
rm -f "$calls"
run_ours renew_dry renew --cert-name a.example --dry-run --no-random-sleep-on-renew ||
  fail "renew --dry-run failed: $(cat "$ITEST_DIR/renew_dry.out")"
assert_no_file "$calls"
pass "renew restarts the lineage's installer once (no deploy_cert) with its stored options, not on --dry-run"
