#!/usr/bin/env bash
# Walking skeleton: our `certbot certonly --webroot` against a local Pebble,
# with a real HTTP server serving the webroot(s) on Pebble's http-01 port.
#   1. one webroot, two names: success, challenge files and the directories the
#      plugin created are removed, renewal conf has webroot_path + [[webroot_map]];
#   2. two webroots interleaved (-w R1 -d x -w R2 -d y), served by a Host-header
#      routing server, so a token in the wrong root fails validation; a
#      pre-existing .well-known/acme-challenge/ and its file survive;
#   3. a webroot that does not exist: non-zero exit naming the path;
#   4. a wildcard with --webroot: non-zero exit before any order, naming dns-01.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian's interpreter, not a pyenv shim (seconds of start-up on a busy machine).
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

pebble_prologue

RUN_OURS_EXTRA=(--register-unsafely-without-email)

# assert_tree_empty DIR: DIR exists and contains nothing.
assert_tree_empty() {
  [[ -d "$1" ]] || fail "$1 is gone (the plugin must not remove the webroot itself)"
  local left
  left=$(find "$1" -mindepth 1)
  [[ -z "$left" ]] || fail "left behind in $1: $left"
}

# --- 1. one webroot ----------------------------------------------------------------
root="$ITEST_DIR/webroot"
mkdir -p "$root"
bg_start "http.server $root" "$ITEST_DIR/http1.log" \
  "$PY" -m http.server --bind 127.0.0.1 --directory "$root" "$HTTP01_PORT"
http1=$BG_PID
wait_for_port "$HTTP01_PORT" 10 || fail "http.server did not listen on $HTTP01_PORT"

run_ours one certonly --webroot -w "$root" -d w.example -d www.w.example ||
  fail "certonly --webroot failed: $(cat "$ITEST_DIR/one.out")"
assert_cert_sans "$CB_CONFIG/live/w.example/cert.pem" w.example www.w.example
# Pebble fetched both tokens from our web server (each validation is 3 GETs).
assert_eq "$(grep -c 'GET /.well-known/acme-challenge/[A-Za-z0-9_-]* HTTP/1.1" 200' "$ITEST_DIR/http1.log")" 6 \
  "challenge fetches answered 200 by the webroot server"
assert_tree_empty "$root"
conf="$CB_CONFIG/renewal/w.example.conf"
soft assert_contains "$conf" '^authenticator = webroot$'
soft assert_contains "$conf" "^webroot_path = $root,\$"
soft assert_contains "$conf" '^\[\[webroot_map\]\]$'
soft assert_contains "$conf" "^w\\.example = $root\$"
soft assert_contains "$conf" "^www\\.w\\.example = $root\$"
soft assert_eq "$(sed -n '/^\[\[webroot_map\]\]$/,/^\[/p' "$conf" | grep -c ' = ')" 2 "entries in [[webroot_map]]"
pylist=$("$PYCERTBOT" certificates --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
  --logs-dir "$CB_LOGS" 2>&1) || fail "Python certbot certificates failed: $pylist"
soft assert_contains "$pylist" '^ *Domains: w\.example www\.w\.example$'
soft assert_not_contains "$pylist" '[Ii]nvalid'
soft_done
bg_stop "$http1"
pass "webroot: w.example + www.w.example issued, webroot left clean, conf as certbot's"

# --- 2. two webroots, routed by Host --------------------------------------------------
root1="$ITEST_DIR/root1"
root2="$ITEST_DIR/root2"
mkdir -p "$root1/.well-known/acme-challenge" "$root2"
echo keep >"$root1/.well-known/acme-challenge/keep.txt"
cat >"$ITEST_DIR/hostsrv.py" <<'EOF'
# Serves each Host from its own directory: hostsrv.py PORT HOST=DIR...
# An unknown Host gets 404, so a token written to the wrong webroot fails.
import http.server
import sys

port = int(sys.argv[1])
roots = dict(arg.split("=", 1) for arg in sys.argv[2:])


class Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        if host not in roots:
            return "/nonexistent/unknown-host"
        self.directory = roots[host]
        return super().translate_path(path)


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOF
bg_start "host-routing http server" "$ITEST_DIR/http2.log" \
  "$PY" "$ITEST_DIR/hostsrv.py" "$HTTP01_PORT" "x.example=$root1" "y.example=$root2"
wait_for_port "$HTTP01_PORT" 10 || fail "host-routing server did not listen on $HTTP01_PORT"

run_ours two certonly --webroot -w "$root1" -d x.example -w "$root2" -d y.example ||
  fail "certonly with two webroots failed: $(cat "$ITEST_DIR/two.out")"
assert_cert_sans "$CB_CONFIG/live/x.example/cert.pem" x.example y.example
assert_eq "$(cat "$root1/.well-known/acme-challenge/keep.txt")" keep "pre-existing file in acme-challenge/"
assert_eq "$(find "$root1" -mindepth 1 | sort | paste -sd' ')" \
  "$root1/.well-known $root1/.well-known/acme-challenge $root1/.well-known/acme-challenge/keep.txt" \
  "what is left in $root1 (only what was there before)"
assert_tree_empty "$root2"
conf="$CB_CONFIG/renewal/x.example.conf"
soft assert_contains "$conf" "^webroot_path = $root1, $root2\$"
soft assert_contains "$conf" "^x\\.example = $root1\$"
soft assert_contains "$conf" "^y\\.example = $root2\$"
soft_done
pass "webroot: -w R1 -d x.example -w R2 -d y.example maps each name to its own root"

# --- 3. a webroot that does not exist -------------------------------------------------
missing="$ITEST_DIR/no-such-webroot"
rc=0
run_ours missing certonly --webroot -w "$missing" -d z.example || rc=$?
assert_eq "$rc" 1 "certonly with a missing webroot: exit status"
assert_contains "$ITEST_DIR/missing.out" "$missing"
assert_contains "$ITEST_DIR/missing.out" "Create it or fix --webroot-path/-w"  # preflight, before any order
assert_no_file "$missing"
assert_no_file "$CB_CONFIG/live/z.example"
assert_no_file "$CB_CONFIG/renewal/z.example.conf"
pass "webroot: missing $missing -> exit $rc, path named"

# --- 4. wildcard with --webroot --------------------------------------------------------
orders_before=$(pebble_orders)
rc=0
run_ours wildcard certonly --webroot -w "$root2" -d '*.w.example' || rc=$?
assert_eq "$rc" 2 "certonly --webroot -d '*.w.example': exit status"
assert_contains "$ITEST_DIR/wildcard.out" 'dns-01'
assert_eq "$(pebble_orders)" "$orders_before" "Pebble orders created by the wildcard attempt"
assert_no_file "$CB_CONFIG/renewal/w.example-0001.conf"
assert_tree_empty "$root2"
pass "webroot: wildcard refused before any order (exit $rc), dns-01 named"
