#!/usr/bin/env bash
# The dns-gehirn plugin against a fake of the Gehirn Infrastructure Service DNS API v1
# (fakes/fake_dns_api.py), with Pebble validating through pebble-challtestsrv: a wildcard
# certificate (both values in one record set, next to someone else's), renew, wrong credentials,
# a zone not in the account, an API error mid-run, answers that are not JSON or too large, a
# world-readable credentials file, and renewing a lineage whose renewal conf is written as
# Python certbot-dns-gehirn writes it (lexicon's gehirn provider has a fixed endpoint, so the
# oracle cannot run against the fake; its --help is compared instead).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=gehirn
DNS_API_PATH=/dns/v1
token=$(openssl rand -hex 16)
DNS_LEAK_CHECK=$(openssl rand -hex 24)
DNS_SECRET="$token:$DNS_LEAK_CHECK"
dns_good_ini() { printf '# Gehirn Infrastructure Service API credentials used by Certbot\ndns_gehirn_api_token = %s\ndns_gehirn_api_secret = %s\n' "$token" "$DNS_LEAK_CHECK"; }
dns_bad_ini() { printf 'dns_gehirn_api_token = %s\ndns_gehirn_api_secret = %s\n' "$token" "$(openssl rand -hex 24)"; }
DNS_BAD_CREDS='Error determining zone identifier for x\.test: HTTP status 401: Unauthorized\. Check dns_gehirn_api_token and dns_gehirn_api_secret in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this Gehirn account\?'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=30
DNS_CREATE_VERB=PUT # x.test's set exists (someone else's value): each value is PUT into it,
DNS_POSTS_FIRST_RUN=4 # and PUT out of it again in cleanup
DNS_WHOLE_SETS=1
dns_suite

dns_requires api_secret "dns_gehirn_api_token = $token"
