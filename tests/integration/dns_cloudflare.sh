#!/usr/bin/env bash
# The dns-cloudflare plugin against a fake of Cloudflare's API v4 (fakes/fake_dns_api.py), with
# Pebble validating through pebble-challtestsrv: a wildcard certificate, renew, wrong token, a
# zone not in the account, an API error mid-run, a world-readable credentials file, Python
# certbot-dns-cloudflare's renewal conf (the oracle runs against the same fake), and the Global
# API Key form of the credentials.
set -euo pipefail
# shellcheck shell=bash source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=cloudflare
DNS_API_PATH=/client/v4
DNS_SECRET=$(openssl rand -hex 20)
DNS_EMAIL=admin@x.test
dns_good_ini() { printf '# Cloudflare API token used by Certbot\ndns_cloudflare_api_token = %s\n' "$DNS_SECRET"; }
dns_bad_ini() { printf 'dns_cloudflare_api_token = %s\n' "$(openssl rand -hex 20)"; }
DNS_BAD_CREDS='Error determining zone_id: 9109 Invalid access token\. Please confirm that you have supplied valid Cloudflare API credentials'
DNS_NO_ZONE='Unable to determine zone_id for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\.'
DNS_PY_URL_VAR=CLOUDFLARE_API_URL
DNS_DEFAULT_WAIT=10
dns_suite

# The Global API Key (email + key) instead of a token.
keyini="$ITEST_DIR/cf-key.ini"
(umask 077 && printf 'dns_cloudflare_email = %s\ndns_cloudflare_api_key = %s\n' "$DNS_EMAIL" "$DNS_SECRET" >"$keyini")
# A name never validated before, so perform runs and the key is used (Pebble reuses a valid
# authorization 1 time in 100 even with PEBBLE_AUTHZREUSE=0).
run_ours globalkey certonly --dns-cloudflare --dns-cloudflare-credentials "$keyini" \
  --dns-cloudflare-propagation-seconds 0 -d globalkey.x.test --cert-name globalkey ||
  fail "certonly with the Global API Key failed"
assert_file "$CB_CONFIG/live/globalkey/cert.pem"
assert_contains "$ITEST_DIR/globalkey.out" "Added TXT record _acme-challenge\.globalkey\.x\.test"
(umask 077 && printf 'dns_cloudflare_email = %s\n' "$DNS_EMAIL" >"$keyini")
# must fail: certonly with an email but no key
run_ours_expect 1 halfkey certonly --dns-cloudflare --dns-cloudflare-credentials "$keyini" \
  -d x.test --cert-name halfkey
assert_contains "$ITEST_DIR/halfkey.out" "dns_cloudflare_api_key is required when using a Global API Key"
pass "dns-cloudflare: Global API Key + email; a missing key is named"
