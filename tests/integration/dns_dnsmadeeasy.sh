#!/usr/bin/env bash
# The dns-dnsmadeeasy plugin against a fake of the DNS Made Easy REST API v2.0
# (fakes/fake_dns_api.py, which checks each request's HMAC), with Pebble validating through
# pebble-challtestsrv: a wildcard certificate, renew, a wrong secret key, a zone not in the
# account, an API error mid-run, answers that are not JSON or too large, a world-readable
# credentials file, and renewing a lineage whose renewal conf is written as Python
# certbot-dns-dnsmadeeasy writes it (Debian 12 does not package it).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=dnsmadeeasy
DNS_API_PATH=/V2.0
apikey=$(openssl rand -hex 18)
DNS_LEAK_CHECK=$(openssl rand -hex 18)
DNS_SECRET="$apikey:$DNS_LEAK_CHECK"
dns_good_ini() { printf '# DNS Made Easy API credentials used by Certbot\ndns_dnsmadeeasy_api_key = %s\ndns_dnsmadeeasy_secret_key = %s\n' "$apikey" "$DNS_LEAK_CHECK"; }
dns_bad_ini() { printf 'dns_dnsmadeeasy_api_key = %s\ndns_dnsmadeeasy_secret_key = %s\n' "$apikey" "$(openssl rand -hex 18)"; }
DNS_BAD_CREDS='Error determining zone identifier: HTTP status 403: Invalid HMAC or request date\. \(Are your API key and Secret key values correct\? Check dns_dnsmadeeasy_api_key and dns_dnsmadeeasy_secret_key in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this DNS Made Easy account\?'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=60
dns_suite

dns_requires secret_key "dns_dnsmadeeasy_api_key = $apikey"
