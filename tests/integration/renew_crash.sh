#!/usr/bin/env bash
# Crash consistency of OUR `renew`: kill -9 a `renew --force-renewal` of one
# lineage at many points; after each kill, run `certbot certificates` (a
# reading command: it must change nothing on disk, not even repair), then
# `certbot update_symlinks` (a writing command finishes an interrupted link
# switch) and check that
#   - every live/<name>/{cert,chain,fullchain,privkey}.pem resolves to an
#     existing non-empty file,
#   - all four links point at the same archive version N,
#   - the cert and the key of that version match,
#   - the renewal conf is still a complete conf;
# and at the end that a normal renew succeeds with consistent links.
# The four links cannot switch in one atomic step (certbot has the same
# window), so the state right after a kill is only reported ("note: right
# after ..."), not required to be consistent.
#
# Kill points: (1) random delays spread over the duration of one renewal;
# (2) deterministic, with strace: SIGKILL injected on entry of the k-th
# rename system call of the run, for every k, so every state between two
# changes of archive/, live/ or renewal/ is tried once.
#
# Every kill is checked; violations are collected and the test fails at the
# end with a description of each state seen.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every renewal really validates (no authorization reuse): a longer run with
# a challenge phase to be killed in.
pebble_prologue --authz-reuse 0

webroot="$ITEST_DIR/www"
mkdir -p "$webroot"
serve_webroot "$webroot" 10

name=c.example
live="$CB_CONFIG/live/$name"
archive="$CB_CONFIG/archive/$name"
conf="$CB_CONFIG/renewal/$name.conf"
mapfile -t common < <(cb_common_args)
renew_short=(renew --force-renewal --no-random-sleep-on-renew --cert-name "$name")
renew_args=("${renew_short[@]}" "${common[@]}") # for direct runs (cb_run adds the common options)

cb_run "$CERTBOT" certonly --webroot -w "$webroot" -d "$name" -d www.c.example \
  --register-unsafely-without-email >"$ITEST_DIR/issue.out" 2>&1 ||
  { cat "$ITEST_DIR/issue.out" >&2; fail "certonly failed"; }

# Old logs are dropped before each run: every run rotates letsencrypt.log.N
# up by one, which would add a rename per earlier run to the kill points.
drop_old_logs() { rm -f "$CB_LOGS"/letsencrypt.log.*; }

VIOLATIONS=()
# state: a description of live/ and archive/ for the report.
state() {
  local f
  for f in cert chain fullchain privkey; do
    printf '    live/%s.pem -> %s%s\n' "$f" "$(readlink "$live/$f.pem" 2>/dev/null || echo '(no link)')" \
      "$([[ -s "$live/$f.pem" ]] || echo ' (does not resolve to a non-empty file)')"
  done
  printf '    archive: %s\n' "$(cd "$archive" && ls -A | paste -sd' ')"
  printf '    live dir: %s\n' "$(cd "$live" && ls -A | paste -sd' ')"
}

# key_matches V: archive version V's cert and key match (cached per version:
# a complete version never changes).
declare -A KEY_OK=()
key_matches() {
  if [[ -z "${KEY_OK[$1]:-}" ]]; then
    if [[ "$(openssl pkey -in "$archive/privkey$1.pem" -pubout 2>&1)" == \
      "$(openssl x509 -in "$archive/cert$1.pem" -noout -pubkey 2>&1)" ]]; then
      KEY_OK[$1]=yes
    else
      KEY_OK[$1]=no
    fi
  fi
  [[ "${KEY_OK[$1]}" == yes ]]
}

