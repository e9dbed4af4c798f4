#!/usr/bin/env bash
# The dns-ovh plugin against a fake of the OVHcloud API 1.0 (fakes/fake_dns_api.py: every
# X-Ovh-Signature is recomputed from the test application secret and consumer key; its clock runs
# 1000 s ahead, so the plugin must use /auth/time), with Pebble validating through
# pebble-challtestsrv: a wildcard certificate, renew, a wrong application secret, a zone not in
# the account, an API error mid-run, a world-readable credentials file, a renewal conf as Python
# certbot-dns-ovh writes it (its lexicon library has fixed endpoints), and missing keys.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=ovh
DNS_API_PATH=/1.0
AK=$(openssl rand -hex 8)
AS=$(openssl rand -hex 16)
CK=$(openssl rand -hex 16)
DNS_SECRET="$AK:$AS:$CK"
DNS_LEAK_CHECK=$AS
ovh_ini() { printf '# OVH API credentials used by Certbot\ndns_ovh_endpoint = ovh-eu\ndns_ovh_application_key = %s\ndns_ovh_application_secret = %s\ndns_ovh_consumer_key = %s\n' "$AK" "$1" "$CK"; }
dns_good_ini() { ovh_ini "$AS"; }
dns_bad_ini() { ovh_ini "$(openssl rand -hex 16)"; }
DNS_BAD_CREDS='could not list the zones of the account: HTTP status 400: Invalid signature\. Is your Application Secret value correct \(dns_ovh_application_secret in .*ovh-bad\.ini\)\?'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\.'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=120
DNS_GARBAGE_ERR="did not answer with its time \\(HTTP status 200\\)"
DNS_POSTS_FIRST_RUN=6 # per value: a record and a zone refresh, and a refresh after its deletion
dns_suite

(umask 077 && printf 'dns_ovh_endpoint = ovh-mars\ndns_ovh_application_key = a\ndns_ovh_application_secret = b\ndns_ovh_consumer_key = c\n' >"$ITEST_DIR/mars.ini")
# must fail: certonly with an unknown OVH endpoint
run_ours_expect 1 mars certonly --dns-ovh --dns-ovh-credentials "$ITEST_DIR/mars.ini" -d x.test --cert-name mars
assert_contains "$ITEST_DIR/mars.out" 'Unknown OVH API endpoint "ovh-mars"'
(umask 077 && printf 'dns_ovh_endpoint = ovh-eu\ndns_ovh_application_key = a\n' >"$ITEST_DIR/half.ini")
# must fail: certonly with half the OVH keys
run_ours_expect 1 half certonly --dns-ovh --dns-ovh-credentials "$ITEST_DIR/half.ini" -d x.test --cert-name half
assert_contains "$ITEST_DIR/half.out" "Missing properties in credentials configuration file $ITEST_DIR/half.ini: dns_ovh_application_secret, dns_ovh_consumer_key"
pass "dns-ovh: unknown endpoint and missing keys are named"
