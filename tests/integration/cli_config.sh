#!/usr/bin/env bash
# cli.ini: errors name FILE:LINE and the key (unknown key, bad value, bad flag value, syntax,
# a value the CLI rejects later), the precedence command line > -c > XDG file > system file
# (seen through --logs-dir and -q), "key = False" overriding a lower file, Debian's own
# cli.ini accepted, --help unaffected by a broken file. Then against Pebble: a certificate
# obtained with its options from cli.ini (key size from -c beating the system file), and
# `certificates` (text, compared with Python certbot's on the same store; --json checked field
# by field; --cert-name and -d filters on both).
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$CERTBOT" ]] || fail "$CERTBOT is not built"
certbot_dirs
dirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK")
sys_ini=$ITEST_DIR/system-cli.ini
xdg_ini=$XDG_CONFIG_HOME/letsencrypt/cli.ini
mkdir -p "$(dirname "$xdg_ini")"

# run NAME ARGS...: our certbot (bounded); stdout to NAME.out, stderr to NAME.err. Sets RC, OUT, ERR.
run() {
  local name=$1
  shift
  RC=0
  timeout --kill-after=5 60 "$CERTBOT" "$@" >"$ITEST_DIR/$name.out" 2>"$ITEST_DIR/$name.err" </dev/null || RC=$?
  OUT=$(cat "$ITEST_DIR/$name.out")
  ERR=$(cat "$ITEST_DIR/$name.err")
}

# ini_error NAME PATTERN ARGS...: exit 2, nothing on stdout, one line on stderr matching PATTERN.
ini_error() {
  local name=$1 pattern=$2
  shift 2
  run "$name" "$@"
  assert_eq "$RC" 2 "$name: exit status (stderr: $ERR)"
  assert_eq "$OUT" "" "$name: stdout"
  assert_eq "$(grep -c . <<<"$ERR")" 1 "$name: lines on stderr ($ERR)"
  assert_contains "$ERR" "$pattern"
  pass "$name: $ERR"
}

# --- errors name the file, the line and the key -------------------------------------------
user=$ITEST_DIR/user.ini
printf '# comment\nrsa-key-sise = 4096\n' >"$user"
soft ini_error unknown_key "^$user:2: unknown option \"rsa-key-sise\" \(did you mean rsa-key-size\?\)" \
  certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf 'agree-tos\n\nrsa-key-size = abc\n' >"$user"
soft ini_error bad_int "^$user:3: rsa-key-size: .*'abc'" certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf 'agree-tos = maybe\n' >"$user"
soft ini_error bad_flag "^$user:1: agree-tos = maybe: expected true or false" \
  certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf '[main]\n=oops\n' >"$user"
soft ini_error syntax "^$user:2: expected \"key = value\"" certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf 'email = a@example.com\nrsa-key-size = 1000\n' >"$user"
soft ini_error rejected_value '^--rsa-key-size must be 2048, 3072 or 4096 \(set in .*/user.ini:2\)$' \
  certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf 'rsa-key-size = [2048, 4096]\n' >"$user"
soft ini_error list_for_one_value "^$user:1: rsa-key-size takes one value" \
  certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
printf 'dns-gehirn-credentials = /etc/x.ini\n' >"$user"
CERTBOT_PLUGIN_PATH=$(plugins_without dns-gehirn) soft ini_error plugin_not_installed \
  "^$user:1: unknown option \"dns-gehirn-credentials\".*dns-gehirn plugin.*not installed" \
  certificates -c "$user" "${dirs[@]}" --logs-dir "$CB_LOGS"
soft ini_error missing_c "no-such\.ini.*No such file" certificates -c "$ITEST_DIR/no-such.ini" "${dirs[@]}" --logs-dir "$CB_LOGS"
# The default files: errors name them too.
printf 'bogus-key = 1\n' >"$sys_ini"
CERTBOT_SYSTEM_CLI_INI=$sys_ini soft ini_error system_file "^$sys_ini:1: unknown option \"bogus-key\"" \
  certificates "${dirs[@]}" --logs-dir "$CB_LOGS"
printf '\n\nbogus-key\n' >"$xdg_ini"
soft ini_error xdg_file "^$xdg_ini:3: unknown option \"bogus-key\"" certificates "${dirs[@]}" --logs-dir "$CB_LOGS"
mkdir -p "$ITEST_DIR/home/.config/letsencrypt"
printf 'bogus-home = 1\n' >"$ITEST_DIR/home/.config/letsencrypt/cli.ini"
(
  unset XDG_CONFIG_HOME
  HOME=$ITEST_DIR/home ini_error home_file "^$ITEST_DIR/home/.config/letsencrypt/cli.ini:1: unknown option \"bogus-home\"" \
    certificates "${dirs[@]}" --logs-dir "$CB_LOGS"
) || _ITEST_SOFT_FAILURES=$((_ITEST_SOFT_FAILURES + 1))
# --help reads no config file (certbot does the same), so a broken one cannot hide it.
run help_broken_ini --help
assert_eq "$RC" 0 "--help with a broken cli.ini: exit status ($ERR)"
assert_contains "$OUT" '^usage:'
pass "--help ignores a broken cli.ini"
rm -f "$xdg_ini" "$sys_ini"
soft_done

