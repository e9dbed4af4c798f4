// run, install, enhance, rollback: the installer side of the plugin host.
#include "commands.h"

namespace certbot {

int cmd_run(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_install(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_enhance(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_rollback(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}

}  // namespace certbot
