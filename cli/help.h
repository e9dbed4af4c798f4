// certbot --help [TOPIC]: the short usage, or one topic (all, a help group, a subcommand, a
// plugin), laid out as certbot lays them out. The flags' text comes from the option table
// (options.h); which flags a topic shows comes from certbot's grouping, kept in help.cpp.
#pragma once

#include <string>

#include "options.h"

namespace certbot::cli {

// Prints the help for `topic` ("" = the short usage) to stdout; an unknown topic is an error
// (exit 2) that lists the topics.
int print_help(const std::string& topic, const Options& opts, const PluginRegistry& reg);

}  // namespace certbot::cli
