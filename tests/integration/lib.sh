# shellcheck shell=bash
# Integration-test library. Source it from a test script:
#
#   #!/usr/bin/env bash
#   set -euo pipefail
#   source "$(dirname "$0")/lib.sh"
#   pebble_prologue --authz-reuse 0       # certbot built, Pebble, certbot_dirs, log on failure
#   cb_run "$CERTBOT" certonly --standalone -d a.example --http-01-port "$HTTP01_PORT"
#   assert_file_mode "$CB_CONFIG/live/a.example/privkey.pem" 600
#   pass "issued a.example"
#
# pebble_prologue is the common start of a test of our binary against Pebble (see its comment
# for --python, --root FILE and --plugin NAME), fake_ca_prologue the same against the fake
# issuing CA; a test that needs something else calls pebble_start and certbot_dirs itself.
#
# Rules for tests:
# - Never call pebble_start / fake_acme_start in a subshell (`$(...)`, a pipe):
#   they start background processes and export variables into *this* shell.
# - Do not set your own `trap ... EXIT`; register extra cleanup with on_exit.
# - Every wait is bounded; every process started through this library is
#   stopped on exit (also when the test is killed: the servers get a parent
#   death signal).
# - Scratch files go under $ITEST_DIR (removed on exit unless KEEP_TMP=1).
#
# Variables a test may set before sourcing: BUILD_DIR, CERTBOT, PYCERTBOT,
# FAKE_ACME_SERVER, TEST_TMPDIR, KEEP_TMP=1, CB_TIMEOUT (seconds, default 120),
# PEBBLE_EAB=1, PEBBLE_WFE_NONCEREJECT and the other PEBBLE_* knobs (passed on).

set -euo pipefail

# --- locations ---------------------------------------------------------------

# Debian's tools first: a python3 shim in front of /usr/bin (pyenv's takes seconds to start under
# load) made servers miss their start-up bounds. The tests use the distribution's python3, as the
# distribution's certbot does.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"

ITEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$ITEST_LIB_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build}
# The binary under test, and Debian's Python certbot as the compatibility oracle.
CERTBOT=${CERTBOT:-$BUILD_DIR/cli/certbot}
PYCERTBOT=${PYCERTBOT:-/usr/bin/certbot}
export REPO_ROOT BUILD_DIR CERTBOT PYCERTBOT

# --- scratch directory and cleanup ------------------------------------------

if [[ -n "${TEST_TMPDIR:-}" ]]; then
  mkdir -p "$TEST_TMPDIR"
  ITEST_DIR=$(mktemp -d "$TEST_TMPDIR/itest.XXXXXX")
else
  ITEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/itest.XXXXXX")
fi
export ITEST_DIR

# Tests never read the machine's cli.ini: our certbot's system file is $CERTBOT_SYSTEM_CLI_INI
# (empty: none), and both clients read $XDG_CONFIG_HOME/letsencrypt/cli.ini.
export CERTBOT_SYSTEM_CLI_INI="" XDG_CONFIG_HOME="$ITEST_DIR/xdg-config"

