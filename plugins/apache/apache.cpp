// apache: certbot's apache plugin on Debian. As an authenticator it answers http-01 challenges
// through the running Apache (temporary Include lines in the matching virtual hosts serving
// <work dir>/http_challenges, a graceful reload, everything restored on cleanup). As an
// installer it makes the -le-ssl.conf virtual host, points it at the certificate, enables
// mod_ssl and the site the Debian way, and adds the redirect, HSTS/UIR headers and OCSP
// stapling. The edits are certbot-apache's, through libaugeas (apache_configurator.h);
// docs/apache.md lists them and the limitations.
//
// Options (renewal conf keys apache_<name with _>), certbot's with its Debian defaults:
//   --apache-server-root /etc/apache2, --apache-vhost-root <server root>/sites-available,
//   --apache-logs-root /var/log/apache2, --apache-challenge-location <server root>,
//   --apache-le-vhost-ext -le-ssl.conf, --apache-ctl apache2ctl, --apache-bin (unset),
//   --apache-enmod a2enmod, --apache-dismod a2dismod, --apache-handle-modules True,
//   --apache-handle-sites True.
// apache2ctl, a2enmod and a2dismod run with our environment, so APACHE_CONFDIR (Debian's
// multi-instance convention) selects the instance.
//
// Safety: the server root is locked (.certbot.lock) for the life of the instance; every changed
// file is checkpointed (plugins/support/reverter.h, certbot's layout) before it is written, and
// written atomically; apache2ctl configtest runs before every reload. The host rolls back a
// transaction whose test or reload fails.
#include <certbot/plugin.hpp>

#include "apache_configurator.h"
#include "plugin_checks.h"
#include "programs.h"
#include "reverter.h"
#include "served_cert.h"
#include "server_lock.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Declined;
using certbot::plugin::Host;
namespace ac = apacheconf;
namespace ps = plugin_support;

