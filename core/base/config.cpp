#include "config.h"

#include <unistd.h>

namespace certbot {

bool Config::interactive() const {
    if (non_interactive) return false;
    if (force_interactive) return true;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

std::string Config::effective_server() const {
    // certbot: --staging/--test-cert and --dry-run use the staging server unless --server is set.
    if ((staging || dry_run) && !server_set) return kStagingServer;
    return server;
}

}  // namespace certbot
