#!/usr/bin/env bash
# certbot --apache --redirect on a realistic Debian tree, one site at a time, against a private
# apache2 and Pebble: 000-default (no ServerName), two name-based sites (one with an existing
# `Redirect`), a site whose ServerName is a ${VAR} Define'd in conf-enabled with a ServerAlias
# wildcard, a site
# that already has a virtual host on 443 (self-signed), a site also on [::1] (when the loopback
# has IPv6), and a conf-enabled snippet included by IncludeOptional. For each: HTTPS serves
# exactly live/<name>/cert.pem and the site, HTTP answers 301 to https://<name>/<path>, and the
# sites not yet done are untouched (byte for byte).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_apache.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_apache.bash"

apache_test_begin
ipv6=0
ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/128' && ipv6=1

mkdir -p "$AP_DIR/www/default"
echo "default site" >"$AP_DIR/www/default/index.html"
apache_site 000-default.conf <<END
<VirtualHost *:$AP_HTTP>
	ServerAdmin webmaster@localhost
	DocumentRoot $AP_DIR/www/default
	<Directory $AP_DIR/www/default>
		Require all granted
	</Directory>
	ErrorLog \${APACHE_LOG_DIR}/error.log
	CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
END
apache_simple_site a.conf a.example "site a" www.a.example
apache_simple_site b.conf b.example "site b"
sed -i 's|^\tDocumentRoot|\tRedirect permanent /old /new\n&|' "$AP_ROOT/sites-available/b.conf"
mkdir -p "$AP_DIR/www/w"
echo "site w" >"$AP_DIR/www/w/index.html"
echo "Define W_NAME w.example" >"$AP_ROOT/conf-available/defines.conf"
ln -s ../conf-available/defines.conf "$AP_ROOT/conf-enabled/defines.conf"
apache_site wild.conf <<END
<VirtualHost *:$AP_HTTP>
	ServerName \${W_NAME}
	ServerAlias *.w.example
	DocumentRoot $AP_DIR/www/w
	<Directory $AP_DIR/www/w>
		Require all granted
	</Directory>
</VirtualHost>
END
# c.example: HTTP, and HTTPS already on 443 with a self-signed certificate.
apache_simple_site c.conf c.example "site c"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=c.example \
  -keyout "$AP_DIR/c-self.key" -out "$AP_DIR/c-self.pem" >/dev/null 2>&1
apache_site c-ssl.conf <<END
<IfModule mod_ssl.c>
<VirtualHost *:443>
	ServerName c.example
	DocumentRoot $AP_DIR/www/c.example
	<Directory $AP_DIR/www/c.example>
		Require all granted
	</Directory>
	SSLEngine on
	SSLCertificateFile $AP_DIR/c-self.pem
	SSLCertificateKeyFile $AP_DIR/c-self.key
</VirtualHost>
</IfModule>
END
a2enmod -q ssl headers >/dev/null
if ((ipv6)); then
  echo "Listen [::1]:$AP_HTTP" >>"$AP_ROOT/ports.conf"
  mkdir -p "$AP_DIR/www/v6"
  echo "site v6" >"$AP_DIR/www/v6/index.html"
  apache_site v6.conf <<END
<VirtualHost *:$AP_HTTP [::1]:$AP_HTTP>
	ServerName v6.example
	DocumentRoot $AP_DIR/www/v6
	<Directory $AP_DIR/www/v6>
		Require all granted
	</Directory>
</VirtualHost>
END
fi
printf '<IfModule mod_headers.c>\n\tHeader set X-Snippet yes\n</IfModule>\n' \
  >"$AP_ROOT/conf-available/snippet.conf"
ln -s ../conf-available/snippet.conf "$AP_ROOT/conf-enabled/snippet.conf"
apache_start
ap_snapshot "$ITEST_DIR/snap0"

