# shellcheck shell=bash
# A private nginx for the nginx_*.sh integration tests, and clients that check what it serves.
# Source after lib.sh:
#
#   nginx_test_begin                       # Pebble, certbot's directories, a server root
#   nginx_site a.conf <<EOF ... EOF        # sites-available/a.conf + sites-enabled symlink
#   nginx_start
#   ngx_certbot run1 --nginx -d a.example  # our certbot with the nginx flags
#   assert_serves a.example a.example      # the HTTPS certificate is live/a.example/cert.pem
#
# nginx runs as root with its own server root ($NGX_ROOT/nginx.conf), pid file, logs and temp
# directories, listening on Pebble's http-01 port ($NGX_HTTP = HTTP01_PORT, where Pebble's VA
# connects) and a free HTTPS port ($NGX_HTTPS). Not a file ctest runs (the glob is *.sh).

NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}

# nginx_test_begin: what every nginx test starts with: the binaries are there, Pebble runs,
# certbot's directories exist, nginx_setup.
nginx_test_begin() {
  pebble_prologue --plugin nginx
  nginx_setup
}

# ngx_certbot NAME ARGS...: cb_run our certbot with ARGS and NGX_ARGS, output to
# $ITEST_DIR/NAME.out (shown if the test fails). Returns certbot's exit status.
ngx_certbot() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  cb_run "$CERTBOT" "$@" "${NGX_ARGS[@]}" --register-unsafely-without-email \
    >"$ITEST_DIR/$name.out" 2>&1
}

