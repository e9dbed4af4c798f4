#!/usr/bin/env bash
# Run-time flags: the User-Agent a server receives (certbot's format, --user-agent-comment,
# --user-agent), --strict-permissions (group/world-writable dirs and cli.ini refused), a
# non-root user facing root's directories (message names the directory and suggests sudo or
# the --*-dir flags; skipped when setpriv/runuser cannot switch to nobody), and
# --debug-challenges (against Pebble: shows the challenge URL and waits for Enter).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
certbot_dirs
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")

# --- User-Agent, as a (fake) ACME server sees it ------------------------------------------------
tls_server_cert "$ITEST_DIR/ua-tls"
_itest_trust_test_ca
ua_port=$(free_port)
ua_log=$ITEST_DIR/user-agents
cat >"$ITEST_DIR/ua_server.py" <<'PY'
# Answers every request 503 and appends its User-Agent header to a file.
import http.server, ssl, sys
port, log, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        with open(log, "a") as f:
            f.write(self.headers.get("User-Agent", "<none>") + "\n")
        self.send_response(503)
        self.send_header("Content-Type", "application/problem+json")
        self.end_headers()
        self.wfile.write(b'{"type": "urn:ietf:params:acme:error:serverInternal", "detail": "test"}')
    do_GET = do_HEAD = do_POST = answer
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
bg_start ua_server "$ITEST_DIR/ua_server.log" /usr/bin/python3 "$ITEST_DIR/ua_server.py" "$ua_port" "$ua_log" \
  "$ITEST_DIR/ua-tls/cert.pem" "$ITEST_DIR/ua-tls/key.pem"
wait_for_port "$ua_port" 10 || fail "the User-Agent server did not start"
ua_url=https://127.0.0.1:$ua_port/dir

# first_ua ARGS...: run certonly against the server and print the first User-Agent it got.
first_ua() {
  rm -f "$ua_log"
  timeout 60 "$CERTBOT" certonly -n --agree-tos --register-unsafely-without-email --standalone \
    -d ua.example --server "$ua_url" "${dirs[@]}" "$@" >/dev/null 2>&1 </dev/null && fail "certonly succeeded against a 503 server"
  [[ -s "$ua_log" ]] || fail "the server received no request"
  head -n 1 "$ua_log"
}
ua=$(first_ua)
[[ "$ua" =~ ^CertbotNative/[0-9]+\.[0-9]+\.[0-9]+\ \(certbot\;\ .+\)\ Authenticator/standalone\ Installer/None\ \(certonly\;\ flags:\ n\)\ OpenSSL/ ]] ||
  fail "default User-Agent has an unexpected form: $ua"
pass "default User-Agent: $ua"
ua=$(first_ua --user-agent-comment "ci run 42" --duplicate)
assert_contains "$ua" '^CertbotNative/[^ ]+ \(certbot; .+; ci run 42\) Authenticator/.*\(certonly; flags: dup n\)'
pass "--user-agent-comment: $ua"
ua=$(first_ua --user-agent "MyAgent/1.0 (test)")
assert_eq "$ua" "MyAgent/1.0 (test)" "--user-agent"
pass "--user-agent replaces it: $ua"
rc=0
out=$("$CERTBOT" certonly -n --user-agent-comment "$(printf 'a\r\nX-Injected: 1')" -d ua.example \
  --server "$ua_url" "${dirs[@]}" 2>&1) || rc=$?
assert_eq "$rc" 2 "control characters in --user-agent-comment: exit status ($out)"
assert_contains "$out" 'user-agent-comment must not contain control characters'
pass "a header injection through --user-agent-comment is refused"
bg_stop "$BG_PID"

# --- --strict-permissions ----------------------------------------------------------------------
chmod 0777 "$CB_WORK"
rc=0
out=$("$CERTBOT" certificates --strict-permissions "${dirs[@]}" 2>&1) || rc=$?
assert_eq "$rc" 2 "--strict-permissions with a 0777 work dir: exit status ($out)"
assert_contains "$out" "^--strict-permissions: $CB_WORK is owned by uid [0-9]+ with mode 0777"
"$CERTBOT" certificates "${dirs[@]}" >/dev/null || fail "without --strict-permissions the 0777 dir is accepted"
chmod 0755 "$CB_WORK"
printf 'strict-permissions = true\n' >"$ITEST_DIR/strict.ini"
chmod 0666 "$ITEST_DIR/strict.ini"
rc=0
out=$("$CERTBOT" certificates -c "$ITEST_DIR/strict.ini" "${dirs[@]}" 2>&1) || rc=$?
assert_eq "$rc" 2 "--strict-permissions with a 0666 cli.ini: exit status ($out)"
assert_contains "$out" "strict.ini is owned by uid [0-9]+ with mode 0666"
chmod 0644 "$ITEST_DIR/strict.ini"
"$CERTBOT" certificates -c "$ITEST_DIR/strict.ini" "${dirs[@]}" >/dev/null ||
  fail "--strict-permissions refused safe directories and cli.ini"
