#include "config.h"

#include <unistd.h>

namespace certbot {

bool Config::interactive() const {
    if (non_interactive) return false;
    if (force_interactive) return true;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

namespace {
bool is_letsencrypt(const std::string& url) {
    return url == kDefaultServer || url == kStagingServer;
}
}  // namespace

std::string Config::effective_server() const {
    // certbot's set_test_server: --staging/--test-cert and --dry-run turn Let's Encrypt's
    // production URL (however it was set: default, --server, cli.ini, a renewal conf) into its
    // staging URL; a test never reaches a production CA. A dry run against another CA uses it.
    if ((staging || dry_run) && is_letsencrypt(server)) return kStagingServer;
    return server;
}

}  // namespace certbot
