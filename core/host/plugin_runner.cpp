#include "plugin_runner.h"

#include <certbot/plugin.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "host_services.h"
#include "plugin_entry.h"
#include "plugin_host.h"
#include "plugin_wire.h"
#include "process.h"
#include "result.h"

namespace certbot {

namespace {

constexpr int kFd = 3;  // the socket to the parent

std::string g_buf;  // bytes read from the parent not yet consumed

bool read_message(wire::Message& m) {
    return wire::receive(kFd, g_buf, m, std::chrono::steady_clock::time_point::max(), nullptr) ==
           wire::ReadStatus::kOk;
}

struct Opened {
    void* handle = nullptr;
    const cb_plugin* entry = nullptr;
};

// dlopen runs the plugin's constructors: this happens only in a runner process. When the entry
// is refused, NAME (if given) receives the name it declares, if that could be read.
Result<Opened> open_plugin(const std::string& path, std::string* name = nullptr) {
    {
        std::ifstream f(path, std::ios::binary);
        char magic[4] = {};
        if (!f.read(magic, 4) || std::memcmp(magic,
                                             "\x7f"
                                             "ELF",
                                             4) != 0)
            return Error("not an ELF shared object");
    }
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* why = dlerror();
        return Error(std::string("cannot be loaded: ") + (why ? why : "unknown error"));
    }
    const auto* primary = static_cast<const cb_plugin_head*>(dlsym(h, CB_ENTRY_SYMBOL));
    if (!primary)
        return Error(std::string("has no ") + CB_ENTRY_SYMBOL + " symbol; not a certbot plugin");
    // Negotiation: the entry of the highest major this host speaks among those offered.
    std::vector<const cb_plugin_head*> offered{primary};
    if (const auto* list = static_cast<const void* const*>(dlsym(h, CB_ENTRIES_SYMBOL)))
        for (size_t i = 0; i <= CB_MAX_ENTRIES && list[i]; ++i)
            offered.push_back(static_cast<const cb_plugin_head*>(list[i]));
    const EntryChoice choice = plugin_choose_entry(offered);
    const auto* entry = reinterpret_cast<const cb_plugin*>(offered[choice.index]);
    std::string why = choice.problem.empty() ? plugin_entry_problem(*entry) : choice.problem;
    if (!why.empty()) {
        if (name) *name = plugin_declared_name(*primary);
        return Error(why);
    }
    return Opened{h, entry};
}

// ["desc", "ok", the static data...] or ["desc", "skip", reason, declared name or ""].
wire::Message describe(const std::string& path) {
    std::string name;
    auto o = open_plugin(path, &name);
    if (!o) return {"desc", "skip", o.error().message, name};
    return plugin_describe_entry(*o->entry);
}

// ---- the host table of a plugin instance in the runner ----

struct ChildHost {
    cb_host table{};
    PluginOptionValues options;
    bool interactive = false;
    std::string config_dir, work_dir, logs_dir, lineage, last_error, host_version, plugin_name;

    static ChildHost& of(void* ctx) { return *static_cast<ChildHost*>(ctx); }

