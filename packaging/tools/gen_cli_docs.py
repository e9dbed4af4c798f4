#!/usr/bin/env python3
"""Generate certbot(8) and the bash and zsh completions from the binary's own option registration.

Runs `certbot --dump-cli` (cli/dump_cli.h: the subcommands, every option of every help group,
each plugin's options) and writes a man page and bash and zsh completion scripts from it, so neither
can drift from what the binary parses. Called by the build (packaging/CMakeLists.txt) with the
freshly built binary, which lists the plugins of its own build tree.

The man page is dated from SOURCE_DATE_EPOCH (set by dpkg-buildpackage) or not at all, so
builds are reproducible.
"""
import argparse
import os
import re
import subprocess
import sys
import time

GROUP_TITLES = {
    "general": "General options",
    "automation": "Automation",
    "security": "Security",
    "testing": "Testing",
    "paths": "Paths",
    "register": "Registration (register, update_account)",
    "certonly": "certonly",
    "revoke": "revoke",
    "rollback": "rollback",
    "unregister": "unregister",
    "certificates": "certificates",
    "plugins": "Plugin selection",
}


def read_dump(certbot):
    env = {k: v for k, v in os.environ.items() if k != "CERTBOT_PLUGIN_PATH"}
    out = subprocess.run([certbot, "--dump-cli"], env=env, check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    d = {"version": "", "verbs": [], "groups": [], "options": {}, "plugins": []}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "version":
            d["version"] = f[1]
        elif f[0] == "verb":
            d["verbs"].append((f[1], f[2]))
        elif f[0] == "group":
            d["groups"].append(f[1])
            d["options"][f[1]] = []
        elif f[0] == "option":
            d["options"][f[1]].append({"long": f[2], "short": f[3], "metavar": f[4], "help": f[5]})
        elif f[0] == "plugin":
            d["plugins"].append({"name": f[1], "kinds": f[2], "description": f[3]})
    if not d["verbs"] or not d["options"].get("general"):
        sys.exit("gen_cli_docs: `%s --dump-cli` gave no subcommands or options" % certbot)
    return d


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    # Long words (URLs) get break points after '/', '#' and '_' so lines can be filled.
    text = " ".join(re.sub(r"([/#_])", "\\1\\\\:", w) if len(w) > 40 else w
                    for w in text.split(" "))
    return "\\&" + text if text[:1] in (".", "'") else text


def man_option(o):
    mv = (" \\fI%s\\fR" % roff(o["metavar"])) if o["metavar"] else ""
    head = ""
    if o["short"]:
        head = "\\fB%s\\fR%s, " % (roff(o["short"]), mv)
    head += "\\fB%s\\fR%s" % (roff(o["long"]), mv)
    return ".TP\n%s\n%s\n" % (head, roff(o["help"]) or "\\&")


def manpage(d, plugin_dir):
    date = ""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        date = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"])))
    m = ['.\\" Generated from `certbot --dump-cli` by packaging/tools/gen_cli_docs.py; do not edit.',
         '.TH CERTBOT 8 "%s" "certbot-native %s" "System Administration"' % (date, d["version"]),
         ".ad l", ".SH NAME", "certbot \\- obtain, renew and install ACME (Let's Encrypt) certificates",
         ".SH SYNOPSIS", ".B certbot", "[\\fISUBCOMMAND\\fR] [\\fIoptions\\fR] "
         "[\\fB\\-d\\fR \\fIDOMAIN\\fR] ...",
         ".SH DESCRIPTION",
         "certbot-native is a C++ implementation of the certbot ACME client. It takes certbot's "
         "subcommands and options and reads and writes certbot's configuration directory "
         "(\\fI/etc/letsencrypt\\fR), so lineages made by either client renew with the other. "
         "Authenticators and installers are plugins: shared objects in the plugin directory.",
         ".PP", "Without a subcommand, \\fBcertbot\\fR runs \\fBrun\\fR. "
         "\\fBcertbot \\-\\-help all\\fR shows every option; \\fBcertbot \\-\\-help\\fR "
         "\\fITOPIC\\fR one group, subcommand or plugin.",
         ".SH SUBCOMMANDS"]
    for name, help_ in d["verbs"]:
        m += [".TP", "\\fB%s\\fR" % roff(name), roff(help_)]
    m.append(".SH OPTIONS")
    for g in d["groups"]:
        if g.startswith("plugin:") or not d["options"][g]:
            continue
        m.append(".SS %s" % roff(GROUP_TITLES.get(g, g)))
        m += [man_option(o).rstrip("\n") for o in d["options"][g]]
    m.append(".SH PLUGINS")
    m.append("The plugins of this build. \\fBcertbot plugins\\fR lists the ones installed; each "
             "plugin's options start with its name.")
    for p in d["plugins"]:
        m += [".SS %s" % roff(p["name"]), "%s (%s)." % (roff(p["description"]),
                                                        roff(p["kinds"].replace(",", ", ")))]
        m += [man_option(o).rstrip("\n") for o in d["options"].get("plugin:" + p["name"], [])]
    m += [".SH FILES",
          ".TP", "\\fI/etc/letsencrypt/cli.ini\\fR",
          "Default options (long option names without \\-\\-), also "
          "\\fI~/.config/letsencrypt/cli.ini\\fR.",
          ".TP", "\\fI/etc/letsencrypt/live/\\fR\\fINAME\\fR\\fI/\\fR",
          "The current certificate, chain, full chain and private key of each certificate.",
          ".TP", "\\fI/etc/letsencrypt/renewal/\\fR\\fINAME\\fR\\fI.conf\\fR",
          "How each certificate is renewed.",
          ".TP", "\\fI/var/log/letsencrypt/letsencrypt.log\\fR", "The log (rotated by certbot).",
          ".TP", "\\fI%s\\fR" % roff(plugin_dir), "The plugin directory.",
          ".SH ENVIRONMENT", ".TP", "\\fBCERTBOT_PLUGIN_PATH\\fR",
          "Colon-separated directories to load plugins from instead of the plugin directory "
          "(ignored by setuid/setgid processes).",
          ".SH EXIT STATUS", "0 on success, 1 when an operation failed, 2 for a usage error.",
          ".SH SEE ALSO", "The certbot user guide: https://eff-certbot.readthedocs.io/"]
    return "\n".join(m) + "\n"


# Options whose values come from a fixed list (both completions).
VALUE_LISTS = {
    "--key-type": ["rsa", "ecdsa"],
    "--elliptic-curve": ["secp256r1", "secp384r1", "secp521r1"],
    "--preferred-challenges": ["http-01", "dns-01", "tls-alpn-01", "http", "dns"],
    "--reason": ["unspecified", "keycompromise", "affiliationchanged", "superseded",
                 "cessationofoperation"],
}
PLUGIN_OPTIONS = ("-a", "--authenticator", "-i", "--installer", "--configurator")


def value_kind(name, metavar):
    """What completes an option's value: None (no value), "cert-name", "plugin", "topic",
    "list", "dir", "file" or "text"."""
    if not metavar:
        return None
    if name == "--cert-name":
        return "cert-name"
    if name in PLUGIN_OPTIONS:
        return "plugin"
    if name in ("-h", "--help"):
        return "topic"
    if name in VALUE_LISTS:
        return "list"
    if metavar.endswith("_DIR") or metavar == "DIR":
        return "dir"
    if metavar.endswith(("_PATH", "CONFIG", "CSR")):
        return "file"
    return "text"


def cli_words(d):
    """The names both completions offer: subcommands, plugins, --help topics."""
    verbs = [v for v, _ in d["verbs"]]
    plugins = [p["name"] for p in d["plugins"]]
    topics = ["all"] + [g for g in d["groups"] if not g.startswith("plugin:")] + verbs + plugins
    return verbs, plugins, topics


def all_options(d):
    """(name, option) for every long and short option name, in dump order."""
    for g in d["groups"]:
        for o in d["options"][g]:
            for n in (o["long"], o["short"]):
                if n:
                    yield n, o


def bash_completion(d, plugin_dir):
    opts, valued, paths = [], [], []
    for n, o in all_options(d):
        opts.append(n)
        kind = value_kind(n, o["metavar"])
        if kind:
            valued.append(n)
        if kind in ("dir", "file"):
            paths.append(n)
    verbs, plugins, topics = cli_words(d)

    def words(xs):
        return " ".join(sorted(set(xs), key=xs.index))

    value_cases = "".join(
        "    %s)\n      COMPREPLY=($(compgen -W $'%s' -- \"$cur\"))\n      return ;;\n"
        % (name, "\\n".join(values)) for name, values in VALUE_LISTS.items())

    return """# bash completion for certbot (certbot-native) -*- shell-script -*-
# Generated from `certbot --dump-cli` by packaging/tools/gen_cli_docs.py; do not edit.
# Completes subcommands, options, plugin names (this build's and any *.so in the plugin
# directory) and --cert-name values (renewal/*.conf under --config-dir, default /etc/letsencrypt).

_certbot_config_dir() {
  local i dir=/etc/letsencrypt
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    case ${COMP_WORDS[i]} in
      --config-dir) dir=${COMP_WORDS[i + 1]:-$dir} ;;
      --config-dir=*) dir=${COMP_WORDS[i]#--config-dir=} ;;
    esac
  done
  printf '%%s\\n' "$dir"
}

_certbot_cert_names() {
  local dir f
  dir=$(_certbot_config_dir)
  for f in "$dir"/renewal/*.conf; do
    [[ -e $f ]] || continue
    f=${f##*/}
    printf '%%s\\n' "${f%%.conf}"
  done
}

_certbot_plugins() {
  local f
  printf '%%s\\n' %(plugins)s
  for f in ${CERTBOT_PLUGIN_PATH//:/ } %(plugin_dir)s; do
    for f in "$f"/*.so; do
      [[ -e $f ]] || continue
      f=${f##*/}
      printf '%%s\\n' "${f%%.so}"
    done
  done
}

_certbot() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local verbs="%(verbs)s"
  local opts="%(opts)s"
  local valued=" %(valued)s "
  local paths=" %(paths)s "
  local IFS=$'\\n'
  COMPREPLY=()
  case $prev in
    --cert-name)
      COMPREPLY=($(compgen -W "$(_certbot_cert_names)" -- "$cur"))
      return ;;
    -a | --authenticator | -i | --installer | --configurator)
      COMPREPLY=($(compgen -W "$(_certbot_plugins | sort -u)" -- "$cur"))
      return ;;
    -h | --help)
      COMPREPLY=($(compgen -W "$(printf '%%s\\n' %(topics)s)" -- "$cur"))
      return ;;
%(value_cases)s  esac
  if [[ $paths == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  [[ $valued == *" $prev "* ]] && return
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${opts// /$'\\n'}" -- "$cur"))
    return
  fi
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ " $verbs " == *" ${COMP_WORDS[i]} "* ]] && return
  done
  COMPREPLY=($(compgen -W "${verbs// /$'\\n'}" -- "$cur"))
}
complete -F _certbot certbot
""" % {"plugins": " ".join(plugins), "plugin_dir": plugin_dir, "verbs": words(verbs),
       "opts": words(opts), "valued": " ".join(valued), "paths": " ".join(paths),
       "topics": " ".join(topics), "value_cases": value_cases}


def zsh_completion(d, plugin_dir):
    def q(text):  # inside a single-quoted zsh word
        return text.replace("'", "'\\''")

    def desc(text):  # an _arguments/_describe description: one short line, no brackets
        text = " ".join(text.split()).replace("\\", "/").replace("[", "(").replace("]", ")")
        first = re.split(r"(?<=[a-z0-9)])\. ", text, maxsplit=1)[0].rstrip(".")
        return first if len(first) <= 100 else first[:97].rstrip() + "..."

    def action(kind, name):
        return {"cert-name": "_certbot_cert_names", "plugin": "_certbot_plugins",
                "topic": "_certbot_help_topics", "dir": "_files -/", "file": "_files",
                "text": " "}.get(kind) or "(%s)" % " ".join(VALUE_LISTS.get(name, []))

    specs = []
    for n, o in all_options(d):
        kind = value_kind(n, o["metavar"])
        head = "*" + n.replace("=", "\\=")
        help_ = desc(o["help"]).replace(":", "\\:")
        if kind is None:
            specs.append("'%s[%s]'" % (q(head), q(help_)))
            continue
        # --long=VALUE or --long VALUE; -s VALUE or -sVALUE. --help's topic is optional.
        head += "=" if n.startswith("--") else "+"
        colons = "::" if kind == "topic" else ":"
        mv = o["metavar"].lower().replace("_", " ").replace(":", "\\:")
        specs.append("'%s[%s]%s%s:%s'" % (q(head), q(help_), colons, q(mv), q(action(kind, n))))
    verbs, plugins, topics = cli_words(d)
    verb_lines = "\n    ".join("'%s'" % q("%s:%s" % (v, desc(h))) for v, h in d["verbs"])

    return """#compdef certbot
# zsh completion for certbot (certbot-native)
# Generated from `certbot --dump-cli` by packaging/tools/gen_cli_docs.py; do not edit.
# Completes subcommands, options with their help, plugin names (this build's and any *.so in
# the plugin directory or CERTBOT_PLUGIN_PATH), --help topics, fixed value lists, paths and
# --cert-name values (renewal/*.conf under --config-dir, default /etc/letsencrypt).

_certbot_cert_names() {
  local dir=/etc/letsencrypt i expl
  local -a names
  for ((i = 2; i <= $#words; i++)); do
    case $words[i] in
      --config-dir) dir=${words[i + 1]:-$dir} ;;
      --config-dir=*) dir=${words[i]#--config-dir=} ;;
    esac
  done
  names=($dir/renewal/*.conf(N:t:r))
  _wanted cert-names expl 'certificate name' compadd -a names
}

_certbot_plugins() {
  local dir expl
  local -aU names
  names=(%(plugins)s)
  for dir in ${(s.:.)CERTBOT_PLUGIN_PATH} %(plugin_dir)s; do
    names+=($dir/*.so(N:t:r))
  done
  _wanted plugins expl plugin compadd -a names
}

_certbot_help_topics() {
  local expl
  local -a topics
  topics=(%(topics)s)
  _wanted topics expl 'help topic' compadd -a topics
}

_certbot_subcommands() {
  local -a verbs
  verbs=(
    %(verbs)s
  )
  _describe -t subcommands 'certbot subcommand' verbs
}

_certbot() {
  local -a args
  args=(
    %(specs)s
    '1:subcommand:_certbot_subcommands'
  )
  _arguments -S : $args
}

_certbot "$@"
""" % {"plugins": " ".join(plugins), "plugin_dir": plugin_dir, "topics": " ".join(topics),
       "verbs": verb_lines, "specs": "\n    ".join(specs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certbot", required=True)
    ap.add_argument("--plugin-dir", required=True, help="the installed plugin directory")
    ap.add_argument("--man", required=True)
    ap.add_argument("--bash", required=True)
    ap.add_argument("--zsh", required=True)
    a = ap.parse_args()
    d = read_dump(a.certbot)
    for path, text in ((a.man, manpage(d, a.plugin_dir)),
                       (a.bash, bash_completion(d, a.plugin_dir)),
                       (a.zsh, zsh_completion(d, a.plugin_dir))):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
