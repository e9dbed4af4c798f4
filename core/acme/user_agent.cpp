#include "user_agent.h"

#include <openssl/opensslv.h>
#include <sys/utsname.h>

#include <sstream>
#include <vector>

#include "fsutil.h"
#include "log.h"
#include "version.h"

namespace certbot {

namespace {

// certbot's util.get_os_info_ua: the distribution's PRETTY_NAME, else the kernel's name.
std::string os_info() {
    if (auto text = read_file("/etc/os-release", 64 * 1024)) {
        std::istringstream in(*text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
            std::string v = line.substr(12);
            if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
                v = v.substr(1, v.size() - 2);
            if (!v.empty()) return log::printable(v, 100);
        }
    }
    utsname u{};
    if (uname(&u) == 0) return std::string(u.sysname) + " " + u.release;
    return "Linux";
}

}  // namespace

std::string user_agent(const Config& cfg) {
    if (!cfg.user_agent.empty()) return cfg.user_agent;
    // certbot's ua_flags
    std::vector<std::string> flags;
    if (cfg.duplicate) flags.push_back("dup");
    if (cfg.force_renewal) flags.push_back("frn");
    if (cfg.allow_subset_of_names) flags.push_back("asn");
    if (cfg.non_interactive) flags.push_back("n");
    if (!cfg.pre_hooks.empty() || !cfg.post_hooks.empty() || !cfg.deploy_hooks.empty())
        flags.push_back("hook");
    std::string f;
    for (const auto& x : flags) f += (f.empty() ? "" : " ") + x;
    return std::string("CertbotNative/") + certbot_version() + " (certbot; " + os_info() +
           (cfg.user_agent_comment.empty() ? "" : "; " + cfg.user_agent_comment) +
           ") Authenticator/" + (cfg.authenticator.empty() ? "None" : cfg.authenticator) +
           " Installer/" + (cfg.installer.empty() ? "None" : cfg.installer) + " (" + cfg.verb +
           "; flags: " + f + ") OpenSSL/" + OPENSSL_FULL_VERSION_STR;
}

}  // namespace certbot
