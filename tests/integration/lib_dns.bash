# shellcheck shell=bash
# The common part of the dns_<provider>.sh integration tests: a fake of the provider's API
# (fakes/fake_dns_api.py, HTTPS with the test CA) that publishes the TXT records it holds into
# pebble-challtestsrv, so Pebble validates end to end. Source after lib.sh, set the variables
# below, then call dns_suite. Not a file ctest runs (the glob is *.sh).
#
#   DNS_PROVIDER     cloudflare | digitalocean | linode (the fake's --provider)
#   DNS_API_PATH     the API's base path (/client/v4, /v2, /v4)
#   DNS_SECRET       the test account's token / key (the fake accepts only it)
#   DNS_EMAIL        Cloudflare's Global API Key account (optional)
#   dns_good_ini     function printing a credentials file that works
#   dns_bad_ini      function printing one with a wrong secret
#   DNS_BAD_CREDS    regex the wrong-credentials error must match
#   DNS_NO_ZONE      regex the "zone not in the account" error must match
#   DNS_PY_URL_VAR   the environment variable that points the Python plugin's library at the
#                    fake ("" when it has none: the Python renewal conf is then written by hand)
#   DNS_DEFAULT_WAIT the plugin's certbot default for --dns-<provider>-propagation-seconds
#   DNS_GARBAGE_ERR  regex the error must match when the API answers with a body that is not
#                    JSON (default: "sent a response that is not JSON")
# Providers without a credentials file (Route 53) set DNS_CRED_OPT=0 and define dns_use (below)
# to put good or bad credentials into the environment; DNS_POSTS_FIRST_RUN is the number of
# DNS_CREATE_VERB requests (default POST) of the first run (default 2: one per record).
# Providers that keep one record set per name (Gehirn, NS1, Sakura Cloud) set DNS_WHOLE_SETS=1:
# they change a set rather than DELETE records one by one. DNS_LEAK_CHECK is the part of
# DNS_SECRET that must appear in no output (default: all of it).
DNS_CRED_OPT=1
DNS_POSTS_FIRST_RUN=2

# dns_use good|bad: sets CREDS, the credentials arguments of a run (and, for providers that
# read them from there, the environment).
dns_use() {
  if [[ "$1" == good ]]; then CREDS=(--"dns-$DNS_PROVIDER"-credentials "$DNS_INI"); else
    CREDS=(--"dns-$DNS_PROVIDER"-credentials "$DNS_BAD_INI"); fi
}

