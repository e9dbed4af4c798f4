#!/usr/bin/env bash
# The store never loses what the CA issued (issue 13), our binary against Pebble with a webroot:
#  1. a first name too long to name a lineage after (211 characters; at most 200 fit the file
#     names made from it) fails at once naming --cert-name, and nothing is ordered; with a short
#     --cert-name the same request is ordered (the control: the name, not the domain, stopped
#     it; Pebble then cannot resolve so long a name, which does not matter here).
#  2. a full disk after issuance (the config dir on a full tmpfs, in a private mount namespace):
#     certonly fails naming where the issued certificate is kept (<work-dir>/issued/NAME.kept,
#     0600: it holds the key), leaves no lineage, no .updating and no temp file; after space is freed the same
#     command stores exactly that certificate without ordering again, and the kept copy is gone.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pebble_prologue --authz-reuse 0
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

# --- 2. a full disk after issuance --------------------------------------------------------------
if ! unshare --mount --propagation private true 2>/dev/null; then
  skip_part "no mount namespaces here (unshare --mount): the full-disk case needs one"
else
  # The account part 1 registered is in the store copied onto the tmpfs.
  cp -a "$CB_CONFIG" "$ITEST_DIR/config-saved"
  mapfile -t common < <(cb_common_args)
  cmd=("$CERTBOT" certonly --webroot -w "$www" -d full.example --register-unsafely-without-email
    "${common[@]}")
  full="$ITEST_DIR/full"
  mkdir -p "$full"
  itest_log "certbot on a full disk" "$full/full.out"
  itest_log "certbot after space was freed" "$full/again.out"
  q() { printf '%q ' "$@"; }
  # Inside the namespace: the config dir is a 512 KiB tmpfs holding the store, filled up; one
  # run on the full disk, then the filler goes and the same command runs again.
  cat >"$full/inner.sh" <<EOF
set -u
mount -t tmpfs -o size=512k,mode=0755 certbot-full $(q "$CB_CONFIG") || exit 77
cp -a $(printf %q "$ITEST_DIR/config-saved/.") $(printf %q "$CB_CONFIG/")
dd if=/dev/zero of=$(q "$CB_CONFIG/filler") bs=4k 2>/dev/null
timeout 120 $(q "${cmd[@]}") >$(q "$full/full.out") 2>&1; echo \$? >$(q "$full/full.rc")
cp -a $(q "$CB_CONFIG") $(q "$full/after-full")
cp -a $(q "$CB_WORK/issued") $(q "$full/kept") 2>/dev/null
rm -f $(q "$CB_CONFIG/filler")
timeout 120 $(q "${cmd[@]}") >$(q "$full/again.out") 2>&1; echo \$? >$(q "$full/again.rc")
cp -a $(q "$CB_CONFIG") $(q "$full/after-again")
EOF
  orders_before=$(pebble_orders)
  rc=0
  unshare --mount --propagation private bash "$full/inner.sh" || rc=$?
  if ((rc == 77)); then
    skip_part "cannot mount a tmpfs in a mount namespace here"
  else
    assert_eq "$(cat "$full/full.rc")" 1 "exit status of certonly on a full disk"
    out=$(cat "$full/full.out")
    assert_contains "$out" "No space left on device"
    assert_contains "$out" "the certificate the CA issued is kept in $CB_WORK/issued/full\.example\.kept and the next run stores it"
    assert_eq "$(pebble_orders)" $((orders_before + 1)) "orders placed by both runs"
    assert_file_mode "$full/kept/full.example.kept" 600
    assert_no_file "$full/after-full/live/full.example"
    assert_no_file "$full/after-full/archive/full.example"
    assert_no_file "$full/after-full/renewal/full.example.conf"
    assert_no_file "$full/after-full/renewal/.updating"
    leftover=$(find "$full/after-full" -name '.*.tmp.*')
    [[ -z "$leftover" ]] || fail "temporary files left on the full disk: $leftover"
    assert_eq "$(cat "$full/again.rc")" 0 "exit status of the same certonly after space was freed"
    assert_contains "$full/again.out" "Storing the certificate an earlier run obtained for full\.example"
    # The kept file holds the key, then the certificate (kept_issuance.h); openssl reads the
    # first of each from it.
    cmp -s <(openssl x509 -in "$full/kept/full.example.kept" -outform der) \
      <(openssl x509 -in "$full/after-again/archive/full.example/cert1.pem" -outform der) ||
      fail "the stored certificate is not the one the CA issued on the full disk"
    cmp -s <(openssl pkey -in "$full/kept/full.example.kept" -outform der) \
      <(openssl pkey -in "$full/after-again/archive/full.example/privkey1.pem" -outform der) ||
      fail "the stored key is not the kept one"
    assert_no_file "$CB_WORK/issued/full.example.kept"
    pass "full disk after issuance: kept in the work dir, stored by the next run without a new order"
  fi
fi

pass "store hardening"
