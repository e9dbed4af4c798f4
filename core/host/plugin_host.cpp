#include "plugin_host.h"

#include <boost/dll/shared_library.hpp>

#include <dirent.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "fsutil.h"
#include "log.h"
#include "process.h"

namespace certbot {

std::vector<std::string> LoadedPlugin::challenge_types() const {
    std::vector<std::string> out;
    for (const char* const* p = entry->challenge_types; p && *p; ++p) out.emplace_back(*p);
    return out;
}

namespace {

std::string self_exe_dir() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    std::string p(buf, static_cast<size_t>(n));
    return p.substr(0, p.rfind('/'));
}

std::string real(const std::string& p) {
    char buf[PATH_MAX];
    return realpath(p.c_str(), buf) ? std::string(buf) : p;
}

bool valid_plugin_name(const char* name) {
    if (!name || !*name || std::strlen(name) > 64) return false;
    for (const char* c = name; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return false;
    return name[0] != '-';
}

}  // namespace

std::vector<std::string> plugin_search_path() {
    const char* env = getauxval(AT_SECURE) ? nullptr : std::getenv("CERTBOT_PLUGIN_PATH");
    std::vector<std::string> dirs;
    if (env && *env) {
        std::string s(env);
        size_t start = 0;
        while (start <= s.size()) {
            size_t colon = s.find(':', start);
            std::string d = s.substr(start, colon == std::string::npos ? colon : colon - start);
            if (!d.empty()) dirs.push_back(d);
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
        return dirs;
    }
    // Running from the build tree: the binary sits in <build>/cli next to <build>/plugins and
    // <build>/CMakeCache.txt. No build path is compiled in (reproducible builds).
    const std::string exe_dir = real(self_exe_dir());
    const std::string parent = exe_dir.substr(0, exe_dir.rfind('/'));
    struct stat st {};
    if (exe_dir.size() > 4 && exe_dir.compare(exe_dir.size() - 4, 4, "/cli") == 0 &&
        ::stat((parent + "/CMakeCache.txt").c_str(), &st) == 0 &&
        ::stat((parent + "/plugins").c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return {parent + "/plugins"};
    // Installed: <prefix>/bin/certbot finds <prefix>/<libdir>/certbot/plugins, wherever the
    // prefix was (cmake --install --prefix, a relocated package); else the configured path.
    const std::string relative = real(exe_dir + "/" + CERTBOT_PLUGIN_RELDIR);
    if (::stat(relative.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {relative};
    return {CERTBOT_PLUGIN_INSTALL_DIR};
}

std::string plugin_not_installed(const std::string& name) {
    std::string dirs;
    for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
    return "The requested " + name + " plugin does not appear to be installed: no " + name +
           ".so in " + dirs + " (the package certbot-native-plugin-" + name +
           " provides it; CERTBOT_PLUGIN_PATH sets where to look; see `certbot plugins`)";
}

Result<LoadedPlugin> load_plugin(const std::string& path) {
    {
        std::ifstream f(path, std::ios::binary);
        char magic[4] = {};
        if (!f.read(magic, 4) || std::memcmp(magic,
                                             "\x7f"
                                             "ELF",
                                             4) != 0)
            return Error("not an ELF shared object");
    }
    auto lib = std::make_shared<boost::dll::shared_library>();
    boost::system::error_code ec;
    lib->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !lib->is_loaded()) {
        const char* why = dlerror();
        return Error(std::string("cannot be loaded: ") + (why ? why : ec.message()));
    }
    if (!lib->has(CB_ENTRY_SYMBOL))
        return Error(std::string("has no ") + CB_ENTRY_SYMBOL + " symbol; not a certbot plugin");
    const cb_plugin& entry = lib->get<const cb_plugin>(CB_ENTRY_SYMBOL);
    // Read struct_size and abi_major first: they are the only fields common to every revision.
    if (entry.struct_size < offsetof(cb_plugin, abi_minor) + sizeof(entry.abi_minor))
        return Error("has a malformed entry (struct_size " + std::to_string(entry.struct_size) +
                     ")");
    if (entry.abi_major != CB_ABI_MAJOR)
        return Error("was built for plugin ABI " + std::to_string(entry.abi_major) + "." +
                     std::to_string(entry.abi_minor) + "; this certbot speaks ABI " +
                     std::to_string(CB_ABI_MAJOR) + ".0 to " + std::to_string(CB_ABI_MAJOR) + "." +
                     std::to_string(CB_ABI_MINOR));
    if (!CB_HAS_FIELD(&entry, cb_plugin, installer))
        return Error("has a truncated entry (struct_size " + std::to_string(entry.struct_size) +
                     ")");
    if (!valid_plugin_name(entry.name))
        return Error("has an invalid name (lowercase letters, digits and '-' only)");
    if (!entry.create || !entry.destroy) return Error("has no create/destroy functions");
    if ((entry.kinds & CB_KIND_AUTHENTICATOR) &&
        (!entry.authenticator || entry.authenticator->struct_size < sizeof(cb_authenticator)))
        return Error("says it is an authenticator but has no complete authenticator table");
    if ((entry.kinds & CB_KIND_INSTALLER) &&
        (!entry.installer || entry.installer->struct_size < sizeof(cb_installer)))
        return Error("says it is an installer but has no complete installer table");
    if (!(entry.kinds & (CB_KIND_AUTHENTICATOR | CB_KIND_INSTALLER)))
        return Error("is neither an authenticator nor an installer");
    for (size_t i = 0; i < entry.option_count; ++i) {
        const auto& o = entry.options[i];
        if (o.struct_size < sizeof(cb_option_desc) || !valid_plugin_name(o.name))
            return Error("declares a malformed option #" + std::to_string(i));
    }
    LoadedPlugin p;
    p.path = path;
    p.entry = &entry;
    p.library = lib;
    return p;
}

PluginRegistry PluginRegistry::discover(const std::vector<std::string>& dirs) {
    PluginRegistry reg;
    for (const auto& dir : dirs) {
        // Code we load as root must be as safe from other users as we are (OpenSSH's
        // StrictModes): an absolute directory and files nobody else can change or add to.
        auto untrusted = [&](const std::string& path, const std::string& why) {
            log::warning("Refusing to load " + path + ": " + why);
            reg.skipped_.push_back({path, why});
        };
        if (dir.empty() || dir[0] != '/') {
            untrusted(dir,
                      "a relative plugin path depends on the current directory; use an "
                      "absolute path in CERTBOT_PLUGIN_PATH");
            continue;
        }
        if (auto why = others_can_change(dir, false); !why.empty()) {
            untrusted(dir, why);
            continue;
        }
        DIR* d = opendir(dir.c_str());
        if (!d) continue;
        std::vector<std::string> files;
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) files.push_back(n);
        }
        closedir(d);
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::string path = dir + "/" + f;
            if (auto why = others_can_change(path, false); !why.empty()) {
                untrusted(path, why);
                continue;
            }
            auto p = load_plugin(path);
            if (!p) {
                reg.skipped_.push_back({path, p.error().message});
                log::debug("Skipping plugin " + path + ": " + p.error().message);
                continue;
            }
            if (reg.find(p->name())) {
                reg.skipped_.push_back({path, "duplicate plugin name \"" + p->name() +
                                                  "\" (the first one found is used)"});
                continue;
            }
            reg.plugins_.push_back(std::move(*p));
        }
    }
    return reg;
}

const LoadedPlugin* PluginRegistry::find(const std::string& name) const {
    for (const auto& p : plugins_)
        if (p.name() == name) return &p;
    return nullptr;
}

// ---- host side of an instance ----

struct PluginInstance::HostState {
    cb_host table{};
    std::string plugin_name;
    PluginOptionValues options;
    bool interactive = false;
    std::string config_dir, work_dir, logs_dir;
    std::string last_error;

    static HostState* of(void* ctx) { return static_cast<HostState*>(ctx); }

    static void log_cb(void* ctx, int level, const char* message) {
        log::write(level, message ? message : "");
        (void)ctx;
    }
    static void set_error_cb(void* ctx, const char* message) {
        of(ctx)->last_error = message ? message : "";
    }
    static size_t get_option_cb(void* ctx, const char* name, const char* identifier,
                                cb_string_sink sink, void* sink_ctx) {
        if (!name || !sink) return 0;
        const auto& o = of(ctx)->options;
        if (identifier) {
            auto pi = o.per_identifier.find(name);
            if (pi != o.per_identifier.end()) {
                auto v = pi->second.find(identifier);
                if (v != pi->second.end()) {
                    sink(sink_ctx, v->second.c_str());
                    return 1;
                }
                return 0;
            }
        }
        auto it = o.values.find(name);
        if (it != o.values.end()) {
            for (const auto& v : it->second) sink(sink_ctx, v.c_str());
            return it->second.size();
        }
        auto g = o.globals.find(name);
        if (g != o.globals.end()) {
            sink(sink_ctx, g->second.c_str());
            return 1;
        }
        return 0;
    }
    static int interactive_cb(void* ctx) { return of(ctx)->interactive ? 1 : 0; }
    static cb_status pause_cb(void* ctx, const char* message) {
        if (!of(ctx)->interactive) return CB_ERROR;
        std::cout << (message ? message : "") << "\nPress Enter to Continue" << std::flush;
        std::string line;
        if (!std::getline(std::cin, line)) return CB_ERROR;
        return CB_OK;
    }
    static cb_status run_hook_cb(void*, const char* command, const char* const* env,
                                 cb_string_sink out_sink, void* out_ctx, int* exit_status) {
        if (!command) return CB_ERROR;
        HookOptions opts;
        for (const char* const* e = env; e && *e; ++e) {
            std::string kv(*e);
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) continue;
            opts.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        opts.capture_stdout = out_sink != nullptr;
        auto r = run_hook(command, opts);
        if (!r) return CB_ERROR;
        if (exit_status) *exit_status = r->exit_status;
        if (out_sink) out_sink(out_ctx, r->output.c_str());
        return CB_OK;
    }
};

PluginInstance::PluginInstance(const LoadedPlugin& plugin)
    : plugin_(plugin), state_(std::make_unique<HostState>()) {}

PluginInstance::~PluginInstance() {
    if (self_) plugin_.entry->destroy(self_);
}

Result<std::unique_ptr<PluginInstance>> PluginInstance::create(
    const LoadedPlugin& plugin, PluginOptionValues options, bool interactive, bool dry_run,
    const std::string& config_dir, const std::string& work_dir, const std::string& logs_dir) {
    std::unique_ptr<PluginInstance> inst(new PluginInstance(plugin));
    HostState& s = *inst->state_;
    s.plugin_name = plugin.name();
    s.options = std::move(options);
    s.interactive = interactive;
    s.config_dir = config_dir;
    s.work_dir = work_dir;
    s.logs_dir = logs_dir;
    cb_host& t = s.table;
    t.struct_size = sizeof(cb_host);
    t.abi_major = CB_ABI_MAJOR;
    t.abi_minor = CB_ABI_MINOR;
    t.ctx = &s;
    t.log = &HostState::log_cb;
    t.set_error = &HostState::set_error_cb;
    t.get_option = &HostState::get_option_cb;
    t.is_interactive = &HostState::interactive_cb;
    t.pause = &HostState::pause_cb;
    t.run_hook = &HostState::run_hook_cb;
    t.config_dir = s.config_dir.c_str();
    t.work_dir = s.work_dir.c_str();
    t.logs_dir = s.logs_dir.c_str();
    t.dry_run = dry_run ? 1 : 0;
    void* self = nullptr;
    cb_status st = plugin.entry->create(&t, &self);
    if (st != CB_OK) {
        std::string why = s.last_error.empty() ? "no reason given" : s.last_error;
        return Error("The " + plugin.name() + " plugin could not start: " + why);
    }
    inst->self_ = self;
    return inst;
}

Status PluginInstance::check(cb_status st, const std::string& what) {
    if (st == CB_OK) return Status::Ok();
    std::string msg = state_->last_error;
    state_->last_error.clear();
    if (st == CB_DECLINED && msg.empty()) msg = "declined";
    if (msg.empty()) msg = "failed without giving a reason";
    return Error(msg.find(plugin_.name()) == std::string::npos
                     ? plugin_.name() + " plugin: " + what + ": " + msg
                     : msg);
}

Result<std::vector<std::string>> PluginInstance::chall_pref(const std::string& identifier) {
    std::vector<std::string> out;
    auto sink = [](void* ctx, const char* v) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(v ? v : "");
    };
    cb_status st =
        plugin_.entry->authenticator->get_chall_pref(self_, identifier.c_str(), sink, &out);
    if (st == CB_DECLINED) return std::vector<std::string>{};
    if (auto s = check(st, "choosing challenges for " + identifier); !s) return s.error();
    return out;
}

Status PluginInstance::perform(const std::vector<cb_challenge>& c) {
    return check(plugin_.entry->authenticator->perform(self_, c.data(), c.size()),
                 "preparing challenges");
}

Status PluginInstance::cleanup(const std::vector<cb_challenge>& c) {
    return check(plugin_.entry->authenticator->cleanup(self_, c.data(), c.size()),
                 "cleaning up challenges");
}

#define CB_REQUIRE_INSTALLER()                                  \
    if (!plugin_.is_installer())                                \
    return Error("The " + plugin_.name() +                      \
                     " plugin is not an installer; choose one " \
                     "with -i/--installer",                     \
                 kExitUsage)

namespace {
void append_to(void* ctx, const char* v) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(v ? v : "");
}
}  // namespace

