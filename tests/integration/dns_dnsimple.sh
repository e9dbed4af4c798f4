#!/usr/bin/env bash
# The dns-dnsimple plugin against a fake of DNSimple's API v2 (fakes/fake_dns_api.py), with
# Pebble validating through pebble-challtestsrv: a wildcard certificate, renew, a wrong token, a
# zone not in the account, an API error mid-run, answers that are not JSON or too large, a
# world-readable credentials file, and Python certbot-dns-dnsimple's renewal conf (the oracle
# runs against the same fake: lexicon reads LEXICON_DNSSIMPLE_API_ENDPOINT, certbot's spelling
# of the provider name).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=dnsimple
DNS_API_PATH=/v2
DNS_SECRET=dnsimple_a_$(openssl rand -hex 16)
dns_good_ini() { printf '# DNSimple API credentials used by Certbot\ndns_dnsimple_token = %s\n' "$DNS_SECRET"; }
dns_bad_ini() { printf 'dns_dnsimple_token = dnsimple_a_%s\n' "$(openssl rand -hex 16)"; }
DNS_BAD_CREDS='Error determining zone identifier: HTTP status 401: Authentication failed\. \(Is your API token value correct\? Check dns_dnsimple_token in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this DNSimple account\?'
DNS_PY_URL_VAR=LEXICON_DNSSIMPLE_API_ENDPOINT
DNS_DEFAULT_WAIT=30
dns_suite

dns_requires token '# nothing'
