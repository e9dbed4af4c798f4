# shellcheck shell=bash
# Fleet mode's test fixtures (fleet*.sh), sourced after lib.sh:
#
#   etcd_cluster_start              # 3 members on free loopback ports: CLIENT[i], ETCD_PID[i], ENDPOINTS
#   fleet_keys                      # $ITEST_DIR/fleet.key and wrong.key, 0600
#   make_node a                     # node a: its own config, work and logs dirs
#   run_node a STEP ARGS...         # our certbot as node a with the fleet flags ($ITEST_DIR/a-STEP.out)
#   conf_of a                       # node a's config dir
#   etcd_keys PREFIX                # the keys under PREFIX, one a line
#
# Not a file ctest runs (the glob is *.sh).

declare -a CLIENT PEER ETCD_PID
ENDPOINTS=""

etcd_start_member() {
  local i=$1
  bg_start "etcd m$i" "$ITEST_DIR/etcd-m$i.log" etcd --name "m$i" \
    --data-dir "$ITEST_DIR/etcd-m$i" \
    --listen-client-urls "http://127.0.0.1:${CLIENT[i]}" \
    --advertise-client-urls "http://127.0.0.1:${CLIENT[i]}" \
    --listen-peer-urls "http://127.0.0.1:${PEER[i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${PEER[i]}" \
    --initial-cluster "$ETCD_CLUSTER" --initial-cluster-state new \
    --initial-cluster-token "fleet-itest-$$"
  ETCD_PID[i]=$BG_PID
}

etcd_ok() {
  curl -sf --max-time 3 -X POST "http://127.0.0.1:$1/v3/kv/range" -d '{"key":"Lw=="}' >/dev/null
}

# etcd_cluster_start: a 3-member cluster, up and answering within 60 s.
etcd_cluster_start() {
  command -v etcd >/dev/null || skip "etcd is not installed (apt-get install etcd-server)"
  local i
  ETCD_CLUSTER=""
  for i in 0 1 2; do
    CLIENT[i]=$(free_port)
    PEER[i]=$(free_port)
    ETCD_CLUSTER+="${ETCD_CLUSTER:+,}m$i=http://127.0.0.1:${PEER[i]}"
  done
  for i in 0 1 2; do etcd_start_member "$i"; done
  ENDPOINTS="http://127.0.0.1:${CLIENT[0]},http://127.0.0.1:${CLIENT[1]},http://127.0.0.1:${CLIENT[2]}"
  local deadline=$((SECONDS + 60))
  for i in 0 1 2; do
    until etcd_ok "${CLIENT[i]}"; do
      ((SECONDS < deadline)) || fail "etcd member m$i did not come up"
      sleep 0.2
    done
  done
}

# etcd_keys PREFIX [MEMBER]: the keys under PREFIX (which ends with '/'), one a line, read from
# member MEMBER (default 1).
etcd_keys() {
  local m=${2:-1} start end
  start=$(printf '%s' "$1" | base64 -w0)
  end=$(printf '%s0' "${1%/}" | base64 -w0) # '0' follows '/'
  curl -sf --max-time 3 -X POST "http://127.0.0.1:${CLIENT[m]}/v3/kv/range" \
    -d "{\"key\":\"$start\",\"range_end\":\"$end\",\"keys_only\":true}" |
    jq -r '.kvs[]?.key' | while read -r k; do
    base64 -d <<<"$k"
    echo
  done
}

fleet_keys() {
  head -c 32 /dev/urandom >"$ITEST_DIR/fleet.key"
  chmod 600 "$ITEST_DIR/fleet.key"
  head -c 32 /dev/urandom >"$ITEST_DIR/wrong.key"
  chmod 600 "$ITEST_DIR/wrong.key"
}

declare -A NODE_BASE
make_node() {
  certbot_dirs
  NODE_BASE[$1]=$(dirname "$CB_CONFIG")
}
# run_node NAME STEP ARGS...: our certbot as that node (its config, work and logs dirs; the
# fleet flags; NODE_KEY instead of the fleet key when set).
run_node() {
  local node=$1 step=$2
  shift 2
  local base=${NODE_BASE[$node]}
  local key=${NODE_KEY:-$ITEST_DIR/fleet.key}
  CB_CONFIG=$base/config CB_WORK=$base/work CB_LOGS=$base/logs \
    run_ours "$node-$step" "$@" --register-unsafely-without-email \
    --fleet-etcd "$ENDPOINTS" --fleet-key "$key" --fleet-prefix /itest/
}
conf_of() { echo "${NODE_BASE[$1]}/config"; }
