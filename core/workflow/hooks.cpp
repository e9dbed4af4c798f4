#include "hooks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "fsutil.h"
#include "log.h"
#include "process.h"

namespace certbot {

namespace {

constexpr const char* kHooksDir = "renewal-hooks";
// certbot.compat.misc.STANDARD_BINARY_DIRS: appended to $PATH by certbot's "PATH surgery"
// (certbot issue #1833: cron's PATH lacks the sbin directories where servers live).
const char* const kStandardBinaryDirs[] = {"/usr/sbin", "/usr/local/bin", "/usr/local/sbin"};

// filesystem.is_executable: os.path.isfile(path) and os.access(path, X_OK).
bool is_executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t colon = path.find(':', start);
        out.push_back(path.substr(start, colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return out;
}

std::string current_path() {
    const char* p = std::getenv("PATH");
    return p ? p : "";
}

// $PATH plus the standard binary directories it lacks.
std::string path_with_standard_dirs(const std::string& path) {
    std::vector<std::string> parts = split_path(path);
    std::string out = path;
    for (const char* dir : kStandardBinaryDirs) {
        bool present = false;
        for (const auto& p : parts) present = present || p == dir;
        if (!present) out += (out.empty() ? "" : ":") + std::string(dir);
    }
    return out;
}

// util.exe_exists: a name with a directory part is checked as a path, otherwise looked up in
// each $PATH entry (an empty entry is the current directory, as for os.path.join and sh).
bool exe_exists(const std::string& exe, const std::string& path) {
    if (exe.find('/') != std::string::npos) return is_executable_file(exe);
    if (path.empty()) return false;
    for (const auto& dir : split_path(path)) {
        if (is_executable_file(dir.empty() ? exe : dir + "/" + exe)) return true;
    }
    return false;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string join(const std::vector<std::string>& words, const char* sep) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += sep;
        out += w;
    }
    return out;
}

// Single-quotes a path for `sh -c`, so a directory hook's file name is never parsed as shell.
std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// display_ops.report_executed_command's indent(text, ' '): strip, indent each line by one space.
// Control characters are replaced so hook output cannot drive the terminal.
std::string indent_output(const std::string& text) {
    size_t b = 0, e = text.size();
    while (b < e && is_space(text[b])) ++b;
    while (e > b && is_space(text[e - 1])) --e;
    std::string out;
    size_t start = b;
    while (start < e) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos || nl > e) nl = e;
        if (!out.empty()) out += "\n";
        out += " " + log::printable(text.substr(start, nl - start), 4096);
        start = nl + 1;
    }
    return out;
}

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

