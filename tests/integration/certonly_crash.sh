#!/usr/bin/env bash
# Crash safety of a FIRST issuance (a new lineage), with Pebble: certbot is killed with SIGKILL
# at deterministic points, then:
#   - `certbot certificates` succeeds and changes nothing on disk (a listing never repairs);
#   - the same `certonly` again completes into the same name (never <name>-0001), with a
#     certificate and key that match; when the killed run had already kept what the CA issued
#     (<work-dir>/issued/<name>.kept, written before anything is stored), it orders nothing new;
#   - at the end, `renew` (nothing due) succeeds and no lineage is half-made.
# Kill points:
#   (a) after the order, in the authorization: a --manual-auth-hook kills certbot;
#   (b) on entering each rename from the first write of the kept copy to the end of the run
#       (kept copy, archive files, live links, README, renewal conf, marker removal): strace
#       injects SIGKILL on the k-th rename, so every state between two changes is tried once.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v strace >/dev/null || fail "strace is not installed (apt-get install strace): needed for the deterministic kill points"

pebble_prologue --authz-reuse 0
webroot="$ITEST_DIR/www"
serve_webroot "$webroot" 10
mapfile -t common < <(cb_common_args)
cb_run "$CERTBOT" register --register-unsafely-without-email >"$ITEST_DIR/register.out" 2>&1 ||
  fail "register failed: $(cat "$ITEST_DIR/register.out")"

VIOLATIONS=()
violation() {
  VIOLATIONS+=("$*")
  printf 'VIOLATION: %s\n' "$*" >&2
}

store_snapshot() {
  (cd "$CB_CONFIG" && find . -path ./.certbot.lock -prune -o -printf '%p %y %l %s %m\n' | sort)
}

# after_kill WHEN NAME: the checks after a kill of the first issuance of NAME; RERUN... is the
# command that must complete it.
after_kill() {
  local when=$1 name=$2 rc=0 kept=0 orders snap
  shift 2
  [[ -f "$CB_WORK/issued/$name.kept" ]] && kept=1
  snap=$(store_snapshot)
  cb_run "$CERTBOT" certificates >"$ITEST_DIR/list.out" 2>&1 || rc=$?
  ((rc == 0)) || violation "after $when: certificates exited $rc: $(head -c 400 "$ITEST_DIR/list.out")"
  [[ "$(store_snapshot)" == "$snap" ]] || violation "after $when: certificates changed the store"
  orders=$(pebble_orders)
  rc=0
  cb_run "$CERTBOT" "$@" >"$ITEST_DIR/rerun.out" 2>&1 || rc=$?
  if ((rc != 0)); then
    violation "after $when: the rerun exited $rc: $(tail -c 600 "$ITEST_DIR/rerun.out")"
    return
  fi
  [[ -f "$CB_CONFIG/renewal/$name.conf" ]] || violation "after $when: no renewal/$name.conf after the rerun"
  [[ ! -e "$CB_CONFIG/renewal/$name-0001.conf" && ! -e "$CB_CONFIG/live/$name-0001" ]] ||
    violation "after $when: the rerun stored into $name-0001"
  local live="$CB_CONFIG/live/$name"
  [[ "$(openssl pkey -in "$live/privkey.pem" -pubout 2>&1)" == "$(openssl x509 -in "$live/cert.pem" -noout -pubkey 2>&1)" ]] ||
    violation "after $when: live/$name cert.pem and privkey.pem do not match"
  if ((kept)); then
    [[ "$(pebble_orders)" == "$orders" ]] ||
      violation "after $when: the certificate was kept, yet the rerun ordered again"
    grep -q 'nothing is ordered' "$ITEST_DIR/rerun.out" ||
      violation "after $when: the rerun did not say it stored the kept certificate"
  fi
  [[ ! -e "$CB_WORK/issued/$name.kept" ]] || violation "after $when: the kept copy of $name stayed after it was stored"
  echo "after $when: kept=$kept, rerun ok"
}

# --- (a) killed in the authorization (after the order) -------------------------------------
hook="$ITEST_DIR/auth-kill.sh"
cat >"$hook" <<HOOK
#!/bin/sh
mkdir -p "$webroot/.well-known/acme-challenge"
printf '%s' "\$CERTBOT_VALIDATION" >"$webroot/.well-known/acme-challenge/\$CERTBOT_TOKEN"
if [ -e "$ITEST_DIR/kill-now" ]; then
  rm -f "$ITEST_DIR/kill-now"
  kill -KILL "\$(cat "$ITEST_DIR/certbot.pid")"
  sleep 5
