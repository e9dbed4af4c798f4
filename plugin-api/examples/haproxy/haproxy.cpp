// haproxy: a certbot-native installer plugin for HAProxy, written against the SDK only
// (<certbot/plugin.hpp>). HAProxy wants a certificate and its key in one PEM file, so
// deploy_cert writes <pem-dir>/<lineage>.pem = fullchain + private key (mode 0600, atomically)
// and records which live/ files it came from; restart rebuilds every recorded PEM whose live/
// files changed (certbot renew only calls restart: the live/ links now point at the new version)
// and runs the reload command. Point haproxy at the directory (`bind :443 ssl crt
// /etc/haproxy/certs/`) and it picks the certificate by SNI.
//
//   certbot certonly --standalone -d example.com
//   certbot install --installer haproxy --cert-name example.com
//   # later: certbot renew (the renewal conf remembers installer = haproxy and its options)
#include <certbot/plugin.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef HAPROXY_PLUGIN_VERSION
#define HAPROXY_PLUGIN_VERSION "0.1.0"
#endif

namespace {

using certbot::plugin::Declined;
using certbot::plugin::Host;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("haproxy: cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The file name for a lineage: the name of its live/ directory (".../live/<name>/cert.pem").
std::string lineage_of(const std::string& cert_path, const std::string& domain) {
    auto slash = cert_path.rfind('/');
    std::string dir = slash == std::string::npos ? std::string() : cert_path.substr(0, slash);
    auto prev = dir.rfind('/');
    std::string name = prev == std::string::npos ? dir : dir.substr(prev + 1);
    if (name.empty() || name == "." || name == "..") name = domain;
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos)
        throw std::runtime_error("haproxy: cannot make a file name from \"" + name + "\"");
    return name;
}

// Write DATA to PATH with mode 0600 from the first byte: a temporary file in the same
// directory, fsync, rename over PATH, fsync the directory.
void write_private_atomically(const std::string& path, const std::string& data) {
    const std::string dir = path.substr(0, path.rfind('/'));
    std::string tmp = path + ".tmp.XXXXXX";
    std::vector<char> name(tmp.begin(), tmp.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());  // mode 0600
    if (fd < 0)
        throw std::runtime_error("haproxy: cannot create a file in " + dir + ": " +
                                 std::strerror(errno) + " (check --haproxy-pem-dir)");
    tmp = name.data();
    size_t off = 0;
    bool ok = true;
    while (ok && off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) off += static_cast<size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("haproxy: cannot write " + path + ": " + std::strerror(e));
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::string combined_pem(const std::string& fullchain_path, const std::string& key_path) {
    std::string pem = read_file(fullchain_path);
    if (!pem.empty() && pem.back() != '\n') pem += '\n';
    return pem + read_file(key_path);
}

// One deployed PEM: the file written and the live/ files it is made of.
struct Deployed {
    std::string target, fullchain, key;
};

class HaproxyInstaller : public certbot::plugin::Installer {
  public:
    explicit HaproxyInstaller(Host host)
        : host_(host),
          pem_dir_(host.option("pem-dir", "/etc/haproxy/certs")),
          config_(host.option("config", "/etc/haproxy/haproxy.cfg")),
          reload_(host.option("reload-command", "systemctl reload haproxy")),
          state_(host.work_dir() + "/haproxy-deployed") {
        while (pem_dir_.size() > 1 && pem_dir_.back() == '/') pem_dir_.pop_back();
        if (pem_dir_.empty() || pem_dir_[0] != '/')
            throw std::runtime_error("haproxy: --haproxy-pem-dir must be an absolute path");
    }

    // HAProxy's configuration names no domains the way server blocks do.
    std::vector<std::string> get_all_names() override { return {}; }

    void deploy_cert(const std::string& domain, const std::string& cert_path,
                     const std::string& key_path, const std::string&,
                     const std::string& fullchain_path) override {
        const std::string target = pem_dir_ + "/" + lineage_of(cert_path, domain) + ".pem";
        if (host_.dry_run()) {
            host_.info("haproxy: would write " + target + " (dry run)");
            return;
        }
        struct stat st {};
        if (::stat(pem_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            throw std::runtime_error("haproxy: " + pem_dir_ +
                                     " is not a directory; create it or set --haproxy-pem-dir");
        write_private_atomically(target, combined_pem(fullchain_path, key_path));
        auto records = load_state();
        std::string text;
        for (const auto& r : records)
            if (r.target != target) text += r.target + "\t" + r.fullchain + "\t" + r.key + "\n";
        text += target + "\t" + fullchain_path + "\t" + key_path + "\n";
        write_private_atomically(state_, text);
        host_.info("haproxy: deployed the certificate for " + domain + " to " + target);
    }

    void enhance(const std::string&, const std::string&, const std::string&) override {
        throw Declined();
    }
    std::vector<std::string> supported_enhancements() override { return {}; }
    // Each deploy replaces one whole file atomically: no checkpoints to keep.
    void save(const std::string&, bool) override {}
    void rollback_checkpoints(int) override {
        throw std::runtime_error(
            "haproxy: rollback is not supported (deploys replace whole files)");
    }
    void recovery_routine() override {}

    // `haproxy -c -f CONFIG`, when the configuration file exists (data through the environment).
    void config_test() override {
        if (::access(config_.c_str(), R_OK) != 0) return;
        auto r =
            host_.run_hook("haproxy -c -q -f \"$HAPROXY_CONFIG\"", {"HAPROXY_CONFIG=" + config_});
        if (r.exit_status != 0)
            throw std::runtime_error("haproxy: `haproxy -c -f " + config_ + "` failed (exit " +
                                     std::to_string(r.exit_status) + "); fix the configuration");
    }

    void restart() override {
        if (host_.dry_run()) return;
        for (const auto& r : load_state()) {
            if (::access(r.fullchain.c_str(), R_OK) != 0 || ::access(r.key.c_str(), R_OK) != 0)
                continue;  // the lineage was deleted
            std::string pem = combined_pem(r.fullchain, r.key);
            std::string now;
            try {
                now = read_file(r.target);
            } catch (const std::exception&) {
            }
            if (now != pem) {
                write_private_atomically(r.target, pem);
                host_.info("haproxy: updated " + r.target);
            }
        }
        auto r = host_.run_hook(reload_, {"HAPROXY_PEM_DIR=" + pem_dir_});
        if (r.exit_status != 0)
            throw std::runtime_error("haproxy: the reload command `" + reload_ + "` failed (exit " +
                                     std::to_string(r.exit_status) +
                                     "); check --haproxy-reload-command");
    }

  private:
    // Records of earlier deploys: "<target>\t<fullchain>\t<key>" lines in the work directory.
    std::vector<Deployed> load_state() const {
        std::vector<Deployed> out;
        std::ifstream in(state_);
        std::string line;
        while (std::getline(in, line)) {
            auto a = line.find('\t'), b = line.find('\t', a == std::string::npos ? a : a + 1);
            if (a == std::string::npos || b == std::string::npos) continue;
            out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
        }
        return out;
    }

    Host host_;
    std::string pem_dir_, config_, reload_, state_;
};

// Typed options (ABI 1.3): the host checks them and hands the paths over absolute.
using certbot::plugin::option;
using certbot::plugin::path_option;
using certbot::plugin::with_metavar;
const cb_option_desc kOptions[] = {
    with_metavar(path_option("pem-dir",
                             "Directory HAProxy loads certificates from (bind ... ssl crt DIR/); "
                             "one <name>.pem per certificate: full chain and private key",
                             "/etc/haproxy/certs"),
                 "DIR"),
    with_metavar(path_option("config",
                             "HAProxy configuration checked with `haproxy -c -f FILE` before "
                             "reloading",
                             "/etc/haproxy/haproxy.cfg"),
                 "FILE"),
    with_metavar(
        option("reload-command", "Shell command that makes HAProxy load the new certificates",
               "systemctl reload haproxy"),
        "COMMAND"),
};
const char* const kNoChallenges[] = {nullptr};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<HaproxyInstaller>(
    "haproxy", "Install certificates into HAProxy (one PEM per certificate, then reload)",
    HAPROXY_PLUGIN_VERSION, kNoChallenges, kOptions));
