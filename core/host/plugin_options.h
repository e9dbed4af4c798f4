// Typed plugin options (plugin.h, CB_TYPE_*, ABI 1.3): the host checks a value before the plugin
// sees it and hands it over in canonical form; --help and `plugins --check` describe the option.
#pragma once

#include <certbot/plugin.h>

#include <string>

#include "plugin_host.h"
#include "result.h"

namespace certbot {

// VALUE of option OD of plugin PLUGIN as the plugin gets it: an int in canonical decimal, a bool
// as "True"/"False", a path absolute (os.path.abspath); a string or an unknown type unchanged.
// A bad value: one line naming the flag and the plugin, exit status kExitUsage.
Result<std::string> plugin_option_value(const std::string& plugin, const cb_option_desc& od,
                                        const std::string& value);

// Checks and canonicalises (plugin_option_value) every value of P's options in V, per-identifier
// ones included, and that each CB_OPT_REQUIRED option has a value: what makes the host's check
// happen before the plugin sees anything, for values from the command line, cli.ini, a renewal
// conf and defaults alike.
Status check_plugin_values(const LoadedPlugin& p, PluginOptionValues& v);

// The value's name in --help: the descriptor's metavar, "{a,b}" for a choice without one, else
// the flag in capitals (--dns-x-credentials DNS_X_CREDENTIALS, as argparse).
std::string plugin_option_metavar(const std::string& plugin, const cb_option_desc& od);

// What the option takes, for `certbot plugins --check`: "int 0 to 86400", "path, required".
std::string plugin_option_summary(const cb_option_desc& od);

// Why the typed fields of option OD cannot be right, worded to follow "declares " ("option mode
// as a choice without choices", min above max, a default its own type refuses), or "".
std::string plugin_option_problem(const cb_option_desc& od);

}  // namespace certbot
