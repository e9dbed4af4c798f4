#!/usr/bin/env bash
# The dns-route53 plugin against a fake of the Route 53 API 2013-04-01 (fakes/fake_dns_api.py,
# which checks every SigV4 signature with botocore's signer), with Pebble validating through
# pebble-challtestsrv: a wildcard certificate (two values in one record set, someone else's value
# kept), waiting for INSYNC (SIGTERM and --plugin-timeout end that wait, the records deleted),
# renew, a wrong secret key, a zone not in the account, an API error mid-run, a renewal conf as
# Python certbot-dns-route53 writes it, and the AWS credential chain (environment,
# ~/.aws/credentials with AWS_PROFILE, ~/.aws/config, a session token).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_dns.bash
source "$ITEST_LIB_DIR/lib_dns.bash"

/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
  fail "the Route 53 fake needs botocore (Debian package python3-botocore)"
DNS_PROVIDER=route53
DNS_API_PATH=""
KEY_ID=AKIA$(openssl rand -hex 8 | tr a-f A-F)
SECRET_KEY=$(openssl rand -base64 30)
DNS_SECRET="$KEY_ID:$SECRET_KEY"
DNS_CRED_OPT=0
DNS_POSTS_FIRST_RUN=4 # UPSERT per value, then an UPSERT (the other value stays) per value
dns_good_ini() { printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY_ID" "$SECRET_KEY"; }
dns_bad_ini() { printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY_ID" "$(openssl rand -base64 30)"; }
dns_use() {
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
  export AWS_CONFIG_FILE="$ITEST_DIR/no-aws-config"
  if [[ "$1" == good ]]; then export AWS_SHARED_CREDENTIALS_FILE="$DNS_INI"; else
    export AWS_SHARED_CREDENTIALS_FILE="$DNS_BAD_INI"; fi
  CREDS=()
}
DNS_BAD_CREDS='An error occurred \(SignatureDoesNotMatch\) when calling the Route 53 API .*Check the AWS credentials from .*route53-bad\.ini \[default\]'
DNS_NO_ZONE='Unable to find a Route53 hosted zone for _acme-challenge\.www\.not-mine\.test'
DNS_PY_URL_VAR=""
DNS_DEFAULT_WAIT=0
DNS_GARBAGE_ERR="sent a response that is not a ListHostedZonesResponse document"
dns_suite
assert_contains "$ITEST_DIR/wild.out" "Added TXT record _acme-challenge.x.test in zone x.test"
# The fake answers PENDING to the first GetChange of a change: perform asked again until INSYNC.
(($(fake_log | grep -c '^GET /2013-04-01/change/C[0-9]* 200$') >= 4)) || fail "too few GetChange calls"
# (In any run's log: the last run may have had every authorization reused, see lib_dns.bash.)
grep -lE "Route 53 change C[0-9]+ is PENDING; waiting" "$CB_LOGS"/letsencrypt.log* >/dev/null ||
  fail "no run logged a PENDING change it waited for"
pass "dns-route53: waited for INSYNC"
dns_poll_stops '^GET /2013-04-01/change/C[0-9]+ 200$'

# The credential chain. Each run asks for a name of its own, never validated before: an
# authorization Pebble reused (1 time in 100 even with PEBBLE_AUTHZREUSE=0) would skip perform,
# and the credentials would never be used.
run_env() { # NAME: certonly with the environment as it is now
  run_ours "$1" certonly --dns-route53 -d "$1.x.test" --cert-name "$1" || fail "certonly ($1) failed"
  assert_file "$CB_CONFIG/live/$1/cert.pem"
  assert_contains "$ITEST_DIR/$1.out" "Added TXT record _acme-challenge\.$1\.x\.test in zone x\.test"
}
export AWS_SHARED_CREDENTIALS_FILE="$ITEST_DIR/nothing"
export AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$SECRET_KEY
run_env fromenv
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
printf '[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n[certbot]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$KEY_ID" "$SECRET_KEY" >"$ITEST_DIR/profiles"
export AWS_SHARED_CREDENTIALS_FILE="$ITEST_DIR/profiles" AWS_PROFILE=certbot
run_env fromprofile
export AWS_SHARED_CREDENTIALS_FILE="$ITEST_DIR/nothing"
printf '[profile certbot]\nregion = eu-west-1\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$KEY_ID" "$SECRET_KEY" >"$ITEST_DIR/config"
export AWS_CONFIG_FILE="$ITEST_DIR/config"
run_env fromconfig
unset AWS_PROFILE
export AWS_CONFIG_FILE="$ITEST_DIR/nothing" HOME="$ITEST_DIR/home"
mkdir -p "$HOME/.aws"
unset AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' \
  "$KEY_ID" "$SECRET_KEY" "session-$(openssl rand -hex 8)" >"$HOME/.aws/credentials"
run_env fromhome
rm "$HOME/.aws/credentials"
# must fail: certonly without AWS credentials
run_ours_expect 1 nocreds certonly --dns-route53 -d nocreds.x.test --cert-name nocreds
assert_contains "$ITEST_DIR/nocreds.out" "Unable to locate AWS credentials \(tried AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, $HOME/.aws/credentials \[default\], $HOME/.aws/config \[default\]\)"
pass "dns-route53: credentials from the environment, a profile, the config file, ~/.aws with a session token; none: named"
