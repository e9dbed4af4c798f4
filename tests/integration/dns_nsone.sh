#!/usr/bin/env bash
# The dns-nsone plugin against a fake of the NS1 API v1 (fakes/fake_dns_api.py), with Pebble
# validating through pebble-challtestsrv: a wildcard certificate (both values as answers of one
# record, next to someone else's), renew, a wrong key, a zone not in the account, an API error
# mid-run, answers that are not JSON or too large, a world-readable credentials file, and
# renewing a lineage whose renewal conf is written as Python certbot-dns-nsone writes it (Debian
# 12 does not package it).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=nsone
DNS_API_PATH=/v1
DNS_SECRET=$(openssl rand -hex 20)
dns_good_ini() { printf '# NS1 API credentials used by Certbot\ndns_nsone_api_key = %s\n' "$DNS_SECRET"; }
dns_bad_ini() { printf 'dns_nsone_api_key = %s\n' "$(openssl rand -hex 20)"; }
DNS_BAD_CREDS='Error determining zone identifier for x\.test: HTTP status 401: Unauthorized\. Check dns_nsone_api_key in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this NS1 account\?'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=30
DNS_WHOLE_SETS=1
DNS_POSTS_FIRST_RUN=4 # x.test's record exists (someone else's value): each value is POSTed into its
# answers and POSTed out of them again in cleanup
dns_suite

dns_requires api_key '# nothing'
