#include <string>

#include "commands.h"
#include "log.h"

namespace certbot {

const char* certbot_version() {
    return CERTBOT_VERSION;
}

int cmd_not_available(const Config& cfg) {
    log::error("The \"" + cfg.verb +
               "\" subcommand is not available in this version yet; see `certbot --help` for "
               "the ones that are");
    return kExitUsage;
}

int cmd_plugins(const Config&, const PluginRegistry& reg) {
    std::string out =
        "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";
    for (const auto& p : reg.plugins()) {
        std::string kinds;
        if (p.is_authenticator()) kinds += "Authenticator";
        if (p.is_installer()) kinds += kinds.empty() ? "Installer" : ", Installer";
        std::string types;
        for (const auto& t : p.challenge_types()) types += (types.empty() ? "" : ", ") + t;
        out += "\n* " + p.name() + "\nDescription: " + p.entry->description +
               "\nInterfaces: " + kinds + "\nVersion: " + p.entry->version +
               (types.empty() ? std::string() : "\nChallenges: " + types) + "\nFile: " + p.path +
               "\n";
    }
    out += "\n- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";
    log::out(out);
    for (const auto& s : reg.skipped()) log::warning("Skipped plugin " + s.path + ": " + s.reason);
    if (reg.plugins().empty()) {
        std::string dirs;
        for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
        log::warning("No plugins found in " + dirs + " (set CERTBOT_PLUGIN_PATH to override)");
    }
    return 0;
}

}  // namespace certbot
