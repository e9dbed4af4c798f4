#!/usr/bin/env bash
# Python certbot --apache (Debian's python3-certbot-apache, the oracle) and ours, on the same
# Debian tree (a name-based site with a ServerAlias, a site with a Define'd ServerName, a
# ServerAlias wildcard and an existing RewriteRule to https, 000-default, a conf-enabled snippet
# included by IncludeOptional):
#   1. `certbot install --installer apache --cert-name a.example --redirect --hsts --uir` by each client on the same
#      pristine tree (same path, same lineage): the resulting trees are identical byte for byte
#      (files, links, mods-enabled);
#   2. a site installed by Python (run against the live instance) is renewed by ours (apache
#      serves the new certificate) and rolled back by ours from Python's checkpoint: the tree is
#      byte for byte the one before Python touched it (Python's a2dismod undo commands run);
#   3. the reverse: installed by ours (deploy, HSTS, redirect: 3 checkpoints), rolled back by
#      Python, byte for byte.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"
[[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT is not installed"
/usr/bin/python3 -c 'import certbot_apache' 2>/dev/null ||
  fail "python3-certbot-apache is not installed"

apache_test_begin
apache_simple_site a.conf a.example "site a" www.a.example
apache_site 000-default.conf <<END
<VirtualHost *:$AP_HTTP>
	DocumentRoot $AP_DIR/www
	ErrorLog \${APACHE_LOG_DIR}/error.log
</VirtualHost>
END
apache_site wild.conf <<END
Define WILD_NAME w.example
<VirtualHost *:$AP_HTTP>
	ServerName \${WILD_NAME}
	ServerAlias *.w.example
	DocumentRoot $AP_DIR/www
	RewriteEngine on
	RewriteCond %{HTTPS} off
	RewriteRule ^/secure(.*)$ https://%{SERVER_NAME}/secure\$1 [R=301,L]
</VirtualHost>
END
printf '# a snippet\nServerSignature Off\n' >"$AP_ROOT/conf-available/snippet.conf"
ln -s ../conf-available/snippet.conf "$AP_ROOT/conf-enabled/snippet.conf"
a2enmod -q rewrite >/dev/null
apache_start

# A lineage for a.example (through apache), then the pristine tree.
ap_run obtain certonly --apache -d a.example -d www.a.example
pristine="$ITEST_DIR/pristine"
ap_snapshot "$pristine"

# ctl: apache2ctl, except that "graceful" is a no-op, so Python's step 1 run changes files only.
ctl="$ITEST_DIR/ctl-no-reload"
printf '#!/bin/sh\n[ "$1" = graceful ] && exit 0\nexec %s "$@"\n' "$APACHE_CTL_BIN" >"$ctl"
chmod +x "$ctl"

# py NAME WORKDIR ARGS...: Python certbot with our store, its own work dir.
py() {
  local name=$1 work=$2
  shift 2
  itest_log "python $name" "$ITEST_DIR/$name.out"
  CB_WORK=$work cb_run "$PYCERTBOT" "$@" "${AP_ARGS[@]}" >"$ITEST_DIR/$name.out" 2>&1 ||
    fail "python certbot $* failed: $(tail -c 3000 "$ITEST_DIR/$name.out")"
}
restore_pristine() {
  rm -rf "$AP_ROOT"
  cp -a "$pristine" "$AP_ROOT"
}

# --- 1. same tree, same result ---------------------------------------------------------------
enh=(--redirect --hsts --uir)
py py-install "$ITEST_DIR/pywork1" install --installer apache --cert-name a.example --apache-ctl "$ctl" "${enh[@]}"
by_python="$ITEST_DIR/by-python"
ap_snapshot "$by_python"
restore_pristine
# Ours reloads the live instance for real: it checks after a reload that Apache serves the new
# certificate and rolls back otherwise, so a no-op reload would (rightly) fail the install.
CB_WORK="$ITEST_DIR/ourwork1" ap_run our-install install --installer apache --cert-name a.example \
  --apache-ctl "$APACHE_CTL_BIN" "${enh[@]}"
# certbot writes one RewriteCond per name of a Python set, in the string-hash order of that run
# (PYTHONHASHSEED is random); ours are sorted. The trees must be equal but for that order.
same_but_cond_order() {
  local f rel
  diff -r --no-dereference -q -x .certbot.lock "$1" "$2" >/dev/null 2>&1 && return 0
  while read -r rel; do
    f="$1/$rel"
    [[ -f "$f" && -f "$2/$rel" ]] || return 1
    cmp -s <(grep -v '^RewriteCond %{SERVER_NAME}' "$f") \
      <(grep -v '^RewriteCond %{SERVER_NAME}' "$2/$rel") || return 1
    cmp -s <(grep '^RewriteCond %{SERVER_NAME}' "$f" | sed 's/ \[OR\]$//' | sort) \
      <(grep '^RewriteCond %{SERVER_NAME}' "$2/$rel" | sed 's/ \[OR\]$//' | sort) || return 1
  done < <(diff -r --no-dereference -q -x .certbot.lock "$1" "$2" 2>&1 |
    sed -n "s|^Files $1/\(.*\) and .* differ\$|\1|p")
  ! diff -r --no-dereference -q -x .certbot.lock "$1" "$2" 2>&1 | grep -qv '^Files '
}
same_but_cond_order "$by_python" "$AP_ROOT" ||
  fail "ours vs Python on the same tree: $(diff -r --no-dereference -x .certbot.lock "$by_python" "$AP_ROOT" | head -c 3000)"
assert_file "$AP_ROOT/sites-available/a-le-ssl.conf"
pass "install --redirect --hsts --uir: our tree equals Python's byte for byte"

# --- 2. installed by Python, renewed and rolled back by ours ----------------------------------
restore_pristine
"$APACHE_CTL_BIN" graceful >/dev/null 2>&1 || fail "apache did not reload the pristine tree"
pywork="$ITEST_DIR/pywork2"
py py-run "$pywork" install --installer apache --cert-name a.example --redirect
soft assert_eq "$(ap_https_get a.example /)" "site a" "HTTPS after Python's install"
soft ap_assert_serves a.example a.example
old=$(openssl x509 -in "$CB_CONFIG/live/a.example/cert.pem" -noout -fingerprint -sha256)
CB_WORK=$pywork ap_run our-renew renew --force-renewal --no-random-sleep-on-renew
[[ "$(openssl x509 -in "$CB_CONFIG/live/a.example/cert.pem" -noout -fingerprint -sha256)" != "$old" ]] ||
  fail "our renew did not replace the certificate"
soft ap_assert_serves a.example a.example
CB_WORK=$pywork ap_run our-rollback --apache rollback --checkpoints 2
ap_assert_unchanged "$pristine" "Python's install rolled back by ours"
soft assert_eq "$(ap_http_answer a.example)" "200 " "plain HTTP after our rollback"
soft_done
pass "a site Python installed: ours renews it (new certificate served) and rolls it back byte for byte"

# --- 3. installed by ours, rolled back by Python ----------------------------------------------
ourwork="$ITEST_DIR/ourwork3"
CB_WORK=$ourwork ap_run our-run2 install --installer apache --cert-name a.example --redirect --hsts
soft ap_assert_serves a.example a.example
py py-rollback "$ourwork" rollback --installer apache --checkpoints 3
ap_assert_unchanged "$pristine" "our install rolled back by Python"
soft_done
pass "a site ours installed: Python rolls it back byte for byte"
