#include "plugin_host.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "fsutil.h"
#include "log.h"
#include "plugin_elf.h"
#include "plugin_entry.h"
#include "plugin_runner.h"
#include "plugin_wire.h"
#include "process.h"
#include "version.h"

extern char** environ;

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

// <build> when EXE_DIR is <build>/cli of a build tree (the binary sits there next to
// <build>/CMakeCache.txt), else empty. No build path is compiled in (reproducible builds).
std::string build_tree_of(const std::string& exe_dir) {
    if (exe_dir.size() <= 4 || exe_dir.compare(exe_dir.size() - 4, 4, "/cli") != 0) return {};
    const std::string parent = exe_dir.substr(0, exe_dir.size() - 4);
    struct stat st {};
    return ::stat((parent + "/CMakeCache.txt").c_str(), &st) == 0 ? parent : std::string();
}

constexpr const char* kSelfExe = "/proc/self/exe";

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
    const std::string exe_dir = real(self_exe_dir());
    struct stat st {};
    if (const std::string build = build_tree_of(exe_dir);
        !build.empty() && ::stat((build + "/plugins").c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return {build + "/plugins"};
    // Installed: <prefix>/bin/certbot finds <prefix>/<libdir>/certbot/plugins, wherever the
    // prefix was (cmake --install --prefix, a relocated package); else the configured path.
    const std::string relative = real(exe_dir + "/" + CERTBOT_PLUGIN_RELDIR);
    if (::stat(relative.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {relative};
    return {CERTBOT_PLUGIN_INSTALL_DIR};
}

namespace {

// Why PATH may not be the runner program: empty when it is an absolute path to an executable
// file that, like a plugin file and its directory (PluginRegistry::discover), nobody but root
// and this user can change.
std::string runner_refused(const std::string& path) {
    if (path.empty() || path[0] != '/') return path + " is not an absolute path";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
    if (!S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0)
        return path + " is not an executable file";
    if (auto why = others_can_change(path, false); !why.empty()) return why;
    return others_can_change(dir_name(path), false);
}

// The default candidates: the build tree's <build>/cli/runner/plugin-runner when running from
// the build tree; else <prefix>/<libdir>/certbot/plugin-runner relative to this binary, then
// the configured one.
std::vector<std::string> runner_candidates() {
    const std::string exe_dir = real(self_exe_dir());
    if (const std::string build = build_tree_of(exe_dir); !build.empty())
        return {exe_dir + "/runner/plugin-runner"};
    std::vector<std::string> out{real(exe_dir + "/" + CERTBOT_RUNNER_RELPATH)};
    if (out[0] != CERTBOT_RUNNER_INSTALL_PATH) out.emplace_back(CERTBOT_RUNNER_INSTALL_PATH);
    return out;
}

struct RunnerProgram {
    std::mutex mu;
    std::optional<std::vector<std::string>> candidates;  // unset: runner_candidates()
    std::optional<std::string> chosen;
};
RunnerProgram& runner_program() {
    static RunnerProgram p;
    return p;
}

}  // namespace

void set_plugin_runner(const std::string& path) {
    auto& p = runner_program();
    std::lock_guard<std::mutex> lock(p.mu);
    p.candidates.reset();
    if (!path.empty()) p.candidates = std::vector<std::string>{path};
    p.chosen.reset();
}

std::string plugin_runner_program() {
    auto& p = runner_program();
    std::lock_guard<std::mutex> lock(p.mu);
    if (p.chosen) return *p.chosen;
    std::string refused;
    for (const auto& c : p.candidates ? *p.candidates : runner_candidates()) {
        const std::string why = runner_refused(c);
        if (why.empty()) {
            log::debug("Plugin runner: " + c);
            return *(p.chosen = c);
        }
        refused += "; " + why;
    }
    log::debug("Plugin runner: certbot's own binary (" + std::string(kSelfExe) + ")" + refused);
    return *(p.chosen = kSelfExe);
}

namespace {

// PROGRAM (the runner program chosen) did not identify itself as this build's runner (WHY):
// plugins run in certbot's own binary from now on, which says so once (-v).
void refuse_runner_program(const std::string& program, const std::string& why) {
    auto& p = runner_program();
    std::lock_guard<std::mutex> lock(p.mu);
    if (!p.chosen || *p.chosen != program) return;  // another thread already fell back
    log::debug("Plugin runner: certbot's own binary (" + std::string(kSelfExe) + "); " + why);
    p.chosen = kSelfExe;
}

}  // namespace

std::string plugin_not_installed(const std::string& name) {
    std::string dirs;
    for (const auto& d : plugin_search_path()) dirs += (dirs.empty() ? "" : ":") + d;
    return "The requested " + name + " plugin does not appear to be installed: no " + name +
           ".so in " + dirs + " (the package certbot-native-plugin-" + name +
           " provides it; CERTBOT_PLUGIN_PATH sets where to look; see `certbot plugins`)";
}

// ---- runner processes ----

namespace {

std::atomic<int> g_timeout_seconds{600};
const std::atomic<bool>* g_stop_flag = nullptr;

bool stop_requested() {
    return g_stop_flag && g_stop_flag->load();
}

// How long `discover` waits for one file to load in the runner (its constructors run then).
constexpr std::chrono::seconds kProbeTimeout{10};
// How long a new runner may take to identify itself (its start-up: exec, loading, its first
// message) before it is taken for no runner of this build.
constexpr std::chrono::seconds kHelloTimeout{10};
// How long cleanup calls may still run after SIGINT/SIGTERM.
constexpr std::chrono::seconds kInterruptGrace{10};
// How long a runner told to go (its socket closed, or "destroy" answered) may take to exit
// before it is killed.
constexpr std::chrono::milliseconds kExitGrace{2000};

// Waits up to LIMIT for the child PID to end and reaps it: PID with its STATUS, 0 if it still
// runs, -1 on error. A runner usually ends within a millisecond of its last answer, so this
// sleeps on a pidfd (Linux 5.3) rather than polling; without one, it polls from 0.2 ms,
// doubling up to 10 ms.
pid_t wait_for_exit(pid_t pid, int& status, std::chrono::milliseconds limit) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + limit;
    // The system call itself: glibc 2.36's <sys/pidfd.h> lacks extern "C".
    const int pfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    auto backoff = std::chrono::microseconds(200);
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
        const auto left = deadline - clock::now();
        if (left <= clock::duration::zero()) break;
        if (pfd >= 0) {
            pollfd p{pfd, POLLIN, 0};
            (void)::poll(
                &p, 1,
                static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
        } else {
            std::this_thread::sleep_for(std::min<clock::duration>(backoff, left));
            backoff = std::min(backoff * 2, std::chrono::microseconds(10000));
        }
    }
    if (pfd >= 0) close(pfd);
    return r;
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    const char* desc = sigdescr_np(sig);
    return std::string(abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig)) +
           (desc ? std::string(" (") + desc + ")" : "");
}

}  // namespace

void set_plugin_stop_flag(const std::atomic<bool>* flag) {
    g_stop_flag = flag;
}

void set_plugin_timeout(std::chrono::seconds limit) {
    g_timeout_seconds = static_cast<int>(limit.count());
}

std::chrono::seconds plugin_timeout() {
    return std::chrono::seconds(g_timeout_seconds.load());
}

// A runner process: plugin_runner_program() (the lean plugin-runner, else certbot's own binary)
// started with kPluginRunnerFlag, in its own process group (so a timeout also ends what the plugin
// started), talking over a socket on its fd 3.
struct PluginInstance::Runner {
    pid_t pid = -1;
    int fd = -1;
    std::string buf;
    std::string plugin;    // the plugin file it loaded for an instance (empty: none yet)
    pid_t spawner = 0;     // the thread that started it: PR_SET_PDEATHSIG fires when that one ends
    std::string program;   // what it runs: plugin_runner_program() when it was started
    bool greeted = false;  // it identified itself as this build's runner (greet)

    ~Runner() { stop(true); }

    // The runner prestart_plugin_runner started and no instance has taken yet (one at most).
    struct Spare {
        std::mutex mu;
        std::unique_ptr<Runner> runner;
        // At exit an untaken spare is not waited for: its socket closes with this process, so
        // it reads end of file and exits (PR_SET_PDEATHSIG ends it otherwise).
        ~Spare() {
            if (runner) runner->pid = -1;
        }
    };
    static Spare& spare() {
        static Spare s;
        return s;
    }

    // Runners whose last instance was destroyed cleanly, each kept for the next instance of the
    // plugin file it loaded (PluginInstance::~PluginInstance says which may be kept).
    struct Idle {
        std::mutex mu;
        std::vector<std::unique_ptr<Runner>> runners;
        ~Idle() {  // at exit: left to read end of file and exit, as the spare
            for (auto& r : runners) r->pid = -1;
        }
    };
    static Idle& idle() {
        static Idle i;
        return i;
    }
    static constexpr size_t kMaxIdle = 8;

    // Still running (an idle runner ends only by PR_SET_PDEATHSIG or a kill); a dead one is
    // reaped here, leaving only its socket to close.
    bool alive() {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == 0) return true;
        pid = -1;
        return false;
    }

    // For an instance of PLUGIN (a file path; empty: describing files): the spare runner if
    // one waits, else an idle runner that served PLUGIN and was started by this thread or the
    // main one (whose end ends it: the main thread outlives the others), else a new runner.
    static Result<std::unique_ptr<Runner>> spawn(const std::string& plugin = {}) {
        std::unique_ptr<Runner> r;
        {
            std::lock_guard<std::mutex> lock(spare().mu);
            r = std::move(spare().runner);
        }
        if (r && r->alive()) return r;
        r.reset();
        if (!plugin.empty()) {
            const pid_t self = static_cast<pid_t>(gettid());
            std::lock_guard<std::mutex> lock(idle().mu);
            auto& v = idle().runners;
            for (auto it = v.begin(); it != v.end();) {
                if (!(*it)->alive()) {
                    it = v.erase(it);
                    continue;
                }
                if ((*it)->plugin == plugin &&
                    ((*it)->spawner == self || (*it)->spawner == getpid())) {
                    r = std::move(*it);
                    v.erase(it);
                    return r;
                }
                ++it;
            }
        }
        return start();
    }

    // Keeps R (its instance destroyed cleanly) for the next instance of the same plugin, or
    // tells it to go when kMaxIdle wait already.
    static void park(std::unique_ptr<Runner> r) {
        {
            std::lock_guard<std::mutex> lock(idle().mu);
            if (idle().runners.size() < kMaxIdle && r->buf.empty()) {
                idle().runners.push_back(std::move(r));
                return;
            }
        }
        r->stop(false);
    }

    static Result<std::unique_ptr<Runner>> start() {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            return Error(std::string("cannot start a plugin process: ") + std::strerror(errno));
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, sv[1], 3);  // dup2 clears FD_CLOEXEC on 3
        if (sv[1] == 3) posix_spawn_file_actions_addclose(&fa, sv[0]);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
        const std::string ppid = std::to_string(getpid());
        const std::string program = plugin_runner_program();
        char* argv[] = {
            const_cast<char*>(program == kSelfExe ? "certbot" : "certbot-plugin-runner"),
            const_cast<char*>(kPluginRunnerFlag), const_cast<char*>(ppid.c_str()), nullptr};
        pid_t pid = -1;
        int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        close(sv[1]);
        if (rc != 0) {
            close(sv[0]);
            return Error(std::string("cannot start a plugin process: ") + std::strerror(rc));
        }
        auto r = std::make_unique<Runner>();
        r->pid = pid;
        r->fd = sv[0];
        r->spawner = static_cast<pid_t>(gettid());
        r->program = program;
        // This build's identity, its first message, there when it starts; it answers with its
        // own (greet).
        wire::send(r->fd, {"hello", plugin_runner_identity()});
        return r;
    }

    // Reads the runner's first message, which must be this build's identity (plugin_runner.cpp
    // sends it as soon as it has started, so a runner started ahead has usually sent it).
    // Empty when it is; else why not, naming the program, the runner stopped.
    // CANCEL (if set) ends the wait early, as SIGINT/SIGTERM end a call; INTERRUPTED then says so.
    std::string greet(const std::function<bool()>& cancel, bool& interrupted) {
        interrupted = false;
        const auto limit = std::min<std::chrono::seconds>(kHelloTimeout, plugin_timeout());
        wire::Message m;
        const auto st = wire::receive(fd, buf, m, std::chrono::steady_clock::now() + limit, cancel);
        const std::string ours = plugin_runner_identity();
        if (st == wire::ReadStatus::kOk && m.size() == 2 && m[0] == "hello" && m[1] == ours) {
            greeted = true;
            return {};
        }
        const std::string who =
            program == kSelfExe ? "certbot's own binary, run as the plugin runner," : program;
        std::string why;
        switch (st) {
            case wire::ReadStatus::kOk:
                if (m.size() == 2 && m[0] == "hello")
                    why = who + " is from another build: it is \"" + log::printable(m[1], 100) +
                          "\", this certbot \"" + ours + "\"";
                else
                    why = who +
                          " did not identify itself as a plugin runner (its first message "
                          "was \"" +
                          log::printable(m.empty() ? "" : m[0], 40) + "\")";
                break;
            case wire::ReadStatus::kBad:
                why = who + " did not identify itself as a plugin runner (a malformed message)";
                break;
            case wire::ReadStatus::kTimedOut:
                why = who + " did not identify itself as a plugin runner within " +
                      std::to_string(limit.count()) + " s";
                break;
            case wire::ReadStatus::kStopped:
                interrupted = true;
                why = who + " was starting when certbot was interrupted (SIGINT/SIGTERM)";
                break;
            default:
                return who + " ended before identifying itself as a plugin runner: its process " +
                       stop(false) +
                       (program == kSelfExe ? "" : " (a plugin-runner of an older certbot?)");
        }
        stop(true);
        return why;
    }

    // A runner for PLUGIN (empty: describing files) that was sent FIRST and is this build's
    // (greet). A runner program of another build, or one that does not answer as a runner, is
    // not used again: plugins run in certbot's own binary instead (refuse_runner_program).
    static Result<std::unique_ptr<Runner>> open(const std::string& plugin,
                                                const wire::Message& first,
                                                const std::function<bool()>& cancel) {
        while (true) {
            auto r = spawn(plugin);
            if (!r) return r.error();
            const bool sent = wire::send((*r)->fd, first);
            if (!(*r)->greeted) {
                bool interrupted = false;
                const std::string why = (*r)->greet(cancel, interrupted);
                if (!why.empty()) {
                    if (interrupted || (*r)->program == kSelfExe) return Error(why);
                    refuse_runner_program((*r)->program, why);
                    continue;
                }
            }
            if (!sent) return Error("its process " + (*r)->stop(false));
            return r;
        }
    }

    // Ends the process (KILL: at once, with everything in its group; else it may finish on
    // its own for 2 s) and says how it ended: "exited with status 3", "was killed by SIGSEGV".
    std::string stop(bool kill) {
        if (fd >= 0) close(fd), fd = -1;
        if (pid < 0) return {};
        int status = 0;
        pid_t r = 0;
        if (!kill) r = wait_for_exit(pid, status, kExitGrace);
        if (r == 0 || kill) {
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
            while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
            }
        }
        pid = -1;
        if (r < 0) return "ended";
        if (WIFSIGNALED(status)) return "was killed by " + signal_text(WTERMSIG(status));
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
};

