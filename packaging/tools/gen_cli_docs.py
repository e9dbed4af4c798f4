#!/usr/bin/env python3
"""Generate certbot(8) and the bash completion from the binary's own option registration.

Runs `certbot --dump-cli` (cli/dump_cli.h: the subcommands, every option of every help group,
each plugin's options) and writes a man page and a bash completion script from it, so neither
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


def bash_completion(d, plugin_dir):
    opts, valued, paths = [], [], []
    for g in d["groups"]:
        for o in d["options"][g]:
            for n in (o["long"], o["short"]):
                if not n:
                    continue
                opts.append(n)
                if o["metavar"]:
                    valued.append(n)
                    mv = o["metavar"]
                    if mv.endswith(("_DIR", "_PATH", "CONFIG", "CSR")) or mv == "DIR":
                        paths.append(n)
    verbs = [v for v, _ in d["verbs"]]
    plugins = [p["name"] for p in d["plugins"]]
    topics = ["all"] + [g for g in d["groups"] if not g.startswith("plugin:")] + verbs + plugins

    def words(xs):
        return " ".join(sorted(set(xs), key=xs.index))

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
    --key-type)
      COMPREPLY=($(compgen -W $'rsa\\necdsa' -- "$cur"))
      return ;;
    --elliptic-curve)
      COMPREPLY=($(compgen -W $'secp256r1\\nsecp384r1\\nsecp521r1' -- "$cur"))
      return ;;
    --preferred-challenges)
      COMPREPLY=($(compgen -W $'http-01\\ndns-01\\ntls-alpn-01\\nhttp\\ndns' -- "$cur"))
      return ;;
    --reason)
      COMPREPLY=($(compgen -W $'unspecified\\nkeycompromise\\naffiliationchanged\\nsuperseded\\ncessationofoperation' -- "$cur"))
      return ;;
  esac
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
       "topics": " ".join(topics)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certbot", required=True)
    ap.add_argument("--plugin-dir", required=True, help="the installed plugin directory")
    ap.add_argument("--man", required=True)
    ap.add_argument("--bash", required=True)
    a = ap.parse_args()
    d = read_dump(a.certbot)
    for path, text in ((a.man, manpage(d, a.plugin_dir)),
                       (a.bash, bash_completion(d, a.plugin_dir))):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
