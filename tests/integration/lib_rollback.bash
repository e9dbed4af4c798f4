# shellcheck shell=bash
# The scenario nginx_rollback_edits.sh and apache_rollback_edits.sh share: rolling back never
# overwrites a file the admin edited after certbot changed it (the checkpoint's WRITTEN record,
# plugins/support/reverter.h). Source after lib.sh and lib_nginx.bash or lib_apache.bash; the
# driver starts its server with a site for a.example, snapshots the server root, then calls
#
#   rollback_edits_scenario SERVER FILE SNAPSHOT
#
# SERVER is nginx or apache (the plugin, and which of the server libraries' helpers run), FILE
# the file certbot's install writes that the admin then edits, SNAPSHOT the server root before
# certbot. Its steps:
#   1. `certbot --SERVER -d a.example`, then the admin edits FILE: `rollback` refuses with one
#      line naming the file and what to do, and changes nothing (the server still serves HTTPS);
#   2. the admin undoes the edit: `rollback` restores the server root byte for byte.
# The driver goes on with the server's own cases. Not a file ctest runs (the glob is *.sh).

# rb_certbot NAME ARGS...: our certbot with the server's flags, output in $ITEST_DIR/NAME.out.
rb_certbot() {
  case $RB_SERVER in
    nginx) ngx_certbot "$@" ;;
    apache) ap_certbot "$@" ;;
  esac
}

# rb_assert_serves NAME LINEAGE / rb_assert_unchanged SNAPSHOT WHAT: the server's helpers.
rb_assert_serves() {
  case $RB_SERVER in
    nginx) assert_serves "$@" ;;
    apache) ap_assert_serves "$@" ;;
  esac
}
rb_assert_unchanged() {
  case $RB_SERVER in
    nginx) ngx_assert_unchanged "$@" ;;
    apache) ap_assert_unchanged "$@" ;;
  esac
}

rollback_edits_scenario() {
  RB_SERVER=$1
  local file=$2 snap=$3 rc
  [[ "$RB_SERVER" == nginx || "$RB_SERVER" == apache ]] ||
    fail "rollback_edits_scenario: unknown server $RB_SERVER"

  rb_certbot run "--$RB_SERVER" -d a.example --no-redirect ||
    fail "run failed: $(tail -c 3000 "$ITEST_DIR/run.out")"
  rb_assert_serves a.example a.example

  # --- 1. an edit after the checkpoint: rollback refuses -----------------------------------------
  printf '# a note the admin added after certbot\n' >>"$file"
  cp "$file" "$ITEST_DIR/edited"
  rc=0
  rb_certbot refused rollback --installer "$RB_SERVER" || rc=$?
  assert_eq "$rc" 1 "exit status of rollback over an edited file"
  assert_eq "$(error_lines "$ITEST_DIR/refused.out")" 1 "lines of output of the refused rollback"
  assert_contains "$ITEST_DIR/refused.out" "Not rolling back: $file was edited after certbot changed it"
  assert_contains "$ITEST_DIR/refused.out" "delete $CB_WORK/backups/[0-9.]+/WRITTEN"
  cmp -s "$file" "$ITEST_DIR/edited" || fail "the refused rollback changed $file"
  rb_assert_serves a.example a.example
  pass "rollback over a hand-edited file: refused in one line naming it, nothing changed"

  # --- 2. the edit undone: rollback works ----------------------------------------------------------
  sed -i '/a note the admin added/d' "$file"
  rb_certbot rollback rollback --installer "$RB_SERVER" ||
    fail "rollback failed: $(tail -c 3000 "$ITEST_DIR/rollback.out")"
  rb_assert_unchanged "$snap" "after the rollback"
  pass "with the edit undone, rollback restores the configuration byte for byte"
}
