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
# Providers without a credentials file (Route 53) set DNS_CRED_OPT=0 and define dns_use (below)
# to put good or bad credentials into the environment; DNS_POSTS_FIRST_RUN is the number of
# POSTs of the first run (default 2: one per record).
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
  [[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
  export PEBBLE_AUTHZREUSE=0
  pebble_start
  certbot_dirs
  itest_log "certbot log" "$CB_LOGS/letsencrypt.log"
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
  assert_eq "$(fake_log | grep -c "^POST ")" "$DNS_POSTS_FIRST_RUN" "POST requests"
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
  if run_ours badcreds certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d x.test --cert-name badcreds; then
    fail "certonly with wrong credentials succeeded"
  fi
  assert_contains "$ITEST_DIR/badcreds.out" "$DNS_BAD_CREDS"
  assert_not_contains "$ITEST_DIR/badcreds.out" "${DNS_LEAK_CHECK:-$DNS_SECRET}"
  assert_no_file "$CB_CONFIG/live/badcreds"
  dns_use good
  pass "$plugin: wrong credentials: $(grep -Em1 "$DNS_BAD_CREDS" "$ITEST_DIR/badcreds.out")"

  if run_ours nozone certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d www.not-mine.test --cert-name nozone; then
    fail "certonly for a zone the account does not own succeeded"
  fi
  assert_contains "$ITEST_DIR/nozone.out" "$DNS_NO_ZONE"
  pass "$plugin: zone not in the account: clear error"

  # --- 3. an API error mid-run: the record already created is deleted ---
  fake_config '{"fail_create_after": 1}'
  if run_ours midrun certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d x.test -d a.other.test --cert-name midrun; then
    fail "certonly with an API error on the second record succeeded"
  fi
  fake_config '{}'
  assert_contains "$ITEST_DIR/midrun.out" "injected by the test"
  assert_eq "$(fake_txt x.test)" "someone-elses-record" "x.test TXT records after a failed run"
  assert_eq "$(fake_txt other.test)" "someone-elses-record" "other.test TXT records after a failed run"
  if [[ "$DNS_PROVIDER" != route53 && "$DNS_PROVIDER" != google ]]; then # those delete by POSTing a change
    assert_eq "$(fake_log | grep -c "^DELETE .* 20[04]$")" 5 "records deleted so far (2 + 2 + 1)"
  fi
  pass "$plugin: API error mid-run: the record created before it was deleted"

  # --- 4. credentials readable by others ---
  if ((DNS_CRED_OPT == 1)); then
  chmod 644 "$ini"
  run_ours perms certonly --"$plugin" "${CREDS[@]}" \
    --"$plugin"-propagation-seconds 0 -d x.test --cert-name perms ||
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