std::string absolute(const std::string& path) {
    if (path.empty()) return path;
    std::string out = std::filesystem::absolute(path).lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

bool parse_bool(const std::string& flag, const std::string& v) {
    if (v == "True" || v == "true" || v == "1" || v == "yes") return true;
    if (v == "False" || v == "false" || v == "0" || v == "no") return false;
    throw std::runtime_error("--apache-" + flag + " takes True or False, not \"" + v + "\".");
}

class Apache : public certbot::plugin::Authenticator, public certbot::plugin::Installer {
  public:
    explicit Apache(Host host) : host_(host), run_(ps::host_runner(host.raw())) {
        opts_.server_root = absolute(host.option("server-root", "/etc/apache2"));
        std::string vroot = host.option("vhost-root");
        opts_.user_vhost_root = !vroot.empty();
        opts_.vhost_root = vroot.empty() ? opts_.server_root + "/sites-available" : absolute(vroot);
        opts_.logs_root = host.option("logs-root", "/var/log/apache2");
        opts_.challenge_location = absolute(host.option("challenge-location", opts_.server_root));
        opts_.le_vhost_ext = host.option("le-vhost-ext", "-le-ssl.conf");
        opts_.enmod = host.option("enmod", "a2enmod");
        opts_.dismod = host.option("dismod", "a2dismod");
        opts_.handle_modules = parse_bool("handle-modules", host.option("handle-modules", "True"));
        handle_sites_ = parse_bool("handle-sites", host.option("handle-sites", "True"));
        opts_.config_dir = absolute(host.config_dir());
        opts_.work_dir = absolute(host.work_dir());
        opts_.http01_port = read_port("http-01-port", "80");
        if (opts_.le_vhost_ext.empty() || opts_.le_vhost_ext.find('/') != std::string::npos)
            throw std::runtime_error("--apache-le-vhost-ext must be a file name ending, not \"" +
                                     opts_.le_vhost_ext + "\".");
        std::string ctl_name = host.option("ctl", "apache2ctl");
        ctl_ = ps::find_executable(ctl_name);
        if (ctl_.empty())
            throw std::runtime_error("Cannot find Apache executable " + ctl_name +
                                     " (--apache-ctl). Install apache2 (apt-get install apache2) "
                                     "or give the path of apache2ctl with --apache-ctl.");
        std::string bin = host.option("bin");
        if (!bin.empty() && ps::find_executable(bin).empty())
            throw std::runtime_error("Cannot find the Apache binary " + bin + " (--apache-bin).");
        if (opts_.work_dir.empty()) throw std::runtime_error("The host gave no work directory.");
        if (!ps::file_exists(opts_.server_root + "/apache2.conf") &&
            !ps::file_exists(opts_.server_root + "/httpd.conf"))
            throw std::runtime_error("Could not find Apache's configuration root " +
                                     opts_.server_root +
                                     "/apache2.conf; give the directory that holds it with "
                                     "--apache-server-root.");
        lock_ = std::make_unique<ps::ServerRootLock>(opts_.server_root);
        if (lock_->only_instance()) {
            ps::Reverter rev(host_.raw());
            if (rev.has_temporary()) {
                host_.warning(
                    "Undoing the Apache challenge changes an interrupted run left "
                    "behind (" +
                    rev.temp_dir() + ").");
                rev.revert_temporary();
            }
        }
    }

    ~Apache() override {
        try {
            if (performed_) cleanup({});
        } catch (...) {
        }
    }

    // --- Authenticator ---
    std::vector<std::string> chall_pref(const std::string&) override { return {"http-01"}; }

    void perform(const std::vector<Challenge>& challenges) override {
        std::vector<ac::ChallengeFile> files;
        for (const auto& c : challenges) {
            ps::check_http01("apache", c.type, c.identifier, c.is_wildcard);
            if (!certbot::plugin::is_base64url_token(c.token))
                throw std::runtime_error("Refusing the challenge token for " + c.identifier +
                                         ": it is not base64url.");
            files.push_back(
                {c.identifier, c.token, c.validation.empty() ? c.key_authorization : c.validation});
        }
        if (files.empty()) return;
        performed_ = true;
        auto& c = cfg();
        c.save("Changes before challenge setup", true);
        c.perform_http01(files);
        c.save("HTTP Challenge", true);
        reload(false);
        // A graceful reload returns before the new children serve; certbot waits too.
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }

    void cleanup(const std::vector<Challenge>&) override {
        ps::Reverter rev(host_.raw());
        if (!rev.has_temporary() || (!performed_ && !lock_->only_instance())) return;
        rev.revert_temporary();
        warn_undo_failures(rev);
        cfg_.reset();
        if (performed_) {
            performed_ = false;
            reload(false);
        }
    }

    // --- Installer ---
    std::vector<std::string> get_all_names() override { return cfg().all_names(); }

    void deploy_cert(const std::string& domain, const std::string& cert_path,
                     const std::string& key_path, const std::string& chain_path,
                     const std::string& fullchain_path) override {
        if (key_path.empty() || fullchain_path.empty())
            throw std::runtime_error(
                "The apache plugin needs the key and the full chain to "
                "install a certificate for " +
                domain + ".");
        cfg().deploy_cert(domain, absolute(cert_path), absolute(key_path), absolute(chain_path),
                          absolute(fullchain_path));
    }

    void enhance(const std::string& domain, const std::string& enhancement,
                 const std::string& options) override {
        if (enhancement != "redirect" && enhancement != "ensure-http-header" &&
            enhancement != "staple-ocsp")
            throw Declined();
        if (!cfg().enhance(domain, enhancement, options))
            host_.info("The " + enhancement + (options.empty() ? "" : " " + options) +
                       " enhancement is already set for " + domain + ".");
    }

    std::vector<std::string> supported_enhancements() override {
        return {"redirect", "ensure-http-header", "staple-ocsp"};
    }

    void save(const std::string& title, bool temporary) override {
        if (!temporary && host_.dry_run()) {
            host_.info("Dry run: not saving the Apache configuration changes.");
            cfg_.reset();
            return;
        }
        cfg().save(title, temporary);
    }

    void rollback_checkpoints(int count) override {
        cfg_.reset();
        ps::Reverter rev(host_.raw());
        rev.rollback_checkpoints(count);
        warn_undo_failures(rev);
    }

    void recovery_routine() override {
        cfg_.reset();
        ps::Reverter rev(host_.raw());
        rev.recovery_routine();
        warn_undo_failures(rev);
    }

    void config_test() override {
        auto r = run_({ctl_, "configtest"});
        if (r.status != 0)
            throw std::runtime_error("apache2ctl configtest failed: " + ps::one_line(r.output) +
                                     " Fix the Apache configuration and run certbot again.");
    }

    void restart() override { reload(true); }

  private:
    // restart: configtest, graceful and, with VERIFY (an installer's restart, not a
    // challenge's), a check that Apache really serves the certificates its configuration names.
    void reload(bool verify) {
        config_test();
        auto r = run_({ctl_, "graceful"});
        if (r.status != 0)
            throw std::runtime_error("Apache did not reload (" + ctl_ +
                                     " graceful: " + ps::one_line(r.output) + ").");
        if (verify) verify_served();
    }

    // Every enabled SSL virtual host using a certificate from certbot's live/ directory, for its
    // ServerName (or first alias), on each address it is for that a Listen opens (a wildcard
    // address: each Listen of its port): a TLS handshake with SNI must get that certificate.
    // apache2ctl graceful succeeds even when the new configuration cannot bind a port (Apache then
    // stops).
    void verify_served() {
        cfg_.reset();  // read what is on disk now, sites-enabled links included
        auto& c = cfg();
        auto& parser = c.parser();
        std::vector<std::pair<std::string, std::string>> listens;  // port, host
        for (const auto& path : parser.find_dir("Listen", nullptr, "", false)) {
            std::string a = parser.get_arg(path);
            if (a.find_first_of("0123456789") == std::string::npos) continue;  // "https"
            size_t colon = a.rfind(':');
            if (colon == std::string::npos || a.back() == ']')
                listens.emplace_back(a, "");
            else
                listens.emplace_back(a.substr(colon + 1), a.substr(0, colon));
        }
        const std::string live = opts_.config_dir + "/live/";
        std::vector<ps::ServedCheck> checks;
        for (const auto& vh : c.vhosts()) {
            if (!vh.ssl || !vh.enabled) continue;
            auto certs = parser.find_dir("SSLCertificateFile", nullptr, vh.path);
            if (certs.empty()) continue;
            std::string cert = parser.get_arg(certs.back());
            if (cert.rfind(live, 0) != 0) continue;
            std::string name = vh.name.value_or("");
            for (const auto& a : vh.aliases)
                if (name.empty() || name.find('*') != std::string::npos) name = a;
            if (name.empty() || name.find('*') != std::string::npos) continue;
            for (const auto& addr : vh.addrs) {
                if (addr.port.empty() || addr.port.size() > 5 ||
                    addr.port.find_first_not_of("0123456789") != std::string::npos)
                    continue;
                int port = std::stoi(addr.port);
                std::vector<std::string> hosts;
                if (addr.host == "*" || addr.host == "_default_") {
                    for (const auto& [p, h] : listens)
                        if (p == addr.port) hosts.push_back(ps::probe_address(h));
                } else {
                    // Only where a Listen opens a socket: a vhost may name more addresses.
                    const std::string mine = ps::probe_address(addr.host);
                    for (const auto& [p, h] : listens)
                        if (p == addr.port && (h.empty() || ps::probe_address(h) == mine)) {
                            hosts.push_back(mine);
                            break;
                        }
                }
                for (const auto& h : hosts)
                    if (!h.empty()) checks.push_back({h, port, name, cert});
            }
        }
        auto failures = ps::wait_until_served(checks);
        if (failures.empty()) return;
        throw std::runtime_error(
            "Apache accepted the reload but does not serve its new configuration: " +
            failures.front() +
            (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)"
                                 : std::string()) +
            "; Apache's error log says why (a port another program holds?)");
    }

    std::string read_port(const char* name, const std::string& fallback) const {
        std::string v = host_.option(name);
        return v.empty() ? fallback : std::to_string(ps::parse_port(name, v));
    }

    void check_version() {
        auto r = run_({ctl_, "-v"});
        static const std::regex re("Apache/([0-9.]*)", std::regex::icase);
        std::smatch m;
        if (r.status != 0 || !std::regex_search(r.output, m, re))
            throw std::runtime_error("Unable to find Apache version (" + ctl_ +
                                     " -v: " + ps::one_line(r.output) + ").");
        int major = 0, minor = 0;
        std::sscanf(m[1].str().c_str(), "%d.%d", &major, &minor);
        if (major < 2 || (major == 2 && minor < 4))
            throw std::runtime_error("Apache Version " + m[1].str() + " not supported.");
    }

    ac::Configurator& cfg() {
        if (cfg_) return *cfg_;
        check_version();
        ac::Environment env;
        std::string ctl = ctl_;
        ps::ProgramRunner run = run_;
        env.ctl = [ctl, run](const std::vector<std::string>& args) {
            std::vector<std::string> argv{ctl};
            argv.insert(argv.end(), args.begin(), args.end());
            auto r = run(argv);
            return ac::CtlResult{r.status, r.output};
        };
        env.run = [run](const std::vector<std::string>& argv) {
            std::vector<std::string> a = argv;
            a[0] = ps::find_executable(argv[0]);
            if (a[0].empty()) return ac::CtlResult{-1, argv[0] + ": not found"};
            auto r = run(a);
            return ac::CtlResult{r.status, r.output};
        };
        env.host = host_.raw();
        Host h = host_;
        env.log = [h](int level, const std::string& m) { h.log(level, m); };
        cfg_ = std::make_unique<ac::Configurator>(opts_, env);
        if (!host_.dry_run()) cfg_->install_ssl_options_conf();
        return *cfg_;
    }

    void warn_undo_failures(const ps::Reverter& rev) const {
        for (const auto& f : rev.undo_failures()) host_.warning(f);
    }

    Host host_;
    ps::ProgramRunner run_;  // the host's certbot.run.v1
    ac::Options opts_;
    bool handle_sites_ = true;  // accepted as certbot does; certbot 2.1 never reads it either
    std::string ctl_;
    std::unique_ptr<ps::ServerRootLock> lock_;
    std::unique_ptr<ac::Configurator> cfg_;
    bool performed_ = false;
};

