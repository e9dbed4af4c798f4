#!/usr/bin/env bash
# `certbot renew` semantics of OUR binary against Pebble (webroot lineages, one
# python3 http.server serving one webroot for every name):
#  - nothing due: exit 0, "No renewals were attempted", no file in the config
#    dir changed;
#  - --cert-name of a missing lineage fails naming it;
#  - --dry-run --force-renewal: "simulated" success, nothing saved;
#  - a broken renewal conf, and one with a value of the wrong type
#    (http01_port = abc): the good lineages still renew, exit status 4,
#    the output names the broken file (and the key);
#  - renew_before_expiry in a conf makes just that lineage due;
#  - hooks: --pre/--post/--deploy-hook and renewal-hooks/{pre,deploy,post}/
#    (editor backups and non-executables skipped, --no-directory-hooks),
#    RENEWED_LINEAGE / RENEWED_DOMAINS, env values never executed, the deploy
#    hook stored as renew_hook and run again by a plain renew;
#  - one lineage failing: the others renew, exit 4, deploy hooks only
#    for the renewed ones, FAILED_DOMAINS for the post hook;
#  - parallel renewal of 6 lineages with --renewal-workers 4;
#  - the fcntl lock on <config>/.certbot.lock: exit 3 at once while another
#    process holds it, success once the holder is killed.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Authorizations are never reused: every renewal validates (and one that
# must fail below really fails).
pebble_prologue --authz-reuse 0 --root "$ITEST_DIR/root.pem"

webroot="$ITEST_DIR/www"
mkdir -p "$webroot"
serve_webroot "$webroot" 10

# Hooks run in this directory: a command an env value smuggled in would
# leave its files here.
cwd="$ITEST_DIR/cwd"
mkdir -p "$cwd"
cd "$cwd"

# ours NAME ARGS...: run our binary (cb_run), output to $ITEST_DIR/NAME.out
# (shown if the test fails); sets RC to its exit status and OUT to its output.
RUN_N=0
ours() {
  local name=$1
  shift
  RUN_N=$((RUN_N + 1))
  echo "[$SECONDS s] $name" >&2
  local f="$ITEST_DIR/$RUN_N-$name.out"
  itest_log "certbot $name" "$f"
  RC=0
  cb_run "$CERTBOT" "$@" >"$f" 2>&1 || RC=$?
  OUT=$(cat "$f")
}
renew() {
  local name=$1
  shift
  ours "$name" renew --no-random-sleep-on-renew "$@"
}

# version NAME: the archive version all four live links of NAME point at
# (fails if they disagree or do not resolve).
version() {
  local live="$CB_CONFIG/live/$1" f t v="" n
  for f in cert chain fullchain privkey; do
    [[ -f "$live/$f.pem" && -s "$live/$f.pem" ]] || fail "$live/$f.pem does not resolve to a non-empty file"
    t=$(readlink "$live/$f.pem")
    [[ "$t" =~ ^\.\./\.\./archive/[^/]+/$f([0-9]+)\.pem$ ]] || fail "$live/$f.pem -> $t"
    n=${BASH_REMATCH[1]}
    [[ -z "$v" || "$v" == "$n" ]] || fail "$live: links point at versions $v and $n"
    v=$n
  done
  echo "$v"
}
assert_version() { assert_eq "$(version "$1")" "$2" "version of lineage $1"; }