# untouched FILE...: sites-available/FILE are as in the first snapshot.
untouched() {
  local f
  for f in "$@"; do
    cmp -s "$ITEST_DIR/snap0/sites-available/$f" "$AP_ROOT/sites-available/$f" ||
      fail "sites-available/$f was changed: $(diff "$ITEST_DIR/snap0/sites-available/$f" \
        "$AP_ROOT/sites-available/$f" | head -c 2000)"
  done
}

# site LINEAGE BODY NAMES...: run certbot --apache --redirect for NAMES, then check each name
# (the 301 for each name not in NO_REDIRECT).
NO_REDIRECT=""
site() {
  local lineage=$1 body=$2 name
  shift 2
  local -a ds=()
  for name in "$@"; do ds+=(-d "$name"); done
  ap_run "run-$lineage" --apache "${ds[@]}" --redirect
  for name in "$@"; do
    soft assert_eq "$(ap_https_get "$name" /)" "$body" "HTTPS body for $name"
    soft ap_assert_serves "$name" "$lineage"
    [[ " $NO_REDIRECT " == *" $name "* ]] && continue
    soft assert_eq "$(ap_http_answer "$name" '/p?x=1')" "301 https://$name/p?x=1" \
      "plain HTTP answer for $name"
  done
  soft_done
}

site a.example "site a" a.example www.a.example
untouched 000-default.conf b.conf wild.conf c.conf c-ssl.conf
assert_eq "$(ap_http_answer b.example)" "200 " "b.example still plain HTTP"
pass "name-based site with an alias; the other sites untouched"

site b.example "site b" b.example
assert_contains "$AP_ROOT/sites-available/b.conf" '^	Redirect permanent /old /new$'
assert_contains "$AP_ROOT/sites-available/b-le-ssl.conf" '^	Redirect permanent /old /new$'
untouched 000-default.conf wild.conf c.conf c-ssl.conf
pass "a site with an existing Redirect"

# certbot's redirect names the virtual host's names, the wildcard alias literally
# (RewriteCond %{SERVER_NAME} =*.w.example), so x.w.example is served over HTTP as before.
NO_REDIRECT="x.w.example"
site w.example "site w" w.example x.w.example
NO_REDIRECT=""
assert_contains "$AP_ROOT/sites-available/wild-le-ssl.conf" '^	ServerName \$\{W_NAME\}$'
assert_contains "$AP_ROOT/sites-available/wild.conf" '^RewriteCond %\{SERVER_NAME\} =\*\.w\.example \[OR\]$'
untouched 000-default.conf c.conf c-ssl.conf
pass "a Define'd ServerName and a name covered by the ServerAlias wildcard"

site c.example "site c" c.example
[[ ! -e "$AP_ROOT/sites-available/c-le-ssl.conf" ]] || fail "c.example got a second HTTPS copy"
assert_contains "$AP_ROOT/sites-available/c-ssl.conf" "^	SSLCertificateFile $CB_CONFIG/live/c.example/fullchain.pem\$"
untouched 000-default.conf
pass "a site already on 443: its own virtual host is pointed at the certificate"

if ((ipv6)); then
  site v6.example "site v6" v6.example
  assert_contains "$AP_ROOT/sites-available/v6-le-ssl.conf" '^<VirtualHost \*:443 \[::1\]:443>$'
  answer=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 \
    --resolve "v6.example:$AP_HTTP:::1" "http://v6.example:$AP_HTTP/")
  assert_eq "$answer" "301 https://v6.example/" "plain HTTP answer on [::1]"
  pass "a site on *: and [::1]: addresses"
else
  skip_part "the loopback has no ::1, so the [::1] site is not tried"
fi
assert_eq "$(ap_http_answer default.invalid)" "200 " "000-default still serves plain HTTP"
CURL_OUT=$(curl -sS -i --max-time 10 --cacert "$AP_ROOTCA" --resolve "a.example:443:$AP_TLS_ADDR" \
  https://a.example/)
grep -qi '^X-Snippet: yes' <<<"$CURL_OUT" || fail "the conf-enabled snippet no longer applies"
pass "000-default untouched and serving; the IncludeOptional'd snippet still applies"
