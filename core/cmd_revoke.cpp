// revoke: RFC 8555 §7.6, by account key or by the certificate's own key.
#include "commands.h"

namespace certbot {

int cmd_revoke(const Config& cfg, const PluginRegistry&) {
    return cmd_not_available(cfg);
}

}  // namespace certbot
