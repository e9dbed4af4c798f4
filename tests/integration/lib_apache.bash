# shellcheck shell=bash
# A private Apache for the apache_*.sh integration tests. Source after lib.sh:
#
#   apache_test_begin                      # Pebble, certbot's directories, a copy of /etc/apache2
#   apache_site a.conf <<EOF ... EOF       # sites-available/a.conf + sites-enabled symlink
#   apache_start
#   ap_certbot run1 --apache -d a.example  # our certbot with the apache flags
#   ap_assert_serves a.example a.example   # the HTTPS certificate is live/a.example/cert.pem
#
# The instance is Debian's multi-instance convention: APACHE_CONFDIR=$AP_ROOT (a copy of the
# installed /etc/apache2 with its own envvars: run, lock, log and state directories under the
# test's scratch dir), so apache2ctl, a2enmod and a2dismod act on it alone. Plain HTTP listens on
# 127.0.0.1:HTTP01_PORT (where Pebble's VA connects). certbot-apache installs HTTPS on port 443,
# fixed in certbot; the instance listens for it on a random 127.x.y.z:443 of its own (in
# ports.conf's <IfModule ssl_module>, as Debian's), which no other test binds. Not a file ctest
# runs (the glob is *.sh).

APACHE_CTL_BIN=${APACHE_CTL_BIN:-/usr/sbin/apache2ctl}

apache_test_begin() {
  pebble_prologue --plugin apache
  apache_setup
}

# ap_certbot NAME ARGS...: our certbot with ARGS and AP_ARGS, output to $ITEST_DIR/NAME.out.
ap_certbot() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  cb_run "$CERTBOT" "$@" "${AP_ARGS[@]}" --register-unsafely-without-email \
    >"$ITEST_DIR/$name.out" 2>&1
}

# ap_run NAME ARGS...: ap_certbot, which must succeed.
ap_run() {
  ap_certbot "$@" || fail "certbot ${*:2} failed: $(tail -c 3000 "$ITEST_DIR/$1.out")"
}

# apache_setup: AP_DIR, AP_ROOT (the server root), AP_HTTP, AP_TLS_ADDR; AP_ARGS.
apache_setup() {
  [[ -x "$APACHE_CTL_BIN" && -f /etc/apache2/apache2.conf ]] || fail "apache2 is not installed"
  [[ -n "${HTTP01_PORT:-}" ]] || fail "apache_setup: call pebble_start first"
  AP_DIR=$(mktemp -d "$ITEST_DIR/apache.XXXXXX")
  AP_ROOT="$AP_DIR/apache2"
  AP_HTTP=$HTTP01_PORT
  AP_TLS_ADDR="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
  AP_ROOTCA="$AP_DIR/pebble-root.pem"
  pebble_root_pem "$AP_ROOTCA"
  cp -a /etc/apache2 "$AP_ROOT"
  # Apache's children (www-data) read the challenge directory under the scratch dir.
  chmod o+x "$ITEST_DIR" "$AP_DIR" "$(dirname "$CB_WORK")" "$CB_WORK"
  mkdir -p "$AP_DIR/run" "$AP_DIR/lock" "$AP_DIR/log" "$AP_DIR/state" "$AP_DIR/www"
  cat >"$AP_ROOT/envvars" <<EOF
# private apache2 of an integration test
unset HOME
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=$AP_DIR/run/apache2.pid
export APACHE_RUN_DIR=$AP_DIR/run
export APACHE_LOCK_DIR=$AP_DIR/lock
export APACHE_LOG_DIR=$AP_DIR/log
export APACHE_STATE_DIRECTORY=$AP_DIR/state
export LANG=C
EOF
  cat >"$AP_ROOT/ports.conf" <<EOF
Listen 127.0.0.1:$AP_HTTP

<IfModule ssl_module>
	Listen $AP_TLS_ADDR:443
</IfModule>
EOF
  rm -f "$AP_ROOT"/sites-enabled/* "$AP_ROOT"/sites-available/*
  sed -i "s/^ServerRoot.*//" "$AP_ROOT/apache2.conf"
  echo "ServerName localhost" >"$AP_ROOT/conf-available/servername.conf"
  ln -s ../conf-available/servername.conf "$AP_ROOT/conf-enabled/servername.conf"
  export APACHE_CONFDIR=$AP_ROOT APACHE_ENVVARS=$AP_ROOT/envvars
  export APACHE_STATE_DIRECTORY=$AP_DIR/state
  export AP_DIR AP_ROOT AP_HTTP AP_TLS_ADDR AP_ROOTCA
  AP_ARGS=(--apache-server-root "$AP_ROOT" --apache-logs-root "$AP_DIR/log"
    --http-01-port "$AP_HTTP")
  on_exit "_apache_stop '$AP_DIR'"
}