void prestart_plugin_runner() {
    auto& spare = PluginInstance::Runner::spare();
    std::lock_guard<std::mutex> lock(spare.mu);
    if (spare.runner) return;
    auto r = PluginInstance::Runner::start();
    if (!r) {
        log::debug("No plugin process started ahead: " + r.error().message);
        return;
    }
    spare.runner = std::move(*r);
}

void release_plugin_runners() {
    std::vector<std::unique_ptr<PluginInstance::Runner>> going;
    {
        auto& idle = PluginInstance::Runner::idle();
        std::lock_guard<std::mutex> lock(idle.mu);
        going.swap(idle.runners);
    }
    {
        auto& spare = PluginInstance::Runner::spare();
        std::lock_guard<std::mutex> lock(spare.mu);
        if (spare.runner) going.push_back(std::move(spare.runner));
    }
    for (auto& r : going) r->stop(false);  // end of file: each exits, and is waited for
}

// ---- descriptors ----

struct PluginDescriptor {
    cb_plugin entry{};
    std::deque<std::string> strings;  // stable storage for every char* in entry
    std::vector<const char*> types;
    std::vector<cb_option_desc> options;
    std::deque<std::vector<const char*>> choices;  // each option's, NULL-terminated

    const char* keep(const std::string& s) { return strings.emplace_back(s).c_str(); }
    const char* keep_nullable(const std::string& s) {
        const char* v = wire::nullable_get(s);
        return v ? keep(v) : nullptr;
    }

