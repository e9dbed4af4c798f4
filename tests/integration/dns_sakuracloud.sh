#!/usr/bin/env bash
# The dns-sakuracloud plugin against a fake of the Sakura Cloud API 1.1
# (fakes/fake_dns_api.py), with Pebble validating through pebble-challtestsrv: a wildcard
# certificate (the zone's record list written whole, every other record kept), renew, wrong
# credentials,
# a zone not in the account, an API error mid-run, answers that are not JSON or too large, a
# world-readable credentials file, and renewing a lineage whose renewal conf is written as
# Python certbot-dns-sakuracloud writes it (lexicon's sakuracloud provider has a fixed endpoint, so the
# oracle cannot run against the fake; its --help is compared instead).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=sakuracloud
DNS_API_PATH=/cloud/1.1
token=$(openssl rand -hex 16)
DNS_LEAK_CHECK=$(openssl rand -hex 24)
DNS_SECRET="$token:$DNS_LEAK_CHECK"
dns_good_ini() { printf '# Sakura Cloud API credentials used by Certbot\ndns_sakuracloud_api_token = %s\ndns_sakuracloud_api_secret = %s\n' "$token" "$DNS_LEAK_CHECK"; }
dns_bad_ini() { printf 'dns_sakuracloud_api_token = %s\ndns_sakuracloud_api_secret = %s\n' "$token" "$(openssl rand -hex 24)"; }
DNS_BAD_CREDS='Error determining zone identifier for x\.test: HTTP status 401: Authentication failed\. Check dns_sakuracloud_api_token and dns_sakuracloud_api_secret in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this Sakura Cloud account\?'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=90
DNS_CREATE_VERB=PUT # the whole list, once per value added and once per value deleted
DNS_POSTS_FIRST_RUN=4
DNS_WHOLE_SETS=1
dns_suite

dns_requires api_secret "dns_sakuracloud_api_token = $token"