# The oracle runs hermetically too: Python certbot always reads /etc/letsencrypt/cli.ini (Debian
# ships one), so $PYCERTBOT becomes a wrapper that runs it in a private mount namespace with an
# empty, read-only /etc/letsencrypt. Where that cannot be done (not root) and the machine has a
# cli.ini, the comparison would not be hermetic: a failure under CERTBOT_TEST_STRICT=1.
if [[ "$PYCERTBOT" == /usr/bin/certbot && -d /etc/letsencrypt ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v unshare >/dev/null &&
    unshare --mount --propagation private true 2>/dev/null; then
    mkdir -p "$ITEST_DIR/bin"
    cat >"$ITEST_DIR/bin/pycertbot" <<'WRAP'
#!/bin/sh
# Debian's certbot without the machine's /etc/letsencrypt (tests/integration/lib.sh).
exec unshare --mount --propagation private sh -c \
  'mount -t tmpfs -o ro,mode=0755 certbot-test-empty /etc/letsencrypt && exec /usr/bin/certbot "$@"' \
  pycertbot "$@"
WRAP
    chmod 0755 "$ITEST_DIR/bin/pycertbot"
    PYCERTBOT=$ITEST_DIR/bin/pycertbot
  elif [[ -e /etc/letsencrypt/cli.ini ]]; then
    if [[ "${CERTBOT_TEST_STRICT:-0}" == 1 ]]; then
      printf 'FAIL: cannot hide /etc/letsencrypt/cli.ini from Python certbot (needs root and unshare)\n' >&2
      exit 1
    fi
    printf 'WARNING: Python certbot reads this machine'"'"'s /etc/letsencrypt/cli.ini in this test\n' >&2
  fi
fi

_ITEST_PIDS=()      # background processes to stop on exit
_ITEST_NAMES=()     # their names, for messages
_ITEST_LOGS=()      # their log files, shown when the test fails
_ITEST_ON_EXIT=()   # extra cleanup commands registered by the test

# on_exit CMD: run CMD (a string evaluated by bash) on exit, last registered first.
on_exit() {
  _ITEST_ON_EXIT+=("$1")
}

# itest_log NAME FILE: show FILE's tail if the test fails (for logs of processes
# the test started itself).
itest_log() {
  _ITEST_NAMES+=("$1")
  _ITEST_PIDS+=("")
  _ITEST_LOGS+=("$2")
}

# _itest_stop PID: TERM, wait up to 5 s, then KILL. Only our own children.
_itest_stop() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

_itest_cleanup() {
  local status=$?
  set +e
  # Finish cleaning up even if stdout/stderr is a closed pipe.
  trap '' PIPE INT TERM HUP
  local i
  for ((i = ${#_ITEST_ON_EXIT[@]} - 1; i >= 0; i--)); do
    eval "${_ITEST_ON_EXIT[i]}"
  done
  if [[ "$status" -ne 0 ]]; then
    for ((i = 0; i < ${#_ITEST_LOGS[@]}; i++)); do
      if [[ -s "${_ITEST_LOGS[i]}" ]]; then
        printf '\n----- last lines of %s (%s) -----\n' "${_ITEST_NAMES[i]}" "${_ITEST_LOGS[i]}" >&2
        tail -n 40 "${_ITEST_LOGS[i]}" >&2
      fi
    done
  fi
  for ((i = ${#_ITEST_PIDS[@]} - 1; i >= 0; i--)); do
    [[ -n "${_ITEST_PIDS[i]}" ]] && _itest_stop "${_ITEST_PIDS[i]}"
  done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then
    printf 'kept scratch directory %s\n' "$ITEST_DIR" >&2
  else
    rm -rf -- "$ITEST_DIR"
  fi
  if [[ "$status" -eq 0 && -n "$_ITEST_SKIPPED_PART" ]]; then
    printf 'SKIPPED: a part of this test did not run (see SKIP above)\n'
    exit 77
  fi
  return "$status"
}
trap _itest_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# _itest_spawn NAME LOGFILE CMD...: start CMD in the background, stdin from
# /dev/null, stdout+stderr to LOGFILE, with a parent-death signal so it cannot
# outlive a test that is killed. Sets _ITEST_LAST_PID.
_itest_spawn() {
  local name=$1 log=$2
  shift 2
  local -a wrapper=()
  if command -v setpriv >/dev/null 2>&1; then
    wrapper=(setpriv --pdeathsig TERM --)
  fi
  "${wrapper[@]}" "$@" </dev/null >"$log" 2>&1 &
  _ITEST_LAST_PID=$!
  _ITEST_PIDS+=("$_ITEST_LAST_PID")
  _ITEST_NAMES+=("$name")
  _ITEST_LOGS+=("$log")
}

# _itest_forget PID: stop PID now and drop it from the cleanup list (its log
# is still shown if the test fails).
_itest_forget() {
  local i
  for ((i = 0; i < ${#_ITEST_PIDS[@]}; i++)); do
    if [[ "${_ITEST_PIDS[i]}" == "$1" ]]; then
      _itest_stop "$1"
      _ITEST_PIDS[i]=""
    fi
  done
}

# bg_start NAME LOGFILE CMD...: start a helper process of the test (a web
# server, a DNS server...) the same way: output to LOGFILE (shown when the test
# fails), stopped on exit, parent-death signal. Sets BG_PID.
bg_start() {
  _itest_spawn "$@"
  # shellcheck disable=SC2034 # read by the sourcing test
  BG_PID=$_ITEST_LAST_PID
}

# bg_stop PID: stop a process started with bg_start before the test ends.
bg_stop() {
  _itest_forget "$1"
}

# --- assertions --------------------------------------------------------------

# fail MSG: print "FAIL: MSG" and exit 1.
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# skip MSG: this test (or the rest of it) cannot run on this machine. For a developer it ends
# the test with exit 77, which ctest shows as "Skipped" (never as a pass); under
# CERTBOT_TEST_STRICT=1 (scripts/test.sh, hence CI, which installs everything the tests need) it
# is a failure.
skip() {
  if [[ "${CERTBOT_TEST_STRICT:-0}" == 1 ]]; then
    fail "cannot run here, and CERTBOT_TEST_STRICT=1 requires it: $*"
  fi
  printf 'SKIP: %s\n' "$*"
  exit 77
}

# skip_part MSG: as skip, but the rest of the test still runs; a test that passes having skipped a
# part ends with exit 77 (ctest: "Skipped"), so the skipped part is never counted as passed.
_ITEST_SKIPPED_PART=""
skip_part() {
  if [[ "${CERTBOT_TEST_STRICT:-0}" == 1 ]]; then
    fail "cannot run here, and CERTBOT_TEST_STRICT=1 requires it: $*"
  fi
  printf 'SKIP: %s\n' "$*"
  _ITEST_SKIPPED_PART=1
}

# pass MSG: print "PASS: MSG" (informational; the exit code is what counts).
pass() {
  printf 'PASS: %s\n' "$*"
}

# assert_eq ACTUAL EXPECTED [MSG]
assert_eq() {
  if [[ "$1" != "$2" ]]; then
    fail "${3:-values differ}: got '$1', expected '$2'"
  fi
}

# assert_file_mode FILE MODE (octal, e.g. 600 or 0600); follows symlinks.
assert_file_mode() {
  [[ -e "$1" ]] || fail "$1 does not exist"
  local mode
  mode=$(stat -L -c '%a' -- "$1")
  if ((8#$mode != 8#$2)); then
    fail "$1 has mode $mode, expected $2"
  fi
}

# recorder_start: Pebble (every order validated afresh), certbot_dirs, and the recorder fixture
# authenticator (tests/fixtures/recorder) on the plugin path, answering from a webroot served on
# the http-01 port. Sets RECORDER_ROOT (pass it as --recorder-root) and RECORDER_LOG (its
# perform log: "start|end IDENTIFIER MS" lines).
recorder_start() {
  local dir="$BUILD_DIR/tests/fixtures/recorder"
  [[ -f "$dir/recorder.so" ]] || fail "$dir/recorder.so is not built"
  export CERTBOT_PLUGIN_PATH="$BUILD_DIR/plugins:$dir"
  # Pebble reuses valid authorizations at random otherwise, and then no perform runs.
  pebble_prologue --authz-reuse 0
  RECORDER_ROOT=$ITEST_DIR/www
  serve_webroot "$RECORDER_ROOT"
  RECORDER_LOG=$CB_WORK/recorder/perform.log
}

# error_lines FILE: the number of non-empty lines in FILE besides certbot's notices around an
# error ("Saving debug log to ...", "See the logfile ..."): an error is one line.
error_lines() {
  grep -v -e '^Saving debug log to ' -e '^See the logfile ' -- "$1" | grep -c . || true
}

# assert_file FILE: FILE exists and is a non-empty regular file.
assert_file() {
  [[ -f "$1" && -s "$1" ]] || fail "$1 is missing or empty"
}

# assert_no_file PATH: nothing exists at PATH.
assert_no_file() {
  [[ ! -e "$1" && ! -L "$1" ]] || fail "$1 exists but must not"
}

# assert_contains FILE_OR_STRING PATTERN: extended regex PATTERN matches a line
# of FILE (when the first argument names an existing file) or of the string.
assert_contains() {
  if [[ -f "$1" ]]; then
    grep -Eq -- "$2" "$1" || fail "$1 does not contain /$2/"
  else
    grep -Eq -- "$2" <<<"$1" || fail "output does not contain /$2/: $(head -c 2000 <<<"$1")"
  fi
}

# assert_not_contains FILE_OR_STRING PATTERN
assert_not_contains() {
  if [[ -f "$1" ]]; then
    ! grep -Eq -- "$2" "$1" || fail "$1 contains /$2/"
  else
    ! grep -Eq -- "$2" <<<"$1" || fail "output contains /$2/: $(head -c 2000 <<<"$1")"
  fi
}

# expect_fail CMD...: CMD must exit non-zero (its output passes through, so
# out=$(expect_fail cmd args 2>&1) captures it; the test still stops if CMD
# unexpectedly succeeds).
expect_fail() {
  local rc=0
  "$@" || rc=$?
  if [[ "$rc" -eq 0 ]]; then
    fail "expected failure but succeeded: $*"
  fi
  return 0
}

# cert_sans CERT: the certificate's DNS/IP subject alternative names, sorted,
# one per line, without the "DNS:" prefix.
cert_sans() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
    tail -n +2 | tr ',' '\n' | sed -E 's/^[[:space:]]*(DNS|IP Address)://' |
    sed '/^[[:space:]]*$/d' | sort
}

# assert_cert_sans CERT NAME...: the SAN set is exactly NAME...
assert_cert_sans() {
  local cert=$1
  shift
  local got want
  got=$(cert_sans "$cert" | paste -sd' ')
  want=$(printf '%s\n' "$@" | sort | paste -sd' ')
  assert_eq "$got" "$want" "SANs of $cert"
}

# assert_lineage NAME VERSION [--key RSA|EC] DOMAIN...: the lineage NAME in $CB_CONFIG is at
# archive version VERSION: its four live/ links point at that version's files (present, no newer
# certificate), every private key in its archive is 0600, the certificate has exactly DOMAIN...
# and matches the key (with --key also its key algorithm), and the chain verifies to Pebble's
# root in $ITEST_DIR/root.pem (pebble_prologue --root) only with chain.pem.
assert_lineage() {
  local name=$1 v=$2 alg="" f k out
  shift 2
  if [[ "${1:-}" == --key ]]; then
    alg=$2
    shift 2
  fi
  local live="$CB_CONFIG/live/$name" archive="$CB_CONFIG/archive/$name"
  for f in cert chain fullchain privkey; do
    [[ -L "$live/$f.pem" ]] || fail "$live/$f.pem is not a symlink"
    assert_eq "$(readlink "$live/$f.pem")" "../../archive/$name/$f$v.pem" "target of live/$name/$f.pem"
    assert_file "$archive/$f$v.pem"
  done
  for k in "$archive"/privkey*.pem; do
    assert_file_mode "$k" 600
  done
  assert_no_file "$archive/cert$((v + 1)).pem"
  assert_cert_sans "$live/cert.pem" "$@"
  assert_eq "$(openssl pkey -in "$live/privkey.pem" -pubout)" \
    "$(openssl x509 -in "$live/cert.pem" -noout -pubkey)" "key of $name matches its cert"
  if [[ -n "$alg" ]]; then
    local want=id-ecPublicKey
    [[ "$alg" == RSA ]] && want=rsaEncryption
    assert_eq "$(openssl x509 -in "$live/cert.pem" -noout -text | sed -n 's/^ *Public Key Algorithm: //p')" \
      "$want" "$name: public key algorithm"
  fi
  out=$(openssl verify -CAfile "$ITEST_DIR/root.pem" -untrusted "$live/chain.pem" "$live/cert.pem" 2>&1) ||
    fail "$name: chain does not verify to Pebble's root: $out"
  if openssl verify -CAfile "$ITEST_DIR/root.pem" "$live/cert.pem" >/dev/null 2>&1; then
    fail "$name: the leaf verifies without chain.pem: the chain check proves nothing"
  fi
}

# --- ports -------------------------------------------------------------------

# free_port: print a loopback port on which nothing listens or is bound (TCP
# or UDP) and that no test running on this machine handed out in the last 30
# minutes (a registry under flock, so tests under `ctest -j` do not pick the
# same port between the check and the bind). Ports come from 20000-32767,
# below Linux's default ephemeral range, so outgoing connections do not take
# them either.
ITEST_PORT_REGISTRY=${ITEST_PORT_REGISTRY:-${TMPDIR:-/tmp}/certbot-itest-ports}
free_port() {
  local port="" i now
  now=$(date +%s)
  exec {_itest_lock_fd}>>"$ITEST_PORT_REGISTRY.lock"
  flock -w 10 "$_itest_lock_fd" || fail "free_port: cannot lock $ITEST_PORT_REGISTRY.lock"
  touch "$ITEST_PORT_REGISTRY"
  # Forget ports handed out more than 30 minutes ago ("PORT EPOCH" lines).
  awk -v min=$((now - 1800)) '$2 >= min' "$ITEST_PORT_REGISTRY" >"$ITEST_PORT_REGISTRY.new" &&
    mv "$ITEST_PORT_REGISTRY.new" "$ITEST_PORT_REGISTRY"
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12768))
    if ! grep -q "^$port " "$ITEST_PORT_REGISTRY" &&
      [[ -z "$(ss -Htuan "( sport = :$port )" 2>/dev/null)" ]]; then
      echo "$port $now" >>"$ITEST_PORT_REGISTRY"
      break
    fi
    port=""
  done
  exec {_itest_lock_fd}>&-
  [[ -n "$port" ]] || fail "free_port: no free loopback port found"
  echo "$port"
}

# wait_for_port PORT [SECONDS]: wait until something accepts TCP on 127.0.0.1:PORT.
wait_for_port() {
  local port=$1 deadline=$((SECONDS + ${2:-10}))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# --- throwaway TLS CA ----------------------------------------------------------

# test_ca: create (once) a throwaway CA for the test servers' own HTTPS
# listeners. Exports TEST_CA_CERT / TEST_CA_KEY. This is never an ACME issuing root.
test_ca() {
  [[ -n "${TEST_CA_CERT:-}" && -f "$TEST_CA_CERT" ]] && return 0
  local dir="$ITEST_DIR/ca"
  mkdir -p "$dir"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=certbot-cpp test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$dir/openssl.log" ||
    { cat "$dir/openssl.log" >&2; fail "test_ca: openssl failed"; }
  export TEST_CA_CERT="$dir/ca.pem" TEST_CA_KEY="$dir/ca.key"
}

# tls_server_cert DIR [SAN]: write DIR/cert.pem and DIR/key.pem for a TLS
# server, signed by test_ca. SAN defaults to localhost and 127.0.0.1.
tls_server_cert() {
  local dir=$1 san=${2:-DNS:localhost,IP:127.0.0.1}
  test_ca
  mkdir -p "$dir"
  if ! openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$dir/key.pem" -out "$dir/csr.pem" -subj "/CN=localhost" 2>"$dir/openssl.log" ||
    ! openssl x509 -req -in "$dir/csr.pem" -CA "$TEST_CA_CERT" -CAkey "$TEST_CA_KEY" \
      -CAcreateserial -out "$dir/cert.pem" -days 2 \
      -extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san") \
      2>>"$dir/openssl.log"; then
    cat "$dir/openssl.log" >&2
    fail "tls_server_cert: openssl failed"
  fi
}

# _itest_trust_test_ca: make clients trust test_ca: ours (OpenSSL's
# SSL_CERT_FILE), Python certbot (REQUESTS_CA_BUNDLE) and curl (CURL_CA_BUNDLE;
# Debian's curl ignores SSL_CERT_FILE).
_itest_trust_test_ca() {
  export REQUESTS_CA_BUNDLE="$TEST_CA_CERT" SSL_CERT_FILE="$TEST_CA_CERT" CURL_CA_BUNDLE="$TEST_CA_CERT"
}

# --- Pebble -------------------------------------------------------------------

# pebble_start: start pebble-challtestsrv (DNS only) and Pebble on free
# loopback ports and wait until Pebble's directory answers.
# Exports: PEBBLE_DIR_URL (https://127.0.0.1:P/dir), PEBBLE_PORT,
#   PEBBLE_MGMT_URL (https://127.0.0.1:M), PEBBLE_CA_BUNDLE (CA of Pebble's
#   HTTPS listener, not its issuing root), HTTP01_PORT and TLSALPN_PORT (where
#   Pebble's VA connects for http-01 / tls-alpn-01), DNS_PORT (challtestsrv DNS),
#   CHALLTEST_MGMT_URL, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE
#   (= PEBBLE_CA_BUNDLE),
#   and with PEBBLE_EAB=1 also PEBBLE_EAB_KID / PEBBLE_EAB_KEY.
# PEBBLE_DNS_SERVER=ADDR:PORT points Pebble's VA at another DNS server (a test's BIND) instead
# of challtestsrv (which still starts, for the variables above).
pebble_start() {
  local attempt
  for attempt in 1 2 3; do
    if _pebble_start_once "$attempt"; then
      _itest_trust_test_ca
      return 0
    fi
    printf 'pebble_start: attempt %s failed (port taken?), retrying with other ports\n' "$attempt" >&2
  done
  fail "pebble_start: Pebble did not start after 3 attempts"
}

# _pebble_start_once N: one try on fresh ports. Returns 1 when a server exited
# during start-up (typically a port another process grabbed meanwhile).
_pebble_start_once() {
  local dir="$ITEST_DIR/pebble"
  mkdir -p "$dir"
  [[ -f "$dir/tls/cert.pem" ]] || tls_server_cert "$dir/tls"
  PEBBLE_CA_BUNDLE=$TEST_CA_CERT

  PEBBLE_PORT=$(free_port)
  PEBBLE_MGMT_PORT=$(free_port)
  HTTP01_PORT=$(free_port)
  TLSALPN_PORT=$(free_port)
  DNS_PORT=$(free_port)
  CHALLTEST_MGMT_PORT=$(free_port)

  local eab_required=false eab_keys=""
  if [[ "${PEBBLE_EAB:-0}" == 1 ]]; then
    eab_required=true
    PEBBLE_EAB_KID=kid-1
    # HMAC key, base64url without padding, as in Pebble's example config.
    PEBBLE_EAB_KEY=$(openssl rand 48 | base64 -w0 | tr '+/' '-_' | tr -d '=')
    export PEBBLE_EAB_KID PEBBLE_EAB_KEY
    eab_keys=$(printf ',\n    "externalAccountMACKeys": { "%s": "%s" }' "$PEBBLE_EAB_KID" "$PEBBLE_EAB_KEY")
  fi
  cat >"$dir/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
    "certificate": "$dir/tls/cert.pem",
    "privateKey": "$dir/tls/key.pem",
    "httpPort": $HTTP01_PORT,
    "tlsPort": $TLSALPN_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $eab_required$eab_keys
  }
}
EOF

  # DNS for Pebble's VA: every A query answers 127.0.0.1, no AAAA, TXT records
  # from /set-txt. Its own HTTP/TLS challenge responders are off: the client
  # under test answers those. (This pebble-challtestsrv has no -doh flag.)
  _itest_spawn challtestsrv "$dir/challtestsrv.$1.log" pebble-challtestsrv \
    -dns01 "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:$CHALLTEST_MGMT_PORT" \
    -defaultIPv4 127.0.0.1 -defaultIPv6 ""
  local challtest_pid=$_ITEST_LAST_PID

  # PEBBLE_VA_NOSLEEP: no random 0-15 s delay before validation. PEBBLE_WFE_NONCEREJECT:
  # Pebble rejects 5% of nonces by default, and Debian's certbot 2.1 (the oracle) sometimes
  # dies on a badNonce retry ("AttributeError: can't set attribute"), so tests ask for none
  # unless they set it (nonce_reject.sh: 90%, for our client). Other PEBBLE_* variables
  # (AUTHZREUSE, CHAIN_LENGTH...) come from the caller.
  PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} PEBBLE_VA_NOSLEEP=1 \
    _itest_spawn pebble "$dir/pebble.$1.log" \
    pebble -config "$dir/pebble-config.json" -dnsserver "${PEBBLE_DNS_SERVER:-127.0.0.1:$DNS_PORT}"
  local pebble_pid=$_ITEST_LAST_PID

  PEBBLE_DIR_URL="https://127.0.0.1:$PEBBLE_PORT/dir"
  PEBBLE_MGMT_URL="https://127.0.0.1:$PEBBLE_MGMT_PORT"
  CHALLTEST_MGMT_URL="http://127.0.0.1:$CHALLTEST_MGMT_PORT"
  export PEBBLE_DIR_URL PEBBLE_PORT PEBBLE_MGMT_URL PEBBLE_MGMT_PORT PEBBLE_CA_BUNDLE \
    HTTP01_PORT TLSALPN_PORT DNS_PORT CHALLTEST_MGMT_URL CHALLTEST_MGMT_PORT

  local deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pebble_pid" 2>/dev/null || ! kill -0 "$challtest_pid" 2>/dev/null; then
      _itest_forget "$pebble_pid"
      _itest_forget "$challtest_pid"
      return 1
    fi
    if curl -fsS --max-time 2 --cacert "$PEBBLE_CA_BUNDLE" -o /dev/null "$PEBBLE_DIR_URL" 2>/dev/null &&
      wait_for_port "$CHALLTEST_MGMT_PORT" 1; then
      return 0
    fi
    sleep 0.1
  done
  fail "pebble did not answer $PEBBLE_DIR_URL within 15 s"
}

# pebble_root_pem FILE: Pebble's issuing root (regenerated at every start).
pebble_root_pem() {
  curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$1" "$PEBBLE_MGMT_URL/roots/0" ||
    fail "cannot fetch $PEBBLE_MGMT_URL/roots/0"
}

# pebble_intermediate_pem FILE: the intermediate that signs leaf certificates.
pebble_intermediate_pem() {
  curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" -o "$1" "$PEBBLE_MGMT_URL/intermediates/0" ||
    fail "cannot fetch $PEBBLE_MGMT_URL/intermediates/0"
}

# pebble_cert_status SERIAL_HEX: print Pebble's JSON status of a certificate
# ({"Status":"Valid"|"Revoked",...}).
pebble_cert_status() {
  curl -fsS --max-time 10 --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MGMT_URL/cert-status-by-serial/$1"
}

# _itest_json_str VALUE: VALUE as a JSON string literal (no control characters).
_itest_json_str() {
  local v=$1
  [[ "$v" != *[[:cntrl:]]* ]] || fail "control character in JSON value"
  v=${v//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}

# _itest_fqdn HOST: HOST with exactly one trailing dot.
_itest_fqdn() {
  local h=${1%.}
  printf '%s.' "$h"
}

# challtest_set_txt HOST VALUE: add a TXT record (HOST like _acme-challenge.a.example).
challtest_set_txt() {
  curl -fsS --max-time 10 -o /dev/null -X POST "$CHALLTEST_MGMT_URL/set-txt" \
    -d "{\"host\": $(_itest_json_str "$(_itest_fqdn "$1")"), \"value\": $(_itest_json_str "$2")}" ||
    fail "challtestsrv set-txt $1 failed"
}

# challtest_clear_txt HOST: remove all TXT records of HOST.
challtest_clear_txt() {
  curl -fsS --max-time 10 -o /dev/null -X POST "$CHALLTEST_MGMT_URL/clear-txt" \
    -d "{\"host\": $(_itest_json_str "$(_itest_fqdn "$1")")}" ||
    fail "challtestsrv clear-txt $1 failed"
}

# --- certbot invocation -------------------------------------------------------

# certbot_dirs: fresh config/work/logs directories. Exports CB_CONFIG, CB_WORK, CB_LOGS.
certbot_dirs() {
  local base
  base=$(mktemp -d "$ITEST_DIR/certbot.XXXXXX")
  CB_CONFIG="$base/config"
  CB_WORK="$base/work"
  CB_LOGS="$base/logs"
  mkdir -p "$CB_CONFIG" "$CB_WORK" "$CB_LOGS"
  export CB_CONFIG CB_WORK CB_LOGS
}

# pebble_prologue [--authz-reuse N] [--python] [--root FILE] [--plugin NAME]...: the start of a
# test of our binary against Pebble: $CERTBOT must be built (and with --python Debian's
# $PYCERTBOT installed, with --plugin NAME $BUILD_DIR/plugins/NAME.so built), then pebble_start,
# certbot_dirs, and certbot's log shown if the test fails. --authz-reuse N exports
# PEBBLE_AUTHZREUSE=N first: with 0 every order validates afresh, save the ~1% Pebble still
# reuses (a test that must see a perform renews on use_fresh_account). --root FILE writes
# Pebble's issuing root to FILE (pebble_root_pem). Other PEBBLE_* knobs: export them before.
pebble_prologue() {
  local root="" python=0
  local -a plugins=()
  while (($#)); do
    case $1 in
      --authz-reuse)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || fail "pebble_prologue: --authz-reuse takes a percentage"
        export PEBBLE_AUTHZREUSE=$2
        shift 2
        ;;
      --python)
        python=1
        shift
        ;;
      --root)
        [[ -n "${2:-}" ]] || fail "pebble_prologue: --root takes a file"
        root=$2
        shift 2
        ;;
      --plugin)
        [[ -n "${2:-}" ]] || fail "pebble_prologue: --plugin takes a plugin name"
        plugins+=("$2")
        shift 2
        ;;
      *) fail "pebble_prologue: unknown option $1" ;;
    esac
  done
  [[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
  if ((python)); then
    [[ -x "$PYCERTBOT" ]] || fail "$PYCERTBOT is not installed"
  fi
  local p
  for p in ${plugins[@]+"${plugins[@]}"}; do
    [[ -f "$BUILD_DIR/plugins/$p.so" ]] || fail "$BUILD_DIR/plugins/$p.so is not built"
  done
  pebble_start
  certbot_dirs
  itest_log "certbot log" "$CB_LOGS/letsencrypt.log"
  if [[ -n "$root" ]]; then
    pebble_root_pem "$root"
  fi
}

# cb_common_args: print the options every non-interactive run against the
# local Pebble needs, one per line (paths contain no whitespace, so an unquoted
# $(cb_common_args) also works; safest: mapfile -t args < <(cb_common_args)).
# TLS verification stays on: the CA comes from REQUESTS_CA_BUNDLE/SSL_CERT_FILE.
cb_common_args() {
  [[ -n "${CB_CONFIG:-}" ]] || fail "cb_common_args: call certbot_dirs first"
  printf '%s\n' --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS"
  if [[ -n "${PEBBLE_DIR_URL:-}" ]]; then
    printf '%s\n' --server "$PEBBLE_DIR_URL"
  fi
  printf '%s\n' --agree-tos -n
}

# cb_run BIN ARGS...: run a certbot binary with ARGS plus cb_common_args,
# bounded by CB_TIMEOUT seconds (default 120). Returns its exit status.
# Set CB_SERVER to point one run at another directory URL (e.g. the fake server).
cb_run() {
  local bin=$1
  shift
  local -a common
  mapfile -t common < <(cb_common_args)
  if [[ -n "${CB_SERVER:-}" ]]; then
    local i
    for ((i = 0; i < ${#common[@]}; i++)); do
      [[ "${common[i]}" == --server ]] && common[i + 1]=$CB_SERVER
    done
    [[ " ${common[*]} " == *" --server "* ]] || common+=(--server "$CB_SERVER")
  fi
  timeout --kill-after=5 "${CB_TIMEOUT:-120}" "$bin" "$@" "${common[@]}"
}

# run_ours NAME ARGS...: cb_run our binary with ARGS (plus the RUN_OURS_EXTRA array, if
# the test set one), output to $ITEST_DIR/NAME.out (shown if the test fails later).
# Returns certbot's exit status.
run_ours() {
  local name=$1
  shift
  itest_log "certbot $name" "$ITEST_DIR/$name.out"
  cb_run "$CERTBOT" "$@" ${RUN_OURS_EXTRA[@]+"${RUN_OURS_EXTRA[@]}"} >"$ITEST_DIR/$name.out" 2>&1
}

# use_fresh_account NAME...: registers a new ACME account (in a scratch config dir, copied into
# $CB_CONFIG/accounts) and points the renewal confs of lineages NAME... at it. Pebble reuses a
# valid authorization of the same account 1 time in 100 even with PEBBLE_AUTHZREUSE=0
# (docs/testing.md); an account that never validated these names has none to reuse, so the next
# renewal of these lineages really runs its challenges. Once only: a renewal that succeeds gives
# the new account valid authorizations of its own. While two accounts exist, a certonly without
# --account refuses to choose: drop_fresh_account NAME... points the confs back and removes it.
use_fresh_account() {
  local n
  FRESH_ACCOUNT_PREV=$(sed -n 's/^account = //p' "$CB_CONFIG/renewal/$1.conf")
  fresh_account
  for n in "$@"; do
    sed -i "s/^account = .*/account = $FRESH_ACCOUNT_ID/" "$CB_CONFIG/renewal/$n.conf"
    assert_contains "$CB_CONFIG/renewal/$n.conf" "^account = $FRESH_ACCOUNT_ID\$"
  done
}
# fresh_account: registers a new ACME account and copies it into $CB_CONFIG/accounts; sets
# FRESH_ACCOUNT_ID (for --account) and FRESH_ACCOUNT_DIR. For a certonly of names an earlier run
# already validated: `certonly --account "$FRESH_ACCOUNT_ID" ...`, then
# FRESH_ACCOUNT_PREV=<the usual account id> drop_fresh_account <that lineage>.
fresh_account() {
  local tmp dir rel
  tmp=$(mktemp -d "$ITEST_DIR/fresh-account.XXXXXX")
  CB_CONFIG=$tmp/config CB_WORK=$tmp/work CB_LOGS=$tmp/logs \
    cb_run "$CERTBOT" register --register-unsafely-without-email >"$tmp/register.out" 2>&1 ||
    fail "registering a fresh account failed: $(cat "$tmp/register.out")"
  dir=$(find "$tmp/config/accounts" -name regr.json -printf '%h\n' | head -n1)
  [[ -n "$dir" ]] || fail "the fresh account was not saved under $tmp/config/accounts"
  FRESH_ACCOUNT_ID=${dir##*/}
  rel=${dir#"$tmp/config/"}
  mkdir -p "$CB_CONFIG/${rel%/*}"
  cp -a "$dir" "$CB_CONFIG/$rel"
  FRESH_ACCOUNT_DIR=$CB_CONFIG/$rel
}
drop_fresh_account() {
  local n
  for n in "$@"; do
    sed -i "s/^account = .*/account = $FRESH_ACCOUNT_PREV/" "$CB_CONFIG/renewal/$n.conf"
  done
  rm -rf "$FRESH_ACCOUNT_DIR"
}

# run_ours_expect STATUS NAME ARGS...: run_ours NAME ARGS... and fail unless it exits with exactly
# STATUS (docs/user-guide.md, "Exit status"): a failure is asserted with its status, never as
# "anything but 0".
run_ours_expect() {
  local want=$1 name=$2 rc=0
  shift 2
  run_ours "$name" "$@" || rc=$?
  assert_eq "$rc" "$want" "exit status of certbot $name (output: $ITEST_DIR/$name.out)"
}

# pebble_orders: how many orders Pebble has created so far (from its log).
pebble_orders() {
  local log="" f
  for f in "$ITEST_DIR"/pebble/pebble.*.log; do log=$f; done # the last attempt's
  grep -c 'Added order' "$log" || true
}

# --- fake (hostile) ACME server --------------------------------------------------

# fake_acme_start MODE: start tests/fake_acme/fake_acme_server in MODE on a free
# port with a certificate from test_ca. Exports FAKE_ACME_DIR_URL, FAKE_ACME_PORT,
# FAKE_ACME_LOG (one line per request: "fake_acme: METHOD PATH -> STATUS"),
# REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE. The binary is $FAKE_ACME_SERVER, or
# found in the build tree.
fake_acme_start() {
  _fake_server_start fake_acme_server "${FAKE_ACME_SERVER:-}" "$1" --mode "$1"
}

# fake_ca_start [ARGS...]: start tests/fake_acme/fake_acme_ca (an issuing CA speaking ARI and
# profiles; ARGS e.g. --profiles classic,shortlived or --no-ari) like fake_acme_start. Its
# run-time switches: fake_ca_control 'ari=past&retry_after=60'.
fake_ca_start() {
  _fake_server_start fake_acme_ca "${FAKE_ACME_CA:-}" ca "$@"
}
fake_ca_control() {
  curl -fsS --max-time 5 --cacert "$TEST_CA_CERT" "https://127.0.0.1:$FAKE_ACME_PORT/control?$1"
}

# fake_ca_prologue [ARGS...]: pebble_prologue's counterpart for a test against the fake issuing
# CA: $CERTBOT must be built, then fake_ca_start ARGS, certbot_dirs, certbot's log shown if the
# test fails, and every cb_run / run_ours goes to the fake CA (CB_SERVER).
fake_ca_prologue() {
  [[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
  fake_ca_start "$@"
  certbot_dirs
  itest_log "certbot log" "$CB_LOGS/letsencrypt.log"
  export CB_SERVER=$FAKE_ACME_DIR_URL
}

# _fake_server_start NAME BIN LABEL ARGS...: BIN (or NAME found in the build tree) on a free port.
_fake_server_start() {
  local name=$1 bin=$2 mode=$3
  shift 3
  if [[ -z "$bin" ]]; then
    local c
    for c in "$BUILD_DIR/tests/fake_acme/$name" "$BUILD_DIR/$name"; do
      [[ -x "$c" ]] && { bin=$c; break; }
    done
  fi
  [[ -n "$bin" && -x "$bin" ]] || fail "$name not built"
  local dir attempt pid deadline
  dir=$(mktemp -d "$ITEST_DIR/fake_acme.XXXXXX")
  tls_server_cert "$dir/tls"
  for attempt in 1 2 3; do
    FAKE_ACME_PORT=$(free_port)
    _itest_spawn "$name ($mode)" "$dir/server.$attempt.log" "$bin" \
      --port "$FAKE_ACME_PORT" --cert "$dir/tls/cert.pem" --key "$dir/tls/key.pem" "$@"
    pid=$_ITEST_LAST_PID
    deadline=$((SECONDS + 10))
    # /healthz answers in every mode (the directory may hang on purpose).
    until curl -fsS --max-time 2 --cacert "$TEST_CA_CERT" -o /dev/null \
      "https://127.0.0.1:$FAKE_ACME_PORT/healthz" 2>/dev/null; do
      if ! kill -0 "$pid" 2>/dev/null; then
        _itest_forget "$pid"
        pid=""
        break
      fi
      ((SECONDS < deadline)) || fail "$name did not start within 10 s"
      sleep 0.1
    done
    if [[ -n "$pid" ]]; then
      FAKE_ACME_DIR_URL="https://127.0.0.1:$FAKE_ACME_PORT/dir"
      FAKE_ACME_LOG="$dir/server.$attempt.log"
      export FAKE_ACME_DIR_URL FAKE_ACME_PORT FAKE_ACME_LOG
      _itest_trust_test_ca
      return 0
    fi
    printf 'fake_acme_start: attempt %s failed, retrying on another port\n' "$attempt" >&2
  done
  fail "$name ($mode) did not start after 3 attempts"
}

# --- soft assertions -------------------------------------------------------------

# soft ASSERTION ARGS...: run an assertion (assert_eq, assert_contains, ...) in
# a subshell; if it fails, print its FAIL line and go on. soft_done (call it at
# the end of the test, or before a step that depends on the checked state)
# fails the test if any soft assertion failed. For independent checks, so one
# run reports every defect instead of the first.
_ITEST_SOFT_FAILURES=0
soft() {
  if ! ("$@"); then
    _ITEST_SOFT_FAILURES=$((_ITEST_SOFT_FAILURES + 1))
  fi
  return 0
}
soft_done() {
  ((_ITEST_SOFT_FAILURES == 0)) || fail "$_ITEST_SOFT_FAILURES check(s) failed (FAIL lines above)"
}

# --- pseudo-terminal ----------------------------------------------------------------

# pty_run NAME STEPS CMD...: run CMD on a pseudo-terminal (tests/integration/pty_run.py);
# STEPS is a printf %b string of "EXPECTED-TEXT\tANSWER\n" lines: wait for each text, type
# the answer. Sets PTY_RC to CMD's exit status; the terminal output is in $ITEST_DIR/NAME.txt
# (shown if the test fails). Fails the test if an expected text never appears.
pty_run() {
  local name=$1 steps=$2
  shift 2
  printf '%b' "$steps" >"$ITEST_DIR/$name.steps"
  itest_log "pty $name" "$ITEST_DIR/$name.txt"
  PTY_RC=$(timeout 90 python3 "$ITEST_LIB_DIR/pty_run.py" "$ITEST_DIR/$name.txt" \
    "$ITEST_DIR/$name.steps" "$@") ||
    fail "pty_run $name: $(tr -d '\r' <"$ITEST_DIR/$name.txt" | tail -5)"
}

# cb_pty NAME STEPS ARGS...: pty_run our certbot with ARGS and this test's directories and
# Pebble (no -n, no --agree-tos: it is interactive). Sets PTY_RC.
cb_pty() {
  pty_run "$1" "$2" "$CERTBOT" "${@:3}" --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" \
    --logs-dir "$CB_LOGS" --server "$PEBBLE_DIR_URL"
}

# --- steps of a lineage test -------------------------------------------------------

# serve_webroot DIR [SECONDS]: python3 http.server for DIR on $HTTP01_PORT (where
# Pebble's VA fetches http-01 answers), stopped on exit or by stop_webroot; waits up to
# SECONDS (30) for it to listen. Call after pebble_start.
WEBROOT_PID=""
serve_webroot() {
  mkdir -p "$1"
  # `python3 -m http.server`, but with a listen backlog of 128 instead of socketserver's 5: with
  # a few lineages validated at once (parallel renewal) the kernel dropped the overflowing SYNs
  # and each such validation waited for the 1 s (then 3 s) SYN retransmit (TcpExtListenDrops).
  bg_start "http.server $1" "$ITEST_DIR/http-server.log" \
    python3 -c 'import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
Server(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()' "$1" "$HTTP01_PORT"
  WEBROOT_PID=$BG_PID
  wait_for_port "$HTTP01_PORT" "${2:-30}" || fail "http.server did not listen on $HTTP01_PORT"
}

# stop_webroot: stop the server serve_webroot started (nothing when none runs).
stop_webroot() {
  [[ -n "$WEBROOT_PID" ]] && bg_stop "$WEBROOT_PID"
  WEBROOT_PID=""
}

# cb_step NAME ARGS...: run our binary with cb_run (so -n) and
# --register-unsafely-without-email; its output goes to $ITEST_DIR/<n>-NAME.out
# (shown if the test fails). Sets RC (exit status) and OUT (output).
_CB_STEP_N=0
cb_step() {
  local name=$1
  shift
  _CB_STEP_N=$((_CB_STEP_N + 1))
  local f="$ITEST_DIR/$_CB_STEP_N-$name.out"
  itest_log "certbot $name" "$f"
  RC=0
  cb_run "$CERTBOT" "$@" --register-unsafely-without-email >"$f" 2>&1 || RC=$?
  OUT=$(cat "$f")
}

# cb_term_step NAME ANSWERS ARGS...: like cb_step, but as on a terminal:
# --force-interactive instead of -n, ANSWERS (lines) on stdin.
cb_term_step() {
  local name=$1 answers=$2
  shift 2
  _CB_STEP_N=$((_CB_STEP_N + 1))
  local f="$ITEST_DIR/$_CB_STEP_N-$name.out"
  itest_log "certbot $name" "$f"
  RC=0
  printf '%s' "$answers" | timeout --kill-after=5 "${CB_TIMEOUT:-120}" "$CERTBOT" "$@" \
    --force-interactive --config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" \
    --server "$PEBBLE_DIR_URL" --agree-tos --register-unsafely-without-email >"$f" 2>&1 || RC=$?
  OUT=$(cat "$f")
}
