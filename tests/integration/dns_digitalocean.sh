#!/usr/bin/env bash
# The dns-digitalocean plugin against a fake of DigitalOcean's API v2 (fakes/fake_dns_api.py),
# with Pebble validating through pebble-challtestsrv: a wildcard certificate, renew, a wrong
# token, a domain not in the account, an API error mid-run, a world-readable credentials file,
# and Python certbot-dns-digitalocean's renewal conf (the oracle runs against the same fake).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=digitalocean
DNS_API_PATH=/v2
DNS_SECRET=dop_v1_$(openssl rand -hex 32)
dns_good_ini() { printf '# DigitalOcean API credentials used by Certbot\ndns_digitalocean_token = %s\n' "$DNS_SECRET"; }
dns_bad_ini() { printf 'dns_digitalocean_token = dop_v1_%s\n' "$(openssl rand -hex 32)"; }
DNS_BAD_CREDS='Error finding domain using the DigitalOcean API: HTTP status 401: Unable to authenticate you \(Did you provide a valid API token\?'
DNS_NO_ZONE='Unable to determine base domain for www\.not-mine\.test using names: www\.not-mine\.test, not-mine\.test, test\.'
DNS_PY_URL_VAR=DIGITALOCEAN_END_POINT
DNS_PY_URL_SUFFIX=/
DNS_DEFAULT_WAIT=10
dns_suite

dns_requires token '# nothing'