    // From a runner's ["desc", "ok", ...] message; an error names what is wrong.
    static Result<std::shared_ptr<PluginDescriptor>> parse(const wire::Message& m) {
        auto d = std::make_shared<PluginDescriptor>();
        wire::Cursor c(m, 2);
        cb_plugin& e = d->entry;
        e.struct_size = sizeof e;
        e.abi_major = CB_ABI_MAJOR;
        e.name = d->keep(c.str());
        e.description = d->keep(log::printable(c.str(), 400));
        e.version = d->keep(log::printable(c.str(), 64));
        e.kinds = static_cast<uint32_t>(c.num(0xffffffffu));
        e.abi_minor = static_cast<uint32_t>(c.num(0xffffffffu));
        for (uint64_t n = c.num(16); c.ok() && n > 0; --n) d->types.push_back(d->keep(c.str()));
        d->types.push_back(nullptr);
        for (uint64_t n = c.num(256); c.ok() && n > 0; --n) {
            cb_option_desc o{};
            o.struct_size = sizeof o;
            o.name = d->keep(c.str());
            o.short_alias = d->keep_nullable(c.str());
            o.metavar = d->keep_nullable(c.str());
            o.help = d->keep_nullable(c.str());
            o.default_value = d->keep_nullable(c.str());
            o.flags = static_cast<uint32_t>(c.num(0xffffffffu));
            o.type = static_cast<uint32_t>(c.num(CB_TYPE_CHOICE));
            o.min_value = c.snum();
            o.max_value = c.snum();
            auto& choices = d->choices.emplace_back();
            for (uint64_t k = c.num(kMaxChoices); c.ok() && k > 0; --k)
                choices.push_back(d->keep(c.str()));
            choices.push_back(nullptr);
            o.choices = choices.size() > 1 ? choices.data() : nullptr;
            if (c.ok() && !plugin_name_valid(o.name))
                return Error("declares a malformed option #" + std::to_string(d->options.size()));
            d->options.push_back(o);
        }
        e.exclusive = static_cast<uint32_t>(c.num(0xffffffffu));
        e.exclusive_port_option = d->keep_nullable(c.str());
        if (!c.ok() || !c.done() || !plugin_name_valid(e.name))
            return Error("sent a malformed description");
        e.challenge_types = d->types.data();
        e.options = d->options.empty() ? nullptr : d->options.data();
        e.option_count = d->options.size();
        return d;
    }
};

