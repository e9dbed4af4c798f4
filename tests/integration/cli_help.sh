#!/usr/bin/env bash
# Help and output levels: every --help topic (certbot's topics, each subcommand, each installed
# plugin) exits 0 and shows the topic's key flags; `certbot SUBCOMMAND --help` equals
# `certbot --help SUBCOMMAND`; an unknown topic is one error line listing the topics (exit 2);
# --version; -q prints nothing but errors, -v adds debug lines.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
certbot_dirs
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")

# topic NAME FLAG...: `--help NAME` exits 0, starts with usage, names each FLAG.
topic() {
  local name=$1 out rc=0 f
  shift
  out=$(timeout 30 "$CERTBOT" --help "$name" 2>&1 </dev/null) || rc=$?
  assert_eq "$rc" 0 "--help $name: exit status ($out)"
  assert_contains "$out" '^usage:'
  for f in "$@"; do
    grep -qF -- "$f" <<<"$out" || fail "--help $name does not mention $f"
  done
  pass "--help $name: $(grep -c . <<<"$out") lines, mentions $*"
}

soft topic all --config-dir --rsa-key-size --dry-run --webroot-path --reason --json --checkpoints
soft topic commands certificates update_symlinks reconfigure
soft topic security --rsa-key-size --key-type --elliptic-curve --must-staple --strict-permissions
soft topic paths --config-dir --work-dir --logs-dir --server --cert-path
soft topic automation --non-interactive --keep-until-expiring --force-renewal --agree-tos --quiet
soft topic testing --test-cert --dry-run --no-verify-ssl --http-01-port --break-my-certs
soft topic run --domains --cert-name --keep-until-expiring --debug-challenges
soft topic certonly --domains --csr --preferred-challenges --standalone --webroot --dry-run
soft topic renew --pre-hook --post-hook --deploy-hook --force-renewal --no-autorenew
soft topic enhance --redirect --hsts --uir --cert-name
soft topic certificates --cert-name --domains --json
soft topic delete --cert-name
soft topic reconfigure --cert-name --pre-hook
soft topic install --cert-path --key-path --fullchain-path
soft topic rollback --checkpoints
soft topic revoke --reason --delete-after-revoke --cert-path
soft topic register --email --register-unsafely-without-email --eab-kid
soft topic update_account --email --no-eff-email
soft topic unregister --account
soft topic show_account --server
soft topic plugins --init --prepare --authenticators --installers
soft topic update_symlinks 'symlinks'
soft topic webroot --webroot-path --webroot-map
soft topic standalone 'standalone:'
soft_done

# Usage only (no topic), and `SUBCOMMAND --help` == `--help SUBCOMMAND`.
out=$("$CERTBOT" --help)
assert_contains "$out" '^  -h, --help \[TOPIC\]'
for verb in certonly renew certificates revoke; do
  a=$("$CERTBOT" "$verb" --help)
  b=$("$CERTBOT" --help "$verb")
  assert_eq "$a" "$b" "'$verb --help' vs '--help $verb'"
  c=$("$CERTBOT" "$verb" -h)
  assert_eq "$c" "$b" "'$verb -h' vs '--help $verb'"
done
pass "SUBCOMMAND --help is --help SUBCOMMAND"

# Unknown topic: one line, exit 2, lists the topics.
rc=0
out=$("$CERTBOT" --help frobnicate 2>&1) || rc=$?
assert_eq "$rc" 2 "--help frobnicate: exit status"
assert_eq "$(grep -c . <<<"$out")" 1 "--help frobnicate: one line ($out)"
assert_contains "$out" 'frobnicate.*all, commands, .*certonly.*webroot'
pass "unknown topic: $out"

# --version
out=$("$CERTBOT" --version)
[[ "$out" =~ ^certbot\ [0-9]+\.[0-9]+\.[0-9]+\ \(certbot-native\ [0-9.]+\)$ ]] || fail "--version printed '$out'"
pass "--version: $out"

# -q: nothing on stdout or stderr for a listing; an error still shows.
"$CERTBOT" certificates -q "${dirs[@]}" >"$ITEST_DIR/q.out" 2>"$ITEST_DIR/q.err"
assert_eq "$(cat "$ITEST_DIR/q.out" "$ITEST_DIR/q.err")" "" "certificates -q output"
rc=0
"$CERTBOT" certificates -q --rsa-key-size 1 "${dirs[@]}" >"$ITEST_DIR/qe.out" 2>"$ITEST_DIR/qe.err" || rc=$?
assert_eq "$rc" 2 "-q with a bad flag: exit status"
assert_contains "$(cat "$ITEST_DIR/qe.err")" 'rsa-key-size'
pass "-q: silent, except for errors"

# Default: no debug lines; -v / -vvv: debug lines (the log's "certbot VERSION verb ..." line).
out=$("$CERTBOT" certificates "${dirs[@]}" 2>&1)
assert_contains "$out" 'No certificates found'
assert_not_contains "$out" '^certbot [0-9.]+ verb certificates'
for v in -v -vvv; do
  out=$("$CERTBOT" certificates "$v" "${dirs[@]}" 2>&1)
  assert_contains "$out" '^certbot [0-9.]+ verb certificates'
  assert_contains "$out" 'No certificates found'
done
pass "-v and -vvv show debug lines"
