#include "session.h"

#include <cstdio>
#include <unistd.h>

#include "commands.h"
#include "log.h"

namespace certbot {

void rotate_log(const std::string& path, int backups) {
    if (backups <= 0 || access(path.c_str(), F_OK) != 0) return;
    int highest = 0;
    while (highest < backups && access((path + "." + std::to_string(highest + 1)).c_str(), F_OK) == 0)
        ++highest;
    if (highest == backups) std::remove((path + "." + std::to_string(highest--)).c_str());
    for (int i = highest; i >= 1; --i)
        std::rename((path + "." + std::to_string(i)).c_str(),
                    (path + "." + std::to_string(i + 1)).c_str());
    std::rename(path.c_str(), (path + ".1").c_str());
}

Result<Session> Session::open(const Config& cfg) {
    Session s(cfg);
    struct Dir {
        const std::string& path;
        mode_t mode;
        const char* flag;
    };
    const Dir dirs[] = {{cfg.config_dir, 0755, "--config-dir"},
                        {cfg.work_dir, 0755, "--work-dir"},
                        {cfg.logs_dir, 0700, "--logs-dir"}};
    for (const auto& d : dirs) {
        if (auto st = make_dirs(d.path, d.mode); !st)
            return Error(st.error().message + " (set " + d.flag + " to a writable directory" +
                             (geteuid() != 0 ? ", or run as root" : "") + ")",
                         kExitUsage);
        if (access(d.path.c_str(), W_OK) != 0)
            return Error(std::string("The directory ") + d.path + " is not writable; set " +
                             d.flag + " to a writable directory" +
                             (geteuid() != 0 ? " or run as root" : ""),
                         kExitUsage);
    }
    for (const auto& d : dirs) {
        auto lock = FileLock::acquire(d.path);
        if (!lock) return lock.error();
        s.locks_.push_back(std::move(*lock));
    }
    const std::string logfile = cfg.logs_dir + "/letsencrypt.log";
    rotate_log(logfile, 1000);
    if (!log::open_file(logfile))
        log::warning("cannot write the log file " + logfile + "; continuing without it");
    log::debug(std::string("certbot ") + certbot_version() + " verb " + cfg.verb);
    return s;
}

HttpOptions Session::http_options() const {
    HttpOptions o;
    o.verify_tls = !cfg_->no_verify_ssl;
    o.user_agent = cfg_->user_agent.empty()
                       ? std::string("CertbotNative/") + certbot_version() + " (certbot; " +
                             cfg_->verb + ")"
                       : cfg_->user_agent;
    return o;
}

}  // namespace certbot
