// nginx: certbot's nginx plugin. As an authenticator it answers http-01 challenges (RFC 8555
// §8.3) through the running nginx: a temporary exact-match location per token, `nginx -t`, a
// reload, and on cleanup the files restored byte for byte and another reload. As an installer
// it points server blocks at a certificate and adds the redirect, HSTS/UIR headers and OCSP
// stapling enhancements. docs/nginx.md describes every edit.
//
// Options (renewal conf keys nginx_server_root, nginx_ctl, nginx_sleep_seconds):
//   --nginx-server-root  directory holding nginx.conf (default /etc/nginx)
//   --nginx-ctl          the nginx binary (default nginx, looked up in PATH and the sbin dirs)
//   --nginx-sleep-seconds  seconds to wait after a reload (default 1)
// Global options read through the host: http-01-port (default 80), https-port (default 443).
//
// Safety: the server root is locked (fcntl) for the life of the instance; every change is
// checkpointed (reverter.h) before it is written, written atomically, and tested with
// `nginx -t`; a change nginx rejects, or whose reload fails, is rolled back and nginx reloaded
// with the old files. Only files inside the server root are edited, plus the plugin's own files
// in the config dir (TLS options, DH parameters) and the work dir (challenge server block).
#include <certbot/plugin.hpp>

#include "nginx_config.h"
#include "nginx_edit.h"
#include "plugin_checks.h"
#include "programs.h"
#include "reverter.h"
#include "served_cert.h"
#include "server_lock.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using certbot::plugin::Challenge;
using certbot::plugin::Declined;
using certbot::plugin::Host;
namespace nc = nginxconf;
namespace ps = plugin_support;

constexpr const char* kChallengeConf = "le_http_01_cert_challenge.conf";

// Whether the certificate in PEM file PATH names an OCSP responder (Authority Information
// Access); without one nginx cannot staple and logs errors.
bool has_ocsp_url(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "r"), &std::fclose);
    if (!f) throw std::runtime_error("Cannot read the certificate " + path + ".");
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr),
                                                &X509_free);
    if (!cert) throw std::runtime_error("No PEM certificate in " + path + ".");
    STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert.get());
    bool any = urls && sk_OPENSSL_STRING_num(urls) > 0;
    X509_email_free(urls);
    return any;
}

// Paths written into nginx's configuration must be absolute: nginx resolves a relative one
// against its own prefix, not against our working directory.
std::string absolute(const std::string& path) {
    if (path.empty()) return path;
    return std::filesystem::absolute(path).lexically_normal().string();
}

std::string sibling(const std::string& path, const std::string& name) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? name : path.substr(0, slash + 1) + name;
}

class Nginx : public certbot::plugin::Authenticator, public certbot::plugin::Installer {
  public:
    explicit Nginx(Host host)
        : host_(host),
          root_(absolute(host.option("server-root", "/etc/nginx"))),
          ctl_(ps::find_executable(host.option("ctl", "nginx"))),
          sleep_(read_sleep()),
          work_dir_(absolute(host.work_dir())),
          config_dir_(absolute(host.config_dir())),
          run_(ps::host_runner(host.raw())),
          reverter_(host.raw()) {
        if (ctl_.empty())
            throw std::runtime_error("Cannot find the nginx binary \"" +
                                     host.option("ctl", "nginx") +
                                     "\" (--nginx-ctl). Install nginx or give its path with "
                                     "--nginx-ctl.");
        if (work_dir_.empty()) throw std::runtime_error("The host gave no work directory.");
        while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
        conf_ = root_ + "/nginx.conf";
        if (!ps::file_exists(conf_))
            throw std::runtime_error("Could not find nginx's configuration " + conf_ +
                                     "; give the directory that holds nginx.conf with "
                                     "--nginx-server-root.");
        lock_ = std::make_unique<ps::ServerRootLock>(root_);
        if (lock_->only_instance() && reverter_.has_temporary()) {
            host_.warning("Undoing the nginx challenge changes an interrupted run left behind (" +
                          reverter_.temp_dir() + ").");
            reverter_.revert_temporary();
        }
    }

    // --- Authenticator ---
    std::vector<std::string> chall_pref(const std::string&) override { return {"http-01"}; }

    void perform(const std::vector<Challenge>& challenges) override {
        std::vector<nc::ChallengeAnswer> answers;
        for (const auto& c : challenges) {
            ps::check_http01("nginx", c.type, c.identifier, c.is_wildcard);
            answers.push_back(
                {c.identifier, c.token, c.validation.empty() ? c.key_authorization : c.validation});
        }
        if (answers.empty()) return;
        config_.reset();
        nc::Editor editor(config(), settings());
        editor.add_challenges(answers);
        log_notes(editor, CB_LOG_DEBUG);
        performed_ = true;
        save("Changed nginx server blocks for the http-01 challenge", true);
        reload_checked(false);
    }