fi
HOOK
chmod 755 "$hook"
name=hook.crash.example
touch "$ITEST_DIR/kill-now"
setpriv --pdeathsig KILL -- "$CERTBOT" certonly --manual --manual-auth-hook "$hook" -d "$name" \
  "${common[@]}" >"$ITEST_DIR/hook.out" 2>&1 &
echo $! >"$ITEST_DIR/certbot.pid"
krc=0
wait $! || krc=$?
assert_eq "$krc" 137 "exit of the run killed in its auth hook"
after_kill "a kill in the auth hook" "$name" certonly --manual --manual-auth-hook "$hook" -d "$name"
pass "killed after the order: certificates works, the rerun completes into $name"

# --- (b) a kill on entering each rename of the storing -------------------------------------
calls=rename,renameat,renameat2
args=(certonly --webroot -w "$webroot")
# Every run rotates letsencrypt.log.N up by one: old logs are dropped before each traced run so
# that the k-th rename is the same step every time.
drop_old_logs() { rm -f "$CB_LOGS"/letsencrypt.log.*; }
drop_old_logs
strace -f -qq -o "$ITEST_DIR/trace" -e trace="$calls" -e signal=none \
  "$CERTBOT" "${args[@]}" -d traced.crash.example "${common[@]}" >"$ITEST_DIR/traced.out" 2>&1 ||
  fail "certonly under strace failed: $(cat "$ITEST_DIR/traced.out")"
declare -A first=() count=()
for c in ${calls//,/ }; do
  mapfile -t lines < <(grep -E "^[0-9]+ +$c\(" "$ITEST_DIR/trace" || true)
  count[$c]=${#lines[@]}
  first[$c]=0
  for ((i = 0; i < ${#lines[@]}; i++)); do
    if [[ "${lines[i]}" == */issued/* ]]; then
      first[$c]=$((i + 1))
      break
    fi
  done
done
echo "renames in one first issuance: $(for c in "${!count[@]}"; do printf '%s=%s (storing from #%s) ' "$c" "${count[$c]}" "${first[$c]}"; done)"
points=0
for c in ${calls//,/ }; do
  ((first[$c] > 0)) || continue
  for ((k = first[$c]; k <= count[$c]; k++)); do
    name="k$k-$c.crash.example"
    drop_old_logs
    krc=0
    (
      exec strace -f -qq -o "$ITEST_DIR/trace.k" -e trace="$c" -e signal=none \
        -e inject="$c:signal=SIGKILL:when=$k" \
        "$CERTBOT" "${args[@]}" -d "$name" "${common[@]}" >"$ITEST_DIR/inject.out" 2>&1
    ) 2>/dev/null || krc=$?
    hit=$(grep -E "^[0-9]+ +$c\(" "$ITEST_DIR/trace.k" | sed -n "${k}p" |
      sed -E "s#$CB_CONFIG/##g; s#$CB_WORK/#work/#g; s/^[0-9]+ +//" | cut -c1-140)
    if [[ "$krc" != 137 ]]; then
      violation "SIGKILL on entering $c #$k did not land: exit $krc ($(tail -c 300 "$ITEST_DIR/inject.out"))"
      continue
    fi
    points=$((points + 1))
    after_kill "SIGKILL on entering $c #$k [$hit]" "$name" "${args[@]}" -d "$name"
  done
done
((points >= 8)) || violation "only $points kill points landed in the storing; the test proved little"

# --- afterwards -------------------------------------------------------------------------------
rc=0
cb_run "$CERTBOT" renew --no-random-sleep-on-renew >"$ITEST_DIR/renew.out" 2>&1 || rc=$?
((rc == 0)) || violation "renew after the kills exited $rc: $(tail -c 600 "$ITEST_DIR/renew.out")"
leftover=$(cd "$CB_CONFIG" && ls -d archive/* live/* 2>/dev/null | while read -r d; do
  n=${d#*/}
  [[ "$n" == README || -f "renewal/$n.conf" ]] || echo "$d"
done)
[[ -z "$leftover" ]] || violation "half-made lineages left: $leftover"

if ((${#VIOLATIONS[@]})); then
  printf '\n%s violation(s):\n' "${#VIOLATIONS[@]}" >&2
  printf -- '- %s\n' "${VIOLATIONS[@]}" >&2
  fail "the first issuance is not crash-safe (see above)"
fi
pass "first issuance killed at $points renames and in its auth hook: the store stays usable, every rerun completes into the same name, no second order for a kept certificate"
