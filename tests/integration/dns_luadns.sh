#!/usr/bin/env bash
# The dns-luadns plugin against a fake of the LuaDNS REST API v1 (fakes/fake_dns_api.py), with
# Pebble validating through pebble-challtestsrv: a wildcard certificate, renew, a wrong token, a
# zone not in the account, an API error mid-run, answers that are not JSON or too large, a
# world-readable credentials file, and renewing a lineage whose renewal conf is written as
# Python certbot-dns-luadns writes it (Debian 12 does not package it).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=luadns
DNS_API_PATH=/v1
DNS_LEAK_CHECK=$(openssl rand -hex 16)
DNS_SECRET="ops@x.test:$DNS_LEAK_CHECK"
dns_good_ini() { printf '# LuaDNS API credentials used by Certbot\ndns_luadns_email = ops@x.test\ndns_luadns_token = %s\n' "$DNS_LEAK_CHECK"; }
dns_bad_ini() { printf 'dns_luadns_email = ops@x.test\ndns_luadns_token = %s\n' "$(openssl rand -hex 16)"; }
DNS_BAD_CREDS='Error determining zone identifier for x\.test: HTTP status 401: Invalid email or API key\. \(Are your email and API token values correct\? Check dns_luadns_email and dns_luadns_token in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\. Is the domain in this LuaDNS account\?'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=30
dns_suite

dns_requires email "dns_luadns_token = $DNS_LEAK_CHECK"