namespace {

// Identity of a plugin file for the cache: a replaced or rebuilt file is described again.
struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    std::string key() const {
        return std::to_string(dev) + ":" + std::to_string(ino) + ":" + std::to_string(size) + ":" +
               std::to_string(mtime_ns);
    }
};

std::optional<FileId> file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino, st.st_size,
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::string cache_header() {
    return std::string("certbot-plugin-cache 3 ") + certbot_version() + " " +
           std::to_string(CB_ABI_MAJOR) + "." + std::to_string(CB_ABI_MINOR);
}

// path -> (file identity, the runner's "desc" message). A cache that is not ours, is
// writable by others or was written by another version is ignored.
using Cache = std::map<std::string, std::pair<std::string, wire::Message>>;

Cache read_cache(const std::string& file) {
    Cache c;
    struct stat st {};
    if (file.empty() || ::stat(file.c_str(), &st) != 0 || st.st_uid != geteuid() ||
        (st.st_mode & 022))
        return c;
    auto data = read_file(file, wire::kMaxMessage);
    if (!data) return c;
    std::string buf = std::move(*data);
    bool bad = false;
    auto head = wire::take_frame(buf, bad);
    if (!head || head->size() != 1 || (*head)[0] != cache_header()) return c;
    while (auto m = wire::take_frame(buf, bad)) {
        if (m->size() < 4) break;
        wire::Message desc(m->begin() + 2, m->end());
        c[(*m)[0]] = {(*m)[1], std::move(desc)};
    }
    return c;
}

