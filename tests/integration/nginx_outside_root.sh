#!/usr/bin/env bash
# certbot --nginx on server blocks in files outside the nginx server root, with the real nginx
# and Pebble, Debian's python3-certbot-nginx as the oracle:
#   - a.example: its site file lives in another directory, symlinked into sites-enabled;
#   - b.example: a directory of sites included by absolute path from nginx.conf.
#   1. certonly --nginx for both: the http-01 answer goes into the outside files (and is gone
#      afterwards: the files are byte for byte as before);
#   2. `install --cert-name a.example --no-redirect` by Python and by ours on the same pristine files: the same
#      directives carry certbot's "# managed by Certbot" mark (Python appends, ours keeps listen
#      directives together, so the marked directives are compared as sets), every line ours
#      adds carries it, and the symlink is still a symlink to the edited file;
#   3. `run --nginx -d b.example --redirect` by ours: HTTPS serves the lineage's certificate,
#      plain HTTP answers 301, the included file holds the marked lines; `renew --force-renewal`
#      serves the new certificate.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"
[[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT is not installed"
/usr/bin/python3 -c 'import certbot_nginx' 2>/dev/null ||
  fail "python3-certbot-nginx is not installed"

nginx_test_begin
elsewhere="$NGX_DIR/srv/sites"  # outside $NGX_ROOT
included="$NGX_DIR/included"
mkdir -p "$elsewhere" "$included"
cat >"$elsewhere/a.conf" <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP;
    server_name a.example;  # the a site

    location / {
        return 200 "site a\n";
    }
}
EOF
ln -s "$elsewhere/a.conf" "$NGX_ROOT/sites-enabled/a.conf"
cat >"$included/b.conf" <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP;
    server_name b.example;
    location / {
        return 200 "site b\n";
    }
}
EOF
sed -i "s|^    include sites-enabled/\*;|&\n    include $included/*.conf;|" "$NGX_ROOT/nginx.conf"
grep -qF "include $included/*.conf;" "$NGX_ROOT/nginx.conf" || fail "could not add the include"
nginx_start

# snapshot DIR: the server root and both outside directories (links as links).
snapshot() {
  rm -rf "$1"
  mkdir -p "$1"
  cp -a "$NGX_ROOT" "$1/etc"
  cp -a "$elsewhere" "$1/sites"
  cp -a "$included" "$1/included"
}
restore() {
  rm -rf "$NGX_ROOT" "$elsewhere" "$included"
  cp -a "$1/etc" "$NGX_ROOT"
  cp -a "$1/sites" "$elsewhere"
  cp -a "$1/included" "$included"
}
assert_same_tree() {
  local d
  d=$(diff -r --no-dereference -x .certbot.lock "$1" "$2" 2>&1) ||
    fail "$3: $(head -c 3000 <<<"$d")"
}
run_ours() {
  ngx_certbot "$@" || fail "certbot ${*:2} failed: $(cat "$ITEST_DIR/$1.out")"
}
# marked FILE: the directives on lines with certbot's mark ("}" for a block), one per line, sorted.
marked() {
  grep 'managed by Certbot' "$1" | sed -E 's/^[[:space:]]*//; s/[[:space:];].*//' | sort
}

# --- 1. http-01 through the outside files -----------------------------------------------------
snapshot "$ITEST_DIR/pristine"
run_ours obtain-a certonly --nginx -d a.example
run_ours obtain-b certonly --nginx -d b.example
soft assert_contains "$NGX_DIR/access.log" '"GET /.well-known/acme-challenge/[A-Za-z0-9_-]+ HTTP/1.1" 200'
snapshot "$ITEST_DIR/after-certonly"
assert_same_tree "$ITEST_DIR/pristine" "$ITEST_DIR/after-certonly" \
  "the challenge edits were not undone byte for byte"
soft_done
pass "certonly --nginx: the http-01 answers were served from the outside files, then removed"

