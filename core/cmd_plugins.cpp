#include <string>

#include "commands.h"
#include "log.h"
#include "renewal.h"

namespace certbot {

const char* certbot_version() {
    return CERTBOT_VERSION;
}

const char* certbot_surface_version() {
    return "2.1.0";
}

// `certbot plugins [--authenticators] [--installers] [--init] [--prepare]`: certbot's listing.
// --init/--prepare create an instance with the command line's options (what the plugin's own
// checks say, e.g. a missing nginx binary) and destroy it again; nothing is changed.
int cmd_plugins(const Config& cfg, const PluginRegistry& reg) {
    const std::string rule =
        "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";
    std::string out = rule + "\n";
    size_t shown = 0;
    for (const auto& p : reg.plugins()) {
        if (cfg.plugins_authenticators && !p.is_authenticator()) continue;
        if (cfg.plugins_installers && !p.is_installer()) continue;
        std::string kinds;
        if (p.is_authenticator()) kinds += "Authenticator";
        if (p.is_installer()) kinds += kinds.empty() ? "Installer" : ", Installer";
        std::string types;
        for (const auto& t : p.challenge_types()) types += (types.empty() ? "" : ", ") + t;
        out += (shown++ ? "\n* " : "* ") + p.name() + "\nDescription: " + p.entry->description +
               "\nInterfaces: " + kinds + "\nVersion: " + p.entry->version +
               (types.empty() ? std::string() : "\nChallenges: " + types) + "\nFile: " + p.path +
               "\n";
        if (cfg.plugins_init || cfg.plugins_prepare) {
            auto values = plugin_values(p, cfg);
            Status ready = values ? Status() : Status(values.error());
            if (values) {
                auto inst = PluginInstance::create(p, *values, false, true, cfg.config_dir,
                                                   cfg.work_dir, cfg.logs_dir);
                if (!inst) ready = inst.error();
            }
            out += std::string("Initialized: ") + (ready ? "True" : "False") + "\n";
            if (cfg.plugins_prepare)
                out += "Prep: " + (ready ? std::string("True") : ready.error().message) + "\n";
        }
    }
    out += rule;
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
