// The command line's options: every flag of the flag table (flags.h), in certbot's help groups,
// plus the plugin selectors and the options plugins declare in their descriptors
// (--<plugin>-<option>).
#pragma once

#include <boost/program_options.hpp>

#include <map>
#include <string>

#include "flags.h"
#include "plugin_host.h"

namespace certbot::cli {

namespace po = boost::program_options;

// Option groups, by certbot's help topics.
struct Options {
    po::options_description general{"optional arguments"};
    po::options_description automation{"automation"};
    po::options_description security{"security"};
    po::options_description testing{"testing"};
    po::options_description paths{"paths"};
    po::options_description plugins{"plugins"};
    po::options_description registration{"register"};
    po::options_description certonly{"certonly"};
    po::options_description revoke{"revoke"};
    po::options_description rollback{"rollback"};
    po::options_description unregister{"unregister"};
    po::options_description certificates{"certificates"};
    std::map<std::string, po::options_description> per_plugin;
    // --<plugin>-<option> -> the value's name in help (plugin_option_metavar).
    std::map<std::string, std::string> metavars;
    po::options_description all{"all"};
    // Accepted but not shown in any help (certbot's hidden and deprecated flags).
    po::options_description hidden{"hidden"};
    // all + hidden: what the parser and cli.ini accept.
    po::options_description parse{"parse"};

    po::options_description& group(FlagGroup g);
};

void build_options(Options& o, const PluginRegistry& reg);

}  // namespace certbot::cli
