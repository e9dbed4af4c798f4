#!/usr/bin/env bash
# The dns-linode plugin against a fake of Linode's API v4 (fakes/fake_dns_api.py), with Pebble
# validating through pebble-challtestsrv: a wildcard certificate, renew, a wrong token, a domain
# not in the account, an API error mid-run, a world-readable credentials file, and renewing a
# lineage whose renewal conf is written as Python certbot-dns-linode writes it (its lexicon
# library has a fixed endpoint, so the oracle cannot run against the fake).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

DNS_PROVIDER=linode
DNS_API_PATH=/v4
DNS_SECRET=$(openssl rand -hex 32)
dns_good_ini() { printf '# Linode API credentials used by Certbot\ndns_linode_key = %s\ndns_linode_version = 4\n' "$DNS_SECRET"; }
dns_bad_ini() { printf 'dns_linode_key = %s\n' "$(openssl rand -hex 32)"; }
DNS_BAD_CREDS='Unexpected error determining zone identifier for x\.test: HTTP status 401 \(Invalid Token\)\. Check dns_linode_key in'
DNS_NO_ZONE='Unable to determine zone identifier for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test\.'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=120
dns_suite

# API v3 is gone: refused with what to do.
v3ini="$ITEST_DIR/linode-v3.ini"
(umask 077 && printf 'dns_linode_key = %s\ndns_linode_version = 3\n' "$DNS_SECRET" >"$v3ini")
# must fail: certonly with dns_linode_version = 3
run_ours_expect 1 v3 certonly --dns-linode --dns-linode-credentials "$v3ini" -d x.test --cert-name v3
assert_contains "$ITEST_DIR/v3.out" "Invalid api version specified: 3 .*personal access token"
pass "dns-linode: API v3 refused with what to do"