# check_cert NAME: the live cert verifies to Pebble's root and matches the key.
check_cert() {
  local live="$CB_CONFIG/live/$1" out
  out=$(openssl verify -CAfile "$ITEST_DIR/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
    fail "$1: certificate does not verify: $out"
  assert_eq "$(openssl pkey -in "$live/privkey.pem" -pubout)" \
    "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" "key of $1 matches its cert"
}

# Names for lineage "weird": every shell construct that would run a command
# if RENEWED_LINEAGE were ever pasted into a shell command line.
weird='w$(touch${IFS}PWNED1);touch${IFS}PWNED2;`touch${IFS}PWNED3`|touch${IFS}PWNED4'

# --- set-up: three lineages ---------------------------------------------------------
# hook.sh WORD: appends "WORD|lineage=..|domains=..|failed=.." to $hooklog.
hooklog="$ITEST_DIR/hooks.log"
hook="$ITEST_DIR/hook.sh"
cat >"$hook" <<EOF
#!/bin/sh
printf '%s|lineage=%s|domains=%s|failed=%s\n' "\$1" "\${RENEWED_LINEAGE-unset}" "\${RENEWED_DOMAINS-unset}" "\${FAILED_DOMAINS-unset}" >>'$hooklog'
EOF
chmod 755 "$hook"
: >"$hooklog"
ours issue-a certonly --webroot -w "$webroot" -d a.example -d a2.example --register-unsafely-without-email
[[ $RC -eq 0 ]] || fail "certonly a.example failed"
ours issue-b certonly --webroot -w "$webroot" -d b.example
[[ $RC -eq 0 ]] || fail "certonly b.example failed"
ours issue-weird certonly --webroot -w "$webroot" -d w.example --cert-name "$weird"
[[ $RC -eq 0 ]] || fail "certonly --cert-name '$weird' failed"
[[ -d "$CB_CONFIG/live/$weird" ]] || fail "no live/ directory for cert name '$weird'"
for n in a.example b.example "$weird"; do assert_version "$n" 1; done
mkdir -p "$CB_CONFIG/renewal-hooks/pre" "$CB_CONFIG/renewal-hooks/deploy" "$CB_CONFIG/renewal-hooks/post"
sleep 1 # mtimes of the set-up are strictly older than the marker below

# --- nothing due -----------------------------------------------------------------------
touch "$ITEST_DIR/marker"
start=$SECONDS
# Without --no-random-sleep-on-renew: nothing is due, so there must be no delay either.
CB_TIMEOUT=20 ours nothing-due renew
[[ $RC -eq 0 ]] || fail "renew with nothing due exited $RC"
((SECONDS - start <= 5)) || fail "renew with nothing due took $((SECONDS - start)) s (random sleep?)"
assert_contains "$OUT" "No renewals were attempted"
assert_contains "$OUT" "not due for renewal"
changed=$(find "$CB_CONFIG" -newer "$ITEST_DIR/marker" -type f)
[[ -z "$changed" ]] || fail "renew with nothing due changed files in the config dir: $changed"
for n in a.example b.example "$weird"; do assert_version "$n" 1; done
renew nothing-due-quiet -q
[[ $RC -eq 0 ]] || fail "renew -q with nothing due exited $RC"
assert_eq "$OUT" "" "output of renew -q with nothing due"
changed=$(find "$CB_CONFIG" -newer "$ITEST_DIR/marker" -type f)
[[ -z "$changed" ]] || fail "renew -q with nothing due changed files in the config dir: $changed"
pass "nothing due: exit 0, no renewals, config dir untouched; -q prints nothing"

# --- unknown --cert-name --------------------------------------------------------------
renew cert-name-nope --cert-name nope
assert_eq "$RC" 1 "exit status of renew --cert-name nope"
assert_contains "$OUT" "nope"
pass "--cert-name nope: exit $RC, message names it"

# --- dry run --------------------------------------------------------------------------
touch "$ITEST_DIR/marker"
renew dry-run --dry-run --force-renewal --cert-name a.example --deploy-hook "$hook dry-run-deploy"
[[ $RC -eq 0 ]] || fail "renew --dry-run exited $RC"
assert_not_contains "$hooklog" "^dry-run-deploy"
assert_contains "$OUT" "simulated"
assert_contains "$OUT" "a\.example/fullchain\.pem \(success\)"
assert_version a.example 1
assert_no_file "$CB_CONFIG/archive/a.example/cert2.pem"
assert_no_file "$CB_CONFIG/archive/a.example/privkey2.pem"
changed=$(find "$CB_CONFIG" -newer "$ITEST_DIR/marker" -type f)
[[ -z "$changed" ]] || fail "renew --dry-run changed files in the config dir: $changed"
pass "--dry-run --force-renewal: simulated success, nothing saved, no deploy hook"

# --- a broken conf does not stop the others -----------------------------------------------
printf 'this is [not a renewal conf\n\x01\x02 = = =\n[[[\n' >"$CB_CONFIG/renewal/broken.conf"
# b.example's conf with a port that is not a number: refused before anything is ordered.
sed -e '/^http01_port/d' -e '/^\[renewalparams\]/a http01_port = abc' \
  "$CB_CONFIG/renewal/b.example.conf" >"$CB_CONFIG/renewal/typed.conf"
renew broken-conf --force-renewal
assert_eq "$RC" 4 "exit status of renew with a broken conf and lineages renewed (some renewed, some failed)"
assert_contains "$OUT" "broken\.conf"
assert_contains "$OUT" "typed\.conf: http01_port = \"abc\" is not a port number"
assert_contains "$OUT" "2 parse failure"
assert_no_file "$CB_CONFIG/archive/typed"
assert_contains "$OUT" "a\.example/fullchain\.pem \(success\)"
assert_contains "$OUT" "b\.example/fullchain\.pem \(success\)"
for n in a.example b.example "$weird"; do
  assert_version "$n" 2
  check_cert "$n"
done
rm -f "$CB_CONFIG/renewal/broken.conf" "$CB_CONFIG/renewal/typed.conf"
pass "broken conf and a wrong-typed value: exit $RC, named, the good lineages renewed"

# --- renew_before_expiry makes one lineage due ----------------------------------------------
sed -i '1i renew_before_expiry = 1000000 days' "$CB_CONFIG/renewal/b.example.conf"
renew rbe
[[ $RC -eq 0 ]] || fail "renew with renew_before_expiry exited $RC"
assert_contains "$OUT" "b\.example/fullchain\.pem \(success\)"
assert_contains "$OUT" "a\.example/fullchain\.pem .*skipped"
assert_version b.example 3
assert_version a.example 2
assert_version "$weird" 2
check_cert b.example
assert_contains "$CB_CONFIG/renewal/b.example.conf" '^renew_before_expiry = 1000000 days$'
sed -i '/^renew_before_expiry/d' "$CB_CONFIG/renewal/b.example.conf"
pass "renew_before_expiry = 1000000 days: only that lineage renewed, setting kept"

# --- hooks -------------------------------------------------------------------------------
for kind in pre deploy post; do
  d="$CB_CONFIG/renewal-hooks/$kind"
  printf '#!/bin/sh\nexec %s dir-%s\n' "$hook" "$kind" >"$d/10-hook"
  printf '#!/bin/sh\nexec %s backup-%s\n' "$hook" "$kind" >"$d/20-hook~"
  printf '#!/bin/sh\nexec %s noexec-%s\n' "$hook" "$kind" >"$d/30-noexec"
  chmod 755 "$d/10-hook" "$d/20-hook~"
  chmod 644 "$d/30-noexec"
done

# count WORD: lines of the hook log whose first field is WORD.
count() { awk -F'|' -v w="$1" '$1 == w' "$hooklog" | wc -l; }
# check_deploys KIND: one deploy line of KIND per lineage, right env values.
check_deploys() {
  assert_eq "$(count "$1")" 3 "$1 hook runs (one per renewed lineage)"
  assert_contains "$hooklog" "^$1\|lineage=$CB_CONFIG/live/a\.example\|domains=a\.example a2\.example\|"
  assert_contains "$hooklog" "^$1\|lineage=$CB_CONFIG/live/b\.example\|domains=b\.example\|"
  grep -Fxq "$1|lineage=$CB_CONFIG/live/$weird|domains=w.example|failed=unset" "$hooklog" ||
    fail "no $1 line for the lineage '$weird' in $(cat "$hooklog")"
}
# check_post KIND: the post hook saw every renewed name.
check_post() {
  local line d
  line=$(awk -F'|' -v w="$1" '$1 == w' "$hooklog")
  for d in a.example a2.example b.example w.example; do
    [[ "$line" =~ domains=([^|]*\ )?$d(\ [^|]*)?\| ]] || fail "$1 hook: RENEWED_DOMAINS lacks $d: $line"
  done
}
assert_no_pwned() {
  local found
  found=$(find "$ITEST_DIR" -name 'PWNED*')
  [[ -z "$found" ]] || fail "a shell construct in an env value was executed: $found"
}

: >"$hooklog"
renew hooks --force-renewal --pre-hook "$hook pre" --post-hook "$hook post" --deploy-hook "$hook deploy"
[[ $RC -eq 0 ]] || fail "renew with hooks exited $RC"
assert_eq "$(count pre)" 1 "--pre-hook runs"
assert_eq "$(count dir-pre)" 1 "renewal-hooks/pre/10-hook runs"
check_deploys deploy
check_deploys dir-deploy
assert_eq "$(count post)" 1 "--post-hook runs"
assert_eq "$(count dir-post)" 1 "renewal-hooks/post/10-hook runs"
check_post post
check_post dir-post
assert_not_contains "$hooklog" "^(backup|noexec)-"
# Order: pre hooks before any deploy, post after all.
assert_eq "$(awk -F'|' '{print $1}' "$hooklog" | head -2 | sort | paste -sd,)" "dir-pre,pre" "first two hooks"
assert_eq "$(awk -F'|' '{print $1}' "$hooklog" | tail -2 | sort | paste -sd,)" "dir-post,post" "last two hooks"
assert_no_pwned
for n in a.example "$weird"; do assert_version "$n" 3; done
assert_version b.example 4
# The hooks are stored for later renewals (the deploy hook as renew_hook).
for n in a.example b.example "$weird"; do
  conf="$CB_CONFIG/renewal/$n.conf"
  grep -Fxq "renew_hook = $hook deploy" "$conf" || fail "$conf lacks renew_hook = $hook deploy"
  grep -Fxq "pre_hook = $hook pre" "$conf" || fail "$conf lacks pre_hook = $hook pre"
  grep -Fxq "post_hook = $hook post" "$conf" || fail "$conf lacks post_hook = $hook post"
done
pass "hooks: pre once, deploy per lineage with RENEWED_*, post once; dir hooks; ~ and non-executable skipped"

# A later plain renew runs the stored hooks again; --no-directory-hooks drops the directory ones.
: >"$hooklog"
renew stored-hooks --force-renewal --no-directory-hooks
[[ $RC -eq 0 ]] || fail "renew with stored hooks exited $RC"
assert_eq "$(count pre)" 1 "stored pre_hook runs"
check_deploys deploy
assert_eq "$(count post)" 1 "stored post_hook runs"
check_post post
assert_not_contains "$hooklog" "^(dir|backup|noexec)-"
assert_no_pwned
pass "stored hooks run by a plain renew; --no-directory-hooks"

# --- one lineage fails: the others renew, deploy only for them, FAILED_DOMAINS ----------------
# b.example's stored account becomes one this config dir does not hold: its renewal fails before
# any order, whatever Pebble does with authorizations (it reuses a valid one 1 time in 100 even
# with PEBBLE_AUTHZREUSE=0, so a failing validation would not fail reliably).
cp "$CB_CONFIG/renewal/b.example.conf" "$ITEST_DIR/b.example.conf.saved"
sed -i "s#^account = .*#account = 0123456789abcdef0123456789abcdef#" "$CB_CONFIG/renewal/b.example.conf"
assert_contains "$CB_CONFIG/renewal/b.example.conf" "^account = 0123456789abcdef0123456789abcdef$"
: >"$hooklog"
renew one-fails --force-renewal --no-directory-hooks
assert_eq "$RC" 4 "exit status of renew with one failing lineage (some renewed, some failed)"
assert_contains "$OUT" "b\.example/fullchain\.pem \(failure\)"
assert_contains "$OUT" "Failed to renew certificate b\.example: Account 0123456789abcdef0123456789abcdef was not found"
assert_contains "$OUT" "a\.example/fullchain\.pem \(success\)"
assert_eq "$(count deploy)" 2 "deploy hook runs when 2 of 3 lineages renewed"
assert_not_contains "$hooklog" "^deploy\|lineage=$CB_CONFIG/live/b\.example\|"
assert_eq "$(count pre)" 1 "pre hook runs"
assert_eq "$(count post)" 1 "post hook runs"
assert_contains "$hooklog" "^post\|.*\|failed=b\.example\$"
for n in a.example "$weird"; do assert_version "$n" 5; done
assert_version b.example 5
cp "$ITEST_DIR/b.example.conf.saved" "$CB_CONFIG/renewal/b.example.conf"
pass "one lineage failing: exit $RC, others renewed, deploy hooks only for them, FAILED_DOMAINS=b.example"

# --- lock ---------------------------------------------------------------------------------
bg_start "lock holder" "$ITEST_DIR/lock-holder.log" python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
time.sleep(8)
' "$CB_CONFIG/.certbot.lock"
holder=$BG_PID
deadline=$((SECONDS + 10))
until grep -q locked "$ITEST_DIR/lock-holder.log"; do
  ((SECONDS < deadline)) || fail "the lock holder did not take the lock"
  sleep 0.05
done
t0=$(date +%s%N)
renew locked --force-renewal
t1=$(date +%s%N)
assert_eq "$RC" 3 "exit status of renew while the config dir is locked"
assert_contains "$OUT" "Another instance of Certbot is already running"
# "At once": well within the 8 s the holder keeps the lock. A sanitized build, slower to start and
# leak-checked at exit, took 2.1-2.4 s here under heavy load (two copies of this test and two busy
# loops on 2 cores): it gets 5 s.
limit=2000
[[ "${CERTBOT_TEST_SANITIZED:-0}" == 1 ]] && limit=5000
(((t1 - t0) / 1000000 < limit)) || fail "locked renew took $(((t1 - t0) / 1000000)) ms, expected to exit at once (< $limit ms)"
kill -0 "$holder" 2>/dev/null || fail "lock holder ended early: the check above did not race it"
for n in a.example b.example "$weird"; do assert_version "$n" 5; done
kill -KILL "$holder"
bg_stop "$holder"
renew after-lock --cert-name a.example --force-renewal
[[ $RC -eq 0 ]] || fail "renew after the lock holder was killed exited $RC"
assert_version a.example 6
pass "lock held elsewhere: exit 3 at once; free again after the holder died"

# --- parallel renewal -------------------------------------------------------------------------
certbot_dirs
itest_log "certbot log (parallel)" "$CB_LOGS/letsencrypt.log"
for i in 1 2 3 4 5 6; do
  ours "issue-p$i" certonly --webroot -w "$webroot" -d "p$i.example" --register-unsafely-without-email
  [[ $RC -eq 0 ]] || fail "certonly p$i.example failed"
done
renew parallel --force-renewal --renewal-workers 4
[[ $RC -eq 0 ]] || fail "parallel renew exited $RC"
assert_contains "$OUT" "Congratulations, all renewals succeeded"
for i in 1 2 3 4 5 6; do
  assert_contains "$OUT" "p$i\.example/fullchain\.pem \(success\)"
  assert_version "p$i.example" 2
  check_cert "p$i.example"
  assert_cert_sans "$CB_CONFIG/live/p$i.example/cert.pem" "p$i.example"
  assert_no_file "$CB_CONFIG/archive/p$i.example/cert3.pem"
done
mapfile -t accts < <(find "$CB_CONFIG/accounts" -mindepth 3 -maxdepth 3 -type d)
assert_eq "${#accts[@]}" 1 "accounts after the parallel renewal"
pass "6 lineages renewed with --renewal-workers 4"

pass "renew semantics"
