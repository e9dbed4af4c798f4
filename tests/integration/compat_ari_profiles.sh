#!/usr/bin/env bash
# Renewal confs with certbot 4.x-5.x's profile keys and ARI state, both ways:
#   - a conf as certbot 5.x writes it (required_profile, [acme_renewal_info] ari_retry_after)
#     is read and renewed by ours: the stored profile is ordered, a Retry-After still in the
#     future is honoured (no renewalInfo request), one in the past is not
#   - what ours writes parses with configobj (the library certbot reads confs with) into the
#     same keys and values, and Python certbot (Debian's 2.1) still lists the lineage
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fake_ca_prologue --profiles classic,shortlived
ari_gets() { grep -c 'GET /renewalInfo/' "$FAKE_ACME_LOG" || true; }

run_ours issue certonly --standalone --http-01-port "$(free_port)" -d compat.example \
  --register-unsafely-without-email || fail "certonly failed"
conf=$CB_CONFIG/renewal/compat.example.conf
account=$(sed -n 's/^account = //p' "$conf")
[[ -n "$account" ]] || fail "no account in $conf"

# The conf certbot 5.x writes for this lineage (its write_renewal_config layout).
write_certbot5_conf() {
  cat >"$conf" <<EOF
# renew_before_expiry = 30 days
version = 5.1.0
archive_dir = $CB_CONFIG/archive/compat.example
cert = $CB_CONFIG/live/compat.example/cert.pem
privkey = $CB_CONFIG/live/compat.example/privkey.pem
chain = $CB_CONFIG/live/compat.example/chain.pem
fullchain = $CB_CONFIG/live/compat.example/fullchain.pem

# Options used in the renewal process
[renewalparams]
account = $account
authenticator = standalone
server = $FAKE_ACME_DIR_URL
key_type = ecdsa
required_profile = shortlived
[acme_renewal_info]
ari_retry_after = $1
EOF
}

# A Retry-After in the future: the CA is not asked, nothing is due.
write_certbot5_conf "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%S)"
run_ours wait renew --no-random-sleep-on-renew || fail "renew failed on certbot 5.x's conf"
assert_contains "$ITEST_DIR/wait.out" 'not due for renewal'
assert_eq "$(ari_gets)" 0

# Passed: asked (the window is the lifetime's last third: not due); forced: renewed with the
# stored profile.
write_certbot5_conf 2020-01-01T00:00:00
run_ours asked renew --no-random-sleep-on-renew || fail "renew failed"
assert_eq "$(ari_gets)" 1
run_ours forced renew --force-renewal --no-random-sleep-on-renew || fail "forced renew failed"
assert_contains "$FAKE_ACME_LOG" 'POST /new-order -> 201 replaces=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+ profile=shortlived'
hours=$(( ($(date -d "$(openssl x509 -in "$CB_CONFIG/live/compat.example/cert.pem" -noout \
  -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 3600 ))
[[ $hours -le 160 && $hours -ge 158 ]] || fail "the renewed certificate lives $hours h, not 160"

# What ours wrote, read the way certbot reads it.
run_ours ask-again renew --no-random-sleep-on-renew || fail "renew failed"
/usr/bin/python3 - "$conf" <<'EOF' || fail "configobj does not read our conf as certbot would"
import sys, re
from configobj import ConfigObj
c = ConfigObj(sys.argv[1], encoding="utf-8", default_encoding="utf-8")
p = c["renewalparams"]
assert p["required_profile"] == "shortlived", p
assert "preferred_profile" not in p, p
assert p["authenticator"] == "standalone", p
ari = c["acme_renewal_info"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", ari["ari_retry_after"]), ari
import datetime
datetime.datetime.fromisoformat(ari["ari_retry_after"])  # an ISO 8601 time, as certbot writes it
EOF
out=$("$PYCERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$CB_LOGS" 2>&1) || fail "Python certbot certificates failed: $out"
assert_contains "$out" 'Certificate Name: compat.example'
assert_not_contains "$out" 'invalid'

pass "certbot 5.x renewal confs with profiles and ARI state, both ways"
