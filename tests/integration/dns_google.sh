#!/usr/bin/env bash
# The dns-google plugin against a fake of Google Cloud DNS v1 and Google's OAuth 2.0 token
# endpoint (fakes/fake_dns_api.py: the JWT assertion's RS256 signature and claims are checked
# against the test service account), with Pebble validating through pebble-challtestsrv: a
# wildcard certificate (two values in one record set, someone else's kept), SIGTERM and
# --plugin-timeout while a change is pending (the records deleted), renew, a key the
# service account does not have, a zone not in the project, an API error mid-run, a world-readable
# key file, a renewal conf as Python certbot-dns-google writes it, and malformed key files.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
  fail "the Google fake needs python3-cryptography"
DNS_PROVIDER=google
DNS_API_PATH=/dns/v1
DNS_SECRET="$ITEST_DIR/google.ini" # the fake reads the service account (its public key) from it
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$ITEST_DIR/sa.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$ITEST_DIR/other.pem" 2>/dev/null
DNS_LEAK_CHECK=$(sed -n 5p "$ITEST_DIR/sa.pem")
service_account() { # KEY_PEM: a service account key file as the Cloud console downloads it
  /usr/bin/python3 -c 'import json,sys; print(json.dumps({"type": "service_account", "project_id": "certbot-test-1",
    "private_key_id": "0123abcd", "private_key": open(sys.argv[1]).read(),
    "client_email": "certbot@certbot-test-1.iam.gserviceaccount.com", "client_id": "1",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": sys.argv[2]}, indent=2))' "$1" "$FAKE_URL/token"
}
dns_good_ini() { service_account "$ITEST_DIR/sa.pem"; }
dns_bad_ini() { service_account "$ITEST_DIR/other.pem"; }
DNS_BAD_CREDS='Google refused the service account certbot@certbot-test-1\.iam\.gserviceaccount\.com of .*google-bad\.ini an access token \(HTTP status 400: Invalid JWT Signature\.\)'
DNS_NO_ZONE='Unable to determine managed zone for www\.not-mine\.test using zone names: www\.not-mine\.test, not-mine\.test, test \(project certbot-test-1\)'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=60
DNS_GARBAGE_ERR="Google refused the service account .* an access token \\(HTTP status 200\\)"
DNS_POSTS_FIRST_RUN=5 # a token, then one change per value; cleanup: one change per value
dns_suite
dns_poll_stops '^GET /dns/v1/projects/[^/]+/managedZones/[^/]+/changes/[0-9]+ 200$'

# Key files that are not service account keys: named before anything is ordered.
check_bad_key() { # NAME CONTENT PATTERN
  (umask 077 && printf '%s\n' "$2" >"$ITEST_DIR/$1.json")
  # must fail: certonly with the key file $1
  run_ours_expect 1 "$1" certonly --dns-google --dns-google-credentials "$ITEST_DIR/$1.json" -d x.test --cert-name "$1"
  assert_contains "$ITEST_DIR/$1.out" "$3"
}
check_bad_key notjson 'not json' "Error parsing credentials file '$ITEST_DIR/notjson.json': it is not a JSON object"
check_bad_key noemail '{"type": "service_account", "project_id": "p", "private_key": "x"}' "'client_email' is missing"
check_bad_key badpem '{"type": "service_account", "project_id": "p", "private_key": "x", "client_email": "a@b"}' \
  "private_key is not an RSA private key in PEM"
# must fail: certonly --dns-google without credentials
run_ours_expect 1 nocreds certonly --dns-google -d x.test --cert-name nocreds
assert_contains "$ITEST_DIR/nocreds.out" "Please configure credentials using --dns-google-credentials"
pass "dns-google: malformed key files and a missing --dns-google-credentials are named"
