#!/usr/bin/env bash
# The interactive first run on a pseudo-terminal (python3's pty module): `certbot certonly
# --standalone -d x` without -n, --agree-tos or -m asks for an email address, shows the CA's
# terms of service and asks to (A)gree/(C)ancel, then obtains the certificate. Also: Cancel at
# the ToS prompt registers nothing; update_account asks for an address until a valid one; a
# blank email registers without one (with the warning); unregister: (A)bort keeps the account,
# (D)eactivate removes it; revoke asks before deleting; several accounts: a numbered menu.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"

pebble_start
certbot_dirs
acct_parent="$CB_CONFIG/accounts/127.0.0.1:$PEBBLE_PORT/dir"

# A tiny expect: pty_run TRANSCRIPT STEPS_FILE CMD... runs CMD on a pseudo-terminal; each
# line of STEPS_FILE is "EXPECTED-TEXT<TAB>ANSWER": wait (<= 20 s) for the text, type the answer
# and Enter. Prints the exit status; the whole terminal output goes to TRANSCRIPT.
cat >"$ITEST_DIR/pty_run.py" <<'PY'
import os, pty, select, sys, time
transcript, steps_file, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
steps = [l.rstrip("\n").split("\t", 1) for l in open(steps_file) if l.strip()]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
out = b""
def read_some(deadline):
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    out += data
    return True
pos = 0
for expected, answer in steps:
    deadline = time.time() + 20
    while expected.encode() not in out[pos:]:
        if time.time() > deadline or read_some(deadline) is None:
            open(transcript, "wb").write(out)
            print("timeout waiting for %r" % expected, file=sys.stderr)
            os.kill(pid, 9)
            sys.exit(99)
    pos = out.index(expected.encode(), pos) + len(expected)
    os.write(fd, answer.encode() + b"\r")
deadline = time.time() + 60
while time.time() < deadline and read_some(deadline) is not None:
    pass
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(out)
print(os.waitstatus_to_exitcode(status))
PY

common=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS" --server "$PEBBLE_DIR_URL")
# pty NAME STEPS CMD-ARGS...: run our certbot on a pty; sets RC; transcript $ITEST_DIR/NAME.txt
pty() {
  local name=$1 steps=$2
  shift 2
  printf '%b' "$steps" >"$ITEST_DIR/$name.steps"
  itest_log "pty $name" "$ITEST_DIR/$name.txt"
  RC=$(timeout 90 python3 "$ITEST_DIR/pty_run.py" "$ITEST_DIR/$name.txt" "$ITEST_DIR/$name.steps" \
    "$CERTBOT" "$@" "${common[@]}") || fail "pty driver failed for $name: $(tr -d '\r' <"$ITEST_DIR/$name.txt" | tail -5)"
}

# --- Cancel at the terms of service: nothing registered ----------------------------------------
pty cancel 'Enter email address\tme@example.com\n(A)gree/(C)ancel: \tc\n' register
assert_eq "$RC" 1 "register cancelled at the ToS"
assert_contains "$ITEST_DIR/cancel.txt" "Terms of Service at data:"
assert_contains "$ITEST_DIR/cancel.txt" 'cannot proceed without accepting'
assert_no_file "$acct_parent"
pass "ToS (C)ancel: exit 1, no account"

# --- the first run: email, ToS, certificate -----------------------------------------------------
pty first 'Enter email address\tfirst@example.com\n(A)gree/(C)ancel: \ta\n' \
  certonly --standalone -d x.example --http-01-port "$HTTP01_PORT"
assert_eq "$RC" 0 "interactive first certonly"
assert_contains "$ITEST_DIR/first.txt" 'Terms of Service at data:text/plain'
assert_contains "$ITEST_DIR/first.txt" 'Successfully received certificate'
assert_file "$CB_CONFIG/live/x.example/fullchain.pem"
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after the first run: $out"
assert_contains "$out" 'Email contact: first@example\.com'
pass "first interactive run: email prompt, ToS prompt, certificate obtained"

# --- update_account without -m asks (no blank allowed: it re-asks) ------------------------------
pty update 'Enter email address\t\nEnter email address\tnot-an-address\nproblems with that address\tnew@example.com\n' update_account
assert_eq "$RC" 0 "interactive update_account"
assert_contains "$ITEST_DIR/update.txt" 'updated to new@example\.com'
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after update: $out"
assert_contains "$out" 'Email contact: new@example\.com'
pass "update_account asks for the address until it gets a valid one"

# --- revoke on a terminal: (N)o keeps the lineage ------------------------------------------------
pty revoke_keep 'all earlier and later versions\tn\n' revoke --cert-name x.example
assert_eq "$RC" 0 "interactive revoke"
assert_contains "$ITEST_DIR/revoke_keep.txt" '\(Y\)es \(recommended\)/\(N\)o: '
assert_file "$CB_CONFIG/renewal/x.example.conf"
pass "revoke asks before deleting; No keeps the lineage"

# --- unregister: Abort keeps, Deactivate removes ------------------------------------------------
pty unreg_abort '(D)eactivate/(A)bort: \ta\n' unregister
assert_eq "$RC" 1 "unregister aborted"
assert_contains "$ITEST_DIR/unreg_abort.txt" 'Deactivation aborted'
[[ -n "$(ls "$acct_parent")" ]] || fail "the account was removed although aborted"
pty unreg '(D)eactivate/(A)bort: \td\n' unregister
assert_eq "$RC" 0 "unregister confirmed"
assert_contains "$ITEST_DIR/unreg.txt" 'Account deactivated'
assert_eq "$(ls "$acct_parent" 2>/dev/null)" "" "accounts after unregister"
pass "unregister: (A)bort keeps the account, (D)eactivate removes it"

# --- a blank email: registered without one, with the warning ------------------------------------
pty blank 'Enter email address\t\n(A)gree/(C)ancel: \tA\n' register
assert_eq "$RC" 0 "register with a blank email"
assert_contains "$ITEST_DIR/blank.txt" 'you will not receive notice'
out=$(cb_run "$CERTBOT" show_account) || fail "show_account after blank email: $out"
assert_contains "$out" 'Email contact: none'
pass "blank email: registered without a contact, after the warning"

# --- several accounts: a numbered choice ----------------------------------------------------------
other=$(mktemp -d "$ITEST_DIR/other.XXXXXX")
timeout 60 "$CERTBOT" register -n --agree-tos -m other@example.com --config-dir "$other/c" \
  --work-dir "$other/w" --logs-dir "$other/l" --server "$PEBBLE_DIR_URL" >/dev/null 2>&1 ||
  fail "registering a second account failed"
cp -a "$other/c/accounts/127.0.0.1:$PEBBLE_PORT/dir/." "$acct_parent/"
pty choose_cancel 'Select the appropriate number [1-2]\tc\n' show_account
assert_eq "$RC" 2 "account choice cancelled"
assert_contains "$ITEST_DIR/choose_cancel.txt" 'No account has been chosen \(--account ID'
second=$(ls "$acct_parent" | sed -n 2p)
pty choose 'Select the appropriate number [1-2]\t7\nSelect the appropriate number [1-2]\t2\n' show_account
assert_eq "$RC" 0 "account chosen from the menu"
assert_contains "$ITEST_DIR/choose.txt" "^2: $second "
url2=$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$acct_parent/$second/regr.json")
assert_contains "$ITEST_DIR/choose.txt" "Account URL: $url2"
pass "several accounts on a terminal: a numbered menu (re-asks on a bad number, c cancels)"