const char* const kChallengeTypes[] = {"http-01", nullptr};
// Typed (ABI 1.3): the host checks the values; metavars are certbot's (APACHE_ENMOD, ...).
using certbot::plugin::option;
using certbot::plugin::path_option;
const cb_option_desc kOptions[] = {
    option("enmod", "Path to the Apache 'a2enmod' binary", "a2enmod"),
    option("dismod", "Path to the Apache 'a2dismod' binary", "a2dismod"),
    option("le-vhost-ext", "SSL vhost configuration extension", "-le-ssl.conf"),
    path_option("server-root", "Apache server root directory", "/etc/apache2"),
    path_option("vhost-root", "Apache server VirtualHost configuration root"),
    path_option("logs-root", "Apache server logs directory", "/var/log/apache2"),
    path_option("challenge-location",
                "Directory path for challenge configuration (default: the server root, "
                "/etc/apache2)"),
    // Strings, as certbot's (no type=): parse_bool() checks them when the plugin is used.
    option("handle-modules",
           "Let installer handle enabling required modules for you (Only Ubuntu/Debian currently)",
           "True"),
    option("handle-sites",
           "Let installer handle enabling sites for you (Only Ubuntu/Debian currently)", "True"),
    option("ctl", "Full path to Apache control script", "apache2ctl"),
    option("bin", "Full path to apache2/httpd binary"),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Apache>("apache", "Apache Web Server plugin", "0.1.0",
                                              kChallengeTypes, kOptions));
