#!/usr/bin/env bash
# Fleet mode (docs/fleet.md) against a real 3-member etcd cluster and Pebble, all on loopback,
# with three nodes (separate config dirs) sharing one webroot served on Pebble's http-01 port
# (fleet_agent.sh tests the agent that serves http-01 answers from every node behind haproxy).
#   1. node a issues; nodes b and c materialise it (`certificates`): same certificate and key,
#      key 0600, renewal conf with their own paths, the account too; no private key in etcd in
#      the clear;
#   2. `renew --force-renewal` started on all three nodes at once orders once, and every node
#      ends with that certificate;
#   3. `fleet status` names the members, the nodes and the lineage's version;
#   4. one etcd member stopped: quorum holds, a renewal goes through and reaches the others;
#   4b. the node renewing a lineage is killed (SIGKILL) in its auth hook, holding the lock: the others skip
#      the lineage until its lease expires, then one of them renews it, resuming the dead node's order;
#   5. a node with a wrong fleet key: a clear error, nothing of the lineage written there;
#   6. quorum lost: renew fails clearly (naming the members), the local files stay as they were;
#   7. bad fleet flags are refused before anything runs.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck source=tests/integration/lib_fleet.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_fleet.bash"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

etcd_cluster_start
pass "3-member etcd cluster up"

# Every renewal orders and validates afresh (section 4b waits in an auth hook).
export PEBBLE_AUTHZREUSE=0
pebble_start
root="$ITEST_DIR/webroot"
mkdir -p "$root"
bg_start "http.server" "$ITEST_DIR/http.log" \
  "$PY" -m http.server --bind 127.0.0.1 --directory "$root" "$HTTP01_PORT"
wait_for_port "$HTTP01_PORT" 10 || fail "http.server did not listen on $HTTP01_PORT"

fleet_keys
for n in a b c w; do make_node "$n"; done

# --- 1. issue on a, materialise on b and c ----------------------------------------------
run_node a issue certonly --webroot -w "$root" -d fleet.example ||
  fail "certonly on node a failed: $(cat "$ITEST_DIR/a-issue.out")"
for n in b c; do
  run_node "$n" sync certificates || fail "certificates on node $n failed: $(cat "$ITEST_DIR/$n-sync.out")"
  assert_contains "$ITEST_DIR/$n-sync.out" "Certificate Name: fleet.example"
  cmp -s "$(conf_of a)/live/fleet.example/fullchain.pem" "$(conf_of "$n")/live/fleet.example/fullchain.pem" ||
    fail "node $n does not have node a's certificate"
  cmp -s "$(conf_of a)/live/fleet.example/privkey.pem" "$(conf_of "$n")/live/fleet.example/privkey.pem" ||
    fail "node $n does not have node a's key"
  assert_file_mode "$(conf_of "$n")/archive/fleet.example/privkey1.pem" 600
  assert_contains "$(conf_of "$n")/renewal/fleet.example.conf" "^archive_dir = $(conf_of "$n")/archive/fleet.example$"
  [[ -n "$(find "$(conf_of "$n")/accounts" -name private_key.json)" ]] || fail "node $n has no account"
done
dump=$(curl -sf -X POST "http://127.0.0.1:${CLIENT[0]}/v3/kv/range" \
  -d "{\"key\":\"$(printf /itest/ | base64)\",\"range_end\":\"$(printf /itest0 | base64)\"}")
values=$(jq -r '.kvs[].value' <<<"$dump" | while read -r v; do base64 -d <<<"$v"; echo; done)
grep -q "PRIVATE KEY" <<<"$values" && fail "a private key is in etcd in the clear"
grep -q "certbot-fleet-sealed-v1:" <<<"$values" || fail "no sealed key in etcd"
pass "issued on node a, materialised on b and c (cert, key 0600, conf, account); keys sealed in etcd"

# --- 2. renew --force-renewal on all three at once: one order -------------------------------
before=$(pebble_orders)
for n in a b c; do
  run_node "$n" renew renew --force-renewal --no-random-sleep-on-renew &
  eval "pid_$n=\$!"
done
rc_all=0
for n in a b c; do
  eval "wait \$pid_$n" || rc_all=1
