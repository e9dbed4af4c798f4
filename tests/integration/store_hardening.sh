#!/usr/bin/env bash
# The store never loses what the CA issued (issue 13), our binary against Pebble with a webroot:
#  1. a first name too long to name a lineage after (211 characters; at most 200 fit the file
#     names made from it) fails at once naming --cert-name, and nothing is ordered; with a short
#     --cert-name the same request is ordered (the control: the name, not the domain, stopped
#     it; Pebble then cannot resolve so long a name, which does not matter here).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"

export PEBBLE_AUTHZREUSE=0
pebble_start
certbot_dirs
itest_log "certbot log" "$CB_LOGS/letsencrypt.log"
www="$ITEST_DIR/www"
serve_webroot "$www"

# --- 1. a lineage name too long ------------------------------------------------------------
long="$(printf 'a%.0s' {1..60}).$(printf 'b%.0s' {1..60}).$(printf 'c%.0s' {1..60}).$(printf 'd%.0s' {1..20}).example"
assert_eq "${#long}" 211 "length of the long name"
cb_step long-name certonly --webroot -w "$www" -d "$long"
assert_eq "$RC" 2 "exit status of certonly with a 211-character lineage name"
assert_contains "$OUT" "invalid certificate name \"a{40}\.\.\.\": it is 211 characters long, at most 200"
assert_contains "$OUT" "pass a shorter --cert-name"
assert_eq "$(pebble_orders)" 0 "orders placed for a name that cannot be stored"
assert_no_file "$CB_CONFIG/archive/$long"
cb_step long-name-short-cert-name certonly --webroot -w "$www" -d "$long" --cert-name long
assert_not_contains "$OUT" "invalid certificate name"
assert_eq "$(pebble_orders)" 1 "orders placed with --cert-name long"
pass "a lineage name too long: refused before ordering, naming --cert-name; ordered with a short one"

pass "store hardening"