void write_cache(const std::string& file, const Cache& c) {
    std::string data = wire::encode({cache_header()});
    for (const auto& [path, entry] : c) {
        wire::Message m{path, entry.first};
        m.insert(m.end(), entry.second.begin(), entry.second.end());
        data += wire::encode(m);
    }
    if (auto st = atomic_write(file, data, 0644); !st)
        log::debug("Plugin descriptor cache not written: " + st.error().message);
}

// Describes FILES in runner processes: one for all of them, and a new one after a file whose
// loading crashed or hung (that file gets a "skip" answer naming what happened).
std::vector<wire::Message> probe_in_runner(const std::vector<std::string>& files) {
    std::vector<wire::Message> out;
    while (out.size() < files.size()) {
        wire::Message ask{"describe"};
        ask.insert(ask.end(), files.begin() + static_cast<long>(out.size()), files.end());
        auto runner = PluginInstance::Runner::open({}, ask, nullptr);
        if (!runner) {
            for (size_t i = out.size(); i < files.size(); ++i)
                out.push_back({"desc", "skip", runner.error().message});
            break;
        }
        while (out.size() < files.size()) {
            wire::Message m;
            auto st = wire::receive((*runner)->fd, (*runner)->buf, m,
                                    std::chrono::steady_clock::now() + kProbeTimeout, nullptr);
            if (st == wire::ReadStatus::kOk && m.size() >= 3 && m[0] == "desc") {
                out.push_back(std::move(m));
                continue;
            }
            std::string why;
            if (st == wire::ReadStatus::kTimedOut)
                why = "did not finish loading within " + std::to_string(kProbeTimeout.count()) +
                      " s (a constructor hangs?); stopped it";
            const std::string how = (*runner)->stop(st != wire::ReadStatus::kClosed);
            if (why.empty()) why = "crashed while loading: the plugin process " + how;
            out.push_back({"desc", "skip", why});
            break;
        }
    }
    return out;
}

// Describes FILES: from each file's static data (plugin_elf.h), and those only loading can
// describe (an entry filled in at run time) in runner processes.
std::vector<wire::Message> probe(const std::vector<std::string>& files) {
    std::vector<wire::Message> out(files.size());
    std::vector<std::string> to_load;
    std::vector<size_t> at;
    for (size_t i = 0; i < files.size(); ++i) {
        if (auto d = describe_plugin_file(files[i])) {
            out[i] = std::move(*d);
            continue;
        }
        log::debug("Plugin " + files[i] +
                   ": its entry is not static data; loading it to describe it");
        to_load.push_back(files[i]);
        at.push_back(i);
    }
    auto loaded = probe_in_runner(to_load);
    for (size_t k = 0; k < at.size(); ++k) out[at[k]] = std::move(loaded[k]);
    return out;
}

Result<LoadedPlugin> loaded_from(const std::string& path, const wire::Message& desc) {
    if (desc.size() >= 3 && desc[1] == "skip") return Error(desc[2]);
    auto d = PluginDescriptor::parse(desc);
    if (!d) return d.error();
    LoadedPlugin p;
    p.path = path;
    p.entry = &(*d)->entry;
    p.descriptor = *d;
    return p;
}

}  // namespace

std::string plugin_cache_path(const std::string& work_dir) {
    return path_join(work_dir, "plugin-descriptors.cache");
}

Result<LoadedPlugin> load_plugin(const std::string& path) {
    return loaded_from(path, probe({path}).at(0));
}

std::vector<wire::Message> describe_plugins_by_loading(const std::vector<std::string>& files) {
    return probe_in_runner(files);
}

PluginRegistry PluginRegistry::discover(const std::vector<std::string>& dirs,
                                        const std::string& cache_file) {
    PluginRegistry reg;
    std::vector<std::string> paths;
    for (const auto& dir : dirs) {
        // Code we run as root must be as safe from other users as we are (OpenSSH's
        // StrictModes): an absolute directory and files nobody else can change or add to.
        auto untrusted = [&](const std::string& path, const std::string& why) {
            log::warning("Refusing to load " + path + ": " + why);
            reg.skipped_.push_back({path, why, ""});
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
            paths.push_back(path);
        }
    }
    // The cache answers for files whose identity it knows; the rest are probed together.
    Cache cache = read_cache(cache_file);
    Cache fresh;
    std::vector<std::string> unknown;
    std::vector<std::string> ids(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
        auto id = file_id(paths[i]);
        ids[i] = id ? id->key() : "";
        auto hit = cache.find(paths[i]);
        if (hit != cache.end() && hit->second.first == ids[i])
            fresh[paths[i]] = hit->second;
        else
            unknown.push_back(paths[i]);
    }
    auto probed = probe(unknown);
    for (size_t i = 0; i < unknown.size(); ++i) {
        const size_t at =
            static_cast<size_t>(std::find(paths.begin(), paths.end(), unknown[i]) - paths.begin());
        fresh[unknown[i]] = {ids[at], probed[i]};
    }
    if (!cache_file.empty() && (!unknown.empty() || fresh.size() != cache.size()) &&
        access(dir_name(cache_file).c_str(), W_OK) == 0)
        write_cache(cache_file, fresh);

    for (const auto& path : paths) {
        const wire::Message& desc = fresh[path].second;
        auto p = loaded_from(path, desc);
        if (!p) {
            reg.skipped_.push_back(
                {path, p.error().message, desc.size() >= 4 && desc[1] == "skip" ? desc[3] : ""});
            log::debug("Skipping plugin " + path + ": " + p.error().message);
            continue;
        }
        if (reg.find(p->name())) {
            reg.skipped_.push_back(
                {path, "duplicate plugin name \"" + p->name() + "\" (the first one found is used)",
                 p->name()});
            continue;
        }
        reg.plugins_.push_back(std::move(*p));
    }
    return reg;
}