# --- Debian's /etc/letsencrypt/cli.ini is accepted as it is shipped ---------------------------
printf '%s\n' '# Because we are using logrotate for greater flexibility, disable the' \
  '# internal certbot logrotation.' 'max-log-backups = 0' \
  '# Adjust interactive output regarding automated renewal' 'preconfigured-renewal = True' >"$sys_ini"
CERTBOT_SYSTEM_CLI_INI=$sys_ini run debian_ini certificates "${dirs[@]}" --logs-dir "$CB_LOGS"
assert_eq "$RC" 0 "Debian's cli.ini: exit status ($ERR)"
pass "Debian's cli.ini is accepted"

# --- precedence: command line > -c > XDG > system, seen through --logs-dir -------------------
for layer in sys xdg user cmd; do mkdir -p "$ITEST_DIR/logs-$layer"; done
printf 'logs-dir = %s\n' "$ITEST_DIR/logs-sys" >"$sys_ini"
printf 'logs-dir: %s\n' "$ITEST_DIR/logs-xdg" >"$xdg_ini"
printf -- '--logs-dir %s\n' "$ITEST_DIR/logs-user" >"$user"
# expect_log NAME LAYER ARGS...: the run logs into logs-LAYER (and nowhere else).
expect_log() {
  local name=$1 layer=$2 l
  shift 2
  rm -f "$ITEST_DIR"/logs-*/letsencrypt.log
  CERTBOT_SYSTEM_CLI_INI=$sys_ini run "$name" certificates "${dirs[@]}" "$@"
  assert_eq "$RC" 0 "$name: exit status ($ERR)"
  for l in sys xdg user cmd; do
    if [[ "$l" == "$layer" ]]; then
      assert_file "$ITEST_DIR/logs-$l/letsencrypt.log"
    else
      assert_no_file "$ITEST_DIR/logs-$l/letsencrypt.log"
    fi
  done
  pass "$name: logs-dir from the $layer layer"
}
expect_log prec_cmd cmd -c "$user" --logs-dir "$ITEST_DIR/logs-cmd"
expect_log prec_user user -c "$user"
expect_log prec_xdg xdg
rm -f "$xdg_ini"
expect_log prec_sys sys

# -c given twice: the last one counts (certbot's -c is a plain value), the first is not read.
printf 'bogus = 1\n' >"$ITEST_DIR/first.ini"
rm -f "$ITEST_DIR"/logs-*/letsencrypt.log
CERTBOT_SYSTEM_CLI_INI=$sys_ini run two_c certificates "${dirs[@]}" -c "$ITEST_DIR/first.ini" -c "$user"
assert_eq "$RC" 0 "-c twice: exit status ($ERR)"
assert_file "$ITEST_DIR/logs-user/letsencrypt.log"
pass "-c twice: the last file is used"

# "quiet = false" in a higher file overrides "quiet = true" in a lower one.
printf 'quiet = true\nlogs-dir = %s\n' "$CB_LOGS" >"$sys_ini"
CERTBOT_SYSTEM_CLI_INI=$sys_ini run quiet_sys certificates "${dirs[@]}"
assert_eq "$RC/$OUT" "0/" "quiet = true from the system file silences certificates"
printf 'quiet = False\n' >"$xdg_ini"
CERTBOT_SYSTEM_CLI_INI=$sys_ini run quiet_overridden certificates "${dirs[@]}"
assert_contains "$OUT" 'No certificates found'
pass "quiet = False in the XDG file beats quiet = true in the system file"
rm -f "$xdg_ini" "$sys_ini"

# --- a certificate obtained with its options from cli.ini ---------------------------------------
pebble_start
certbot_dirs
cat >"$user" <<INI
# everything but the directories comes from this file
server = $PEBBLE_DIR_URL
authenticator = standalone
http-01-port = $HTTP01_PORT
agree-tos = True
register-unsafely-without-email
non-interactive
domains = a.example, b.example
key-type = rsa
rsa-key-size = 3072   ; beats the system file's 4096
INI
printf 'rsa-key-size = 4096\nkey-type = ecdsa\n' >"$sys_ini"
CERTBOT_SYSTEM_CLI_INI=$sys_ini run issue certonly -c "$user" --config-dir "$CB_CONFIG" \
  --work-dir "$CB_WORK" --logs-dir "$CB_LOGS"
assert_eq "$RC" 0 "certonly from cli.ini: exit status ($ERR)"
live=$CB_CONFIG/live/a.example
assert_cert_sans "$live/cert.pem" a.example b.example
bits=$(openssl x509 -in "$live/cert.pem" -noout -text | sed -nE 's/.*Public-Key: \(([0-9]+) bit\).*/\1/p')
assert_eq "$bits" 3072 "key size (rsa-key-size = 3072 in -c beats 4096 in the system file)"
pass "certonly took server, authenticator, domains and key from cli.ini"

