#!/usr/bin/env bash
# The manual plugin against a local Pebble:
#   1. http-01 with the user guide's example hooks ("Pre and Post Validation Hooks"), only the
#      path /var/www/htdocs replaced by a local webroot that a real HTTP server serves;
#      the hook environment (CERTBOT_DOMAIN/VALIDATION/TOKEN/REMAINING_CHALLENGES/ALL_DOMAINS,
#      CERTBOT_AUTH_OUTPUT for cleanup); the renewal conf keeps the hooks; `renew` reruns them;
#   2. dns-01 (--preferred-challenges=dns) with the guide's Cloudflare example, its curl lines
#      replaced by calls to pebble-challtestsrv's API, for <zone> and *.<zone>: one lineage
#      named <zone>;
#   3. an auth hook that fails: clear error naming the hook, cleanup still runs for every
#      challenge whose auth hook ran; also after a failed validation;
#   4. no hook and no terminal: fails at once naming --manual-auth-hook (no wait on stdin);
#   5. a wildcard with --preferred-challenges http: refused before any order;
#   6. Python certbot (the oracle) writes the same manual_* keys; we renew its lineage;
#   7. interactive (--force-interactive): the TXT name and value are shown, Enter continues.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

# No authorization reuse: every run must challenge (and run the hooks) again.
pebble_prologue --authz-reuse 0

RUN_OURS_EXTRA=(--register-unsafely-without-email)

hooks="$ITEST_DIR/hooks"
mkdir -p "$hooks"
htdocs="$ITEST_DIR/htdocs"
mkdir -p "$htdocs/.well-known/acme-challenge"