const LoadedPlugin* PluginRegistry::find(const std::string& name) const {
    for (const auto& p : plugins_)
        if (p.name() == name) return &p;
    return nullptr;
}

std::string PluginRegistry::missing(const std::string& name) const {
    for (const auto& s : skipped_)
        if (s.name == name)
            return "The requested " + name + " plugin (" + s.path + ") cannot be used: it " +
                   s.reason + " (install a build of the plugin for this certbot)";
    return plugin_not_installed(name);
}

// ---- host side of an instance ----

namespace {

// Host services the runner forwards: prompts and user hooks stay in this process (it owns the
// terminal and runs hooks one at a time).
bool pause_for_user(const std::string& message) {
    std::cout << message << "\nPress Enter to Continue" << std::flush;
    std::string line;
    return static_cast<bool>(std::getline(std::cin, line));
}

wire::Message run_hook_for_plugin(const wire::Message& m) {
    HookOptions opts;
    for (size_t i = 3; i < m.size(); ++i) {
        auto eq = m[i].find('=');
        if (eq == std::string::npos || eq == 0) continue;
        opts.env.emplace_back(m[i].substr(0, eq), m[i].substr(eq + 1));
    }
    opts.capture_stdout = m[2] == "1";
    auto r = run_hook(m[1], opts);
    if (!r) return {"hook", "error", "0", ""};
    return {"hook", "ok", std::to_string(r->exit_status), r->output};
}

// certbot.wait.v1 for a plugin call (["wait", seconds, what]): waits in this process, which
// sees SIGINT/SIGTERM and knows the call's DEADLINE; ends a little before the deadline when the
// wait would outlast it. FD is the runner's socket: the wait also ends when the runner goes.
struct WaitOutcome {
    wire::Message reply;
    bool interrupted = false;
};
WaitOutcome serve_wait(const wire::Message& m, std::chrono::steady_clock::time_point deadline,
                       int fd) {
    using clock = std::chrono::steady_clock;
    const uint64_t seconds = std::strtoull(m[1].c_str(), nullptr, 10);
    const std::string what = log::printable(m[2], 200);
    log::info("Waiting " + std::to_string(seconds) + " seconds" +
              (what.empty() ? "" : " for " + what));
    const auto start = clock::now();
    const auto limit = plugin_timeout();
    // Leave the plugin time to return after the wait: a tenth of the limit, 1 to 5 s.
    const auto margin = std::clamp<std::chrono::seconds>(limit / 10, std::chrono::seconds(1),
                                                         std::chrono::seconds(5));
    auto end = start + std::chrono::seconds(std::min<uint64_t>(seconds, 1u << 30));
    const bool limited = end > deadline - margin;
    if (limited) end = std::max(start, deadline - margin);
    const bool tty = isatty(STDERR_FILENO) == 1;
    long shown = -1;
    while (clock::now() < end && !stop_requested()) {
        const auto left = std::chrono::ceil<std::chrono::seconds>(end - clock::now()).count();
        if (tty && left != shown)
            std::fprintf(stderr, "\r%ld s left (Ctrl-C cancels and cleans up) ", shown = left);
        pollfd p{fd, POLLIN, 0};
        const auto step =
            std::min<clock::duration>(end - clock::now(), std::chrono::milliseconds(100));
        if (::poll(&p, 1,
                   static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(step).count())) >
            0)
            break;  // the runner wrote or went away: no one to wait for
    }
    if (tty && shown >= 0) std::fprintf(stderr, "\r\033[K");
    if (stop_requested())
        return {{"wait", "cancelled", "cancelled: certbot is stopping (SIGINT/SIGTERM)"}, true};
    if (limited)
        return {
            {"wait", "cancelled",
             "cancelled: the call's time limit (--plugin-timeout " + std::to_string(limit.count()) +
                 " s) ends before " + std::to_string(seconds) + " s would have passed"},
            false};
    return {{"wait", "ok", ""}, false};
}

wire::Message challenge_message(const char* call, const std::vector<cb_challenge>& cs) {
    wire::Message m{call, std::to_string(cs.size())};
    auto s = [](const char* p) { return std::string(p ? p : ""); };
    for (const auto& c : cs) {
        for (const char* f :
             {c.type, c.identifier, c.token, c.key_authorization, c.validation, c.validation_name})
            m.push_back(s(f));
        m.push_back(c.is_wildcard ? "1" : "0");
        m.push_back(c.identifier_type ? c.identifier_type : "dns");  // ABI 1.2
    }
    return m;
}

}  // namespace

PluginInstance::PluginInstance(const LoadedPlugin& plugin) : plugin_(plugin) {}