    static void log_cb(void*, int level, const char* message) {
        wire::send(kFd, {"log", std::to_string(level), message ? message : ""});
    }
    static void set_error_cb(void* ctx, const char* message) {
        of(ctx).last_error = message ? message : "";
    }
    static size_t get_option_cb(void* ctx, const char* name, const char* identifier,
                                cb_string_sink sink, void* sink_ctx) {
        if (!name || !sink) return 0;
        const auto& o = of(ctx).options;
        if (identifier) {
            auto pi = o.per_identifier.find(name);
            if (pi != o.per_identifier.end()) {
                auto v = pi->second.find(identifier);
                if (v == pi->second.end()) return 0;
                sink(sink_ctx, v->second.c_str());
                return 1;
            }
        }
        if (auto it = o.values.find(name); it != o.values.end()) {
            for (const auto& v : it->second) sink(sink_ctx, v.c_str());
            return it->second.size();
        }
        if (auto g = o.globals.find(name); g != o.globals.end()) {
            sink(sink_ctx, g->second.c_str());
            return 1;
        }
        return 0;
    }
    static int interactive_cb(void* ctx) { return of(ctx).interactive ? 1 : 0; }
    // Prompts and user hooks belong to the parent: it owns the terminal and runs hooks one at
    // a time. The child waits for the answer (that time does not count against the call).
    static cb_status pause_cb(void* ctx, const char* message) {
        if (!of(ctx).interactive) return CB_ERROR;
        if (!wire::send(kFd, {"pause", message ? message : ""})) return CB_ERROR;
        wire::Message r;
        if (!read_message(r) || r.size() != 2 || r[0] != "pause") std::_Exit(70);
        return r[1] == "ok" ? CB_OK : CB_ERROR;
    }
    static cb_status run_hook_cb(void*, const char* command, const char* const* env,
                                 cb_string_sink out_sink, void* out_ctx, int* exit_status) {
        if (!command) return CB_ERROR;
        wire::Message m{"hook", command, out_sink ? "1" : "0"};
        for (const char* const* e = env; e && *e; ++e) m.emplace_back(*e);
        if (!wire::send(kFd, m)) return CB_ERROR;
        wire::Message r;
        if (!read_message(r) || r.size() != 4 || r[0] != "hook") std::_Exit(70);
        if (r[1] != "ok") return CB_ERROR;
        if (exit_status) *exit_status = std::atoi(r[2].c_str());
        if (out_sink) out_sink(out_ctx, r[3].c_str());
        return CB_OK;
    }
    static const char* lineage_cb(void* ctx) {
        return of(ctx).lineage.empty() ? nullptr : of(ctx).lineage.c_str();
    }
    static const void* extension_cb(void*, const char* id);
    static std::string work_dir_of(void* ctx) { return of(ctx).work_dir; }
    // certbot.wait.v1: the parent keeps the time (it sees SIGINT/SIGTERM and the call's limit).
    static cb_status wait_cb(void*, uint32_t seconds, const char* what, cb_string_sink error,
                             void* error_ctx) {
        if (!wire::send(kFd, {"wait", std::to_string(seconds), what ? what : ""})) return CB_ERROR;
        wire::Message r;
        if (!read_message(r) || r.size() != 3 || r[0] != "wait") std::_Exit(70);
        if (r[1] == "ok") return CB_OK;
        if (error) error(error_ctx, r[2].c_str());
        return CB_ERROR;
    }

