// Plugin discovery, loading (Boost.DLL) and the host side of the C ABI (plugin-api/).
// Plugins load only from the plugin path; each file is checked (ELF, entry symbol, ABI major,
// descriptor sanity) and a bad one is skipped with one line naming the file and the reason.
#pragma once

#include <certbot/plugin.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "result.h"

namespace certbot {

struct LoadedPlugin {
    std::string path;
    const cb_plugin* entry = nullptr;  // borrowed from the library, lives as long as `library`
    std::shared_ptr<void> library;     // keeps the .so mapped
    std::string name() const { return entry->name; }
    bool is_authenticator() const { return entry->kinds & CB_KIND_AUTHENTICATOR; }
    bool is_installer() const { return entry->kinds & CB_KIND_INSTALLER; }
    std::vector<std::string> challenge_types() const;
};

struct SkippedPlugin {
    std::string path, reason;
};

// The directories searched, in order: CERTBOT_PLUGIN_PATH (colon-separated; ignored in a
// setuid/setgid process) if set, else the build tree's plugin folder when running the binary
// from the build tree, else the installed <libdir>/certbot/plugins.
std::vector<std::string> plugin_search_path();

// certbot's "The requested NAME plugin does not appear to be installed", plus the file that
// would provide it (NAME.so, package certbot-native-plugin-NAME) and the directories searched.
std::string plugin_not_installed(const std::string& name);

class PluginRegistry {
  public:
    // Loads every *.so in the directories. The first plugin of a name wins. A relative
    // directory, and a directory or file others could change (fsutil.h others_can_change, no
    // sticky exception), is skipped with a warning naming it.
    static PluginRegistry discover(const std::vector<std::string>& dirs);
    const LoadedPlugin* find(const std::string& name) const;
    const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
    const std::vector<SkippedPlugin>& skipped() const { return skipped_; }

  private:
    std::vector<LoadedPlugin> plugins_;
    std::vector<SkippedPlugin> skipped_;
};

// Checks one file; exposed for the loader tests.
Result<LoadedPlugin> load_plugin(const std::string& path);

// Values handed to a plugin through host->get_option.
struct PluginOptionValues {
    // option short name -> values in command-line order (or restored from the renewal conf)
    std::map<std::string, std::vector<std::string>> values;
    // per-identifier option short name -> identifier -> value
    std::map<std::string, std::map<std::string, std::string>> per_identifier;
    // certbot-wide options every plugin may read: "http-01-port", "http-01-address", "https-port"
    std::map<std::string, std::string> globals;
};

// One live plugin instance with its host table. Destroying it destroys the instance.
class PluginInstance {
  public:
    static Result<std::unique_ptr<PluginInstance>> create(
        const LoadedPlugin& plugin, PluginOptionValues options, bool interactive, bool dry_run,
        const std::string& config_dir, const std::string& work_dir, const std::string& logs_dir);
    ~PluginInstance();
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;

    const LoadedPlugin& plugin() const { return plugin_; }

    // Authenticator. Result of get_chall_pref: types in preference order (empty = declined).
    Result<std::vector<std::string>> chall_pref(const std::string& identifier);
    Status perform(const std::vector<cb_challenge>& challenges);
    Status cleanup(const std::vector<cb_challenge>& challenges);

    // Installer (fails cleanly if the plugin is not one).
    Result<std::vector<std::string>> get_all_names();
    Result<std::vector<std::string>> supported_enhancements();
    Status deploy_cert(const std::string& domain, const std::string& cert, const std::string& key,
                       const std::string& chain, const std::string& fullchain);
    // false: the plugin declined (not applicable there; not a failure, rule 7).
    Result<bool> enhance(const std::string& domain, const std::string& enhancement,
                         const std::string& options);
    Status save(const std::string& title, bool temporary);
    Status rollback_checkpoints(int count);
    Status recovery_routine();
    Status config_test();
    Status restart();

    struct HostState;

  private:
    PluginInstance(const LoadedPlugin& plugin);
    Status check(cb_status st, const std::string& what);

    LoadedPlugin plugin_;
    std::unique_ptr<HostState> state_;
    void* self_ = nullptr;
};

}  // namespace certbot
