// Plugin discovery and the host side of the C ABI (plugin-api/). Plugin code never runs in the
// certbot process: descriptors are read by a runner process (plugin_runner.h) and cached by
// file identity; each plugin instance lives in its own runner process, supervised from here
// (crash, exit, abort and hang become an error naming the plugin and the call; every call has
// a time limit; SIGINT/SIGTERM stop it). docs/plugin-abi.md, "Process model".
#pragma once

#include <certbot/plugin.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "result.h"

namespace certbot {

struct PluginDescriptor;

struct LoadedPlugin {
    std::string path;
    // The plugin's static data, copied into host memory by a runner process: name,
    // description, version, kinds, challenge_types, options (host-sized elements), exclusive.
    // The code pointers (create, destroy, authenticator, installer) are NULL here.
    const cb_plugin* entry = nullptr;
    std::shared_ptr<const PluginDescriptor> descriptor;  // owns what `entry` points to
    std::string name() const { return entry->name; }
    bool is_authenticator() const { return entry->kinds & CB_KIND_AUTHENTICATOR; }
    bool is_installer() const { return entry->kinds & CB_KIND_INSTALLER; }
    std::vector<std::string> challenge_types() const;
};

struct SkippedPlugin {
    std::string path, reason;
    std::string name;  // the name the file declares, when it could be read (else empty)
};

// The directories searched, in order: CERTBOT_PLUGIN_PATH (colon-separated; ignored in a
// setuid/setgid process) if set, else the build tree's plugin folder when running the binary
// from the build tree, else the installed <libdir>/certbot/plugins.
std::vector<std::string> plugin_search_path();

// The program runner processes execute (docs/plugin-abi.md, "Process model"): the lean
// plugin-runner (cli/runner) when it is there and trusted as a plugin file is (an absolute path;
// it and its directory changeable by nobody but root and this user), else certbot's own binary
// (/proc/self/exe), which answers kPluginRunnerFlag too. Where it is looked for: in the build
// tree, <build>/cli/runner/plugin-runner; installed, <prefix>/<libdir>/certbot/plugin-runner
// relative to the binary, else the configured <libdir>/certbot/plugin-runner. Chosen once, with
// one debug log line naming it (and why a candidate was refused).
std::string plugin_runner_program();

// Makes PATH the only candidate for plugin_runner_program (empty: the default search again),
// for runners started after this call. Tests use it.
void set_plugin_runner(const std::string& path);

// [a-z0-9-], not starting with '-', at most 64 characters: plugin and option names.
bool plugin_name_valid(const char* name);

// Where discover() keeps its descriptor cache for a work directory.
std::string plugin_cache_path(const std::string& work_dir);

// The time limit of one call into a plugin (default 600 s; --plugin-timeout). Time the call
// spends waiting for a person (host->pause) or a user hook (host->run_hook) does not count.
void set_plugin_timeout(std::chrono::seconds limit);

// The flag SIGINT/SIGTERM set (main's handler): when it turns true, running plugin calls are
// stopped at once, cleanup calls after a short grace period. Unset: calls are never stopped.
void set_plugin_stop_flag(const std::atomic<bool>* flag);
std::chrono::seconds plugin_timeout();

// Starts a runner process now, before an instance needs it, so that its start-up (exec of
// certbot's binary, dynamic linking, static initialisers: ~10 ms of CPU) overlaps the caller's
// own work (the store, the CA's directory, the account). The next PluginInstance (or plugin
// description) takes it instead of starting one; until then no plugin code runs in it. One at
// most is kept: a second call while one waits does nothing. Call it from the main thread (the
// runner's PR_SET_PDEATHSIG follows the thread that started it). One nobody takes ends with
// this process.
void prestart_plugin_runner();

// Runner reuse: a runner whose instance was destroyed cleanly is kept (up to 8) and serves the
// next instance of the same plugin file that this thread (or any, when the main thread started
// it) creates: `renew` starts one process per plugin and worker, not one per lineage. Not for
// installers; a runner that crashed, timed out or was stopped is never kept. This tells every
// kept runner and the spare to go, and waits for them (tests; a command done with plugins).
void release_plugin_runners();

// certbot's "The requested NAME plugin does not appear to be installed", plus the file that
// would provide it (NAME.so, package certbot-native-plugin-NAME) and the directories searched.
std::string plugin_not_installed(const std::string& name);

class PluginRegistry {
  public:
    // Describes every *.so in the directories (the first plugin of a name wins) without
    // loading any into this process: files not in the cache at CACHE_FILE (or all, when it is
    // empty) are probed in a runner process; a file whose loading crashes or hangs is skipped.
    // A relative directory, and a directory or file others could change (fsutil.h
    // others_can_change, no sticky exception), is skipped with a warning naming it.
    static PluginRegistry discover(const std::vector<std::string>& dirs,
                                   const std::string& cache_file = {});
    const LoadedPlugin* find(const std::string& name) const;
    // Why the plugin NAME cannot be used (find gave nullptr), in one line: the reason its file
    // was skipped when one declared that name (e.g. built for another ABI major, naming both
    // versions), else plugin_not_installed(NAME).
    std::string missing(const std::string& name) const;
    const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
    const std::vector<SkippedPlugin>& skipped() const { return skipped_; }