    // ---- optional services (plugin.h, "Host services") ----
    static void fail(cb_string_sink error, void* error_ctx, const std::string& message) {
        if (error) error(error_ctx, message.c_str());
    }
    static cb_status state_dir_cb(void* ctx, cb_string_sink out, void* out_ctx,
                                  cb_string_sink error, void* error_ctx) {
        auto dir = plugin_state_dir(of(ctx).work_dir, of(ctx).plugin_name);
        if (!dir) return fail(error, error_ctx, dir.error().message), CB_ERROR;
        if (out) out(out_ctx, dir->c_str());
        return CB_OK;
    }
    static cb_status run_cb(void*, const char* const* argv, const char* const* env,
                            uint32_t timeout_seconds, cb_string_sink output, void* output_ctx,
                            int* exit_status, cb_string_sink error, void* error_ctx) {
        return serve_run(argv, env, timeout_seconds, output, output_ctx, exit_status, error,
                         error_ctx);
    }
    static cb_status credentials_cb(void* ctx, const char* path, cb_pair_sink sink, void* sink_ctx,
                                    cb_string_sink error, void* error_ctx) {
        return serve_credentials(
            path, sink, sink_ctx, error, error_ctx,
            [ctx](const std::string& w) { log_cb(ctx, CB_LOG_WARNING, w.c_str()); });
    }
};

const cb_state_dir_v1 kStateDirService = {sizeof(cb_state_dir_v1), &ChildHost::state_dir_cb};
const cb_run_v1 kRunService = {sizeof(cb_run_v1), &ChildHost::run_cb};
const cb_credentials_v1 kCredentialsService = {sizeof(cb_credentials_v1),
                                               &ChildHost::credentials_cb};
const cb_wait_v1 kWaitService = {sizeof(cb_wait_v1), &ChildHost::wait_cb};

const void* ChildHost::extension_cb(void*, const char* id) {
    if (!id) return nullptr;
    if (std::strcmp(id, CB_STATE_DIR_V1) == 0) return &kStateDirService;
    if (std::strcmp(id, CB_RUN_V1) == 0) return &kRunService;
    if (std::strcmp(id, CB_CREDENTIALS_V1) == 0) return &kCredentialsService;
    if (std::strcmp(id, CB_CHECKPOINT_V1) == 0)
        return checkpoint_service<&ChildHost::work_dir_of>();
    if (std::strcmp(id, CB_WAIT_V1) == 0) return &kWaitService;
    return nullptr;
}

bool parse_init(const wire::Message& m, std::string& path, std::string& name, ChildHost& h,
                int& dry_run) {
    wire::Cursor c(m, 1);
    path = c.str();
    name = c.str();
    h.interactive = c.num(1) != 0;
    dry_run = static_cast<int>(c.num(1));
    h.config_dir = c.str();
    h.work_dir = c.str();
    h.logs_dir = c.str();
    h.host_version = c.str();
    for (uint64_t n = c.num(1u << 16); c.ok() && n > 0; --n) {
        auto& vals = h.options.values[c.str()];
        for (uint64_t k = c.num(1u << 20); c.ok() && k > 0; --k) vals.push_back(c.str());
    }
    for (uint64_t n = c.num(1u << 16); c.ok() && n > 0; --n) {
        auto& map = h.options.per_identifier[c.str()];
        for (uint64_t k = c.num(1u << 20); c.ok() && k > 0; --k) {
            const std::string& id = c.str();
            map[id] = c.str();
        }
    }
    for (uint64_t n = c.num(1u << 16); c.ok() && n > 0; --n) {
        const std::string& k = c.str();
        h.options.globals[k] = c.str();
    }
    return c.ok() && c.done();
}

struct Collected {
    std::vector<std::string> values;
    static void sink(void* ctx, const char* v) {
        static_cast<Collected*>(ctx)->values.emplace_back(v ? v : "");
    }
};

wire::Message result(ChildHost& h, cb_status st, const std::vector<std::string>& values = {}) {
    wire::Message r{"result", std::to_string(static_cast<int>(st)), h.last_error};
    h.last_error.clear();
    r.insert(r.end(), values.begin(), values.end());
    return r;
}

// Challenges as cb_challenge structs pointing into the message (which outlives the call).
bool challenges_of(const wire::Message& m, std::vector<cb_challenge>& out) {
    wire::Cursor c(m, 1);
    for (uint64_t n = c.num(1u << 16); c.ok() && n > 0; --n) {
        cb_challenge ch{};
        ch.struct_size = sizeof ch;
        ch.type = c.str().c_str();
        ch.identifier = c.str().c_str();
        ch.token = c.str().c_str();
        ch.key_authorization = c.str().c_str();
        ch.validation = c.str().c_str();
        ch.validation_name = c.str().c_str();
        ch.is_wildcard = static_cast<int>(c.num(1));
        ch.identifier_type = c.str().c_str();  // "dns" or "ip" (ABI 1.2)
        out.push_back(ch);
    }
    return c.ok() && c.done();
}

// One call from the parent. false: the message was not understood.
bool dispatch(const cb_plugin& e, void* self, ChildHost& h, const wire::Message& m) {
    const std::string& call = m[0];
    const cb_authenticator* a = (e.kinds & CB_KIND_AUTHENTICATOR) ? e.authenticator : nullptr;
    const cb_installer* in = (e.kinds & CB_KIND_INSTALLER) ? e.installer : nullptr;
    Collected out;
    cb_status st = CB_ERROR;
    if (call == "chall_pref" && a && m.size() == 2) {
        st = a->get_chall_pref(self, m[1].c_str(), &Collected::sink, &out);
    } else if ((call == "perform" || call == "cleanup") && a) {
        std::vector<cb_challenge> cs;
        if (!challenges_of(m, cs)) return false;
        st = call == "perform" ? a->perform(self, cs.data(), cs.size())
                               : a->cleanup(self, cs.data(), cs.size());
    } else if (call == "get_all_names" && in) {
        st = in->get_all_names(self, &Collected::sink, &out);
    } else if (call == "supported_enhancements" && in) {
        st = in->supported_enhancements(self, &Collected::sink, &out);
    } else if (call == "deploy_cert" && in && m.size() == 7) {
        h.lineage = m[6];
        st = in->deploy_cert(self, m[1].c_str(), m[2].c_str(), m[3].c_str(),
                             wire::nullable_get(m[4]), m[5].c_str());
        h.lineage.clear();
    } else if (call == "enhance" && in && m.size() == 4) {
        st = in->enhance(self, m[1].c_str(), m[2].c_str(), wire::nullable_get(m[3]));
    } else if (call == "save" && in && m.size() == 3) {
        st = in->save(self, m[1].c_str(), m[2] == "1" ? 1 : 0);
    } else if (call == "rollback_checkpoints" && in && m.size() == 2) {
        st = in->rollback_checkpoints(self, std::atoi(m[1].c_str()));
    } else if (call == "recovery_routine" && in) {
        st = in->recovery_routine(self);
    } else if (call == "config_test" && in) {
        st = in->config_test(self);
    } else if (call == "restart" && in) {
        st = in->restart(self);
    } else {
        return false;
    }
    return wire::send(kFd, result(h, st, out.values));
}

// Serves one instance from its "init" to its "destroy". DESTROYED: it ended with "destroy"
// answered, so this process may serve the next instance of the same plugin (plugin_host.cpp,
// "reuse"); LOADED is the plugin file it loaded (a later "init" must name the same file).
int serve_instance(const wire::Message& init, std::string& loaded, bool& destroyed) {
    destroyed = false;
    ChildHost h;
    std::string path, name;
    int dry_run = 0;
    if (!parse_init(init, path, name, h, dry_run)) return 65;
    if (!loaded.empty() && path != loaded) return 66;  // one plugin file per process
    loaded = path;
    h.plugin_name = name;
    auto o = open_plugin(path);
    if (!o) {
        wire::send(kFd, {"result", std::to_string(CB_ERROR), path + " " + o.error().message});
        return 0;
    }
    const cb_plugin& e = *o->entry;
    if (name != e.name) {
        wire::send(kFd, {"result", std::to_string(CB_ERROR),
                         path + " now holds the plugin \"" + e.name + "\", not \"" + name + "\""});
        return 0;
    }
    cb_host& t = h.table;
    t.struct_size = sizeof(cb_host);
    t.abi_major = CB_ABI_MAJOR;
    t.abi_minor = CB_ABI_MINOR;
    t.ctx = &h;
    t.log = &ChildHost::log_cb;
    t.set_error = &ChildHost::set_error_cb;
    t.get_option = &ChildHost::get_option_cb;
    t.is_interactive = &ChildHost::interactive_cb;
    t.pause = &ChildHost::pause_cb;
    t.run_hook = &ChildHost::run_hook_cb;
    t.config_dir = h.config_dir.c_str();
    t.work_dir = h.work_dir.c_str();
    t.logs_dir = h.logs_dir.c_str();
    t.dry_run = dry_run;
    t.host_name = "certbot-native";
    t.host_version = h.host_version.c_str();
    t.plugin_path = path.c_str();
    t.lineage_name = &ChildHost::lineage_cb;
    t.get_extension = &ChildHost::extension_cb;
    void* self = nullptr;
    const cb_status created = e.create(&t, &self);
    if (!wire::send(kFd, result(h, created))) return 0;
    if (created != CB_OK) return 0;
    wire::Message m;
    while (read_message(m) && !m.empty() && m[0] != "destroy") {
        if (!dispatch(e, self, h, m)) {
            wire::send(
                kFd, {"result", std::to_string(CB_ERROR), "the runner did not understand " + m[0]});
        }
    }
    const bool asked = !m.empty() && m[0] == "destroy";  // else the parent went away
    e.destroy(self);
    const bool answered = wire::send(kFd, {"result", std::to_string(CB_OK), ""});
    destroyed = asked && answered;
    return 0;
}

}  // namespace