dns_suite() {
  local plugin="dns-$DNS_PROVIDER" key="dns_${DNS_PROVIDER}"
  pebble_prologue --authz-reuse 0
  RUN_OURS_EXTRA=(--register-unsafely-without-email)

  # --- the fake API ---
  local dir="$ITEST_DIR/fake-$DNS_PROVIDER" attempt
  tls_server_cert "$dir/tls"
  for attempt in 1 2 3; do
    FAKE_PORT=$(free_port)
    bg_start "fake $DNS_PROVIDER API" "$dir/server.$attempt.log" /usr/bin/python3 \
      "$ITEST_LIB_DIR/fakes/fake_dns_api.py" --provider "$DNS_PROVIDER" --port "$FAKE_PORT" \
      --cert "$dir/tls/cert.pem" --key "$dir/tls/key.pem" --challtestsrv "$CHALLTEST_MGMT_URL" \
      --zone x.test --zone other.test --secret "$DNS_SECRET" --email "${DNS_EMAIL:-}"
    wait_for_port "$FAKE_PORT" 10 && break
    bg_stop "$BG_PID"
    FAKE_PORT=""
  done
  [[ -n "$FAKE_PORT" ]] || fail "the fake $DNS_PROVIDER API did not start"
  FAKE_URL="https://127.0.0.1:$FAKE_PORT"
  local upper
  upper=$(tr 'a-z-' 'A-Z_' <<<"$plugin")
  export "CERTBOT_${upper}_API_URL=$FAKE_URL$DNS_API_PATH"

  local ini="$ITEST_DIR/$DNS_PROVIDER.ini"
  DNS_INI=$ini
  DNS_BAD_INI="$ITEST_DIR/$DNS_PROVIDER-bad.ini"
  (umask 077 && dns_good_ini >"$DNS_INI" && dns_bad_ini >"$DNS_BAD_INI")
  dns_use good

  # --- 1. x.test + *.x.test ---
  assert_eq "$(fake_txt x.test)" "someone-elses-record" "TXT records before the run"
  run_ours wild certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d x.test -d '*.x.test' ||
    fail "certonly --$plugin -d x.test -d '*.x.test' failed"
  assert_cert_sans "$CB_CONFIG/live/x.test/cert.pem" '*.x.test' x.test
  assert_eq "$(fake_txt x.test)" "someone-elses-record" \
    "TXT records after cleanup (ours deleted, the other kept)"
  assert_eq "$(fake_log | grep -c "^${DNS_CREATE_VERB:-POST} ")" "$DNS_POSTS_FIRST_RUN" \
    "${DNS_CREATE_VERB:-POST} requests"
  local conf="$CB_CONFIG/renewal/x.test.conf"
  soft assert_contains "$conf" "^authenticator = $plugin\$"
  ((DNS_CRED_OPT == 0)) || soft assert_contains "$conf" "^${key}_credentials = $ini\$"
  soft assert_contains "$conf" "^${key}_propagation_seconds = 0\$"
  soft_done
  local f
  for f in "$ITEST_DIR/wild.out" "$CB_LOGS/letsencrypt.log"; do
    grep -qF "${DNS_LEAK_CHECK:-$DNS_SECRET}" "$f" && fail "the API secret appears in $f"
  done
  pass "$plugin: x.test + *.x.test; only our records deleted; secret in no output"

  run_ours renew renew --cert-name x.test --force-renewal --no-random-sleep-on-renew ||
    fail "renew with the stored $plugin options failed"
  assert_file "$CB_CONFIG/archive/x.test/cert2.pem"
  assert_eq "$(fake_txt x.test)" "someone-elses-record" "TXT records after renew"
  pass "$plugin: renew from the stored options"

  # --- 2. wrong credentials, a zone not in the account ---
  dns_use bad
  # must fail: certonly with wrong credentials (a name never validated before: see section 3)
  run_ours_expect 1 badcreds certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d bad.x.test --cert-name badcreds
  assert_contains "$ITEST_DIR/badcreds.out" "$DNS_BAD_CREDS"
  assert_not_contains "$ITEST_DIR/badcreds.out" "${DNS_LEAK_CHECK:-$DNS_SECRET}"
  assert_no_file "$CB_CONFIG/live/badcreds"
  dns_use good
  pass "$plugin: wrong credentials: $(grep -Em1 "$DNS_BAD_CREDS" "$ITEST_DIR/badcreds.out")"

  # must fail: certonly for a zone the account does not own
  run_ours_expect 1 nozone certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d www.not-mine.test --cert-name nozone
  assert_contains "$ITEST_DIR/nozone.out" "$DNS_NO_ZONE"
  pass "$plugin: zone not in the account: clear error"

  # --- 3. an API error mid-run: the record already created is deleted ---
  # Names never validated before: Pebble reuses a valid authorization about 1% of the time even
  # with PEBBLE_AUTHZREUSE=0 (its check is rand.Intn(100) > percent), and a reused one would
  # create no record. For the same reason the deletions are counted from here, not from the start.
  local deleted_before
  deleted_before=$(fake_log | grep -c "^DELETE .* 20[04]$" || true)
  fake_config '{"fail_create_after": 1}'
  # must fail: certonly with an API error on the second record
  run_ours_expect 1 midrun certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d mid.x.test -d a.other.test --cert-name midrun
  fake_config '{}'
  assert_contains "$ITEST_DIR/midrun.out" "injected by the test"
  assert_eq "$(fake_txt x.test)" "someone-elses-record" "x.test TXT records after a failed run"
  assert_eq "$(fake_txt mid.x.test)" "" "mid.x.test TXT records after a failed run"
  assert_eq "$(fake_txt other.test)" "someone-elses-record" "other.test TXT records after a failed run"
  assert_eq "$(fake_txt a.other.test)" "" "a.other.test TXT records after a failed run"
  # (Route 53 and Google delete by POSTing a change)
  if [[ "$DNS_PROVIDER" != route53 && "$DNS_PROVIDER" != google && "${DNS_WHOLE_SETS:-0}" == 0 ]]; then
    assert_eq "$(fake_log | grep -c "^DELETE .* 20[04]$")" $((deleted_before + 1)) \
      "records deleted by the failed run (the one created before the error)"
  fi
  pass "$plugin: API error mid-run: the record created before it was deleted"

  # --- 3b. an answer that is not JSON, or too large: a clear error, nothing left behind ---
  local kind rc
  for kind in json huge; do
    fake_config "{\"garbage\": \"$kind\"}"
    rc=0
    # a name of its own: no authorization Pebble could reuse
    run_ours "garbage-$kind" certonly --"$plugin" "${CREDS[@]}" \
      --"$plugin"-propagation-seconds 0 -d "garbage-$kind.x.test" --cert-name garbage || rc=$?
    assert_eq "$rc" 1 "exit status with a $kind answer from the API"
    assert_eq "$(fake_log | grep -c " garbage-$kind$")" 1 "garbage-$kind answers sent"
    if [[ "$kind" == json ]]; then
      assert_contains "$ITEST_DIR/garbage-$kind.out" "${DNS_GARBAGE_ERR:-sent a response that is not JSON}"
    else
      assert_contains "$ITEST_DIR/garbage-$kind.out" "sent a response larger than 4194304 bytes"
    fi
    assert_eq "$(fake_txt "garbage-$kind.x.test")" "" "TXT records after a $kind answer"
  done
  fake_config '{}'
  pass "$plugin: an answer that is not JSON or is 5 MiB: a clear error, exit 1, nothing left"

  # --- 4. credentials readable by others ---
  if ((DNS_CRED_OPT == 1)); then
  chmod 644 "$ini"
  run_ours perms certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d perms.x.test --cert-name perms ||
    fail "certonly with a world-readable credentials file failed"
  assert_contains "$ITEST_DIR/perms.out" "Unsafe permissions on credentials configuration file: $ini"
  chmod 600 "$ini"
  pass "$plugin: world-readable credentials: warned"
  fi

  # --- 5. a lineage Python certbot's plugin wrote ---
  plugin_keys() { grep -E "^(authenticator|${key}_[a-z_]+) = " "$1" | sort; }
  if [[ -n "$DNS_PY_URL_VAR" ]] && "$PYCERTBOT" plugins 2>/dev/null | grep -q "^\* $plugin\$"; then
    itest_log "python certbot" "$ITEST_DIR/py.out"
    env "$DNS_PY_URL_VAR=$FAKE_URL$DNS_API_PATH${DNS_PY_URL_SUFFIX:-}" \
      timeout 120 "$PYCERTBOT" certonly --authenticator "$plugin" "${CREDS[@]}" \
      --"$plugin"-propagation-seconds 1 -d x.test -d '*.x.test' --cert-name py \
      --register-unsafely-without-email $(cb_common_args) >"$ITEST_DIR/py.out" 2>&1 ||
      fail "Python certbot with $plugin failed against the fake API"
    assert_eq "$(fake_txt x.test)" "someone-elses-record" "TXT records after Python certbot's run"
    run_ours keys certonly --"$plugin" "${CREDS[@]}" \
      --"$plugin"-propagation-seconds 1 -d x.test -d '*.x.test' --cert-name ours ||
      fail "our certonly with the oracle's flags failed"
    assert_eq "$(plugin_keys "$CB_CONFIG/renewal/ours.conf")" "$(plugin_keys "$CB_CONFIG/renewal/py.conf")" \
      "$plugin keys in our renewal conf vs Python certbot's"
    pass "$plugin: same renewal-conf keys as Python certbot-$plugin"
  else
    # The Python plugin's library cannot be pointed at the fake: the renewal conf as Python
    # certbot 2.1 writes it for this plugin (certbot.storage + the plugin's stored options).
    run_ours pybase certonly --"$plugin" "${CREDS[@]}" \
      --"$plugin"-propagation-seconds 0 -d x.test -d '*.x.test' --cert-name py ||
      fail "certonly for the hand-written Python lineage failed"
    local acct
    acct=$(sed -n 's/^account = //p' "$CB_CONFIG/renewal/py.conf")
    cat >"$CB_CONFIG/renewal/py.conf" <<EOF2
# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = $CB_CONFIG/archive/py
cert = $CB_CONFIG/live/py/cert.pem
privkey = $CB_CONFIG/live/py/privkey.pem
chain = $CB_CONFIG/live/py/chain.pem
fullchain = $CB_CONFIG/live/py/fullchain.pem

# Options used in the renewal process
[renewalparams]
account = $acct
$( ((DNS_CRED_OPT == 0)) || printf '%s_credentials = %s\n%s_propagation_seconds = 0' "$key" "$ini" "$key")
server = $PEBBLE_DIR_URL
authenticator = $plugin
key_type = ecdsa
EOF2
  fi
  run_ours pyrenew renew --cert-name py --force-renewal --no-random-sleep-on-renew ||
    fail "renewing the Python-written $plugin lineage failed"
  assert_file "$CB_CONFIG/archive/py/cert2.pem"
  assert_eq "$(fake_txt x.test)" "someone-elses-record" "TXT records after renewing the Python lineage"
  pass "$plugin: renews the lineage whose renewal conf Python certbot wrote"

  # --- 6. the option's default and help ---
  run_ours help --help "$plugin" || fail "--help $plugin failed"
  ((DNS_CRED_OPT == 0)) || assert_contains "$ITEST_DIR/help.out" "--$plugin-credentials"
  assert_contains "$ITEST_DIR/help.out" "--$plugin-propagation-seconds"
  pass "$plugin: --help $plugin lists its options (default wait $DNS_DEFAULT_WAIT s)"
  if "$PYCERTBOT" plugins 2>/dev/null | grep -q "^\* $plugin\$"; then
    # The oracle's help: the same flags and metavars, and the default wait this test assumes.
    help_flags() { grep -E "^  --$plugin-" "$1" | sort; }
    "$PYCERTBOT" --help "$plugin" >"$ITEST_DIR/pyhelp.out" 2>&1 || fail "certbot --help $plugin failed"
    assert_eq "$(help_flags "$ITEST_DIR/help.out")" "$(help_flags "$ITEST_DIR/pyhelp.out")" \
      "--help $plugin flags, ours vs Python certbot's"
    assert_eq "$(grep -A4 -- "--$plugin-propagation-seconds" "$ITEST_DIR/pyhelp.out" |
      grep -o '(default: [0-9]*)')" "(default: $DNS_DEFAULT_WAIT)" "Python certbot's default wait"
    pass "$plugin: same flags as Python certbot-$plugin's --help"
  fi
}

