#!/usr/bin/env bash
# `certbot fleet agent` (docs/fleet.md) behind a real load balancer: a 3-member etcd cluster,
# Pebble, three nodes each with its own nginx serving its own webroot on its own loopback port,
# and haproxy on Pebble's http-01 port in front of them: round-robin over nodes b and c, node a
# only as a backup server, so a validation never reaches node a, the node that orders.
#   1. agents on a, b, c register (`fleet status` lists them); `fleet agent` without a webroot
#      is refused;
#   2. node a runs certonly --webroot with its own webroot: it publishes the answer, waits for the
#      three agents to serve it, and the CA's validation, sent by haproxy to b or c, succeeds;
#      the answers are withdrawn from every webroot and from etcd afterwards;
#   3. the agents on b and c materialise the new lineage with no certbot run, and b's deploy hook
#      runs for it;
#   3b. certonly for the same new names on b and c at once: one order (the lineage lock);
#   4. node b renews (force): validated through haproxy again; a's and c's agents take the new
#      version;
#   4b. with the load balancer gone, a renewal on c fails: `fleet status` shows it;
#   5. what etcd holds is untrusted: a key that is not a token, or an answer that is not a key
#      authorization, is refused by every agent, nothing is written;
#   6. an agent stopped with SIGTERM withdraws its registration (its lease is revoked).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_fleet.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_fleet.bash"

NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
[[ -f "$BUILD_DIR/plugins/webroot.so" ]] || fail "$BUILD_DIR/plugins/webroot.so is not built"
[[ -x "$NGINX_BIN" ]] || skip "nginx is not installed"
command -v haproxy >/dev/null || skip "haproxy is not installed (apt-get install haproxy)"

etcd_cluster_start
pass "3-member etcd cluster up"
export PEBBLE_AUTHZREUSE=0
pebble_start
fleet_keys
for n in a b c; do make_node "$n"; done

# --- one nginx per node, haproxy in front -------------------------------------------------
declare -A PORT ROOT NGXDIR
for n in a b c; do
  d="$ITEST_DIR/nginx-$n"
  NGXDIR[$n]=$d
  ROOT[$n]="$d/root"
  PORT[$n]=$(free_port)
  mkdir -p "$d/tmp" "${ROOT[$n]}"
  cat >"$d/nginx.conf" <<CONF
# node $n's web server (an integration test's private nginx)
user root;
pid $d/nginx.pid;
error_log $d/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:${PORT[$n]};
        root ${ROOT[$n]};
    }
}
CONF
  bg_start "nginx $n" "$d/nginx.out" "$NGINX_BIN" -c "$d/nginx.conf" -g 'daemon off;'
  itest_log "nginx $n access.log" "$d/access.log"
done
cat >"$ITEST_DIR/haproxy.cfg" <<CONF
# the load balancer on the http-01 port Pebble validates through
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend http01
    bind 127.0.0.1:$HTTP01_PORT
    default_backend nodes
backend nodes
    balance roundrobin
    server b 127.0.0.1:${PORT[b]}
    server c 127.0.0.1:${PORT[c]}
    server a 127.0.0.1:${PORT[a]} backup
CONF
out=$(haproxy -c -f "$ITEST_DIR/haproxy.cfg" 2>&1) || fail "haproxy -c: $out"
bg_start haproxy "$ITEST_DIR/haproxy.log" haproxy -db -f "$ITEST_DIR/haproxy.cfg"
HAPROXY_PID=$BG_PID
for n in a b c; do wait_for_port "${PORT[$n]}" 10 || fail "nginx $n did not listen"; done
wait_for_port "$HTTP01_PORT" 10 || fail "haproxy did not listen on $HTTP01_PORT"
pass "nginx on three nodes, haproxy in front (b and c, a as backup)"