# --- 2. install: Python's marks and ours ------------------------------------------------------
ctl="$ITEST_DIR/ctl-no-reload" # the files are compared; nginx keeps serving the pristine ones
# shellcheck disable=SC2016 # the $1 and $@ are the wrapper's
printf '#!/bin/sh\n[ "$1" = -s ] && exit 0\nexec %s "$@"\n' "$NGINX_BIN" >"$ctl"
chmod +x "$ctl"
itest_log "python install" "$ITEST_DIR/py-install.out"
# --no-redirect: Python's nginx plugin looks for the plain block on port 80 only
# (DEFAULT_LISTEN_PORT), where this nginx does not listen.
CB_WORK="$ITEST_DIR/pywork" cb_run "$PYCERTBOT" install --installer nginx --cert-name a.example \
  --no-redirect --nginx-ctl "$ctl" "${NGX_ARGS[@]}" >"$ITEST_DIR/py-install.out" 2>&1 ||
  fail "python certbot install failed: $(tail -c 3000 "$ITEST_DIR/py-install.out")"
[[ -L "$NGX_ROOT/sites-enabled/a.conf" ]] || fail "Python replaced the symlink"
cp "$elsewhere/a.conf" "$ITEST_DIR/a.by-python"
restore "$ITEST_DIR/pristine"
CB_WORK="$ITEST_DIR/ourwork" run_ours install install --installer nginx --cert-name a.example \
  --no-redirect --nginx-ctl "$ctl"
[[ -L "$NGX_ROOT/sites-enabled/a.conf" ]] || fail "ours replaced the symlink"
[[ "$(readlink "$NGX_ROOT/sites-enabled/a.conf")" == "$elsewhere/a.conf" ]] ||
  fail "the symlink points elsewhere now"
assert_contains "$elsewhere/a.conf" "ssl_certificate $CB_CONFIG/live/a.example/fullchain.pem; # managed by Certbot"
[[ -n "$(marked "$ITEST_DIR/a.by-python")" ]] || fail "Python wrote no mark: $(cat "$ITEST_DIR/a.by-python")"
assert_eq "$(marked "$elsewhere/a.conf")" "$(marked "$ITEST_DIR/a.by-python")" \
  "the directives marked by ours vs Python's"
# Every line ours added carries the mark; the comment stays on its line.
added=$(diff "$ITEST_DIR/pristine/sites/a.conf" "$elsewhere/a.conf" | sed -n 's/^> //p' || true)
[[ -n "$added" ]] || fail "ours changed nothing in $elsewhere/a.conf"
if grep -v 'managed by Certbot' <<<"$added" | grep -q .; then
  fail "lines ours added without the mark: $(grep -v 'managed by Certbot' <<<"$added")"
fi
assert_contains "$elsewhere/a.conf" '^    server_name a.example;  # the a site$'
pass "install into a symlinked site outside the server root: the lines Python marks, marked; the link kept"

# --- 3. run with --redirect on an included directory, then renew ------------------------------
restore "$ITEST_DIR/pristine"
run_ours run-b run --nginx -d b.example --redirect
soft assert_eq "$(https_get b.example /)" "site b" "HTTPS body for b.example"
soft assert_serves b.example b.example
soft assert_eq "$(http_answer b.example /p)" "301 https://b.example:$NGX_HTTPS/p" "plain HTTP answer"
soft assert_contains "$included/b.conf" "ssl_certificate_key $CB_CONFIG/live/b.example/privkey.pem; # managed by Certbot"
soft assert_contains "$included/b.conf" '^ +} # managed by Certbot$'
soft_done
old=$(file_fingerprint "$CB_CONFIG/live/b.example/cert.pem")
run_ours renew-b renew --cert-name b.example --force-renewal --no-random-sleep-on-renew
[[ "$(file_fingerprint "$CB_CONFIG/live/b.example/cert.pem")" != "$old" ]] ||
  fail "renew did not replace the certificate"
assert_serves b.example b.example
pass "run --redirect on a site included by absolute path: HTTPS, 301, marks; renew serves the new certificate"