# --- 1. http-01 with the guide's example hooks -------------------------------------------
# /path/to/http/authenticator.sh and cleanup.sh, verbatim but for the webroot path.
cat >"$hooks/http-auth.sh" <<EOF
#!/bin/bash
echo \$CERTBOT_VALIDATION > $htdocs/.well-known/acme-challenge/\$CERTBOT_TOKEN
EOF
cat >"$hooks/http-cleanup.sh" <<EOF
#!/bin/bash
rm -f $htdocs/.well-known/acme-challenge/\$CERTBOT_TOKEN
EOF
# Wrappers that also record the environment each hook saw.
cat >"$hooks/record-auth.sh" <<EOF
#!/bin/bash
env | grep '^CERTBOT_' | sort >"$hooks/auth.env.\$CERTBOT_DOMAIN"
echo "auth output for \$CERTBOT_DOMAIN"
exec $hooks/http-auth.sh
EOF
cat >"$hooks/record-cleanup.sh" <<EOF
#!/bin/bash
env | grep '^CERTBOT_' | sort >"$hooks/cleanup.env.\$CERTBOT_DOMAIN"
exec $hooks/http-cleanup.sh
EOF
chmod +x "$hooks"/*.sh

bg_start "http.server $htdocs" "$ITEST_DIR/http.log" \
  "$PY" -m http.server --bind 127.0.0.1 --directory "$htdocs" "$HTTP01_PORT"
wait_for_port "$HTTP01_PORT" 10 || fail "http.server did not listen on $HTTP01_PORT"

run_ours http certonly --manual --preferred-challenges=http \
  --manual-auth-hook "$hooks/record-auth.sh" --manual-cleanup-hook "$hooks/record-cleanup.sh" \
  -d m.example -d www.m.example || fail "certonly --manual (http-01 hooks) failed"
assert_cert_sans "$CB_CONFIG/live/m.example/cert.pem" m.example www.m.example
assert_eq "$(find "$htdocs/.well-known/acme-challenge" -type f | wc -l)" 0 "files left by the cleanup hook"
assert_eq "$(grep -c 'GET /.well-known/acme-challenge/[A-Za-z0-9_-]* HTTP/1.1" 200' "$ITEST_DIR/http.log")" 6 \
  "challenge fetches answered from the files the hook wrote"

a1="$hooks/auth.env.m.example" a2="$hooks/auth.env.www.m.example"
assert_file "$a1"
assert_file "$a2"
assert_contains "$a1" '^CERTBOT_ALL_DOMAINS=(m\.example,www\.m\.example|www\.m\.example,m\.example)$'
assert_contains "$a1" '^CERTBOT_DOMAIN=m\.example$'
assert_contains "$a2" '^CERTBOT_DOMAIN=www\.m\.example$'
# One REMAINING_CHALLENGES=1 and one =0, whatever order the CA listed the authorizations in.
assert_eq "$(cat "$a1" "$a2" | grep '^CERTBOT_REMAINING_CHALLENGES=' | sort | paste -sd' ')" \
  "CERTBOT_REMAINING_CHALLENGES=0 CERTBOT_REMAINING_CHALLENGES=1" "REMAINING_CHALLENGES"
token=$(sed -n 's/^CERTBOT_TOKEN=//p' "$a1")
validation=$(sed -n 's/^CERTBOT_VALIDATION=//p' "$a1")
[[ "$token" =~ ^[A-Za-z0-9_-]{20,}$ ]] || fail "CERTBOT_TOKEN '$token' is not a base64url token"
assert_eq "${validation%%.*}" "$token" "CERTBOT_VALIDATION is the key authorization <token>.<thumbprint>"
c1="$hooks/cleanup.env.m.example"
assert_file "$c1"
assert_contains "$c1" '^CERTBOT_AUTH_OUTPUT=auth output for m\.example$'
assert_contains "$c1" "^CERTBOT_TOKEN=$token\$"
assert_contains "$c1" "^CERTBOT_VALIDATION=$validation\$"

conf="$CB_CONFIG/renewal/m.example.conf"
soft assert_contains "$conf" '^authenticator = manual$'
soft assert_contains "$conf" "^manual_auth_hook = $hooks/record-auth\.sh\$"
soft assert_contains "$conf" "^manual_cleanup_hook = $hooks/record-cleanup\.sh\$"
soft assert_contains "$conf" '^pref_challs = http-01,$'
soft_done
pass "http-01 with the guide's example hooks; environment and renewal conf as certbot's"

# renew: unattended, from the stored hooks.
rm -f "$hooks"/auth.env.* "$hooks"/cleanup.env.*
# With an account that has validated nothing, Pebble has no authorization to reuse: every name
# is challenged again.
use_fresh_account m.example
run_ours renew renew --cert-name m.example --force-renewal --no-random-sleep-on-renew || fail "renew with stored manual hooks failed"
assert_file "$CB_CONFIG/archive/m.example/cert2.pem"
assert_eq "$(find "$hooks" -name 'auth.env.*' | wc -l)" 2 "auth hook runs on renew (m.example, www.m.example)"
assert_eq "$(find "$hooks" -name 'cleanup.env.*' | wc -l)" 2 "cleanup hook runs on renew"
drop_fresh_account m.example
pass "renew reran the stored --manual-auth-hook/--manual-cleanup-hook"

# --- 2. dns-01 with the guide's Cloudflare example -----------------------------------------
# Verbatim but for: the curl calls to api.cloudflare.com (-> challtestsrv's /set-txt and
# /clear-txt), `python` (-> the zone/record ids are plain strings) and `sleep 25` (-> 1).
cat >"$hooks/dns-auth.sh" <<'EOF'
#!/bin/bash

# Get your API key from https://www.cloudflare.com/a/account/my-account
API_KEY="your-api-key"
EMAIL="your.email@example.com"

# Strip only the top domain to get the zone id
DOMAIN=$(expr match "$CERTBOT_DOMAIN" '.*\.\(.*\..*\)')

# Get the Cloudflare zone id
ZONE_ID="zone-$CERTBOT_DOMAIN"

# Create TXT record
CREATE_DOMAIN="_acme-challenge.$CERTBOT_DOMAIN"
RECORD_ID=$(curl -fsS -X POST "$CHALLTEST_MGMT_URL/set-txt" \
     --data '{"host":"'"$CREATE_DOMAIN"'.","value":"'"$CERTBOT_VALIDATION"'"}' && echo "rec-$CERTBOT_REMAINING_CHALLENGES")
# Save info for cleanup
if [ ! -d /tmp/CERTBOT_$CERTBOT_DOMAIN ];then
        mkdir -m 0700 /tmp/CERTBOT_$CERTBOT_DOMAIN
fi
echo $ZONE_ID > /tmp/CERTBOT_$CERTBOT_DOMAIN/ZONE_ID
echo $RECORD_ID > /tmp/CERTBOT_$CERTBOT_DOMAIN/RECORD_ID

# Sleep to make sure the change has time to propagate over to DNS
sleep 1
EOF
cat >"$hooks/dns-cleanup.sh" <<'EOF'
#!/bin/bash

# Get your API key from https://www.cloudflare.com/a/account/my-account
API_KEY="your-api-key"
EMAIL="your.email@example.com"

if [ -f /tmp/CERTBOT_$CERTBOT_DOMAIN/ZONE_ID ]; then
        ZONE_ID=$(cat /tmp/CERTBOT_$CERTBOT_DOMAIN/ZONE_ID)
        rm -f /tmp/CERTBOT_$CERTBOT_DOMAIN/ZONE_ID
fi

if [ -f /tmp/CERTBOT_$CERTBOT_DOMAIN/RECORD_ID ]; then
        RECORD_ID=$(cat /tmp/CERTBOT_$CERTBOT_DOMAIN/RECORD_ID)
        rm -f /tmp/CERTBOT_$CERTBOT_DOMAIN/RECORD_ID
fi

# Remove the challenge TXT record from the zone
if [ -n "${ZONE_ID}" ]; then
    if [ -n "${RECORD_ID}" ]; then
        curl -fsS -X POST "$CHALLTEST_MGMT_URL/clear-txt" \
                --data '{"host":"_acme-challenge.'"$CERTBOT_DOMAIN"'."}'
        echo "cleaned $RECORD_ID" >>"$CLEANUP_LOG"
    fi
fi
EOF
chmod +x "$hooks"/*.sh
# The example keeps its state in /tmp/CERTBOT_<domain>; a unique zone name keeps parallel runs apart.
zone="dns$$-$RANDOM.example"
on_exit "rm -rf /tmp/CERTBOT_$zone"
export CLEANUP_LOG="$ITEST_DIR/dns-cleanup.log"
run_ours dns certonly --manual --preferred-challenges=dns \
  --manual-auth-hook "$hooks/dns-auth.sh" --manual-cleanup-hook "$hooks/dns-cleanup.sh" \
  -d "*.$zone" -d "$zone" || fail "certonly --manual (dns-01 hooks) failed"
assert_file "$CB_CONFIG/live/$zone/cert.pem"
assert_cert_sans "$CB_CONFIG/live/$zone/cert.pem" "*.$zone" "$zone"
assert_no_file "$CB_CONFIG/live/*.$zone"
# Both challenges share CERTBOT_DOMAIN, so the example's /tmp/CERTBOT_<domain> state is
# overwritten by the second auth run and only the first cleanup finds a record id (the same
# happens with Python certbot); that cleanup clears the name's TXT records.
assert_eq "$(wc -l <"$CLEANUP_LOG")" 1 "cleanup hook runs that found the example's state"
txt=$(dig +short +time=2 +tries=1 -p "$DNS_PORT" @127.0.0.1 TXT "_acme-challenge.$zone")
assert_eq "$txt" "" "TXT records left for _acme-challenge.$zone"
assert_no_file "/tmp/CERTBOT_$zone/RECORD_ID"
soft assert_contains "$CB_CONFIG/renewal/$zone.conf" '^pref_challs = dns-01,$'
soft assert_contains "$CB_CONFIG/renewal/$zone.conf" "^manual_auth_hook = $hooks/dns-auth\.sh\$"
soft_done
pass "dns-01 with the guide's example hooks for *.$zone and $zone; lineage $zone"

# --- 3. a failing auth hook ----------------------------------------------------------------------
cat >"$hooks/fail-auth.sh" <<EOF
#!/bin/bash
echo "ran \$CERTBOT_DOMAIN" >>"$hooks/fail-auth.log"
if [ "\$CERTBOT_REMAINING_CHALLENGES" = 0 ]; then echo "cannot publish \$CERTBOT_DOMAIN" >&2; exit 3; fi
echo "partial-\$CERTBOT_DOMAIN"
EOF
cat >"$hooks/note-cleanup.sh" <<EOF
#!/bin/bash
echo "cleanup \$CERTBOT_DOMAIN [\$CERTBOT_AUTH_OUTPUT]" >>"$hooks/note-cleanup.log"
EOF
chmod +x "$hooks"/*.sh
before=$(pebble_orders)
# must fail: certonly when the auth hook failed
run_ours_expect 1 failhook certonly --manual --preferred-challenges dns \
  --manual-auth-hook "$hooks/fail-auth.sh" --manual-cleanup-hook "$hooks/note-cleanup.sh" \
  -d f1.example -d f2.example
out=$(cat "$ITEST_DIR/failhook.out")
assert_contains "$out" 'manual-auth-hook.*fail-auth\.sh.* failed for f[12]\.example \(exit status 3\)'
assert_eq "$(wc -l <"$hooks/fail-auth.log")" 2 "auth hook runs"
assert_eq "$(wc -l <"$hooks/note-cleanup.log")" 2 "cleanup hook runs after a failed auth hook"
assert_contains "$hooks/note-cleanup.log" '^cleanup f[12]\.example \[partial-f[12]\.example\]$'
assert_contains "$hooks/note-cleanup.log" '^cleanup f[12]\.example \[\]$'
assert_no_file "$CB_CONFIG/live/f1.example"
((before + 1 == $(pebble_orders))) || fail "expected exactly one order for the failing run"
pass "a failing auth hook: clear error, cleanup ran for both challenges"

# The hooks succeed but publish nothing: validation fails, cleanup still runs.
: >"$hooks/note-cleanup.log"
# must fail: certonly when nothing was published
run_ours_expect 1 novalid certonly --manual --preferred-challenges dns-01,http-01 \
  --manual-auth-hook 'echo published-nothing' --manual-cleanup-hook "$hooks/note-cleanup.sh" \
  -d v1.example
assert_contains "$ITEST_DIR/novalid.out" 'Some challenges have failed'
assert_contains "$ITEST_DIR/novalid.out" 'Type: +dns-01' # the first of dns-01,http-01
assert_eq "$(cat "$hooks/note-cleanup.log")" "cleanup v1.example [published-nothing]" \
  "cleanup hook after a failed validation"
pass "failed validation: cleanup hook ran with CERTBOT_AUTH_OUTPUT"

# --- 4. no hook, no terminal -------------------------------------------------------------------
start=$SECONDS
rc=0
timeout 60 "$CERTBOT" certonly --manual -d n.example --config-dir "$CB_CONFIG" \
  --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" --server "$PEBBLE_DIR_URL" --agree-tos \
  --register-unsafely-without-email < <(exec sleep 50 >/dev/null 2>&1) >"$ITEST_DIR/notty.out" 2>&1 ||
  rc=$?
kill "$!" 2>/dev/null || true # the stdin writer that never writes
((rc != 0)) || fail "certonly --manual without a hook or terminal succeeded"
((rc != 124)) || fail "certonly --manual without a terminal waited on stdin"
((SECONDS - start < 20)) || fail "certonly --manual without a terminal took $((SECONDS - start)) s"
assert_contains "$ITEST_DIR/notty.out" '--manual-auth-hook'
pass "no hook and no terminal: fails at once naming --manual-auth-hook"

# --- 5. wildcard with http-01 only ---------------------------------------------------------------
before=$(pebble_orders)
# must fail: a wildcard with --preferred-challenges http
run_ours_expect 2 wildhttp certonly --manual --preferred-challenges http \
  --manual-auth-hook "$hooks/http-auth.sh" -d '*.w.example'
assert_contains "$ITEST_DIR/wildhttp.out" 'dns-01'
assert_eq "$(pebble_orders)" "$before" "orders placed for a wildcard that cannot be validated"
pass "wildcard with --preferred-challenges http: refused before ordering"

# --- 5b. a hook that does not exist: refused before ordering (CB_OPT_HOOK) --------------------
before=$(pebble_orders)
rc=0
run_ours nohook certonly --manual --preferred-challenges http \
  --manual-auth-hook "$hooks/no-such-hook.sh" -d nohook.example || rc=$?
assert_eq "$rc" 2 "exit status for a missing --manual-auth-hook program"
assert_contains "$ITEST_DIR/nohook.out" 'Unable to find --manual-auth-hook command .*no-such-hook\.sh'
assert_eq "$(pebble_orders)" "$before" "orders placed although the auth hook does not exist"
# --disable-hook-validation lets a shell construct through (it then fails when run).
rc=0
run_ours nohook2 certonly --manual --preferred-challenges http --disable-hook-validation \
  --manual-auth-hook "$hooks/no-such-hook.sh" -d nohook.example || rc=$?
assert_not_contains "$ITEST_DIR/nohook2.out" 'Unable to find --manual-auth-hook'
pass "a --manual-auth-hook that does not exist: exit 2 before any order; --disable-hook-validation skips the check"

# --- 6. Python certbot as the oracle: the same renewal-conf keys ------------------------------------
cat >"$hooks/set-txt.sh" <<'H'
#!/bin/bash
curl -fsS -X POST "$CHALLTEST_MGMT_URL/set-txt" \
  --data '{"host":"_acme-challenge.'"$CERTBOT_DOMAIN"'.","value":"'"$CERTBOT_VALIDATION"'"}'
H
chmod +x "$hooks/set-txt.sh"
itest_log "python certbot" "$ITEST_DIR/py.out"
cb_run "$PYCERTBOT" certonly --manual --preferred-challenges dns \
  --manual-auth-hook "$hooks/set-txt.sh" --manual-cleanup-hook "$hooks/note-cleanup.sh" \
  -d py.example --register-unsafely-without-email >"$ITEST_DIR/py.out" 2>&1 ||
  fail "Python certbot --manual with the same hooks failed"
run_ours oracle certonly --manual --preferred-challenges dns \
  --manual-auth-hook "$hooks/set-txt.sh" --manual-cleanup-hook "$hooks/note-cleanup.sh" \
  -d ours.example || fail "our certonly --manual with the oracle's flags failed"
manual_keys() { grep -E '^(authenticator|pref_challs|manual_[a-z_]+) = ' "$1" | sort; }
assert_eq "$(manual_keys "$CB_CONFIG/renewal/ours.example.conf")" \
  "$(manual_keys "$CB_CONFIG/renewal/py.example.conf")" "manual keys: ours vs Python certbot's"
run_ours pyrenew renew --cert-name py.example --force-renewal --no-random-sleep-on-renew ||
  fail "renewing Python certbot's manual lineage failed"
assert_file "$CB_CONFIG/archive/py.example/cert2.pem"
pass "same manual_* renewal keys as Python certbot; we renew its lineage with its hooks"

# --- 7. interactive: instructions on stdout, Enter on stdin ------------------------------------------
# --force-interactive stands in for a terminal; a coprocess plays the user: it reads the TXT name
# and value from the instructions, publishes them through challtestsrv, and presses Enter.
mapfile -t common < <(cb_common_args)
common=("${common[@]/#-n/--force-interactive}")
coproc PERSON { timeout 60 "$CERTBOT" certonly --manual --preferred-challenges dns -d talk.example \
  --register-unsafely-without-email "${common[@]}" 2>"$ITEST_DIR/talk.err"; }
# Bash drops PERSON and PERSON_PID as soon as the coprocess ends, and its descriptors never reach
# $(...) subshells: keep copies.
# shellcheck disable=SC2153 # PERSON_PID is set by coproc
person_pid=$PERSON_PID
exec {from_person}<&"${PERSON[0]}" {to_person}>&"${PERSON[1]}"
itest_log "certbot talk (stderr)" "$ITEST_DIR/talk.err"
name="" value="" transcript=""
while IFS= read -r -t 30 line <&"$from_person"; do
  transcript+="$line"$'\n'
  if [[ "$transcript" == *"Please deploy a DNS TXT record under the name:"* && -z "$name" && "$line" == _acme-challenge.* ]]; then
    name=$line
  elif [[ -n "$name" && -z "$value" && "$transcript" == *"with the following value:"* && "$line" =~ ^[A-Za-z0-9_-]{43}$ ]]; then
    value=$line
  fi
  # The last line before the prompt ("Press Enter to Continue" has no newline).
  [[ "$line" == *"you've just added."* ]] && break
done
printf '%s' "$transcript" >"$ITEST_DIR/talk.out"
itest_log "certbot talk" "$ITEST_DIR/talk.out"
assert_eq "$name" "_acme-challenge.talk.example." "TXT name shown (with the root dot)"
[[ -n "$value" ]] || fail "no TXT value in the instructions"
challtest_set_txt "_acme-challenge.talk.example" "$value"
echo >&"$to_person"
exec {to_person}>&-
rest=$(cat <&"$from_person")
exec {from_person}<&-
wait "$person_pid" || fail "interactive certonly --manual failed: $rest"
assert_contains "$rest" 'Press Enter to Continue'
assert_contains "$rest" 'Successfully received certificate'
assert_cert_sans "$CB_CONFIG/live/talk.example/cert.pem" talk.example
pass "interactive: showed the TXT name and value, waited for Enter, got the certificate"