done
[[ $rc_all -eq 0 ]] || fail "a renew failed: $(cat "$ITEST_DIR"/{a,b,c}-renew.out)"
after=$(pebble_orders)
assert_eq "$((after - before))" 1 "orders for three nodes renewing at once"
for n in a b c; do run_node "$n" sync2 certificates || fail "certificates on $n failed"; done
for n in b c; do
  cmp -s "$(conf_of a)/live/fleet.example/cert.pem" "$(conf_of "$n")/live/fleet.example/cert.pem" ||
    fail "node $n does not have the renewed certificate"
done
assert_eq "$(grep -l 'renewed by another node\|being renewed by' "$ITEST_DIR"/{a,b,c}-renew.out | wc -l)" 2 \
  "nodes that skipped the lineage"
pass "renew --force-renewal on three nodes at once: one order, every node has the new certificate"

# --- 3. fleet status ----------------------------------------------------------------------
run_node a status fleet status || fail "fleet status failed: $(cat "$ITEST_DIR/a-status.out")"
assert_contains "$ITEST_DIR/a-status.out" "etcd members \\(3\\)"
assert_contains "$ITEST_DIR/a-status.out" "fleet.example  version 2"
assert_contains "$ITEST_DIR/a-status.out" "nodes \\(3\\)"
pass "fleet status: members, nodes, lineage version"

# --- 4. one member down: quorum holds ---------------------------------------------------------
bg_stop "${ETCD_PID[0]}"
run_node b renew1 renew --force-renewal --no-random-sleep-on-renew ||
  fail "renew with one member down failed: $(cat "$ITEST_DIR/b-renew1.out")"
run_node c sync3 certificates || fail "certificates on c with one member down failed"
cmp -s "$(conf_of b)/live/fleet.example/cert.pem" "$(conf_of c)/live/fleet.example/cert.pem" ||
  fail "node c did not get node b's renewal with one member down"
pass "one etcd member stopped: renewal on b reached c"

# --- 4b. the renewing node is killed mid-order: another node takes over once its lease expires ---
lock_b64=$(printf /itest/lock/fleet.example | base64 -w0)
lock_held() {
  curl -sf --max-time 2 -X POST "http://127.0.0.1:${CLIENT[1]}/v3/kv/range" \
    -d "{\"key\":\"$lock_b64\"}" | grep -q '"kvs"'
}
# Node a takes b's version first: a renew run that materialises a version does not renew it.
run_node a sync5 certificates || fail "certificates on a failed"
# The kill must land while a holds the lock: node a renews with a manual auth hook that marks
# that it started (a takes the lock before it orders) and then waits, so the kill always comes
# mid-order, whatever the machine's load.
# (It writes no answer: the dead node's files are its own, not in the webroot b writes to.)
cat >"$ITEST_DIR/slow-auth.sh" <<HOOK
#!/bin/sh
touch "$ITEST_DIR/slow-auth.started"
exec sleep 60
HOOK
chmod +x "$ITEST_DIR/slow-auth.sh"
# Pebble runs with PEBBLE_AUTHZREUSE=0 but still reuses a valid authorization 1 time in 100: then
# no hook runs and the renewal just completes; that run is tried again (at most 3).
for attempt in 1 2 3; do
  rm -f "$ITEST_DIR/slow-auth.started"
  before=$(pebble_orders)
  run_node a killed renew --force-renewal --no-random-sleep-on-renew \
    --manual --manual-auth-hook "$ITEST_DIR/slow-auth.sh" &
  killed_job=$!
  for ((i = 0; i < 1200; i++)); do
    [[ -e "$ITEST_DIR/slow-auth.started" ]] && break
    kill -0 "$killed_job" 2>/dev/null || break
    sleep 0.05
  done
  [[ -e "$ITEST_DIR/slow-auth.started" ]] && break
  wait "$killed_job" || fail "node a's renewal failed before its auth hook: $(cat "$ITEST_DIR/a-killed.out")"
  echo "attempt $attempt: Pebble reused the authorization, no auth hook ran; again"
  run_node a "sync-retry$attempt" certificates || fail "certificates on a failed"
done
[[ -e "$ITEST_DIR/slow-auth.started" ]] ||
  fail "node a's renewal never reached its auth hook: $(cat "$ITEST_DIR/a-killed.out")"