int plugin_runner_main(int argc, char** argv) {
    if (argc < 3 || std::strcmp(argv[1], kPluginRunnerFlag) != 0) return -1;
    // Die with the parent; stop right away if it is already gone.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != static_cast<pid_t>(std::atol(argv[2]))) return 0;
    // The parent decides what a signal means: it ends this process when it must.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    close_range(kFd + 1, ~0u, 0);     // nothing of the parent's but stdio and the socket
    fcntl(kFd, F_SETFD, FD_CLOEXEC);  // a program run for the plugin does not get the socket
    // The identities: certbot's is the first message here, written right after the spawn, so it
    // waits on the socket when this process starts; this one's answers it at once, and certbot
    // reads it when it takes this process (no round trip). On a mismatch neither side goes on:
    // certbot runs plugins in another runner, and this process ends before reading a request.
    const std::string identity = plugin_runner_identity();
    wire::Message m;
    if (!read_message(m) || m.empty()) return 0;
    if (m[0] != "hello" || m.size() != 2) {
        // A certbot that says nothing of its build: older than this runner, or not certbot.
        std::fprintf(stderr,
                     "plugin-runner (%s): started by a program that did not say which build it "
                     "is; certbot and plugin-runner must come from the same build (reinstall "
                     "certbot-native)\n",
                     identity.c_str());
        return 64;
    }
    if (!wire::send(kFd, {"hello", identity}) || m[1] != identity) return 0;
    if (!read_message(m) || m.empty()) return 0;
    if (m[0] == "describe") {
        for (size_t i = 1; i < m.size(); ++i)
            if (!wire::send(kFd, describe(m[i]))) return 0;
        wire::send(kFd, {"done"});
        return 0;
    }
    // Instances of one plugin, one after another: the parent may hand a process whose instance
    // was destroyed cleanly the next instance of the same plugin file; it closes the socket
    // (end of file here) when it has none.
    std::string loaded;
    while (!m.empty() && m[0] == "init") {
        bool destroyed = false;
        if (int rc = serve_instance(m, loaded, destroyed); rc != 0 || !destroyed) return rc;
        if (!read_message(m)) return 0;
    }
    return 64;
}

}  // namespace certbot