    ~Nginx() override {
        // The host calls cleanup after every perform; this only matters if it did not.
        try {
            if (performed_) cleanup({});
        } catch (...) {
        }
    }

    void cleanup(const std::vector<Challenge>&) override {
        // A temporary checkpoint this instance did not make may belong to another live
        // instance in this process (same lock); leave it alone then.
        if (!reverter_.has_temporary() || (!performed_ && !lock_->only_instance())) return;
        reverter_.revert_temporary();
        config_.reset();
        pending_.clear();
        if (performed_) {
            performed_ = false;
            reload_checked(false);
        }
    }

    // --- Installer ---
    std::vector<std::string> get_all_names() override {
        std::vector<std::string> out;
        for (const auto& s : config().servers()) {
            for (std::string n : s.names) {
                if (!n.empty() && n[0] == '.') n = n.substr(1);
                if (n.empty() || n == "_" || n[0] == '~' || n.find('*') != std::string::npos)
                    continue;
                if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
            }
        }
        return out;
    }

    void deploy_cert(const std::string& domain, const std::string&, const std::string& key_path,
                     const std::string& chain_path, const std::string& fullchain_path) override {
        if (key_path.empty() || fullchain_path.empty())
            throw std::runtime_error(
                "The nginx plugin needs the key and the full chain to "
                "install a certificate for " +
                domain + ".");
        install_snippets();
        nc::Editor editor(config(), settings());
        editor.deploy_cert(domain, absolute(key_path), absolute(fullchain_path));
        log_notes(editor);
        chains_[domain] = absolute(chain_path);
        notes_ += "Deployed the certificate for " + domain + "\n";
    }

    void enhance(const std::string& domain, const std::string& enhancement,
                 const std::string& options) override {
        nc::Editor editor(config(), settings());
        if (enhancement == "redirect") {
            editor.redirect(domain);
        } else if (enhancement == "ensure-http-header") {
            editor.ensure_header(domain, options);
        } else if (enhancement == "staple-ocsp") {
            std::string cert = editor.certificate_of(domain);
            // Without a responder nginx has nothing to staple; Let's Encrypt certificates
            // have had none since 2025. Warn and change nothing rather than fail the whole
            // installation (the host rolls everything back on an error).
            if (cert.empty() || !has_ocsp_url(cert)) {
                host_.warning("Not enabling OCSP stapling for " + domain + ": the certificate " +
                              cert +
                              " names no OCSP responder (Authority Information Access), so "
                              "there is nothing to staple.");
                return;
            }
            editor.staple_ocsp(domain, chain_for(domain, options, cert));
        } else {
            throw Declined();
        }
        log_notes(editor);
        notes_ += "Enhancement " + enhancement + " for " + domain + "\n";
    }

    std::vector<std::string> supported_enhancements() override {
        return {"redirect", "ensure-http-header", "staple-ocsp"};
    }

    void save(const std::string& title, bool temporary) override {
        if (!temporary && host_.dry_run()) {
            host_.info("Dry run: not saving the nginx configuration changes.");
            config_.reset();
            return;
        }
        auto changed = config_ ? config_->changed() : std::map<std::string, std::string>();
        if (!changed.empty()) write_checked(changed, temporary);
        if (!temporary && !title.empty() && reverter_.has_in_progress()) {
            reverter_.finalize_checkpoint(title);
            auto all = reverter_.checkpoints();
            if (!all.empty()) pending_.push_back(all.back());
            undone_by_restart_ = 0;  // a host rollback now means this new checkpoint
        }
        notes_.clear();
    }

    void rollback_checkpoints(int count) override {
        config_.reset();
        // A failed restart already undid the change it reloaded; do not undo an older one too.
        count -= undone_by_restart_;
        undone_by_restart_ = 0;
        if (count <= 0) {
            host_.info("The nginx configuration was already rolled back after the failed reload.");
            return;
        }
        // certbot's Reverter: fewer checkpoints than asked for rolls back all of them, with a
        // warning; none is a warning only.
        const int have = static_cast<int>(reverter_.checkpoints().size());
        if (have == 0) {
            host_.warning(
                "Certbot hasn't modified your configuration, so rollback isn't available.");
            return;
        }
        if (count > have) {
            host_.warning("Unable to rollback " + std::to_string(count) + " checkpoints, only " +
                          std::to_string(have) + " exist");
            count = have;
        }
        reverter_.rollback_checkpoints(count);
        pending_.clear();
    }