# nginx_setup: a fresh server root with Debian's layout (sites-available, sites-enabled).
# Exports NGX_DIR, NGX_ROOT, NGX_HTTP, NGX_HTTPS, NGX_ROOTCA (Pebble's issuing root) and sets
# NGX_ARGS (the plugin and port flags every certbot call needs).
nginx_setup() {
  [[ -x "$NGINX_BIN" ]] || fail "$NGINX_BIN is not installed"
  [[ -n "${HTTP01_PORT:-}" ]] || fail "nginx_setup: call pebble_start first"
  NGX_DIR=$(mktemp -d "$ITEST_DIR/nginx.XXXXXX")
  NGX_ROOT="$NGX_DIR/etc"
  NGX_HTTP=$HTTP01_PORT
  NGX_HTTPS=$(free_port)
  NGX_ROOTCA="$NGX_DIR/pebble-root.pem"
  mkdir -p "$NGX_ROOT/sites-available" "$NGX_ROOT/sites-enabled" "$NGX_ROOT/snippets" "$NGX_DIR/tmp"
  pebble_root_pem "$NGX_ROOTCA"
  cat >"$NGX_ROOT/nginx.conf" <<EOF
# private nginx of an integration test
pid $NGX_DIR/nginx.pid;
error_log $NGX_DIR/error.log;
worker_processes 1;
events { worker_connections 64; }

http {
    access_log $NGX_DIR/access.log;
    client_body_temp_path $NGX_DIR/tmp/body;
    proxy_temp_path $NGX_DIR/tmp/proxy;
    fastcgi_temp_path $NGX_DIR/tmp/fastcgi;
    uwsgi_temp_path $NGX_DIR/tmp/uwsgi;
    scgi_temp_path $NGX_DIR/tmp/scgi;
    include sites-enabled/*;
}
EOF
  export NGX_DIR NGX_ROOT NGX_HTTP NGX_HTTPS NGX_ROOTCA
  # nginx applies a reload asynchronously: 0.2 s was too short for Pebble on a busy machine
  # (it still saw the old configuration), so certbot's default unless NGX_SLEEP says otherwise.
  NGX_ARGS=(--nginx-server-root "$NGX_ROOT" --nginx-sleep-seconds "${NGX_SLEEP:-1}"
    --http-01-port "$NGX_HTTP" --https-port "$NGX_HTTPS")
}

# nginx_site NAME: sites-available/NAME from stdin, enabled by a relative symlink.
nginx_site() {
  cat >"$NGX_ROOT/sites-available/$1"
  ln -s "../sites-available/$1" "$NGX_ROOT/sites-enabled/$1"
}

# nginx_simple_site FILE NAMES BODY [LISTEN_OPTIONS]: a site for NAMES (space-separated) on
# 127.0.0.1:NGX_HTTP answering BODY at every path.
nginx_simple_site() {
  nginx_site "$1" <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP${4:+ $4};
    server_name $2;

    location / {
        return 200 "$3\n";
    }
}
EOF
}

# nginx_start: test the configuration and start nginx in the foreground under the test's
# control. A daemon the plugin may start (restart when nginx is down) is stopped on exit too.
nginx_start() {
  local out
  out=$("$NGINX_BIN" -t -c "$NGX_ROOT/nginx.conf" 2>&1) || fail "nginx -t: $out"
  bg_start nginx "$NGX_DIR/nginx.out" "$NGINX_BIN" -c "$NGX_ROOT/nginx.conf" -g 'daemon off;'
  itest_log "nginx error.log" "$NGX_DIR/error.log"
  on_exit "_nginx_stop_daemon '$NGX_DIR'"
  wait_for_port "$NGX_HTTP" 10 || fail "nginx did not listen on $NGX_HTTP"
}

_nginx_stop_daemon() {
  local pid
  pid=$(cat "$1/nginx.pid" 2>/dev/null) || return 0
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$NGINX_BIN" ]] && kill -QUIT "$pid" 2>/dev/null
  return 0
}

# ngx_snapshot DIR: copy the server root (links as links) for ngx_assert_unchanged.
ngx_snapshot() {
  rm -rf "$1"
  cp -a "$NGX_ROOT" "$1"
}

# ngx_assert_unchanged DIR WHAT: the server root equals snapshot DIR byte for byte: same files,
# same symlink targets, nothing added (certbot's lock file in the server root aside).
ngx_assert_unchanged() {
  local d
  d=$(diff -r --no-dereference -x .certbot.lock "$1" "$NGX_ROOT" 2>&1) ||
    fail "$2: the nginx configuration differs from $1: $(head -c 3000 <<<"$d")"
}

# https_get NAME [PATH] [ADDR]: GET https://NAME:NGX_HTTPS/PATH at ADDR (default 127.0.0.1),
# verified against Pebble's root. Prints the body (headers too with CURL_HEAD=1).
https_get() {
  local addr=${3:-127.0.0.1}
  local -a opts=()
  [[ "${CURL_HEAD:-0}" == 1 ]] && opts+=(-i)
  [[ "$addr" == *:* ]] && addr="[$addr]"
  curl -sS --max-time 10 "${opts[@]}" --cacert "$NGX_ROOTCA" \
    --resolve "$1:$NGX_HTTPS:$addr" "https://$1:$NGX_HTTPS${2:-/}"
}

# http_answer NAME [PATH]: "<status> <redirect target>" of GET http://NAME:NGX_HTTP/PATH.
http_answer() {
  curl -sS -o /dev/null --max-time 10 -w '%{http_code} %{redirect_url}' \
    --resolve "$1:$NGX_HTTP:127.0.0.1" "http://$1:$NGX_HTTP${2:-/}"
}

# served_fingerprint NAME [ADDR]: SHA-256 fingerprint of the certificate nginx sends for SNI NAME.
served_fingerprint() {
  local addr=${2:-127.0.0.1}
  [[ "$addr" == *:* ]] && addr="[$addr]"
  openssl s_client -connect "$addr:$NGX_HTTPS" -servername "$1" </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}

# file_fingerprint CERT: the same for a PEM file.
file_fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha256
}

# assert_serves NAME LINEAGE [ADDR]: nginx sends live/LINEAGE/cert.pem for SNI NAME.
assert_serves() {
  local got want
  got=$(served_fingerprint "$1" "${3:-}")
  want=$(file_fingerprint "$CB_CONFIG/live/$2/cert.pem")
  [[ -n "$got" ]] || fail "nothing served over TLS for $1 on ${3:-127.0.0.1}:$NGX_HTTPS"
  assert_eq "$got" "$want" "certificate served for $1${3:+ on $3} vs live/$2/cert.pem"
}

# have_ipv6_loopback: ::1 is configured (and usable).
have_ipv6_loopback() {
  ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/128'
}
