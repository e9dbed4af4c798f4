// The subcommands. Each returns the process exit status (result.h ExitCode) and prints its
// own one-line errors.
#pragma once

#include "config.h"
#include "plugin_host.h"

namespace certbot {

const char* certbot_version();

int cmd_certonly(const Config& cfg, const PluginRegistry& plugins);
int cmd_renew(const Config& cfg, const PluginRegistry& plugins);
int cmd_certificates(const Config& cfg, const PluginRegistry& plugins);
int cmd_plugins(const Config& cfg, const PluginRegistry& plugins);

}  // namespace certbot