# --- 1. agents -------------------------------------------------------------------------------
rc=0
out=$(CB_CONFIG=$(conf_of a) cb_run "$CERTBOT" fleet agent --fleet-etcd "$ENDPOINTS" \
  --fleet-key "$ITEST_DIR/fleet.key" 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of fleet agent without -w"
grep -qF -- "needs one -w/--webroot-path DIR" <<<"$out" || fail "fleet agent without -w: $out"
rc=0
out=$(CB_CONFIG=$(conf_of a) cb_run "$CERTBOT" fleet agent -w "$ITEST_DIR/none" \
  --fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/fleet.key" 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of fleet agent with a missing webroot"
grep -qF -- "is not a directory" <<<"$out" || fail "fleet agent -w missing: $out"

# b's deploy hook records what reached it (a directory hook, as a package would install).
mkdir -p "$(conf_of b)/renewal-hooks/deploy"
cat >"$(conf_of b)/renewal-hooks/deploy/record.sh" <<HOOK
#!/bin/sh
echo "\$RENEWED_LINEAGE" >>"$ITEST_DIR/b-deployed"
HOOK
chmod +x "$(conf_of b)/renewal-hooks/deploy/record.sh"

declare -A AGENT_PID
start_agent() {
  local n=$1 base=${NODE_BASE[$1]}
  bg_start "agent $n" "$ITEST_DIR/agent-$n.log" "$CERTBOT" fleet agent -w "${ROOT[$n]}" \
    --config-dir "$base/config" --work-dir "$base/work" --logs-dir "$base/logs" -n \
    --fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/fleet.key" --fleet-prefix /itest/
  AGENT_PID[$n]=$BG_PID
}
for n in a b c; do start_agent "$n"; done
wait_keys() { # wait_keys PREFIX COUNT WHAT
  local deadline=$((SECONDS + 20))
  until [[ $(etcd_keys "$1" | grep -c .) -eq $2 ]]; do
    ((SECONDS < deadline)) || fail "$3: $(etcd_keys "$1" | grep -c .) keys under $1, not $2"
    sleep 0.2
  done
}
wait_keys /itest/agent/ 3 "agents registered"
run_node a status fleet status || fail "fleet status failed: $(cat "$ITEST_DIR/a-status.out")"
assert_contains "$ITEST_DIR/a-status.out" "agents \\(3\\):"
assert_contains "$ITEST_DIR/a-status.out" "serving http-01 answers from ${ROOT[b]}"
pass "fleet agent: refused without a webroot; three agents registered (fleet status lists them)"

# --- 2. a orders, b or c answers the CA ---------------------------------------------------------
run_node a issue certonly --webroot -w "${ROOT[a]}" -d agent.example ||
  fail "certonly on node a failed: $(cat "$ITEST_DIR/a-issue.out")"
assert_contains "$ITEST_DIR/a-issue.out" "3 agent.s. serve the http-01 answers"
challenge_hits() { grep -c 'GET /.well-known/acme-challenge/[^ ]* HTTP/1.1" 200' "${NGXDIR[$1]}/access.log" || true; }
hits_b=$(challenge_hits b)
hits_c=$(challenge_hits c)
assert_eq "$(challenge_hits a)" 0 "validations that reached node a (the orderer)"
((hits_b + hits_c >= 1)) || fail "no validation reached node b or c through haproxy"
wait_keys /itest/http01/ 0 "answers left in etcd"
wait_keys /itest/http01-ack/ 0 "confirmations left in etcd"
deadline=$((SECONDS + 10))
while [[ -n "$(find "${ROOT[a]}" "${ROOT[b]}" "${ROOT[c]}" -type f)" ]]; do
  ((SECONDS < deadline)) || fail "answers left in the webroots: $(find "${ROOT[@]}" -type f)"
  sleep 0.2
done
pass "a ordered; the validation reached b/c (b: $hits_b, c: $hits_c, a: 0) and succeeded; answers withdrawn"

# --- 3. the agents materialise the new lineage ---------------------------------------------------
wait_cert() { # wait_cert NODE LIKE-NODE
  local deadline=$((SECONDS + 30))
  until cmp -s "$(conf_of "$2")/live/agent.example/cert.pem" "$(conf_of "$1")/live/agent.example/cert.pem"; do
    ((SECONDS < deadline)) || fail "node $1's agent did not materialise node $2's certificate: $(tail -5 "$ITEST_DIR/agent-$1.log")"
    sleep 0.2
  done
}
for n in b c; do wait_cert "$n" a; done
cmp -s "$(conf_of a)/live/agent.example/privkey.pem" "$(conf_of b)/live/agent.example/privkey.pem" ||
  fail "node b's key differs from node a's"
assert_file_mode "$(conf_of b)/archive/agent.example/privkey1.pem" 600
deadline=$((SECONDS + 10))
until grep -q "live/agent.example" "$ITEST_DIR/b-deployed" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "b's deploy hook did not run for agent.example"
  sleep 0.2
done
pass "the agents on b and c materialised agent.example with no certbot run; b's deploy hook ran"

# --- 3b. certonly for the same new names on b and c at once: one order ------------------------------
before_orders=$(pebble_orders)
run_node b both certonly --webroot -w "${ROOT[b]}" -d both.example &
pid_b=$!
run_node c both certonly --webroot -w "${ROOT[c]}" -d both.example &
pid_c=$!
rc_b=0 rc_c=0
wait "$pid_b" || rc_b=$?
wait "$pid_c" || rc_c=$?
assert_eq "$rc_b $rc_c" "0 0" "exit statuses of certonly on b and c (outputs: $ITEST_DIR/b-both.out, c-both.out)"
assert_eq "$(($(pebble_orders) - before_orders))" 1 "orders for certonly on two nodes at once"
cmp -s "$(conf_of b)/live/both.example/cert.pem" "$(conf_of c)/live/both.example/cert.pem" ||
  fail "b and c hold different certificates for both.example"
assert_eq "$(grep -l 'Certificate not yet due for renewal' "$ITEST_DIR"/{b,c}-both.out | wc -l)" 1 \
  "nodes that took the other's certificate instead of ordering"
pass "certonly for the same names on two nodes at once: one order, one certificate"

# --- 4. b renews, validated through haproxy; a and c take it ------------------------------------
# Pebble runs with PEBBLE_AUTHZREUSE=0 but still reuses a valid authorization 1 time in 100 (the
# lineage's account validated agent.example in step 2): a renewal that reused it published no
# answer ("agent(s) serve the http-01 answers" missing) and is tried again, at most 3 times, as in
# fleet.sh. Only agent.example renews here, so the message is about it (both.example's renewal
# would validate too).
reused() { ! grep -q "agent.s. serve the http-01 answers" "$1"; }
before=$((hits_b + hits_c))
for attempt in 1 2 3; do
  run_node b "renew$attempt" renew --cert-name agent.example --force-renewal --no-random-sleep-on-renew ||
    fail "renew on node b failed: $(cat "$ITEST_DIR/b-renew$attempt.out")"
  reused "$ITEST_DIR/b-renew$attempt.out" || break
  echo "attempt $attempt: Pebble reused the authorization, nothing was validated; again"
done
assert_contains "$ITEST_DIR/b-renew$attempt.out" "3 agent.s. serve the http-01 answers"
(($(challenge_hits b) + $(challenge_hits c) > before)) || fail "b's validation did not go through haproxy to b or c"
assert_eq "$(challenge_hits a)" 0 "validations that reached node a"
for n in a c; do wait_cert "$n" b; done
version=$(readlink "$(conf_of b)/live/agent.example/cert.pem" | sed -E 's/.*cert([0-9]+)\.pem$/\1/')
pass "b renewed through the load balancer; the agents on a and c took version $version"

# --- 4b. a renewal that fails is shown by fleet status ------------------------------------------
bg_stop "$HAPROXY_PID" # the CA's validation reaches no node now
for attempt in 1 2 3; do
  rc=0
  run_node c "fail$attempt" renew --cert-name agent.example --force-renewal \
    --no-random-sleep-on-renew || rc=$?
  ((rc == 0)) && reused "$ITEST_DIR/c-fail$attempt.out" || break
  echo "attempt $attempt: Pebble reused the authorization, the renewal needed no validation; again"
done
assert_eq "$rc" 1 "exit status of renew on c without the load balancer"
version=$(readlink "$(conf_of c)/live/agent.example/cert.pem" | sed -E 's/.*cert([0-9]+)\.pem$/\1/')
run_node a status2 fleet status || true
assert_contains "$ITEST_DIR/a-status2.out" "agent.example  version $version .*last renewal FAILED on localhost:$(conf_of c)"
pass "a failed renewal on c: fleet status names the node and the error"

# --- 5. untrusted etcd contents -------------------------------------------------------------------
etcd_put() {
  curl -sf --max-time 3 -X POST "http://127.0.0.1:${CLIENT[0]}/v3/kv/put" \
    -d "{\"key\":\"$(printf '%s' "$1" | base64 -w0)\",\"value\":\"$(printf '%s' "$2" | base64 -w0)\"}" >/dev/null
}
etcd_put "/itest/http01/../../../evil" "x.y"
etcd_put "/itest/http01/tok3n" "<script>alert(1)</script>"
for n in a b c; do
  deadline=$((SECONDS + 10))
  until [[ $(grep -c "not a token and key authorization" "$ITEST_DIR/agent-$n.log") -ge 2 ]]; do
    ((SECONDS < deadline)) || fail "agent $n did not refuse the bad answers: $(tail -5 "$ITEST_DIR/agent-$n.log")"
    sleep 0.2
  done
  assert_no_file "${ROOT[$n]}/.well-known/acme-challenge/tok3n"
done
[[ -z "$(find "$ITEST_DIR" -name evil)" ]] || fail "an agent wrote a file named by a bad token"
pass "agents refuse a key that is not a token and an answer that is not a key authorization"

# --- 6. an agent stopped withdraws its registration -----------------------------------------------
kill -TERM "${AGENT_PID[c]}"
wait_keys /itest/agent/ 2 "agents registered after c stopped"
pass "agent c stopped: its registration is gone at once (lease revoked)"
