// `certbot --dump-cli`: the command line's own option registration as tab-separated records,
// the one source the man page and the shell completions are generated from at build time
// (packaging/tools/gen_cli_docs.py). Not a certbot flag: only recognised as the sole argument.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "options.h"

namespace certbot::cli {

// Prints, one record per line (fields separated by tabs; text has no tabs or newlines):
//   version  VERSION
//   verb     NAME  HELP                              (subcommands, in --help order)
//   group    NAME  TITLE                             (help groups; a plugin's as "plugin:NAME")
//   option   GROUP --LONG  -S|""  METAVAR|""  HELP   (METAVAR empty for a switch)
//   plugin   NAME  Authenticator|Installer|...  DESCRIPTION
int dump_cli(const Options& opts, const PluginRegistry& reg,
             const std::vector<std::pair<std::string, std::string>>& verbs);

}  // namespace certbot::cli
