#!/usr/bin/env bash
# ctest packaging.cli_docs_generated: the build generated certbot.8 and the bash completion from
# `certbot --dump-cli`, they cover every subcommand and option it dumps, the man page is clean
# for groff, and the completion completes what it should.
# usage: test_cli_docs.sh CERTBOT MANPAGE BASH_COMPLETION SCRATCH
set -euo pipefail
certbot=$1 man=$2 comp=$3 scratch=$4
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
[[ -s $man ]] || fail "$man was not generated"
[[ -s $comp ]] || fail "$comp was not generated"
dump=$(env -u CERTBOT_PLUGIN_PATH "$certbot" --dump-cli)

# Every subcommand and option the binary registers appears in both (roff escapes '-' as '\-'):
# the man page's text, and a whole word of the completion (matched in the shell: one grep per
# option took most of this test's time on a loaded machine).
man_text=$(<"$man")
declare -A comp_words=()
while read -r w; do comp_words[$w]=1; done < <(grep -oE -- '[-A-Za-z0-9_]+' "$comp" | sort -u)
while IFS=$'\t' read -r kind a b _; do
  case $kind in
    verb) name=$a ;;
    option) name=$b ;;
    *) continue ;;
  esac
  [[ $man_text == *"${name//-/\\-}"* ]] || fail "certbot.8 does not mention $name"
  [[ -n ${comp_words[$name]:-} ]] || fail "the bash completion does not know $name"
done <<<"$dump"

if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
  [[ -z $warnings ]] || fail "groff warns about certbot.8: $warnings"
fi

# The completion in action: a store with two lineages, and the build's plugins.
rm -rf "$scratch"
mkdir -p "$scratch/config/renewal"
touch "$scratch/config/renewal/a.example.conf" "$scratch/config/renewal/b.example.conf"
complete_line() { # complete_line WORD...: COMPREPLY for the last word, one per line
  (
    # shellcheck disable=SC1090
    source "$comp"
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _certbot
    ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
  )
}
expect() { # expect WANT WORD...
  local want=$1 got
  shift
  got=$(complete_line "$@" | sort | tr '\n' ' ')
  [[ $got == "$want" ]] || fail "completing '$*': got '$got', want '$want'"
}
expect "renew " certbot ren
expect "--cert-name " certbot renew --cert-n
expect "a.example b.example " certbot renew --config-dir "$scratch/config" --cert-name ""
expect "a.example " certbot delete --config-dir="$scratch/config" --cert-name a
expect "" certbot renew --config-dir "$scratch/config" -d ""
plugins=$(printf '%s\n' "$dump" | awk -F'\t' '$1 == "plugin" { print $2 }' | sort | tr '\n' ' ')
[[ -n $plugins ]] || fail "--dump-cli lists no plugins"
got=$(CERTBOT_PLUGIN_PATH=/nonexistent complete_line certbot certonly -a "" | sort -u | tr '\n' ' ')
[[ $got == "$plugins" ]] || fail "completing -a: got '$got', want '$plugins'"
echo "certbot.8 and the bash completion cover $(grep -c $'^option\t' <<<"$dump") options"