# check_invariant WHEN: the invariant after a kill; a violation is recorded
# (with the state) and the function returns 1. (Few processes: it runs after
# every kill.)
check_invariant() {
  local when=$1 f t v="" n problems=() versions=() line
  for f in cert chain fullchain privkey; do
    if [[ ! -L "$live/$f.pem" ]]; then
      problems+=("live/$f.pem is not a symlink")
      continue
    fi
    [[ -f "$live/$f.pem" && -s "$live/$f.pem" ]] ||
      problems+=("live/$f.pem does not resolve to an existing non-empty file")
    t=$(readlink "$live/$f.pem")
    if [[ "$t" =~ ^\.\./\.\./archive/$name/$f([0-9]+)\.pem$ ]]; then
      n=${BASH_REMATCH[1]}
      versions+=("$f=$n")
      if [[ -n "$v" && "$v" != "$n" ]]; then problems+=("live/$f.pem points at version $n, an earlier link at $v"); fi
      [[ -z "$v" ]] && v=$n
    else
      problems+=("live/$f.pem -> $t is not ../../archive/$name/${f}N.pem")
    fi
  done
  if ((${#problems[@]} == 0)); then
    # The links agree on version $v: that version's cert and key must match,
    # and fullchain = cert + chain.
    key_matches "$v" || problems+=("cert$v.pem and privkey$v.pem do not match")
    [[ "$(<"$live/cert.pem")"$'\n'"$(<"$live/chain.pem")" == "$(<"$live/fullchain.pem")" ]] ||
      problems+=("fullchain$v.pem != cert$v.pem + chain$v.pem")
  elif [[ "${versions[0]:-}" == cert=* && "${versions[1]:-}" == chain=* && "${versions[3]:-}" == privkey=* &&
    "${versions[0]#cert=}" != "${versions[3]#privkey=}" ]]; then
    problems+=("live/cert.pem (version ${versions[0]#cert=}) and live/privkey.pem (version ${versions[3]#privkey=}) are not a pair: a server loading them now gets a key that does not match its certificate")
  fi
  # The renewal conf is complete (written atomically).
  local seen=" "
  if [[ -f "$conf" ]]; then
    while IFS= read -r line; do
      case "$line" in
        "version = "* | "archive_dir = "* | "cert = "* | "privkey = "* | "chain = "* | "fullchain = "*) seen+="${line%% =*} " ;;
        "[renewalparams]") seen+="[renewalparams] " ;;
      esac
    done <"$conf"
  fi
  for f in version archive_dir cert privkey chain fullchain "[renewalparams]"; do
    [[ "$seen" == *" $f "* ]] || problems+=("renewal conf lacks '$f'")
  done
  if ((${#problems[@]})); then
    VIOLATIONS+=("after $when: $(printf '%s; ' "${problems[@]}")")
    printf 'VIOLATION after %s: %s\n%s\n' "$when" "$(printf '%s; ' "${problems[@]}")" "$(state)" >&2
    return 1
  fi
  LAST_VERSION=$v
  return 0
}

# store_snapshot: every name, link target, size and mode under the config dir
# (not the logs), to prove a reading command wrote nothing. The lock file is
# not the store: a killed run leaves it, the next run's lock release removes
# it (as certbot's lock does).
store_snapshot() {
  (cd "$CB_CONFIG" && find . -path ./renewal-hooks -prune -o -path ./.certbot.lock -prune -o \
    -printf '%p %y %l %s %m\n' | sort)
}

# recover WHEN: after a kill, `certificates` must change nothing; then let a
# writing command repair and require consistency; notes a half-switched state
# seen before the repair.
HALF_SWITCHED=0
recover() {
  local rc=0 f t desc="" seen=""
  # Report (without failing) a half-switched state seen right after the kill.
  for f in cert chain fullchain privkey; do
    t=$(readlink "$live/$f.pem" 2>/dev/null || echo missing)
    t=${t##*/}
    desc+="$f->$t "
    seen+="${t//[!0-9]/} "
  done
  if [[ "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort -u | wc -l)" != 1 ]]; then
    HALF_SWITCHED=$((HALF_SWITCHED + 1))
    echo "note: right after $1, before any repair: live/ links disagree: $desc"
  fi
  local snap_before snap_after
  snap_before=$(store_snapshot)
  cb_run "$CERTBOT" certificates >"$ITEST_DIR/list.out" 2>&1 || rc=$?
  if ((rc != 0)); then
    VIOLATIONS+=("after $1: 'certbot certificates' exited $rc: $(head -c 600 "$ITEST_DIR/list.out")")
  fi
  snap_after=$(store_snapshot)
  if [[ "$snap_before" != "$snap_after" ]]; then
    VIOLATIONS+=("after $1: 'certbot certificates' (a listing) changed the store: $({ diff <(echo "$snap_before") <(echo "$snap_after") || true; } | head -c 600)")
  fi
  rc=0
  cb_run "$CERTBOT" update_symlinks >"$ITEST_DIR/recover.out" 2>&1 || rc=$?
  if ((rc != 0)); then
    VIOLATIONS+=("after $1: 'certbot update_symlinks' exited $rc: $(head -c 600 "$ITEST_DIR/recover.out")")
  fi
  check_invariant "$1, then 'certbot update_symlinks' (repair)" || true
}

check_invariant "the first issuance" || fail "inconsistent right after certonly"

# --- baseline: how long one renewal takes ----------------------------------------------
t0=$(date +%s%N)
cb_run "$CERTBOT" "${renew_short[@]}" >"$ITEST_DIR/baseline.out" 2>&1 ||
  { cat "$ITEST_DIR/baseline.out" >&2; fail "baseline renew failed"; }
dur_ms=$((($(date +%s%N) - t0) / 1000000))
check_invariant "the baseline renewal" || fail "inconsistent after an uninterrupted renew"
assert_eq "$LAST_VERSION" 2 "version after the baseline renewal"
echo "one renewal takes ${dur_ms} ms"
max_ms=$((dur_ms + dur_ms / 5))
((max_ms >= 300)) || max_ms=300

# --- (1) random kill times -------------------------------------------------------------------
completed=0 killed=0
for i in $(seq 1 15); do
  before=$LAST_VERSION
  delay_ms=$((RANDOM % (max_ms + 1)))
  drop_old_logs
  setpriv --pdeathsig KILL -- "$CERTBOT" "${renew_args[@]}" </dev/null >"$ITEST_DIR/random.out" 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' "$delay_ms")"
  if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
  wait "$pid" 2>/dev/null || true
  # The four live/ links cannot switch in one atomic step (certbot has the same window), so
  # right after a kill they may disagree; the requirement is that the next run of any command
  # completes the switch. recover runs `certbot certificates` and checks the invariant.
  recover "kill -9 at ${delay_ms} ms (random kill $i, version was $before)"
done
echo "[$SECONDS s] random kills: $killed killed in flight, $completed had already finished; now at version $LAST_VERSION"
((killed > 0)) || fail "random kills: none of 15 landed while renew ran (max delay $max_ms ms): nothing was tested"

# --- (2) a kill before each rename ------------------------------------------------------------
# Only renames: every change of archive/, live/ and renewal/ is a rename (of a
# temporary file or symlink into place). A kill before the symlink() that
# makes the temporary link is the same state as one before the previous
# rename, and unlink only releases locks and removes challenge files.
calls=rename,renameat,renameat2
command -v strace >/dev/null || fail "strace is not installed (apt-get install strace): needed for the deterministic kill points"
drop_old_logs
strace -f -qq -o "$ITEST_DIR/trace" -e trace="$calls" -e signal=none \
  "$CERTBOT" "${renew_args[@]}" >"$ITEST_DIR/traced.out" 2>&1 ||
  { cat "$ITEST_DIR/traced.out" >&2; fail "renew under strace failed"; }
check_invariant "a renewal under strace" || recover "a renewal under strace"
# Per-syscall counts: strace's when=K counts each system call separately.
declare -A count=()
for c in ${calls//,/ }; do
  count[$c]=$(grep -Ec "^[0-9]+ +$c\(" "$ITEST_DIR/trace" || true)
done
echo "system calls in one renewal: $(for c in "${!count[@]}"; do printf '%s=%s ' "$c" "${count[$c]}"; done)"
((count[rename] + count[renameat] + count[renameat2] >= 9)) ||
  fail "strace saw too few renames ($(cat "$ITEST_DIR/trace" | head -20)); the kill points below would prove nothing"
points=0
for c in ${calls//,/ }; do
  for ((k = 1; k <= count[$c]; k++)); do
    before=$LAST_VERSION
    drop_old_logs
    # A run killed after the CA issued keeps the certificate in <work-dir>/issued/ and the next
    # renewal stores it without ordering (fewer renames; integration.certonly_crash tests that):
    # dropped here so that every run takes the same steps and the k-th rename is the same one.
    rm -rf "$CB_WORK/issued"
    # (strace dies of the tracee's SIGKILL too; in a subshell that waits for
    # it, bash's "Killed" notice goes to /dev/null.)
    # strace ends the way its tracee did: 137 proves the SIGKILL landed on this call.
    krc=0
    (
      exec strace -f -qq -o "$ITEST_DIR/trace.k" -e trace="$c" -e signal=none \
        -e inject="$c:signal=SIGKILL:when=$k" \
        "$CERTBOT" "${renew_args[@]}" >"$ITEST_DIR/inject.out" 2>&1
    ) 2>/dev/null || krc=$?
    [[ "$krc" == 137 ]] ||
      VIOLATIONS+=("SIGKILL on entering $c #$k did not land: exit $krc ($(head -c 300 "$ITEST_DIR/inject.out"))")
    # Which call was hit (the last line before the kill), for the report.
    hit=$(grep -E "^[0-9]+ +$c\(" "$ITEST_DIR/trace.k" | sed -n "${k}p" |
      sed -E "s#$CB_CONFIG/##g; s#$ITEST_DIR/##g; s/^[0-9]+ +//" | cut -c1-160)
    points=$((points + 1))
    recover "SIGKILL on entering $c #$k [$hit] (version was $before)"
  done
done
echo "deterministic kill points: $points (at $SECONDS s)"

# --- afterwards: a listing, then a normal renew ----------------------------------------------
cb_run "$CERTBOT" certificates >"$ITEST_DIR/certificates.out" 2>&1 ||
  VIOLATIONS+=("'certbot certificates' after the kills failed: $(head -c 600 "$ITEST_DIR/certificates.out")")
assert_contains "$ITEST_DIR/certificates.out" "Certificate Name: $name"
check_invariant "the kills and 'certbot certificates'" || true
before=$LAST_VERSION
cb_run "$CERTBOT" "${renew_short[@]}" >"$ITEST_DIR/final.out" 2>&1 ||
  { cat "$ITEST_DIR/final.out" >&2; fail "a normal renew after the kills failed"; }
assert_contains "$ITEST_DIR/final.out" "$name/fullchain\.pem \(success\)"
check_invariant "the final normal renew" || true
((LAST_VERSION > before)) || VIOLATIONS+=("the final renew did not move live/ to a newer version ($before -> $LAST_VERSION)")
pebble_root_pem "$ITEST_DIR/root.pem"
out=$(openssl verify -CAfile "$ITEST_DIR/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
  VIOLATIONS+=("the final certificate does not verify: $out")
assert_cert_sans "$live/cert.pem" c.example www.c.example
assert_file_mode "$live/privkey.pem" 600
# A killed run may leave temporary files behind; they must not be private keys readable by others.
while IFS= read -r f; do
  mode=$(stat -c '%a' "$f")
  if grep -q 'PRIVATE KEY' "$f" && ((8#$mode & 8#077)); then
    VIOLATIONS+=("leftover $f holds a private key with mode $mode")
  fi
done < <(find "$CB_CONFIG" -type f -name '.*.tmp.*')
leftovers=$(find "$CB_CONFIG" -name '.*.tmp.*' | sed "s#$CB_CONFIG/##" | paste -sd' ')
[[ -z "$leftovers" ]] || echo "note: temporary files left by killed runs: $leftovers"
# Files of incomplete versions (a run killed while writing archive/) are not
# versions to prune, so they stay; informational.
orphans=()
for f in "$archive"/*[0-9].pem; do
  b=${f##*/}
  v=${b//[!0-9]/}
  [[ -f "$archive/cert$v.pem" && -f "$archive/chain$v.pem" && -f "$archive/fullchain$v.pem" && -f "$archive/privkey$v.pem" ]] ||
    orphans+=("$b")
done
((${#orphans[@]} == 0)) || echo "note: files of incomplete versions left in archive/: ${orphans[*]}"
echo "archive/ now: $(cd "$archive" && ls | paste -sd' ')"

if ((${#VIOLATIONS[@]})); then
  printf '\n%s crash-consistency violation(s):\n' "${#VIOLATIONS[@]}" >&2
  printf -- '- %s\n' "${VIOLATIONS[@]}" >&2
  fail "renew is not crash-consistent (see above)"
fi
echo "half-switched live/ states seen right after a kill (repaired by the next command): $HALF_SWITCHED"
pass "renew killed at $((killed + completed)) random times and $points system calls: links always consistent, recovery works"