# --- certificates: text like Python certbot's, JSON, filters -------------------------------------
cdirs=(--config-dir "$CB_CONFIG" --work-dir "$CB_WORK" --logs-dir "$CB_LOGS")
# compare_text NAME ARGS...: our and Python certbot's stdout are the same.
compare_text() {
  local name=$1
  shift
  run "$name" certificates "${cdirs[@]}" "$@"
  assert_eq "$RC" 0 "$name: exit status ($ERR)"
  timeout 60 "$PYCERTBOT" certificates "${cdirs[@]}" "$@" >"$ITEST_DIR/$name.py" 2>/dev/null </dev/null ||
    fail "$name: Python certbot failed"
  diff -u "$ITEST_DIR/$name.py" "$ITEST_DIR/$name.out" >&2 || fail "$name: our output differs from Python certbot's (above)"
  pass "$name: same text as Python certbot"
}
# (Python certbot takes seconds per run: two runs cover a match and, below, all lineages with
# an invalid one.)
soft compare_text text_domain -d b.example
# No match: the text Python certbot 2.1 prints (kept literally to spare a slow Python run).
rule='- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -'
run text_no_match certificates "${cdirs[@]}" -d c.example
soft assert_eq "$OUT" "$(printf '\n%s\nFound the following matching certs:\n\n%s' "$rule" "$rule")" \
  "certificates -d c.example"

serial=$(openssl x509 -in "$live/cert.pem" -noout -serial | cut -d= -f2)
enddate=$(date -u -d "$(openssl x509 -in "$live/cert.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
# check_json NAME COUNT ARGS...: --json parses, has COUNT certificates, and the fields match.
check_json() {
  local name=$1 count=$2
  shift 2
  run "$name" certificates --json "${cdirs[@]}" "$@"
  assert_eq "$RC" 0 "$name: exit status ($ERR)"
  /usr/bin/python3 - "$ITEST_DIR/$name.out" "$count" "$serial" "$enddate" "$CB_CONFIG" <<'PY' || fail "$name: JSON checks failed"
import calendar, json, os, sys, time
path, count, serial, enddate, config = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
doc = json.load(open(path))
def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}: {json.dumps(doc)[:2000]}")
check(doc["version"] == 1, "version")
check(isinstance(doc["generated_at"], str) and doc["generated_at"].endswith("Z"), "generated_at")
check(doc["invalid"] == [], "invalid")
check(len(doc["certificates"]) == count, f"{count} certificates")
for c in doc["certificates"]:
    check(c["name"] == "a.example", "name")
    check(c["identifiers"] == ["a.example", "b.example"], "identifiers")
    check(int(c["serial"], 16) == int(serial, 16), "serial")
    check(c["key_type"] == "RSA", "key_type")
    check(c["not_after"] == enddate, "not_after")
    check(c["not_before"] < c["not_after"], "not_before")
    def epoch(t):
        return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))
    left = epoch(c["not_after"]) - epoch(doc["generated_at"])
    check(isinstance(c["days_left"], int) and c["days_left"] == left // 86400, "days_left")
    check(c["status"] == "VALID" and c["reasons"] == [], "status")
    live = os.path.join(config, "live", "a.example")
    for kind in ("cert", "chain", "fullchain", "privkey"):
        check(c["paths"][kind] == os.path.join(live, kind + ".pem"), f"paths.{kind}")
        check(os.path.isfile(c["paths"][kind]), f"paths.{kind} exists")
    check(c["paths"]["renewal_conf"] == os.path.join(config, "renewal", "a.example.conf"), "renewal_conf")
    check(c["authenticator"] == "standalone", "authenticator")
    check(c["installer"] is None, "installer")
    check(c["server"].endswith("/dir"), "server")
PY
  pass "$name: JSON with $count certificate(s)"
}
soft check_json json_all 1
soft check_json json_cert_name 1 --cert-name a.example
soft check_json json_domains 1 -d a.example,b.example
soft check_json json_no_match 0 -d c.example
soft check_json json_quiet 1 -q
run quiet_text certificates -q "${cdirs[@]}"
soft assert_eq "$RC/$OUT" "0/" "certificates -q prints nothing"

# A broken renewal conf: listed under "invalid" with its path, still exit 0.
printf 'garbage without a section\n[[[\n' >"$CB_CONFIG/renewal/broken.conf"
run json_broken certificates --json "${cdirs[@]}"
assert_eq "$RC" 0 "certificates with a broken conf: exit status"
/usr/bin/python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
inv = doc["invalid"]
assert len(inv) == 1 and inv[0]["renewal_conf"].endswith("/renewal/broken.conf") and inv[0]["error"], inv
assert len(doc["certificates"]) == 1
' "$ITEST_DIR/json_broken.out" || fail "broken conf not listed as invalid: $OUT"
pass "a broken renewal conf is listed under invalid"
soft compare_text text_broken

soft_done
