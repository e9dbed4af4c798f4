// cli.ini for the command line: certbot's config files merged in front of the command-line
// options (core/cli_ini.h has the syntax and precedence rules).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "options.h"
#include "result.h"

namespace certbot::cli {

extern const po::command_line_style::style_t kStyle;

// Reads --config FILE and the default files, and puts their options in front of `parsed`'s, as
// ConfigArgParse does, after checking each (an error names FILE:LINE and the key). `origin`
// receives "FILE:LINE" for each option that came from a file.
// `files` receives the paths of the files read.
Status apply_config_files(po::parsed_options& parsed, const Options& opts,
                          const PluginRegistry& reg, std::map<std::string, std::string>& origin,
                          std::vector<std::string>& files);

}  // namespace certbot::cli
