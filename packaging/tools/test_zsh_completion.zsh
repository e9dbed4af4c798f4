#!/usr/bin/env zsh
# ctest packaging.zsh_completion: the build generated the zsh completion from
# `certbot --dump-cli`, zsh parses it (zsh -n), it names every subcommand and option the binary
# registers, and a real interactive zsh (under zpty, with compinit) completes with it:
# subcommands, options, --cert-name from a scratch store, plugins, --help topics, value lists,
# and shows the options' help.
# usage: zsh -f test_zsh_completion.zsh CERTBOT ZSH_COMPLETION SCRATCH
emulate -L zsh
setopt err_exit no_unset pipe_fail
certbot=$1 comp=$2 scratch=$3
fail() { print -r -- "FAIL: $*" >&2; exit 1 }
[[ -s $comp ]] || fail "$comp was not generated"
zsh -n $comp || fail "zsh cannot parse $comp"
[[ $(head -n 1 $comp) == '#compdef certbot' ]] || fail "$comp does not start with '#compdef certbot'"

# Every subcommand and option the binary registers is in it.
dump=$(env -u CERTBOT_PLUGIN_PATH $certbot --dump-cli)
local -a f
local line name nopts=0 text
text=$(<$comp)
for line in ${(f)dump}; do
  f=("${(@ps:\t:)line}")
  case $f[1] in
    verb) name=$f[2] ;;
    option) name=$f[3]; (( ++nopts )) ;;
    *) continue ;;
  esac
  [[ $text == *"'$name:"* || $text == *"'*${name}["* || $text == *"'*${name}=["* ||
     $text == *"'*${name}+["* ]] || fail "the zsh completion does not know $name"
done

# The completion in action: an interactive zsh with only this completion on its fpath, a store
# with two lineages. compadd is wrapped to record what the completion offers (and the
# descriptions it shows); a line's completion is over when the shell runs the next command.
rm -rf $scratch
mkdir -p $scratch/fpath $scratch/config/renewal
cp $comp $scratch/fpath/_certbot
touch $scratch/config/renewal/a.example.conf $scratch/config/renewal/b.example.conf
zmodload zsh/zpty
local out=$scratch/offered shown=$scratch/shown sync=$scratch/sync
# ctest counts exit status 77 as skipped (SKIP_RETURN_CODE): a build chroot without ptys.
zpty cz env -u CERTBOT_PLUGIN_PATH HOME=$scratch zsh -f -i ||
  { print "SKIP: zpty cannot start an interactive zsh (no pseudo-terminals?)"; exit 77 }
trap 'zpty -d cz 2>/dev/null || true' EXIT
zpty -w cz "fpath=($scratch/fpath \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w cz "unsetopt autolist listbeep beep; setopt nolistambiguous; zstyle ':completion:*' verbose yes; zstyle ':completion:*' menu no"
# Record the matches (not for compadd's own queries: -O/-A/-D) and the display strings (-d).
zpty -w cz "compadd() { local -a m; local i=\${@[(i)-d]} e=\${@[(i)--]}; \
(( i < e && i < \$# )) && print -rl -- \${(P)@[i+1]} >>$shown; \
if (( ! \${@[(I)-[OAD]]} )); then builtin compadd -O m \"\$@\"; \
(( \$#m )) && print -rl -- \$m >>$out; fi; builtin compadd \"\$@\"; }"
wait_for() { # wait_for WORD: the shell has run `print WORD >sync` (at most 60 s)
  local i
  for ((i = 0; i < 600; i++)); do
    [[ -e $sync && $(<$sync) == $1 ]] && return 0
    sleep 0.1
  done
  fail "the interactive zsh did not answer (waiting for $1)"
}
zpty -w cz "print ready >$sync"
wait_for ready
complete_line() { # complete_line LINE: the sorted matches offered for LINE<TAB>, space-separated
  rm -f $out $shown $sync
  zpty -w -n cz "$1"$'\t'
  zpty -w -n cz $'\x15' # ^U: clear the line
  zpty -w cz "print done >$sync"
  wait_for done
  if [[ -e $out ]]; then sort -u $out | tr '\n' ' '; fi
}
expect() { # expect WANT LINE
  local got
  got=$(complete_line $2)
  [[ $got == "$1" ]] || fail "completing '$2': got '$got', want '$1'"
}
expect "renew " "certbot ren"
expect "certificates certonly " "certbot -d example.com cert"
expect "--cert-name " "certbot renew --cert-n"
expect "a.example b.example " "certbot renew --config-dir $scratch/config --cert-name "
expect "a.example " "certbot delete --config-dir=$scratch/config --cert-name a"
expect "" "certbot renew --config-dir $scratch/config -d "
expect "ecdsa rsa " "certbot certonly --key-type "
expect "all " "certbot --help al"
local plugins
plugins=$(print -rl -- ${(f)dump} | awk -F'\t' '$1 == "plugin" { print $2 }' | sort | tr '\n' ' ')
[[ -n $plugins ]] || fail "--dump-cli lists no plugins"
expect $plugins "certbot certonly -a "
expect $plugins "certbot --installer "
# The options are shown with their help (the escaped ':' of the description unescaped).
complete_line "certbot --key-ty" >/dev/null
grep -q -- '--key-type.*-- Type of generated private key: rsa or ecdsa' $shown ||
  fail "completing '--key-ty' does not show its help: $(<$shown)"
# compinit runs without -d (with -D, `-d FILE` would still dump, mv-ing a file over FILE).
[[ -c /dev/null && ! -e $scratch/.zcompdump ]] || fail "compinit wrote a dump file"
print "the zsh completion covers $nopts options and completes them in zsh $ZSH_VERSION"
