// The command line into a Config: certbot's subcommands, its flags (options.h), cli.ini
// (config_files.h) and certbot's checks that span several flags.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "options.h"
#include "plugin_host.h"

namespace certbot::cli {

struct Verb {
    const char* name;
    int (*run)(const Config&, const PluginRegistry&);
    const char* help;
};

// The subcommands and their one-line help, in `certbot --help` order.
std::vector<std::pair<std::string, std::string>> verb_help();

// A subcommand by name (also certbot's old names: auth, everything); null if unknown.
const Verb* find_verb(std::string name);

struct Parsed {
    Config cfg;
    std::string help_topic;
    bool help = false;
    bool version = false;  // --version (or a prefix of it)
};

// What the parser could not do with a row of the flag table (flags.h): a Config field it does not
// know or that does not fit the row's type and action, a custom row without its function, a
// function without its row, a check without what it checks against. Empty when every flag given
// is handled as its row says; cli/flags_test.cpp checks it.
std::vector<std::string> flag_table_problems();

// Parses argv (argv[0] is skipped) with the plugins' options and the cli.ini files. Returns -1
// when the command is to run, else the exit status (a usage error was printed).
int parse(int argc, char** argv, const PluginRegistry& reg, Options& opts, Parsed& out);

}  // namespace certbot::cli