pass "--strict-permissions refuses group/world-writable dirs and cli.ini"

# --- a non-root user and root's directories ------------------------------------------------------
as_nobody=()
if [[ "$(id -u)" == 0 ]] && command -v setpriv >/dev/null &&
  setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
elif [[ "$(id -u)" == 0 ]] && command -v runuser >/dev/null && runuser -u nobody true 2>/dev/null; then
  as_nobody=(runuser -u nobody --)
fi
if [[ ${#as_nobody[@]} -gt 0 ]]; then
  root_dir=$ITEST_DIR/root-only
  mkdir -p "$root_dir/config" "$root_dir/work" "$root_dir/logs"
  chmod 0755 "$ITEST_DIR" "$root_dir" "$root_dir"/*
  for case in config work logs; do
    d=(--config-dir "$ITEST_DIR/nobody-config" --work-dir "$ITEST_DIR/nobody-work" --logs-dir "$ITEST_DIR/nobody-logs")
    case $case in
    config) d[1]=$root_dir/config ;;
    work) d[3]=$root_dir/work ;;
    logs) d[5]=$root_dir/logs ;;
    esac
    rc=0
    chmod 0777 "$ITEST_DIR" # nobody may create its own dirs here
    out=$(cd / && "${as_nobody[@]}" env CERTBOT_SYSTEM_CLI_INI= XDG_CONFIG_HOME=/nonexistent \
      "$CERTBOT" certificates "${d[@]}" 2>&1) || rc=$?
    chmod 0755 "$ITEST_DIR"
    assert_eq "$rc" 2 "nobody with root's $case dir: exit status ($out)"
    assert_eq "$(grep -c . <<<"$out")" 1 "nobody with root's $case dir: one line ($out)"
    assert_contains "$out" "$root_dir/$case \(--$case-dir\) is not writable"
    assert_contains "$out" 'sudo'
    assert_contains "$out" '--config-dir, --work-dir and --logs-dir'
    pass "nobody, root's $case dir: $out"
  done
  rc=0
  out=$(cd / && "${as_nobody[@]}" env CERTBOT_SYSTEM_CLI_INI= XDG_CONFIG_HOME=/nonexistent \
    "$CERTBOT" certificates --config-dir "$root_dir/config/sub" --work-dir /tmp --logs-dir /tmp 2>&1) || rc=$?
  assert_eq "$rc" 2 "nobody creating a dir under root's: exit status ($out)"
  assert_contains "$out" "$root_dir/config/sub.*--config-dir.*sudo"
  pass "nobody, a dir it cannot create: $out"
else
  skip_part "cannot switch to user nobody (not root, or no setpriv/runuser): the unwritable-directory checks"
fi

# --- --debug-challenges ------------------------------------------------------------------------
pebble_start
certbot_dirs
# cb_common_args without -n: --debug-challenges only waits when interactive.
mapfile -t common < <(cb_common_args | grep -vx -- -n)
fifo=$ITEST_DIR/stdin.fifo
mkfifo "$fifo"
out_file=$ITEST_DIR/debug.out
# certonly waits for Enter after setting up the challenge; the answer comes once it asked.
timeout 60 "$CERTBOT" certonly --standalone -d dbg.example --http-01-port "$HTTP01_PORT" \
  --register-unsafely-without-email --debug-challenges --force-interactive -v "${common[@]}" \
  <"$fifo" >"$out_file" 2>&1 &
cb_pid=$!
exec {fifo_fd}>"$fifo"
deadline=$((SECONDS + 30))
until grep -q 'Press Enter' "$out_file" 2>/dev/null; do
  kill -0 "$cb_pid" 2>/dev/null || { cat "$out_file" >&2; fail "certonly ended before pausing"; }
  ((SECONDS < deadline)) || fail "no --debug-challenges prompt within 30 s"
  sleep 0.2
done
sleep 1
kill -0 "$cb_pid" 2>/dev/null || fail "certonly did not wait at the --debug-challenges prompt"
assert_no_file "$CB_CONFIG/live/dbg.example/cert.pem"
assert_contains "$out_file" 'http://dbg\.example/\.well-known/acme-challenge/[A-Za-z0-9_-]+'
assert_contains "$out_file" 'expected content: [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+'
printf '\n' >&"$fifo_fd"
exec {fifo_fd}>&-
rc=0
wait "$cb_pid" || rc=$?
assert_eq "$rc" 0 "certonly after Enter: exit status ($(tail -5 "$out_file"))"
assert_file "$CB_CONFIG/live/dbg.example/cert.pem"
pass "--debug-challenges paused with the challenge URL until Enter, then issued"