PluginInstance::~PluginInstance() {
    if (!runner_) return;
    const bool destroyed = wire::send(runner_->fd, {"destroy"}) && await("destroy", true);
    if (!runner_) return;  // it crashed or was stopped in destroy: already ended
    // Reuse: a runner whose instance was destroyed cleanly serves the next instance of the
    // same plugin file in this run (renew's lineages), saving a process start each. Not for
    // installers (they hold locks and server state for the whole process's life), and not
    // once certbot is stopping.
    if (destroyed && !plugin_.is_installer() && !stop_requested())
        Runner::park(std::move(runner_));
    else
        runner_->stop(false);
}

Result<std::unique_ptr<PluginInstance>> PluginInstance::create(
    const LoadedPlugin& plugin, PluginOptionValues options, bool interactive, bool dry_run,
    const std::string& config_dir, const std::string& work_dir, const std::string& logs_dir) {
    std::unique_ptr<PluginInstance> inst(new PluginInstance(plugin));
    inst->interactive_ = interactive;
    wire::Message& m = inst->init_;
    m = {"init",     plugin.path, plugin.name(), interactive ? "1" : "0", dry_run ? "1" : "0",
         config_dir, work_dir,    logs_dir,      certbot_version()};
    m.push_back(std::to_string(options.values.size()));
    for (const auto& [name, values] : options.values) {
        m.push_back(name);
        m.push_back(std::to_string(values.size()));
        m.insert(m.end(), values.begin(), values.end());
    }
    m.push_back(std::to_string(options.per_identifier.size()));
    for (const auto& [name, map] : options.per_identifier) {
        m.push_back(name);
        m.push_back(std::to_string(map.size()));
        for (const auto& [id, value] : map) m.insert(m.end(), {id, value});
    }
    m.push_back(std::to_string(options.globals.size()));
    for (const auto& [k, v] : options.globals) m.insert(m.end(), {k, v});
    CB_TRY(inst->start());
    return inst;
}

Status PluginInstance::start(bool cleanup) {
    auto r = Runner::open(plugin_.path, init_, cleanup ? nullptr : stop_requested);
    if (!r) return Error("The " + plugin_.name() + " plugin could not start: " + r.error().message);
    runner_ = std::move(*r);
    auto reply = await("create", cleanup);
    if (!reply)
        return Error("The " + plugin_.name() + " plugin could not start: " + reply.error().message);
    if ((*reply)[1] != std::to_string(CB_OK)) {
        runner_->stop(false);
        runner_.reset();
        const std::string why = (*reply)[2].empty() ? "no reason given" : (*reply)[2];
        return Error("The " + plugin_.name() + " plugin could not start: " + why);
    }
    runner_->plugin = plugin_.path;
    return Status::Ok();
}

Result<wire::Message> PluginInstance::await(const std::string& call, bool cleanup) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + plugin_timeout();
    std::optional<clock::time_point> grace_end;
    // SIGINT/SIGTERM end a call at once; cleanup calls, and a call whose wait (certbot.wait.v1)
    // the signal cancelled, get a short grace period.
    bool graced = cleanup;
    auto stop = [&]() {
        if (!stop_requested()) return false;
        if (!graced) return true;
        if (!grace_end) grace_end = clock::now() + kInterruptGrace;
        return clock::now() >= *grace_end;
    };
    const std::string who = plugin_.name() + " plugin (" + plugin_.path + ")";
    while (true) {
        wire::Message m;
        auto st = wire::receive(runner_->fd, runner_->buf, m, deadline, stop);
        if (st == wire::ReadStatus::kOk && !m.empty()) {
            if (m[0] == "result" && m.size() >= 3) return m;
            const auto served_from = clock::now();
            if (m[0] == "log" && m.size() == 3) {
                int level = std::atoi(m[1].c_str());
                log::write(std::clamp(level, 10, 40), log::printable(m[2], 4000));
                continue;
            }
            bool sent = false;
            if (m[0] == "wait" && m.size() == 3) {
                // The wait counts against the call's time limit (no deadline extension).
                auto w = serve_wait(m, deadline, runner_->fd);
                if (w.interrupted && !graced) {
                    graced = true;
                    grace_end = clock::now() + kInterruptGrace;
                }
                if (wire::send(runner_->fd, w.reply)) continue;
                st = wire::ReadStatus::kClosed;
            } else if (m[0] == "pause" && m.size() == 2)
                sent = wire::send(runner_->fd,
                                  {"pause", interactive_ && pause_for_user(m[1]) ? "ok" : "error"});
            else if (m[0] == "hook" && m.size() >= 3)
                sent = wire::send(runner_->fd, run_hook_for_plugin(m));
            else
                st = wire::ReadStatus::kBad;
            // Time spent on a person or a user hook is not the plugin's.
            deadline += clock::now() - served_from;
            if (sent) continue;
            if (st == wire::ReadStatus::kOk) st = wire::ReadStatus::kClosed;
        }
        std::string why;
        switch (st) {
            case wire::ReadStatus::kTimedOut:
                why = ": " + call + " did not answer within " +
                      std::to_string(plugin_timeout().count()) +
                      " s (--plugin-timeout); stopped it";
                runner_->stop(true);
                break;
            case wire::ReadStatus::kStopped:
                why = ": " + call + " interrupted (SIGINT/SIGTERM); stopped it";
                runner_->stop(true);
                break;
            case wire::ReadStatus::kBad:
                why = ": " + call + ": the plugin process sent a malformed message; stopped it";
                runner_->stop(true);
                break;
            default:
                why = " crashed in " + call + ": its process " + runner_->stop(false);
                break;
        }
        runner_.reset();
        return Error(who + why);
    }
}