  private:
    std::vector<LoadedPlugin> plugins_;
    std::vector<SkippedPlugin> skipped_;
};

// Describes one file (from its static data, else in a runner process; no cache); exposed for
// the loader tests.
Result<LoadedPlugin> load_plugin(const std::string& path);

// The runners' "desc" messages for FILES, each described by loading it (tests compare them
// with describe_plugin_file's reading of the same files).
std::vector<std::vector<std::string>> describe_plugins_by_loading(
    const std::vector<std::string>& files);

// Values handed to a plugin through host->get_option.
struct PluginOptionValues {
    // option short name -> values in command-line order (or restored from the renewal conf)
    std::map<std::string, std::vector<std::string>> values;
    // per-identifier option short name -> identifier -> value
    std::map<std::string, std::map<std::string, std::string>> per_identifier;
    // certbot-wide options every plugin may read: "http-01-port", "http-01-address", "https-port"
    std::map<std::string, std::string> globals;
};

// One live plugin instance, in its own runner process, with its host table. Destroying it
// destroys the instance. After the process died (crash, timeout, interrupt) the call that was
// running fails, and the next call starts a fresh process and instance (so cleanup and
// recovery_routine run even after a crash in perform or deploy_cert).
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
    // LINEAGE (may be empty) is what host->lineage_name answers during the call.
    Status deploy_cert(const std::string& domain, const std::string& cert, const std::string& key,
                       const std::string& chain, const std::string& fullchain,
                       const std::string& lineage = {});
    // false: the plugin declined (not applicable there; not a failure, rule 7).
    Result<bool> enhance(const std::string& domain, const std::string& enhancement,
                         const std::string& options);
    Status save(const std::string& title, bool temporary);
    Status rollback_checkpoints(int count);
    Status recovery_routine();
    Status config_test();
    Status restart();

    struct Runner;

  private:
    explicit PluginInstance(const LoadedPlugin& plugin);
    // Starts the runner process and creates the instance in it (CLEANUP: for a cleanup call,
    // so also after SIGINT/SIGTERM).
    Status start(bool cleanup = false);
    // One call: the reply ["result", status, message, values...] or the reason there is none.
    // CLEANUP calls run on after SIGINT/SIGTERM, for a short grace period.
    Result<std::vector<std::string>> call(const std::vector<std::string>& message,
                                          const std::string& what, bool cleanup = false);
    Result<std::vector<std::string>> await(const std::string& call, bool cleanup);
    // The answer's status with the plugin's message, as a Status (DECLINED kept apart).
    Status check(const std::vector<std::string>& reply, const std::string& what);
    Status require_installer() const;
    // An installer call answered by a status alone.
    Status call_checked(const std::vector<std::string>& message, const std::string& what,
                        bool cleanup = false);

    LoadedPlugin plugin_;
    std::vector<std::string> init_;  // the runner's init message (kept to start it again)
    bool interactive_ = false;
    std::unique_ptr<Runner> runner_;
};

}  // namespace certbot
