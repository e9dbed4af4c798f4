#include "session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "fsutil.h"
#include "kept_issuance.h"
#include "log.h"
#include "process.h"
#include "storage.h"
#include "user_agent.h"
#include "version.h"

namespace certbot {

void rotate_log(const std::string& path, int backups) {
    if (backups <= 0 || access(path.c_str(), F_OK) != 0) return;
    int highest = 0;
    while (highest < backups &&
           access((path + "." + std::to_string(highest + 1)).c_str(), F_OK) == 0)
        ++highest;
    if (highest == backups) std::remove((path + "." + std::to_string(highest--)).c_str());
    for (int i = highest; i >= 1; --i)
        std::rename((path + "." + std::to_string(i)).c_str(),
                    (path + "." + std::to_string(i + 1)).c_str());
    std::rename(path.c_str(), (path + ".1").c_str());
}

namespace {

// Version number N of ".../cert12.pem"; -1 when the target does not look like that.
int version_of(const std::string& target, const char* kind) {
    std::string base = base_name(target);
    std::string k = kind;
    if (base.size() <= k.size() + 4 || base.compare(0, k.size(), k) != 0 ||
        base.compare(base.size() - 4, 4, ".pem") != 0)
        return -1;
    std::string digits = base.substr(k.size(), base.size() - k.size() - 4);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
        return -1;
    return std::stoi(digits);
}

// All four links name the same version. Four readlink calls: this runs for every lineage at
// every start. A run killed mid-switch (ours or Python certbot's update_all_links_to) leaves
// links at different versions; archive files are complete before the first link moves, so
// links that agree point at files that exist. (Python's leftover previous_*.pem links next to
// agreeing links are harmless; certbot's own _fix_symlinks removes them.)
bool consistent(const std::string& live_dir) {
    int version = -1;
    for (const char* kind : kLineageKinds) {
        const std::string link = live_dir + "/" + kind + ".pem";
        char buf[4096];
        ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
        if (n <= 0) return false;
        int v = version_of(std::string(buf, static_cast<size_t>(n)), kind);
        if (v < 0 || (version >= 0 && v != version)) return false;
        version = v;
    }
    return true;
}

}  // namespace

void recover_interrupted_updates(const std::string& config_dir) {
    auto names = list_dir(config_dir + "/live");
    if (!names) return;
    for (const auto& name : *names) {
        if (name == "README" || name.empty() || name[0] == '.') continue;
        if (consistent(config_dir + "/live/" + name)) continue;
        auto lineage = load_lineage(config_dir, name);
        if (!lineage) continue;  // not ours to repair (no renewal conf)
        lineage->links_agree = false;
        finish_interrupted_update(*lineage);
    }
}

Status check_strict_permissions(const std::string& path) {
    if (others_can_change(path, false).empty()) return {};  // or missing: created with our modes
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return {};
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error("--strict-permissions: " + path + " is owned by uid " + std::to_string(st.st_uid) +
                     " with mode " + mode +
                     "; it must belong to you or root and not be writable by group or others "
                     "(chmod go-w, chown), or drop --strict-permissions",
                 kExitUsage);
}

void finish_interrupted_update(Lineage& lineage) {
    if (lineage.links_agree) return;
    if (auto st = repair_live_links(lineage); !st) {
        log::warning("lineage " + lineage.name +
                     " was left half-updated and cannot be repaired: " + st.error().message);
        return;
    }
    lineage.links_agree = true;
    log::warning("lineage " + lineage.name +
                 " was left half-updated by an interrupted run; its live/ links now point at "
                 "its newest complete version");
}

Result<Session> Session::open(const Config& cfg, Recovery recovery) {
    Session s(cfg);
    set_hook_time_limit(cfg.hook_timeout);  // also for the plugins' hooks (--manual-auth-hook)
    struct Dir {
        const std::string& path;
        mode_t mode;
        const char* flag;
    };
    const Dir dirs[] = {{cfg.config_dir, 0755, "--config-dir"},
                        {cfg.work_dir, 0755, "--work-dir"},
                        {cfg.logs_dir, 0700, "--logs-dir"}};
    for (const auto& d : dirs) {
        // certbot: "Either run as root, or set --config-dir, --work-dir, and --logs-dir to
        // writeable paths."
        const std::string fix =
            geteuid() == 0 ? std::string("set ") + d.flag + " to a writable directory"
                           : "run certbot as root (sudo certbot ...), or set --config-dir, "
                             "--work-dir and --logs-dir to directories you can write";
        if (auto st = make_dirs(d.path, d.mode); !st)
            return Error(st.error().message + " (" + d.flag + "); " + fix, kExitUsage);
        if (access(d.path.c_str(), W_OK) != 0)
            return Error(std::string("The directory ") + d.path + " (" + d.flag +
                             ") is not writable by this user; " + fix,
                         kExitUsage);
    }
    if (cfg.strict_permissions)
        for (const auto& d : dirs) CB_TRY(check_strict_permissions(d.path));
    for (const auto& d : dirs) {
        auto lock = FileLock::acquire(d.path);
        if (!lock) return lock.error();
        s.locks_.push_back(std::move(*lock));
    }
    const std::string logfile = cfg.logs_dir + "/letsencrypt.log";
    rotate_log(logfile, cfg.max_log_backups);  // --max-log-backups; 0: append
    if (!log::open_file(logfile))
        log::warning("cannot write the log file " + logfile + "; continuing without it");
    else
        log::notice("Saving debug log to " + logfile);
    log::debug(std::string("certbot ") + certbot_version() + " verb " + cfg.verb);
    log::debug("Arguments: " + cfg.command_line);
    if (!cfg.strict_permissions)
        if (auto why = others_can_change(cfg.config_dir, false); !why.empty())
            log::warning("The config directory " + cfg.config_dir + " is not safe: " + why +
                         " (renewal confs, hooks and keys live there); "
                         "--strict-permissions makes this an error");
    // A run killed mid-switch left live/ links at different versions: finish the switch.
    if (recovery == Recovery::kNone) return s;
    // A new lineage killed before its renewal conf was written is removed when what the CA
    // issued is kept in the work dir (issue_and_save keeps it before storing): the next run
    // stores it under the same name instead of ordering again.
    const std::string work_dir = cfg.work_dir;
    auto kept = [&work_dir](const std::string& name) { return has_kept_issuance(work_dir, name); };
    for (const auto& line : finish_unfinished_updates(cfg.config_dir, kept)) log::warning(line);
    if (recovery == Recovery::kScanAll) recover_interrupted_updates(cfg.config_dir);
    return s;
}

HttpOptions Session::http_options() const {
    HttpOptions o;
    o.verify_tls = !cfg_->no_verify_ssl;
    o.user_agent = user_agent(*cfg_);
    return o;
}

}  // namespace certbot