lock_held || fail "node a is in its auth hook but holds no lock on fleet.example"
# run_ours runs `timeout certbot ...` in this background subshell: kill certbot itself.
timeout_pid=$(pgrep -P "$killed_job" | head -n1 || true)
certbot_pid=$([[ -n "$timeout_pid" ]] && pgrep -P "$timeout_pid" -x certbot | head -n1 || true)
caught=0
[[ -n "$certbot_pid" ]] && kill -KILL "$certbot_pid" && caught=1
((caught)) || fail "could not find node a's certbot process to kill"
wait "$killed_job" || true
pkill -f "$ITEST_DIR/slow-auth.sh" || true
run_node b during renew --force-renewal --no-random-sleep-on-renew ||
  fail "renew on b while a's lock stands failed: $(cat "$ITEST_DIR/b-during.out")"
# Killed before it published: b must leave the lineage to the lock holder.
assert_contains "$ITEST_DIR/b-during.out" "being renewed by"
deadline=$((SECONDS + 90))
while lock_held; do
  ((SECONDS < deadline)) || fail "the killed node's lock did not expire within 90 s"
  sleep 1
done
run_node b takeover renew --force-renewal --no-random-sleep-on-renew ||
  fail "renew on b after a was killed failed: $(cat "$ITEST_DIR/b-takeover.out")"
run_node c sync4 certificates || fail "certificates on c failed"
cmp -s "$(conf_of b)/live/fleet.example/cert.pem" "$(conf_of c)/live/fleet.example/cert.pem" ||
  fail "node c did not get the certificate of the node that took over"
# The killed node's order was pending (killed before it answered its challenge): b resumes it.
assert_contains "$ITEST_DIR/b-takeover.out" "Resuming the unfinished order"
assert_eq "$(($(pebble_orders) - before))" 1 "orders after a node was killed mid-order (b resumes a's)"
pass "renewing node killed mid-order holding the lock: b skipped it until the lease expired, then resumed its order"

# --- 5. a wrong fleet key -------------------------------------------------------------------
NODE_KEY=$ITEST_DIR/wrong.key run_node w wrong certificates || true
assert_contains "$ITEST_DIR/w-wrong.out" "fleet key differs"
assert_no_file "$(conf_of w)/renewal/fleet.example.conf"
assert_no_file "$(conf_of w)/live/fleet.example"
pass "wrong fleet key: a clear error, nothing written"

# --- 6. quorum lost --------------------------------------------------------------------------
bg_stop "${ETCD_PID[1]}"
sum_before=$(sha256sum "$(conf_of a)"/live/fleet.example/*.pem)
rc=0
CB_TIMEOUT=90 run_node a noquorum renew --force-renewal --no-random-sleep-on-renew || rc=$?
[[ $rc -ne 0 ]] || fail "renew without etcd quorum succeeded"
assert_contains "$ITEST_DIR/a-noquorum.out" "etcd"
sum_after=$(sha256sum "$(conf_of a)"/live/fleet.example/*.pem)
assert_eq "$sum_after" "$sum_before" "node a's live files after a failed renew without quorum"
pass "quorum lost: renew fails (exit $rc) naming etcd, local files unchanged"

# --- 7. bad flags --------------------------------------------------------------------------
expect_bad() {
  local name=$1 want=$2
  shift 2
  local out rc=0
  out=$(CB_CONFIG=${NODE_BASE[a]}/config cb_run "$CERTBOT" certificates "$@" 2>&1) || rc=$?
  assert_eq "$rc" 2 "exit status of $name"
  grep -qF -- "$want" <<<"$out" || fail "$name: expected '$want' in: $out"
}
expect_bad "key without etcd" "--fleet-key is a fleet-mode option" --fleet-key "$ITEST_DIR/fleet.key"
expect_bad "etcd without key" "--fleet-etcd needs --fleet-key" --fleet-etcd "$ENDPOINTS"
chmod 644 "$ITEST_DIR/wrong.key"
expect_bad "readable key" "chmod 600" --fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/wrong.key"
expect_bad "bad prefix" "--fleet-prefix" --fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/fleet.key" --fleet-prefix nope
rc=0
out=$(CB_CONFIG=${NODE_BASE[a]}/config cb_run "$CERTBOT" delete --cert-name fleet.example \
  --fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/fleet.key" 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of delete with --fleet-etcd (a command fleet mode does not cover)"
grep -qF -- "--fleet-etcd is not supported with \`delete\`" <<<"$out" || fail "delete --fleet-etcd: $out"
assert_file "${NODE_BASE[a]}/config/renewal/fleet.example.conf"
pass "bad fleet flags refused with exit 2; a fleet flag on delete is refused, not ignored"
