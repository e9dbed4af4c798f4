// certbot certificates: list the lineages in the store with their names, serials, key types,
// domains, expiry and paths, in certbot's format. Broken renewal confs are listed, not fatal.
#include <ctime>

#include "commands.h"
#include "crypto.h"
#include "fsutil.h"
#include "log.h"
#include "session.h"
#include "storage.h"

namespace certbot {

namespace {
const char* kRule =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

std::string expiry_text(int64_t not_after, std::time_t now) {
    std::time_t t = static_cast<std::time_t>(not_after);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S+00:00", &tm);
    int64_t left = not_after - static_cast<int64_t>(now);
    std::string status;
    if (left <= 0)
        status = "INVALID: EXPIRED";
    else if (left < 86400)
        status = "VALID: " + std::to_string(left / 3600) + " hour(s)";
    else
        status = "VALID: " + std::to_string(left / 86400) + " days";
    return std::string(buf) + " (" + status + ")";
}
}  // namespace

int cmd_certificates(const Config& cfg, const PluginRegistry&) {
    auto session = Session::open(cfg);  // lock, log, and repair of interrupted updates
    if (!session) {
        log::error(session.error().message);
        return session.error().exit_code;
    }
    std::vector<Error> broken;
    auto lineages = list_lineages(cfg.config_dir, &broken);
    if (!lineages) {
        log::error(lineages.error().message);
        return lineages.error().exit_code;
    }
    const std::time_t now = std::time(nullptr);
    std::string out;
    int shown = 0;
    for (const auto& l : *lineages) {
        if (!cfg.cert_name.empty() && l.name != cfg.cert_name) continue;
        auto pem = read_file(l.cert_path, 1 << 20);
        Result<CertInfo> info = pem ? parse_cert_pem(*pem) : Result<CertInfo>(pem.error());
        if (!info) {
            broken.push_back(Error(l.renewal_conf_path + ": " + info.error().message));
            continue;
        }
        if (!cfg.domains.empty()) {
            bool all = true;
            for (const auto& d : cfg.domains) {
                bool found = false;
                for (const auto& n : info->dns_names) found = found || n == d;
                all = all && found;
            }
            if (!all) continue;
        }
        std::string names;
        for (const auto& n : info->dns_names) names += (names.empty() ? "" : " ") + n;
        out += "  Certificate Name: " + l.name + "\n    Serial Number: " + info->serial_hex +
               "\n    Key Type: " + info->key_type + "\n    Domains: " + names +
               "\n    Expiry Date: " + expiry_text(info->not_after, now) +
               "\n    Certificate Path: " + l.fullchain_path +
               "\n    Private Key Path: " + l.privkey_path + "\n";
        ++shown;
    }
    std::string text = kRule;
    if (shown == 0)
        text += "\nNo certificates found.";
    else
        text += "\nFound the following certs:\n" + out.substr(0, out.size() - 1);
    if (!broken.empty()) {
        text += "\nThe following renewal configurations were invalid:";
        for (const auto& e : broken) text += "\n  " + e.message;
    }
    text += "\n";
    text += kRule;
    log::out(text);
    return kExitOk;  // like certbot: broken confs are reported, not fatal, for a listing
}

}  // namespace certbot
