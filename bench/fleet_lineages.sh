#!/usr/bin/env bash
# Fleet mode at scale (issue 20, docs/fleet.md): `certbot renew` with nothing due over COUNT
# lineages (default 2,000) on one machine, and the same on a node whose lineages are shared
# through a 3-member etcd cluster on loopback; plus what it costs to get there:
#
#   fleet-renew-COUNT   impl "single": renew on the cloned tree, no fleet flags
#                       impl "fleet":  renew on node b, a fleet member holding the same lineages
#   fleet-publish-COUNT node a, holding the cloned tree, `certbot fleet publish` (every lineage
#                       and its account into etcd, keys sealed)
#   fleet-sync-COUNT    node b, empty, `certbot certificates`: the first sync materialises all
#
# One real lineage (issued by our certbot from a local Pebble) is cloned COUNT times with
# bench/clone_lineages.py. Pebble keeps running: with nothing due, renew only reads its
# directory once (for ARI, which Pebble does not offer) and orders nothing (checked), the same
# in both setups. A bench, not a
# test: it prints and records figures (bench/common.sh), and fails only if a run fails or a
# renew output does not name every lineage.
#
# Usage: BUILD_DIR=build bash bench/fleet_lineages.sh   (FLEET_LINEAGES=N, RUNS_FLEET=N (3))
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=tests/integration/lib_fleet.bash
source "$BENCH_DIR/../tests/integration/lib_fleet.bash"
COUNT=${FLEET_LINEAGES:-2000}
RUNS=${RUNS_FLEET:-3}
[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
command -v etcd >/dev/null || fail "etcd is not installed (apt-get install etcd-server)"

# --- the seed lineage, then no CA -----------------------------------------------------------
pebble_start
bench_seed "$PEBBLE_DIR_URL" "$CERTBOT" --standalone -d a.fleet.example -d b.fleet.example \
  --http-01-port "$HTTP01_PORT"
orders=$(pebble_orders)

etcd_cluster_start
fleet_keys
blog "etcd: $ENDPOINTS; $COUNT lineages, $RUNS runs"

FLEET_ARGS=(--fleet-etcd "$ENDPOINTS" --fleet-key "$ITEST_DIR/fleet.key" --fleet-prefix /bench/)
bench_before_run() { bench_fresh_logs; }
renew_names_all() { # renew_names_all OUTFILE
  local n
  n=$(grep -cE '/live/lin-[0-9]+/' "$1" || true)
  [[ "$n" -ge "$COUNT" ]] || { blog "renew output names $n of $COUNT lineages"; return 1; }
  ! grep -qiE 'failure|error' "$1" || { blog "renew reported an error"; return 1; }
}

# --- one machine ---------------------------------------------------------------------------------
CUR_TREE="$ITEST_DIR/tree-single"
bench_clone "$CUR_TREE" "$COUNT"
mapfile -t dargs < <(bench_dir_args "$CUR_TREE")
measure_runs "$RUNS" fleet-renew-single timeout 900 "$CERTBOT" renew --no-random-sleep-on-renew -n "${dargs[@]}"
[[ "$RUN_FAILED" == 0 ]] && renew_names_all "$ITEST_DIR/fleet-renew-single.out" || fail "renew (single) failed"
record_medians "fleet-renew-$COUNT" single "$RUNS runs"
single=$MED_WALL

# --- node a publishes, node b syncs ----------------------------------------------------------------
CUR_TREE="$ITEST_DIR/tree-a"
bench_clone "$CUR_TREE" "$COUNT"
mapfile -t dargs < <(bench_dir_args "$CUR_TREE")
measure_runs 1 fleet-publish timeout 900 "$CERTBOT" fleet publish -n "${dargs[@]}" "${FLEET_ARGS[@]}"
[[ "$RUN_FAILED" == 0 ]] || fail "fleet publish failed"
grep -q "Published $COUNT lineage" "$ITEST_DIR/fleet-publish.out" || fail "fleet publish: $(tail -1 "$ITEST_DIR/fleet-publish.out")"
record_medians "fleet-publish-$COUNT" fleet "1 run"

CUR_TREE="$ITEST_DIR/tree-b"
mkdir -p "$CUR_TREE/config" "$CUR_TREE/work" "$CUR_TREE/logs"
mapfile -t dargs < <(bench_dir_args "$CUR_TREE")
measure_runs 1 fleet-sync timeout 900 "$CERTBOT" certificates -n "${dargs[@]}" "${FLEET_ARGS[@]}"
[[ "$RUN_FAILED" == 0 ]] || fail "the first sync on node b failed"
listed=$(grep -c 'Certificate Name: lin-' "$ITEST_DIR/fleet-sync.out" || true)
[[ "$listed" -eq "$COUNT" ]] || fail "node b lists $listed of $COUNT lineages after its first sync"
record_medians "fleet-sync-$COUNT" fleet "1 run"

measure_runs "$RUNS" fleet-renew-fleet timeout 900 "$CERTBOT" renew --no-random-sleep-on-renew -n "${dargs[@]}" "${FLEET_ARGS[@]}"
[[ "$RUN_FAILED" == 0 ]] && renew_names_all "$ITEST_DIR/fleet-renew-fleet.out" || fail "renew (fleet) failed"
record_medians "fleet-renew-$COUNT" fleet "$RUNS runs"
assert_eq "$(pebble_orders)" "$orders" "orders placed by the benchmark's runs"
blog "renew, nothing due, $COUNT lineages: single ${single}s, fleet ${MED_WALL}s ($(awk -v a="$single" -v b="$MED_WALL" 'BEGIN { printf "%.1f", b / a }')x)"