    void recovery_routine() override {
        config_.reset();
        reverter_.recovery_routine();
        pending_.clear();
    }

    void config_test() override {
        auto r = run_({ctl_, "-c", conf_, "-t"});
        if (r.status != 0)
            throw std::runtime_error("nginx's configuration test failed: " +
                                     ps::one_line(r.output));
    }

    void restart() override { reload_checked(true); }

  private:
    // restart: test, reload and, with VERIFY (an installer's restart, not a challenge's),
    // check that nginx really serves the certificates its configuration names.
    void reload_checked(bool verify) {
        try {
            config_test();
            reload();
            if (verify) verify_served();
            pending_.clear();
            undone_by_restart_ = 0;
        } catch (const std::exception& e) {
            if (pending_.empty() && !reverter_.has_temporary()) throw;
            undo_pending();
            std::string again;
            try {
                reload();
            } catch (const std::exception& e2) {
                again = " Reloading the old configuration failed too: " + std::string(e2.what());
            }
            throw std::runtime_error(std::string(e.what()) +
                                     " The change was rolled back and nginx reloaded with the "
                                     "previous configuration." +
                                     again);
        }
    }

    // Every server block using a certificate from certbot's live/ directory, for its first
    // plain name, on each SSL address nginx would pick it for: a TLS handshake with SNI must
    // get that certificate. nginx accepts a reload it cannot apply (a port another program
    // holds: "bind() failed" in its error log) and keeps the old configuration.
    void verify_served() {
        const nc::Config cfg = nc::Config::load(root_);
        const auto servers = cfg.servers();
        const std::string live = config_dir_ + "/live/";
        std::vector<ps::ServedCheck> checks;
        for (size_t i = 0; i < servers.size(); ++i) {
            const auto& s = servers[i];
            if (!s.has_ssl()) continue;
            std::string cert;
            for (const auto& d : cfg.node(s.ref).children)
                if (d.is("ssl_certificate") && d.argc() >= 1) cert = d.arg(0);
            if (!cert.empty() && cert[0] != '/') cert = cfg.conf_dir() + "/" + cert;
            if (cert.rfind(live, 0) != 0) continue;
            std::string name;
            for (const auto& n : s.names)
                if (name.empty() && nc::valid_domain(n) && n.find('*') == std::string::npos)
                    name = n;
            if (name.empty()) continue;
            for (const auto& l : s.listens) {
                const std::string host = ps::probe_address(l.address);
                if (!l.ssl || l.unix_socket || host.empty()) continue;
                std::vector<int> same;
                for (size_t j = 0; j < servers.size(); ++j)
                    for (const auto& o : servers[j].listens)
                        if (o.key() == l.key()) {
                            same.push_back(static_cast<int>(j));
                            break;
                        }
                if (nc::route(servers, same, name, l.key()).server != static_cast<int>(i)) continue;
                checks.push_back({host, l.port, name, cert});
            }
        }
        auto failures = ps::wait_until_served(checks);
        if (failures.empty()) return;
        throw std::runtime_error(
            "nginx accepted the reload but does not serve its new configuration: " +
            failures.front() +
            (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)"
                                 : std::string()) +
            "; nginx's error log says why (a port another program holds?).");
    }

    double read_sleep() const {
        std::string v = host_.option("sleep-seconds", "1");
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !std::isfinite(d) || d < 0 || d > 3600)
            throw std::runtime_error("--nginx-sleep-seconds must be a number of seconds, not \"" +
                                     v + "\".");
        return d;
    }

    int read_port(const char* name, int fallback) const {
        std::string v = host_.option(name);
        return v.empty() ? fallback : ps::parse_port(name, v);
    }

    nc::EditSettings settings() const {
        nc::EditSettings s;
        s.http_port = read_port("http-01-port", 80);
        s.https_port = read_port("https-port", 443);
        s.config_dir = config_dir_;
        s.challenge_conf = work_dir_ + "/" + kChallengeConf;
        return s;
    }

    nc::Config& config() {
        if (!config_) config_ = nc::Config::load(root_);
        return *config_;
    }

    void log_notes(const nc::Editor& editor, int level = CB_LOG_INFO) const {
        for (const auto& n : editor.notes()) host_.log(level, n);
    }

    // certbot's shared TLS options and DH parameters in the config dir, as certbot's nginx
    // plugin installs them: written when missing or a version certbot released, kept (with a
    // warning, once per version) when edited by hand.
    void install_snippets() const {
        if (config_dir_.empty() || host_.dry_run()) return;
        ps::make_dirs(config_dir_, 0755);
        auto warn = [this](const std::string& message) { host_.log(CB_LOG_WARNING, message); };
        ps::install_version_controlled_file(config_dir_ + "/" + nc::kOptionsFile,
                                            config_dir_ + "/" + nc::kOptionsDigestFile,
                                            nc::kOptionsSslNginx, nc::kOptionsSslNginxHashes, warn);
        ps::install_version_controlled_file(config_dir_ + "/" + nc::kDhparamsFile,
                                            config_dir_ + "/" + nc::kDhparamsDigestFile,
                                            nc::kSslDhparams, nc::kSslDhparamsHashes, warn);
    }

    std::string chain_for(const std::string& domain, const std::string& options,
                          const std::string& cert) const {
        if (!options.empty()) return absolute(options);
        auto it = chains_.find(domain);
        if (it != chains_.end() && !it->second.empty()) return it->second;
        std::string guess = sibling(cert, "chain.pem");
        return ps::file_exists(guess) ? guess : std::string();
    }

    // Checkpoints, writes and tests CHANGED; a configuration nginx rejects is restored at once.
    void write_checked(const std::map<std::string, std::string>& changed, bool temporary) {
        const std::string challenge = work_dir_ + "/" + kChallengeConf;
        std::vector<std::string> existing;
        for (const auto& [path, text] : changed) {
            // The files nginx's configuration includes, wherever they are (as certbot: a site
            // symlinked into sites-enabled is edited at its real path, the link kept), and ours.
            bool allowed = path == challenge || (config_ && config_->files().count(path));
            if (!allowed)
                throw std::runtime_error("Refusing to write " + path +
                                         ": nginx's configuration under " + root_ +
                                         " does not include it.");
            if (ps::file_exists(path))
                existing.push_back(path);
            else
                reverter_.register_new_file(path, temporary);
        }
        reverter_.add_to_checkpoint(existing, notes_, temporary);
        for (const auto& [path, text] : changed) reverter_.write_file(path, text, temporary);
        config_.reset();
        auto r = run_({ctl_, "-c", conf_, "-t"});
        if (r.status == 0) return;
        if (temporary)
            reverter_.revert_temporary();
        else
            reverter_.revert_in_progress();
        throw std::runtime_error("nginx rejected the changed configuration (" +
                                 ps::one_line(r.output) +
                                 "); the change was rolled back and nothing was changed.");
    }

    void undo_pending() {
        config_.reset();
        if (reverter_.has_temporary()) reverter_.revert_temporary();
        auto all = reverter_.checkpoints();
        for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
            if (all.empty() || all.back() != *it) break;  // only the newest, in order
            reverter_.rollback_checkpoints(1);
            ++undone_by_restart_;
            all.pop_back();
        }
        pending_.clear();
    }

    void reload() {
        auto r = run_({ctl_, "-c", conf_, "-s", "reload"});
        if (r.status != 0) {
            host_.debug("nginx -s reload failed (" + ps::one_line(r.output) +
                        "); starting nginx instead.");
            auto s = run_({ctl_, "-c", conf_});
            if (s.status != 0)
                throw std::runtime_error("nginx did not reload (" + ps::one_line(r.output) +
                                         ") and did not start (" + ps::one_line(s.output) + ").");
        }
        if (sleep_ > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_));
    }

    Host host_;
    std::string root_;
    std::string ctl_;
    double sleep_;
    std::string work_dir_;
    std::string config_dir_;
    std::string conf_;
    ps::ProgramRunner run_;  // the host's certbot.run.v1
    ps::Reverter reverter_;
    std::unique_ptr<ps::ServerRootLock> lock_;
    std::optional<nc::Config> config_;
    std::map<std::string, std::string> chains_;
    std::string notes_;
    std::vector<std::string> pending_;  // finalised checkpoints not yet reloaded
    int undone_by_restart_ = 0;
    bool performed_ = false;
};

const char* const kChallengeTypes[] = {"http-01", nullptr};
// Typed (ABI 1.3): the host checks the path; metavars are certbot's (NGINX_SERVER_ROOT, ...).
const cb_option_desc kOptions[] = {
    certbot::plugin::path_option(
        "server-root", "Nginx server root directory (the one holding nginx.conf).", "/etc/nginx"),
    certbot::plugin::option(
        "ctl",
        "Path to the 'nginx' binary, used for 'configtest' and retrieving nginx version number.",
        "nginx"),
    // Not an int (certbot's type): fractions such as 0.3 are allowed; read_sleep() checks it.
    certbot::plugin::option(
        "sleep-seconds",
        "Number of seconds to wait for nginx configuration changes to apply when reloading.", "1"),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Nginx>("nginx", "Nginx Web Server plugin", "0.1.0",
                                             kChallengeTypes, kOptions));
