#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "commands.h"
#include "log.h"
#include "plugin_options.h"
#include "renewal.h"

namespace certbot {

namespace {

// What the loader says about PATH, probed in a child process: loading runs the file's
// constructors, and a plugin that crashes there must fail the check, not certbot.
// Returns the exit code: 0 when certbot would load it.
int check_plugin_file(const std::string& file, const PluginRegistry& reg) {
    char buf[PATH_MAX];
    if (!realpath(file.c_str(), buf)) {
        log::error("plugins --check: cannot open " + file + ": " + std::strerror(errno));
        return kExitFailure;
    }
    const std::string path = buf;  // absolute: dlopen would search the library path otherwise
    int fds[2];
    if (pipe(fds) != 0) return kExitFailure;
    pid_t pid = fork();
    if (pid < 0) return kExitFailure;
    if (pid == 0) {
        close(fds[0]);
        std::string msg;
        auto p = load_plugin(path);
        if (p) {
            std::string kinds = p->is_authenticator() ? "Authenticator" : "";
            if (p->is_installer()) kinds += kinds.empty() ? "Installer" : ", Installer";
            std::string opts;
            for (size_t i = 0; i < p->entry->option_count; ++i) {
                const cb_option_desc& od = p->entry->options[i];
                opts += (opts.empty() ? " --" : ", --") + p->name() + "-" + od.name + " (" +
                        plugin_option_summary(od) + ")";
            }
            msg = "1" + p->name() + "\n" + "plugin \"" + p->name() + "\" " + p->entry->version +
                  " (" + kinds + "), built for plugin ABI " + std::to_string(p->entry->abi_major) +
                  "." + std::to_string(p->entry->abi_minor) +
                  "; options:" + (opts.empty() ? " none" : opts);
        } else {
            msg = "0\n" + p.error().message;
        }
        for (size_t off = 0; off < msg.size();) {
            ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string out;
    char chunk[4096];
    for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(chunk, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) || out.empty()) {
        log::error(path + " is not usable: loading it " +
                   (WIFSIGNALED(status)
                        ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")"
                        : std::string("ended the process")) +
                   "; fix the plugin's initialisation code");
        return kExitFailure;
    }
    const auto nl = out.find('\n');
    const std::string detail = out.substr(nl + 1);
    if (out[0] != '1') {
        // The loader's reasons read "<file> has no ...", "<file> was built for ...", "not an ELF".
        log::error(path + " is not a usable plugin: it " +
                   (detail.rfind("not ", 0) == 0 ? "is " : "") + detail);
        return kExitFailure;
    }
    log::out(path + ": OK: " + detail);
    const std::string name = out.substr(1, nl - 1);
    if (const LoadedPlugin* other = reg.find(name); other && other->path != path)
        log::warning("A plugin named \"" + name + "\" is already installed (" + other->path +
                     "); the first one in the plugin path is used");
    return 0;
}

}  // namespace

// `certbot plugins [--authenticators] [--installers] [--init] [--prepare]`: certbot's listing.
// --init/--prepare create an instance with the command line's options (what the plugin's own
// checks say, e.g. a missing nginx binary) and destroy it again; nothing is changed.
int cmd_plugins(const Config& cfg, const PluginRegistry& reg) {
    if (!cfg.plugins_check.empty()) return check_plugin_file(cfg.plugins_check, reg);
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
    for (const auto& s : reg.skipped())
        log::warning("Skipped plugin " + (s.name.empty() ? "" : s.name + " in ") + s.path + ": " +
                     s.reason);
    if (reg.plugins().empty()) {
        std::string dirs;
        for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
        log::warning("No plugins found in " + dirs + " (set CERTBOT_PLUGIN_PATH to override)");
    }
    return 0;
}

}  // namespace certbot