# dns_requires NAME CONTENT: certonly with a credentials file holding CONTENT (one without
# dns_<provider>_NAME) is refused with certbot's message naming the file and the key.
dns_requires() {
  local key="dns_${DNS_PROVIDER}_$1" ini="$ITEST_DIR/$DNS_PROVIDER-no-$1.ini"
  (umask 077 && printf '%s\n' "$2" >"$ini")
  # must fail: certonly without the key
  run_ours_expect 1 "no-$1" certonly --"dns-$DNS_PROVIDER" --"dns-$DNS_PROVIDER"-credentials "$ini" \
    -d x.test --cert-name "no-$1"
  assert_contains "$ITEST_DIR/no-$1.out" \
    "Missing property in credentials configuration file $ini: $key is required"
  pass "dns-$DNS_PROVIDER: a missing $key is named"
}

# fake_txt ZONE: the TXT values the fake holds for _acme-challenge.ZONE, sorted, one a line.
fake_txt() {
  curl -fsS --max-time 10 --cacert "$TEST_CA_CERT" "$FAKE_URL/_fake/records" |
    python3 -c 'import json,sys; print("\n".join(sorted(r["content"] for r in json.load(sys.stdin) if r["name"] == "_acme-challenge." + sys.argv[1])))' "$1"
}