# apache_site NAME: sites-available/NAME from stdin, enabled by a relative symlink (a2ensite).
apache_site() {
  cat >"$AP_ROOT/sites-available/$1"
  ln -s "../sites-available/$1" "$AP_ROOT/sites-enabled/$1"
}

# apache_simple_site FILE NAME BODY [ALIASES]: a name-based site on *:AP_HTTP serving BODY.
apache_simple_site() {
  mkdir -p "$AP_DIR/www/$2"
  echo "$3" >"$AP_DIR/www/$2/index.html"
  apache_site "$1" <<EOF
<VirtualHost *:$AP_HTTP>
	ServerName $2
${4:+	ServerAlias $4
}	DocumentRoot $AP_DIR/www/$2
	<Directory $AP_DIR/www/$2>
		Require all granted
	</Directory>
	ErrorLog \${APACHE_LOG_DIR}/error.log
	CustomLog \${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
EOF
}

# apache_start: configtest and start the instance (apache2ctl start, as the plugin reloads it).
apache_start() {
  local out
  out=$("$APACHE_CTL_BIN" configtest 2>&1) || fail "apache2ctl configtest: $out"
  out=$("$APACHE_CTL_BIN" start 2>&1) || fail "apache2ctl start: $out"
  itest_log "apache error.log" "$AP_DIR/log/error.log"
  wait_for_port "$AP_HTTP" 10 || fail "apache did not listen on $AP_HTTP"
}

_apache_stop() {
  local pid
  pid=$(cat "$1/run/apache2.pid" 2>/dev/null) || return 0
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == /usr/sbin/apache2 ]] && kill -TERM "$pid" 2>/dev/null
  return 0
}

# ap_snapshot DIR / ap_assert_unchanged DIR WHAT: the server root byte for byte (links as links).
ap_snapshot() {
  rm -rf "$1"
  cp -a "$AP_ROOT" "$1"
}
ap_assert_unchanged() {
  local d
  d=$(diff -r --no-dereference -x .certbot.lock "$1" "$AP_ROOT" 2>&1) ||
    fail "$2: the apache configuration differs from $1: $(head -c 3000 <<<"$d")"
}

# ap_https_get NAME [PATH]: GET https://NAME/PATH (port 443 at AP_TLS_ADDR), verified.
ap_https_get() {
  curl -sS --max-time 10 --cacert "$AP_ROOTCA" --resolve "$1:443:$AP_TLS_ADDR" \
    "https://$1${2:-/}"
}

# ap_http_answer NAME [PATH]: "<status> <redirect target>" of GET http://NAME:AP_HTTP/PATH.
ap_http_answer() {
  curl -sS -o /dev/null --max-time 10 -w '%{http_code} %{redirect_url}' \
    --resolve "$1:$AP_HTTP:127.0.0.1" "http://$1:$AP_HTTP${2:-/}"
}

# ap_served_fingerprint NAME: SHA-256 fingerprint of the certificate apache sends for SNI NAME.
ap_served_fingerprint() {
  openssl s_client -connect "$AP_TLS_ADDR:443" -servername "$1" </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}

# ap_assert_serves NAME LINEAGE: apache sends live/LINEAGE/cert.pem for SNI NAME.
ap_assert_serves() {
  local got want
  got=$(ap_served_fingerprint "$1")
  want=$(openssl x509 -in "$CB_CONFIG/live/$2/cert.pem" -noout -fingerprint -sha256)
  [[ -n "$got" ]] || fail "nothing served over TLS for $1 on $AP_TLS_ADDR:443"
  assert_eq "$got" "$want" "certificate served for $1 vs live/$2/cert.pem"
}
