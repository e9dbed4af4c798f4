// register, update_account, show_account, unregister.
#include "commands.h"

namespace certbot {

int cmd_register(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_update_account(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_show_account(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}
int cmd_unregister(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}

}  // namespace certbot
