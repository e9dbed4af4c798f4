#!/usr/bin/env bash
# Fault containment against Pebble: plugins that crash (SIGSEGV), exit(), hang, or crash in an
# ELF constructor (tests/fixtures/plugins/misbehave.c, on CERTBOT_PLUGIN_PATH next to the real
# plugins) never stop --help, `certificates`, `plugins`, or the renewal of lineages that do not
# use them:
#   - `renew --force-renewal --plugin-timeout 3` over four lineages (webroot, crash-segv,
#     crash-exit, hang): the webroot one renews, each other fails with a line naming its plugin,
#     the call and the signal/exit status/timeout; cleanup ran for the failed ones; the post-hook
#     ran; the summary lists both kinds; exit status 4 (partial); no new archive version for the
#     failed lineages;
#     the plugins run in the lean plugin-runner program of the build;
#   - a certbot beside a plugin-runner of another build renews, running the plugin in its own
#     binary, and -v says why once;
#   - `renew` of the hang lineage (default time limit) ended by SIGTERM finishes within seconds,
#     with cleanup and an "(interrupted)"/failed summary, and saves nothing.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fixtures="$BUILD_DIR/tests/fixtures/misbehaving"
for f in segv exit abort hang ctor; do assert_file "$fixtures/misbehave_$f.so"; done

# Every renewal validates again, so perform really runs.
pebble_prologue --authz-reuse 0
webroot="$ITEST_DIR/www"
serve_webroot "$webroot" 10

# Issue four lineages with webroot, then point three of them at a misbehaving plugin.
for n in good segv exit hang; do
  cb_step "issue-$n" certonly --webroot -w "$webroot" -d "$n.faults.example"
  assert_eq "$RC" 0 "certonly for $n.faults.example (output: $OUT)"
done
export CERTBOT_PLUGIN_PATH="$BUILD_DIR/plugins:$fixtures"
for pair in segv:crash-segv exit:crash-exit hang:hang; do
  conf="$CB_CONFIG/renewal/${pair%%:*}.faults.example.conf"
  sed -i "s/^authenticator = webroot\$/authenticator = ${pair#*:}/" "$conf"
  assert_contains "$(cat "$conf")" "^authenticator = ${pair#*:}\$"
done
# Their renewals use an account that has validated nothing, so Pebble has no authorization to
# reuse (it does 1 time in 100 even with PEBBLE_AUTHZREUSE=0) and perform always runs.
use_fresh_account segv.faults.example exit.faults.example hang.faults.example