Result<std::vector<std::string>> PluginInstance::get_all_names() {
    CB_REQUIRE_INSTALLER();
    std::vector<std::string> out;
    if (auto s =
            check(plugin_.entry->installer->get_all_names(self_, append_to, &out), "listing names");
        !s)
        return s.error();
    return out;
}
Result<std::vector<std::string>> PluginInstance::supported_enhancements() {
    CB_REQUIRE_INSTALLER();
    std::vector<std::string> out;
    cb_status st = plugin_.entry->installer->supported_enhancements(self_, append_to, &out);
    if (st == CB_DECLINED) return std::vector<std::string>{};
    if (auto s = check(st, "listing enhancements"); !s) return s.error();
    return out;
}
Status PluginInstance::deploy_cert(const std::string& domain, const std::string& cert,
                                   const std::string& key, const std::string& chain,
                                   const std::string& fullchain) {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->deploy_cert(
                     self_, domain.c_str(), cert.c_str(), key.c_str(),
                     chain.empty() ? nullptr : chain.c_str(), fullchain.c_str()),
                 "deploying the certificate for " + domain);
}
Result<bool> PluginInstance::enhance(const std::string& domain, const std::string& enhancement,
                                     const std::string& options) {
    CB_REQUIRE_INSTALLER();
    cb_status st = plugin_.entry->installer->enhance(self_, domain.c_str(), enhancement.c_str(),
                                                     options.empty() ? nullptr : options.c_str());
    if (st == CB_DECLINED) {
        log::warning(plugin_.name() + " plugin: " + enhancement + " not applied to " + domain +
                     (state_->last_error.empty() ? "" : ": " + state_->last_error));
        state_->last_error.clear();
        return false;
    }
    if (auto s = check(st, enhancement + " for " + domain); !s) return s.error();
    return true;
}
Status PluginInstance::save(const std::string& title, bool temporary) {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->save(self_, title.c_str(), temporary ? 1 : 0), "saving");
}
Status PluginInstance::rollback_checkpoints(int count) {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->rollback_checkpoints(self_, count), "rolling back");
}
Status PluginInstance::recovery_routine() {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->recovery_routine(self_), "recovering");
}
Status PluginInstance::config_test() {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->config_test(self_), "testing the configuration");
}
Status PluginInstance::restart() {
    CB_REQUIRE_INSTALLER();
    return check(plugin_.entry->installer->restart(self_), "restarting the server");
}

}  // namespace certbot
