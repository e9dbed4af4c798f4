#!/usr/bin/env bash
# certbot --nginx with the real nginx and Pebble on a realistic configuration:
#   - a catch-all default_server (`server_name _; return 404;`), on IPv6 too when ::1 exists;
#   - b.example + www.b.example, its locations in an included snippet;
#   - c.example already redirecting (`return 301 https://...`) to an SSL block with a
#     self-signed certificate.
# Checks: -n without -d names -d; on a terminal the names found in the configuration are offered
# (not "_"); several names, one matching no block (new.example gets a copy of the default block,
# served on IPv6 too); the challenge passes through the existing redirect and the SSL block gets
# the new certificate; files certbot does not need to change stay byte for byte; rolling back
# every checkpoint restores the whole tree and nginx serves the old certificate again.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/lib_nginx.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib_nginx.bash"

nginx_test_begin
v6=""
if have_ipv6_loopback; then
  v6="listen [::1]:$NGX_HTTP default_server;"
fi
nginx_site default <<EOF
# catch-all
server {
    listen 127.0.0.1:$NGX_HTTP default_server;
    $v6
    server_name _;
    return 404;
}
EOF
cat >"$NGX_ROOT/snippets/site-b.conf" <<'EOF'
location / {
    return 200 "site b\n";
}
EOF
nginx_site b.example <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP;
    server_name b.example www.b.example;
    include snippets/site-b.conf;
}
EOF
tls_server_cert "$NGX_DIR/snakeoil" "DNS:c.example"
nginx_site c.example <<EOF
server {
    listen 127.0.0.1:$NGX_HTTP;
    server_name c.example;
    return 301 https://\$host\$request_uri;
}

server {
    listen $NGX_HTTPS ssl;
    server_name c.example;
    ssl_certificate $NGX_DIR/snakeoil/cert.pem;
    ssl_certificate_key $NGX_DIR/snakeoil/key.pem;
    location / {
        return 200 "site c\n";
    }
}
EOF
nginx_start
ngx_snapshot "$ITEST_DIR/snap0"
snakeoil=$(file_fingerprint "$NGX_DIR/snakeoil/cert.pem")
assert_eq "$(served_fingerprint c.example)" "$snakeoil" "certificate of c.example before certbot"

# --- names -----------------------------------------------------------------------------------
rc=0
ngx_certbot no_d --nginx || rc=$?
assert_eq "$rc" 2 "exit status of certbot --nginx -n without -d"
assert_contains "$ITEST_DIR/no_d.out" 'No domain names given: name them with -d/--domains'
rc=0
out=$(printf 'c\n' | timeout 60 "$CERTBOT" --nginx "${NGX_ARGS[@]}" --force-interactive \
  --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" \
  --server "$PEBBLE_DIR_URL" --agree-tos --register-unsafely-without-email 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status after cancelling the name choice"
assert_contains "$out" '^1: b\.example$'
assert_contains "$out" '^2: www\.b\.example$'
assert_contains "$out" '^3: c\.example$'
assert_not_contains "$out" '^4:|: _$'
ngx_assert_unchanged "$ITEST_DIR/snap0" "after -n without -d and a cancelled choice"
pass "no -d: -n names -d; a terminal is offered b.example, www.b.example, c.example (not _)"

# --- several names, one matching no block ------------------------------------------------------
ngx_certbot b --nginx -d b.example -d www.b.example -d new.example --redirect ||
  fail "certbot --nginx -d b.example -d www.b.example -d new.example failed: $(cat "$ITEST_DIR/b.out")"
for name in b.example www.b.example; do
  soft assert_eq "$(https_get "$name" /)" "site b" "HTTPS body for $name"
  soft assert_serves "$name" b.example
  soft assert_eq "$(http_answer "$name" /x)" "301 https://$name:$NGX_HTTPS/x" "plain HTTP for $name"
done
soft assert_serves new.example b.example
if [[ -n "$v6" ]]; then
  soft assert_serves new.example b.example ::1
fi
soft cmp "$NGX_ROOT/snippets/site-b.conf" "$ITEST_DIR/snap0/snippets/site-b.conf"
soft assert_contains "$NGX_ROOT/sites-available/default" 'server_name new\.example;'
soft_done
pass "b.example, www.b.example and new.example (a copy of the default block${v6:+, IPv6 too}); the included snippet is untouched"

# --- an existing redirect and SSL block ----------------------------------------------------------
cp "$NGX_ROOT/sites-available/b.example" "$ITEST_DIR/b.after"
ngx_certbot c --nginx -d c.example --redirect ||
  fail "certbot --nginx -d c.example failed: $(cat "$ITEST_DIR/c.out")"
soft assert_serves c.example c.example
soft assert_eq "$(https_get c.example /)" "site c" "HTTPS body for c.example"
soft assert_eq "$(http_answer c.example /y)" "301 https://c.example/y" "the existing redirect of c.example"
# shellcheck disable=SC2016 # a regex, not an expansion
soft assert_not_contains "$NGX_ROOT/sites-available/c.example" 'if \(\$host'
soft cmp "$NGX_ROOT/sites-available/b.example" "$ITEST_DIR/b.after"
soft_done
pass "c.example: challenge through its return 301, the SSL block serves the new certificate, no second redirect"

# --- roll everything back ---------------------------------------------------------------------------
n=$(find "$CB_WORK/backups" -mindepth 1 -maxdepth 1 -type d ! -name IN_PROGRESS | wc -l)
((n >= 3)) || fail "expected at least 3 nginx checkpoints in $CB_WORK/backups, found $n"
ngx_certbot rollback --nginx rollback --checkpoints "$n" || fail "rollback failed: $(cat "$ITEST_DIR/rollback.out")"
ngx_assert_unchanged "$ITEST_DIR/snap0" "after rolling back all $n checkpoints"
soft assert_eq "$(served_fingerprint c.example)" "$snakeoil" "certificate of c.example after the rollback"
soft assert_eq "$(http_answer b.example)" "200 " "plain HTTP for b.example after the rollback"
soft_done
pass "rollback --checkpoints $n: the whole tree byte for byte, the old certificate served again"