# fake_log: one line per API request the fake answered ("METHOD PATH STATUS").
fake_log() {
  curl -fsS --max-time 10 --cacert "$TEST_CA_CERT" "$FAKE_URL/_fake/log" |
    python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))'
}

# fake_config JSON: the fake's test switches (see fakes/fake_dns_api.py).
fake_config() {
  curl -fsS --max-time 10 --cacert "$TEST_CA_CERT" -o /dev/null -X POST \
    -H 'Content-Type: application/json' -d "$1" "$FAKE_URL/_fake/config" ||
    fail "cannot configure the fake API"
}

# dns_poll_stops POLL: for a plugin that asks its provider until a change is live (Route 53
# GetChange, Google's change status), with the fake's changes never completing
# ({"pending": true}); POLL is the regex of the fake's log line for one such ask. Run after
# dns_suite (good credentials in CREDS and the environment).
#  1. SIGTERM while perform waits between two asks: certbot ends within 5 s, exit 1, the record
#     it added is deleted (cleanup ran on the instance that added it), nothing is stored;
#  2. --plugin-timeout 6: the wait ends before the call's limit with a line that says so, exit 1,
#     the record deleted.
# The waits are the host's (certbot.wait.v1): a plugin that slept by itself would be killed at
# the signal or the limit, and its records would stay behind.
dns_poll_stops() {
  local poll=$1 plugin="dns-$DNS_PROVIDER" name=pollterm.x.test asked pid i start rc took
  local -a common
  mapfile -t common < <(cb_common_args)
  fake_config '{"pending": true}'
  asked=$(fake_log | grep -cE "$poll" || true)
  itest_log "certbot pollterm" "$ITEST_DIR/pollterm.out"
  "$CERTBOT" certonly --"$plugin" ${CREDS[@]+"${CREDS[@]}"} --"$plugin"-propagation-seconds 0 \
    -d "$name" --cert-name pollterm --register-unsafely-without-email "${common[@]}" \
    </dev/null >"$ITEST_DIR/pollterm.out" 2>&1 &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    (($(fake_log | grep -cE "$poll" || true) > asked)) && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  (($(fake_log | grep -cE "$poll" || true) > asked)) ||
    fail "$plugin never asked for its change: $(cat "$ITEST_DIR/pollterm.out")"
  sleep 0.3 # now in the host's wait before the next ask
  kill -TERM "$pid" || fail "$plugin: certbot ended before the signal: $(cat "$ITEST_DIR/pollterm.out")"
  start=$(date +%s%N)
  rc=0
  wait "$pid" || rc=$?
  took=$((($(date +%s%N) - start) / 1000000))
  assert_eq "$rc" 1 "exit status after SIGTERM during the change poll ($(cat "$ITEST_DIR/pollterm.out"))"
  ((took < 5000)) || fail "$plugin: certbot took $took ms to end after SIGTERM"
  assert_eq "$(fake_txt "$name")" "" "TXT records of $name after SIGTERM"
  assert_no_file "$CB_CONFIG/live/pollterm"
  assert_no_file "$CB_CONFIG/renewal/pollterm.conf"
  pass "$plugin: SIGTERM while waiting for a change: exit 1 after $took ms, the record deleted"

  # must fail: the change is still pending when the call's time limit comes
  start=$SECONDS
  run_ours_expect 1 polllimit certonly --"$plugin" ${CREDS[@]+"${CREDS[@]}"} \
    --"$plugin"-propagation-seconds 0 -d polllimit.x.test --cert-name polllimit --plugin-timeout 6
  took=$((SECONDS - start))
  assert_contains "$ITEST_DIR/polllimit.out" \
    "Stopped waiting for .* cancelled: the call's time limit \(--plugin-timeout 6 s\)"
  assert_not_contains "$ITEST_DIR/polllimit.out" "did not answer within"
  assert_eq "$(fake_txt polllimit.x.test)" "" "TXT records of polllimit.x.test after the time limit"
  fake_config '{}'
  pass "$plugin: a change still pending at --plugin-timeout: named, exit 1 after $took s, the record deleted"
}
