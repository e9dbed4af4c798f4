// certbot-apache's configurator on Debian, over the augeas parser: virtual hosts, their choice
// for a name, the -le-ssl.conf copy, certificate directives, modules and sites enabled the Debian
// way (a2enmod, sites-enabled links), the enhancements and the http-01 includes. Every choice and
// every augeas operation follows certbot_apache/_internal/configurator.py so both clients make the
// same files from the same configuration. No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_APACHE_APACHE_CONFIGURATOR_H
#define CERTBOT_PLUGINS_APACHE_APACHE_CONFIGURATOR_H

#include "apache_parser.h"
#include "reverter.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace apacheconf {

// certbot.plugins.common.Addr with certbot-apache's equality: "host[:port]", "[v6][:port]".
struct Addr {
    std::string host, port;
    bool ipv6 = false;
    static Addr parse(const std::string& s);
    std::string str() const { return port.empty() ? host : host + ":" + port; }
    bool is_wildcard() const { return port.empty() || port == "*"; }
    Addr with_port(const std::string& p) const { return Addr{host, p, ipv6}; }
    bool operator==(const Addr& o) const;
    bool operator!=(const Addr& o) const { return !(*this == o); }
    bool conflicts(const Addr& o) const;
    int rank() const { return host == "_default_" ? 0 : host == "*" ? 1 : 2; }
};

struct VirtualHost {
    std::string filep;  // file the vhost is in
    std::string path;   // augeas path of the <VirtualHost> node
    std::vector<Addr> addrs;
    std::optional<std::string> name;
    std::vector<std::string> aliases;  // a set, in discovery order
    bool ssl = false;
    bool enabled = false;
    bool modmacro = false;
    int ancestor = -1;  // index of the HTTP vhost an SSL one was made from
    std::set<std::string> get_names() const;
    bool conflicts(const std::vector<Addr>& addrs) const;
    bool same_server(const VirtualHost& other, bool generic = false) const;
};

struct Options {
    std::string server_root = "/etc/apache2";
    std::string vhost_root;  // "" = <server_root>/sites-available; user_vhost_root set if given
    bool user_vhost_root = false;
    std::string logs_root = "/var/log/apache2";
    std::string challenge_location;  // "" = server_root
    std::string le_vhost_ext = "-le-ssl.conf";
    std::string ctl = "apache2ctl";
    std::string enmod = "a2enmod";
    std::string dismod = "a2dismod";
    bool handle_modules = true;
    bool handle_sites = true;
    std::string config_dir;  // certbot's --config-dir: options-ssl-apache.conf
    std::string work_dir;    // checkpoints and http_challenges
    std::string http01_port = "80";
};

// What the configurator needs from outside: running programs and logging.
struct Environment {
    CtlRunner ctl;                                                       // apache2ctl ARGS
    std::function<CtlResult(const std::vector<std::string>& argv)> run;  // argv[0] by name
    std::function<void(int level, const std::string& message)> log;      // 10/20/30 as cb_log
    const cb_host* host = nullptr;  // its certbot.checkpoint.v1 keeps the checkpoints (borrowed)
};

// certbot's options-ssl-apache.conf (current version) and the SHA-256 of every released one.
extern const char* const kOptionsSslApache;
extern const char* const kOptionsSslApacheName;
extern const char* const kOptionsSslDigestName;
bool known_options_ssl_hash(const std::string& hex);

struct ChallengeFile {
    std::string identifier, token, content;
};

class Configurator {
  public:
    Configurator(Options opts, Environment env);

    Parser& parser() { return *parser_; }
    const std::vector<VirtualHost>& vhosts() const { return vhosts_; }
    plugin_support::Reverter& reverter() { return reverter_; }

    // Names for get_all_names (certbot's, without the reverse DNS of public addresses).
    std::vector<std::string> all_names() const;
    // certbot's install_version_controlled_file for options-ssl-apache.conf.
    void install_ssl_options_conf();

    void deploy_cert(const std::string& domain, const std::string& cert, const std::string& key,
                     const std::string& chain, const std::string& fullchain);
    // Returns false when the enhancement was already present.
    bool enhance(const std::string& domain, const std::string& enhancement,
                 const std::string& options);

    // Writes the tree's changes: checkpointed (TEMPORARY or IN_PROGRESS), then atomically.
    void save(const std::string& title = "", bool temporary = false);
    void reload_tree();

    // http-01: challenge files and the temporary includes; save(…, true) is the caller's.
    void perform_http01(const std::vector<ChallengeFile>& challenges);
    std::string challenge_dir() const { return opts_.work_dir + "/http_challenges"; }

    std::string notes() const { return notes_; }

  private:
    void log(int level, const std::string& m) const {
        if (env_.log) env_.log(level, m);
    }
    std::vector<VirtualHost> get_virtual_hosts();
    std::optional<VirtualHost> create_vhost(const std::string& path);
    void add_servernames(VirtualHost& vh);
    std::pair<std::optional<std::string>, std::vector<std::string>> vhost_names(
        const std::string& path);
    int choose_vhost(const std::string& domain, bool create_if_no_ssl);
    int find_best_vhost(const std::string& target, const std::vector<int>& candidates,
                        bool filter_defaults = true) const;
    int make_vhost_ssl(int nonssl);
    std::string ssl_vhost_path(const std::string& nonssl_file) const;
    void copy_ssl_vhost_skeleton(const VirtualHost& vh, const std::string& ssl_fp);
    void prepare_server_https(const std::string& port, bool temp = false);
    void ensure_listen(const std::string& port, bool https);
    void enable_mod(const std::string& mod, bool temp = false);
    void enable_site(VirtualHost& vh);
    void add_servername_alias(const std::string& target, int vh);
    void remove_directives(const std::string& path, const std::string& directive, size_t keep = 0);
    std::string mod_ssl_conf() const;
    // enhancements
    bool enable_redirect(int ssl_vh);
    bool set_http_header(int ssl_vh, const std::string& header);
    bool enable_ocsp_stapling(int ssl_vh);
    int get_http_vhost(int ssl_vh) const;
    void create_redirect_vhost(int ssl_vh);
    std::vector<Addr> proposed_addrs(const VirtualHost& vh, const std::string& port) const;

    Options opts_;
    Environment env_;
    plugin_support::Reverter reverter_;
    std::unique_ptr<Parser> parser_;
    std::vector<VirtualHost> vhosts_;
    std::map<std::string, int> assoc_;
    std::set<std::string> redirected_;  // augeas paths of HTTP vhosts given a redirect
    std::string notes_;
};

// certbot's domain_in_names: TARGET matches a name exactly or by fnmatch wildcard.
bool domain_in_names(const std::set<std::string>& names, const std::string& target);

}  // namespace apacheconf

#endif  // CERTBOT_PLUGINS_APACHE_APACHE_CONFIGURATOR_H