bool is_hook_backup_name(const std::string& name) {
    // Editors leave "~"; dpkg and ucf leave the other version of a conffile beside it (run-parts
    // skips the same names).
    for (const char* suffix : {"~", ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-tmp"})
        if (ends_with(name, suffix)) return true;
    return name.find(".ucf-") != std::string::npos;
}

Status check_hook_trust(const std::string& hook_path) {
    if (hook_path.find('/') == std::string::npos) return Status::Ok();  // found in $PATH
    std::string why = others_can_change(hook_path, false);
    if (why.empty()) {
        const size_t slash = hook_path.rfind('/');
        why = others_can_change(slash == 0 ? "/" : hook_path.substr(0, slash), true);
    }
    if (why.empty()) return Status::Ok();
    return Error("Refusing to run the hook " + hook_path + ": " + why);
}

Status ensure_hook_dirs(const std::string& config_dir) {
    for (const char* kind : {"pre", "deploy", "post"}) {
        CB_TRY(make_dirs(path_join(path_join(config_dir, kHooksDir), kind), 0755));
    }
    return Status::Ok();
}

std::vector<std::string> list_hook_dir(const std::string& config_dir, const std::string& kind,
                                       std::vector<std::string>* refused) {
    const std::string dir = path_join(path_join(config_dir, kHooksDir), kind);
    std::vector<std::string> hooks;
    struct stat dst;
    if (::stat(dir.c_str(), &dst) != 0 && errno == ENOENT) return hooks;
    auto refuse = [&](const std::string& message) {
        log::error(message);
        if (refused) refused->push_back(message);
    };
    if (auto why = others_can_change(dir, true); !why.empty()) {
        refuse("Refusing every " + kind + " hook in " + dir + ": " + why);
        return hooks;
    }
    auto names = list_dir(dir);
    if (!names) {
        log::warning(names.error().message + "; its hooks are not run");
        return hooks;
    }
    for (const auto& name : *names) {
        if (is_hook_backup_name(name)) continue;
        const std::string path = path_join(dir, name);
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::access(path.c_str(), X_OK) != 0) {
            log::warning("Skipping " + kind + " hook " + path +
                         ": it is not executable; make it executable (chmod +x) to run it");
            continue;
        }
        if (auto st = check_hook_trust(path); !st) {
            refuse(st.error().message);
            continue;
        }
        hooks.push_back(path);
    }
    return hooks;  // list_dir sorted the names bytewise, as certbot's sorted() of the paths
}

Status validate_hook(const std::string& command, const std::string& flag_name) {
    size_t b = 0;
    while (b < command.size() && is_space(command[b])) ++b;
    if (b == command.size()) return Status::Ok();
    size_t e = b;
    while (e < command.size() && !is_space(command[e])) ++e;
    const std::string cmd = command.substr(b, e - b);
    const std::string flag = flag_name.rfind("--", 0) == 0 ? flag_name : "--" + flag_name + "-hook";

    const std::string path = current_path();
    if (exe_exists(cmd, path) || exe_exists(cmd, path_with_standard_dirs(path))) {
        return Status::Ok();
    }
    const std::string hint =
        "; fix the command, or pass --disable-hook-validation if it is a shell construct the "
        "check cannot follow";
    struct stat st;
    if (::stat(cmd.c_str(), &st) == 0) {
        return Error(flag + " command " + cmd + " exists, but is not executable (hook \"" +
                         command + "\")" + hint,
                     kExitUsage);
    }
    return Error("Unable to find " + flag + " command " + cmd + " in the PATH (PATH is " + path +
                     "; hook \"" + command + "\")" + hint,
                 kExitUsage);
}

struct HookRunner::Failures {
    int count = 0;
    std::string first;
    void add(std::string message) {
        if (count++ == 0) first = std::move(message);
    }
    Status status() const {
        if (count == 0) return Status::Ok();
        if (count == 1) return Error(first);
        return Error(std::to_string(count) + " hooks failed; the first: " + first);
    }
};

HookRunner::HookRunner(HookConfig cfg)
    : cfg_(std::move(cfg)), path_env_(path_with_standard_dirs(current_path())) {}

const std::vector<std::string>& HookRunner::dir_hooks(const std::string& kind) {
    static const std::vector<std::string> kNone;
    if (!cfg_.directory_hooks && !(cfg_.deploy_directory_hooks && kind == "deploy")) return kNone;
    auto it = dir_cache_.find(kind);
    if (it == dir_cache_.end())
        it = dir_cache_.emplace(kind, list_hook_dir(cfg_.config_dir, kind, &refused_[kind])).first;
    return it->second;
}

// certbot's _run_hook + misc.execute_command_status + display_ops.report_executed_command.
void HookRunner::run_one(const char* hook_name, const std::string& command, bool is_path, Env env,
                         Failures& failures) {
    // The program a command hook starts, when named by path, must be ours as much as a
    // directory hook (directory hooks were checked when listed).
    if (!is_path) {
        size_t b = command.find_first_not_of(" \t");
        size_t e = command.find_first_of(" \t", b);
        const std::string program = b == std::string::npos ? "" : command.substr(b, e - b);
        if (auto st = check_hook_trust(program); !st) {
            log::error(st.error().message);
            failures.add(st.error().message);
            return;
        }
    }
    log::info(std::string("Running ") + hook_name + " command: " + command);
    env.emplace_back("PATH", path_env_);
    HookOptions opts;
    opts.env = std::move(env);
    opts.capture_stdout = true;
    auto run = run_hook(is_path ? shell_quote(command) : command, opts);
    const std::string label = std::string("Hook '") + hook_name + "'";
    if (!run) {
        log::error(label + " could not be started: " + run.error().message);
        failures.add(label + " command \"" + command +
                     "\" could not be started: " + run.error().message);
        return;
    }
    if (run->exit_status != 0 && !run->timed_out) {
        log::warning(label + " reported error code " + std::to_string(run->exit_status) +
                     " (command: " + command + ")");
    }
    const std::string out = indent_output(run->output);
    if (!out.empty()) log::info(label + " ran with output:\n" + out);
    if (run->timed_out) {
        failures.add(label + " command \"" + command + "\" did not finish within " +
                     std::to_string(hook_time_limit()) + " s and was killed (--hook-timeout)");
    } else if (run->exit_status != 0) {
        failures.add(label + " command \"" + command + "\" reported error code " +
                     std::to_string(run->exit_status));
    }
}

Status HookRunner::run_pre_hooks() {
    return run_pre_hooks({});
}

Status HookRunner::run_pre_hooks(const std::vector<std::string>& lineage_pre_hooks) {
    std::lock_guard<std::mutex> lock(mu_);
    attempted_ = true;
    pre_called_ = true;
    Failures failures;
    auto run_if_necessary = [&](const std::string& command, bool is_path) {
        if (command.empty()) return;
        if (executed_pre_.count(command)) {
            log::info("Pre-hook command already run, skipping: " + command);
            return;
        }
        run_one("pre-hook", command, is_path, {}, failures);
        executed_pre_.insert(command);  // also when it failed, like certbot
    };
    for (const auto& hook : dir_hooks("pre")) run_if_necessary(hook, true);
    for (const auto& why : refused_["pre"]) failures.add(why);
    for (const auto& cmd : cfg_.pre_hooks) run_if_necessary(cmd, false);
    for (const auto& cmd : lineage_pre_hooks) run_if_necessary(cmd, false);
    return failures.status();
}

Status HookRunner::run_deploy_hooks(const std::vector<std::string>& commands,
                                    const std::string& lineage_live_dir,
                                    const std::vector<std::string>& domains) {
    std::lock_guard<std::mutex> lock(mu_);
    const Env env = {{"RENEWED_DOMAINS", join(domains, " ")},
                     {"RENEWED_LINEAGE", lineage_live_dir}};
    Failures failures;
    std::set<std::string> executed;
    auto run = [&](const std::string& command, bool is_path) {
        if (command.empty()) return;
        if (executed.count(command)) {
            log::info("Skipping deploy-hook '" + command + "' as it was already run.");
            return;
        }
        executed.insert(command);
        if (cfg_.dry_run) {
            log::info("Dry run: skipping deploy hook command: " + command);
            return;
        }
        run_one("deploy-hook", command, is_path, env, failures);
    };
    for (const auto& hook : dir_hooks("deploy")) run(hook, true);
    for (const auto& why : refused_["deploy"]) failures.add(why);
    for (const auto& cmd : commands) run(cmd, false);
    return failures.status();
}

void HookRunner::add_post_hook(const std::string& command) {
    std::lock_guard<std::mutex> lock(mu_);
    attempted_ = true;
    if (command.empty()) return;
    for (const auto& c : saved_post_)
        if (c == command) return;
    saved_post_.push_back(command);
}

Status HookRunner::run_post_hooks(const std::vector<std::string>& renewed_domains,
                                  const std::vector<std::string>& failed_domains) {
    std::lock_guard<std::mutex> lock(mu_);
    if (post_ran_) return Status::Ok();
    post_ran_ = true;
    if (!attempted_) {
        log::debug("No renewal was attempted; post hooks are not run");
        return Status::Ok();
    }
    // certbot 2.1 does not set these for post hooks (a post hook there only sees whatever the
    // last deploy hook left in os.environ); later certbot releases and our docs promise them.
    const Env env = {{"RENEWED_DOMAINS", join(renewed_domains, " ")},
                     {"FAILED_DOMAINS", join(failed_domains, " ")}};
    // Directory hooks are registered first, then the commands (certbot's post_hook()).
    std::vector<std::pair<std::string, bool>> order;
    auto add = [&](const std::string& command, bool is_path) {
        if (command.empty()) return;
        for (const auto& o : order)
            if (o.first == command) return;
        order.emplace_back(command, is_path);
    };
    for (const auto& hook : dir_hooks("post")) add(hook, true);
    for (const auto& cmd : cfg_.post_hooks) add(cmd, false);
    for (const auto& cmd : saved_post_) add(cmd, false);

    Failures failures;
    for (const auto& why : refused_["post"]) failures.add(why);
    for (const auto& o : order) run_one("post-hook", o.first, o.second, env, failures);
    return failures.status();
}

bool HookRunner::pre_hooks_ran() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pre_called_;
}

}  // namespace certbot
