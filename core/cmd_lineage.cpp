// delete, reconfigure, update_symlinks: managing existing lineages.
#include "commands.h"

namespace certbot {

int cmd_delete(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_reconfigure(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_update_symlinks(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}

}  // namespace certbot