Result<wire::Message> PluginInstance::call(const wire::Message& message, const std::string& what,
                                           bool cleanup) {
    if (!runner_) {
        if (stop_requested() && !cleanup)
            return Error("The " + plugin_.name() + " plugin: " + what + ": interrupted");
        CB_TRY(start(cleanup));
    }
    if (!wire::send(runner_->fd, message)) {
        const std::string how = runner_->stop(false);
        runner_.reset();
        return Error(plugin_.name() + " plugin (" + plugin_.path + ") crashed: its process " + how +
                     " before " + message[0]);
    }
    return await(message[0], cleanup);
}

Status PluginInstance::check(const wire::Message& reply, const std::string& what) {
    const int st = std::atoi(reply[1].c_str());
    if (st == CB_OK) return Status::Ok();
    std::string msg = reply[2];
    if (st == CB_DECLINED && msg.empty()) msg = "declined";
    if (msg.empty()) msg = "failed without giving a reason";
    return Error(msg.find(plugin_.name()) == std::string::npos
                     ? plugin_.name() + " plugin: " + what + ": " + msg
                     : msg);
}

Status PluginInstance::require_installer() const {
    if (plugin_.is_installer()) return Status::Ok();
    return Error("The " + plugin_.name() +
                     " plugin is not an installer; choose one with "
                     "-i/--installer",
                 kExitUsage);
}

namespace {
std::vector<std::string> values_of(const wire::Message& reply) {
    return std::vector<std::string>(reply.begin() + 3, reply.end());
}
bool declined(const wire::Message& reply) {
    return reply[1] == std::to_string(CB_DECLINED);
}
}  // namespace

Result<std::vector<std::string>> PluginInstance::chall_pref(const std::string& identifier) {
    const std::string what = "choosing challenges for " + identifier;
    auto r = call({"chall_pref", identifier}, what);
    if (!r) return r.error();
    if (declined(*r)) return std::vector<std::string>{};
    if (auto s = check(*r, what); !s) return s.error();
    return values_of(*r);
}

Status PluginInstance::perform(const std::vector<cb_challenge>& c) {
    auto r = call(challenge_message("perform", c), "preparing challenges");
    if (!r) return r.error();
    return check(*r, "preparing challenges");
}

Status PluginInstance::cleanup(const std::vector<cb_challenge>& c) {
    auto r = call(challenge_message("cleanup", c), "cleaning up challenges", true);
    if (!r) return r.error();
    return check(*r, "cleaning up challenges");
}

Result<std::vector<std::string>> PluginInstance::get_all_names() {
    CB_TRY(require_installer());
    auto r = call({"get_all_names"}, "listing names");
    if (!r) return r.error();
    if (auto s = check(*r, "listing names"); !s) return s.error();
    return values_of(*r);
}

Result<std::vector<std::string>> PluginInstance::supported_enhancements() {
    CB_TRY(require_installer());
    auto r = call({"supported_enhancements"}, "listing enhancements");
    if (!r) return r.error();
    if (declined(*r)) return std::vector<std::string>{};
    if (auto s = check(*r, "listing enhancements"); !s) return s.error();
    return values_of(*r);
}

Status PluginInstance::deploy_cert(const std::string& domain, const std::string& cert,
                                   const std::string& key, const std::string& chain,
                                   const std::string& fullchain, const std::string& lineage) {
    CB_TRY(require_installer());
    const std::string what = "deploying the certificate for " + domain;
    auto r = call({"deploy_cert", domain, cert, key,
                   wire::nullable(chain.empty() ? nullptr : chain.c_str()), fullchain, lineage},
                  what);
    if (!r) return r.error();
    return check(*r, what);
}

Result<bool> PluginInstance::enhance(const std::string& domain, const std::string& enhancement,
                                     const std::string& options) {
    CB_TRY(require_installer());
    auto r = call({"enhance", domain, enhancement,
                   wire::nullable(options.empty() ? nullptr : options.c_str())},
                  enhancement + " for " + domain);
    if (!r) return r.error();
    if (declined(*r)) {
        log::warning(plugin_.name() + " plugin: " + enhancement + " not applied to " + domain +
                     ((*r)[2].empty() ? "" : ": " + (*r)[2]));
        return false;
    }
    if (auto s = check(*r, enhancement + " for " + domain); !s) return s.error();
    return true;
}

Status PluginInstance::call_checked(const wire::Message& message, const std::string& what,
                                    bool cleanup) {
    CB_TRY(require_installer());
    auto r = call(message, what, cleanup);
    if (!r) return r.error();
    return check(*r, what);
}

Status PluginInstance::save(const std::string& title, bool temporary) {
    return call_checked({"save", title, temporary ? "1" : "0"}, "saving");
}
Status PluginInstance::rollback_checkpoints(int count) {
    return call_checked({"rollback_checkpoints", std::to_string(count)}, "rolling back", true);
}
Status PluginInstance::recovery_routine() {
    return call_checked({"recovery_routine"}, "recovering", true);
}
Status PluginInstance::config_test() {
    return call_checked({"config_test"}, "testing the configuration");
}
Status PluginInstance::restart() {
    return call_checked({"restart"}, "restarting the server");
}

}  // namespace certbot