# --- commands that need no plugin code ------------------------------------------
rc=0
out=$(timeout 30 "$CERTBOT" --help all 2>&1) || rc=$?
assert_eq "$rc" 0 "certbot --help all with a crashing constructor on the path (output: $out)"
assert_contains "$out" 'webroot'
rc=0
out=$(timeout 30 "$CERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$CB_LOGS" 2>&1) || rc=$?
assert_eq "$rc" 0 "certbot certificates (output: $out)"
assert_contains "$out" 'Certificate Name: hang.faults.example'
rc=0
out=$(timeout 30 "$CERTBOT" plugins --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$CB_LOGS" 2>&1) || rc=$?
assert_eq "$rc" 0 "certbot plugins (output: $out)"
assert_contains "$out" '^\* crash-segv$'
assert_contains "$out" '^\* webroot$'
# Described from its file (docs/plugin-abi.md, "Process model"): its constructor never runs.
assert_contains "$out" '^\* ctor-crash$'
assert_not_contains "$out" 'crashed while loading'
pass "--help, certificates and plugins work with a crashing constructor on the plugin path, which they list without running it"

# --- renew: only the lineages using a broken plugin fail -------------------------
post_marker="$ITEST_DIR/post-hook-ran"
cb_step renew-faults renew --force-renewal --no-random-sleep-on-renew --plugin-timeout 3 \
  --post-hook "echo ran >$post_marker"
assert_eq "$RC" 4 "renew exit status with some lineages failing (output: $OUT)"
assert_contains "$OUT" 'crash-segv plugin .* crashed in perform: .*killed by SIGSEGV'
assert_contains "$OUT" 'crash-exit plugin .* crashed in perform: .*exited with status 3'
assert_contains "$OUT" 'hang plugin .*: perform did not answer within 3 s'
assert_contains "$OUT" 'good\.faults\.example/fullchain\.pem \(success\)'
for n in segv exit hang; do
  assert_contains "$OUT" "$n\\.faults\\.example/fullchain\\.pem \\(failure\\)"
  assert_no_file "$CB_CONFIG/archive/$n.faults.example/cert2.pem"
  assert_contains "$(readlink "$CB_CONFIG/live/$n.faults.example/cert.pem")" 'cert1\.pem$'
done
assert_file "$CB_CONFIG/archive/good.faults.example/cert2.pem"
assert_file "$post_marker"
cleanups=$(cat "$CB_WORK/misbehave-cleanup.log")
for p in crash-segv crash-exit hang; do assert_contains "$cleanups" "^cleanup $p "; done
pass "renew: webroot lineage renewed; segv/exit/hang lineages failed naming plugin and cause; cleanup and post-hook ran; exit 4"
# The plugins ran in the lean runner program of this build (docs/plugin-abi.md, "The runner
# program"), not in a re-executed certbot.
assert_contains "$CB_LOGS/letsencrypt.log" 'Plugin runner: /.*/cli/runner/plugin-runner$'
pass "renew: the plugins ran in the build's cli/runner/plugin-runner"

# --- a runner program of another build is not used -----------------------------------
# A certbot copied beside the plugin-runner of another build (docs/plugin-abi.md, "Same build
# only"): this build's runner with another identity in its bytes (same length) answers as a
# runner of that build would. certbot runs the plugin in its own binary, renews, and says so once.
other="$ITEST_DIR/other-build"
mkdir -p "$other/cli/runner"
cp "$CERTBOT" "$other/cli/certbot"
: >"$other/CMakeCache.txt" # a build tree: certbot looks for cli/runner/plugin-runner beside it
id=$(grep -aom1 'certbot-native [0-9.]* [0-9a-f]\{16\}' "$BUILD_DIR/cli/runner/plugin-runner") ||
  fail "no build identity in $BUILD_DIR/cli/runner/plugin-runner"
LC_ALL=C sed "s/$id/${id% *} 0000000000000000/" "$BUILD_DIR/cli/runner/plugin-runner" \
  >"$other/cli/runner/plugin-runner"
chmod 755 "$other/cli/runner/plugin-runner"
cmp -s "$BUILD_DIR/cli/runner/plugin-runner" "$other/cli/runner/plugin-runner" &&
  fail "the identity in the copied runner was not replaced"
CERTBOT="$other/cli/certbot" cb_step other-build renew --force-renewal --no-random-sleep-on-renew \
  --cert-name good.faults.example -v
assert_eq "$RC" 0 "renew with a runner of another build (output: $OUT)"
assert_contains "$OUT" "Plugin runner: $other/cli/runner/plugin-runner\$"
fallback="Plugin runner: certbot's own binary \\(/proc/self/exe\\); $other/cli/runner/plugin-runner is from another build: it is \"${id% *} 0000000000000000\", this certbot \"$id\""
assert_contains "$OUT" "$fallback"
assert_eq "$(grep -c "Plugin runner: certbot's own binary" <<<"$OUT")" 1 "fallback lines (output: $OUT)"
assert_file "$CB_CONFIG/archive/good.faults.example/cert3.pem"
pass "renew: a plugin-runner of another build was not used; certbot ran the plugin itself and said so once"

# --- SIGTERM while a plugin call is blocked ---------------------------------------
: >"$CB_WORK/misbehave-cleanup.log"
mapfile -t common < <(cb_common_args)
orders_before=$(pebble_orders)
itest_log "renew under SIGTERM" "$ITEST_DIR/sigterm.out"
"$CERTBOT" renew --force-renewal --no-random-sleep-on-renew --cert-name hang.faults.example \
  "${common[@]}" >"$ITEST_DIR/sigterm.out" 2>&1 &
pid=$!
# Wait for the order (then perform starts and blocks), at most 30 s.
for ((i = 0; i < 300; i++)); do
  (($(pebble_orders) > orders_before)) && break
  sleep 0.1
done
sleep 1
kill -0 "$pid" 2>/dev/null || fail "renew ended before SIGTERM: $(cat "$ITEST_DIR/sigterm.out")"
start=$(date +%s%N)
kill -TERM "$pid"
rc=0
for ((i = 0; i < 150; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "renew still running 15 s after SIGTERM"; }
wait "$pid" || rc=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
out=$(cat "$ITEST_DIR/sigterm.out")
assert_eq "$rc" 1 "renew exit status after SIGTERM (output: $out)"
((took_ms < 5000)) || fail "renew took ${took_ms} ms to end after SIGTERM"
assert_contains "$out" 'hang plugin .*: perform interrupted'
assert_contains "$(cat "$CB_WORK/misbehave-cleanup.log")" '^cleanup hang hang\.faults\.example$'
assert_no_file "$CB_CONFIG/archive/hang.faults.example/cert2.pem"
pass "renew ended ${took_ms} ms after SIGTERM with the plugin blocked; cleanup ran; nothing saved"
