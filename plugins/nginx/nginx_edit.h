// The edits the nginx plugin makes to a parsed configuration (in memory; the plugin writes the
// files). No dependency on the plugin ABI, so every edit is unit tested on plain text.
#ifndef CERTBOT_PLUGINS_NGINX_NGINX_EDIT_H
#define CERTBOT_PLUGINS_NGINX_NGINX_EDIT_H

#include "nginx_config.h"

#include <string>
#include <vector>

namespace nginxconf {

struct EditSettings {
    int http_port = 80;
    int https_port = 443;
    std::string config_dir;      // where options-ssl-nginx.conf and ssl-dhparams.pem live
    std::string challenge_conf;  // file for server blocks made only for http-01
};

struct ChallengeAnswer {
    std::string name;        // DNS name being validated
    std::string token;       // base64url
    std::string validation;  // key authorization
};

// Certbot's shared TLS options and DH parameters (RFC 7919 ffdhe2048), installed into the config
// dir as certbot does (plugins/support files.h install_version_controlled_file), with the digest
// files recording which version was installed or found edited, and the SHA-256 of every version
// certbot released (certbot_nginx's ALL_SSL_OPTIONS_HASHES, certbot's ALL_SSL_DHPARAMS_HASHES).
extern const char* const kOptionsSslNginx;
extern const char* const kSslDhparams;
constexpr const char* kOptionsFile = "options-ssl-nginx.conf";
constexpr const char* kDhparamsFile = "ssl-dhparams.pem";
constexpr const char* kOptionsDigestFile = ".updated-options-ssl-nginx-conf-digest.txt";
constexpr const char* kDhparamsDigestFile = ".updated-ssl-dhparams-pem-digest.txt";
extern const std::vector<std::string> kOptionsSslNginxHashes;
extern const std::vector<std::string> kSslDhparamsHashes;

// True for a DNS name (optionally "*." in front) that is safe to write into nginx syntax.
bool valid_domain(const std::string& name);
// RFC 8555 §8.1 token / key authorization alphabets.
bool valid_token(const std::string& token);
bool valid_key_authorization(const std::string& value);

class Editor {
  public:
    Editor(Config& cfg, EditSettings settings) : cfg_(cfg), s_(std::move(settings)) {}

    // http-01: an exact location serving each answer in every server block that nginx would
    // pick for the name on the http-01 port, and a new server block (in challenge_conf,
    // included from the http block) for names no server block answers on that port.
    void add_challenges(const std::vector<ChallengeAnswer>& answers);

    // Points the best server block for DOMAIN at the certificate, making it listen with SSL on
    // the https port; a server block copied from the default one when no block has the name.
    void deploy_cert(const std::string& domain, const std::string& key_path,
                     const std::string& fullchain_path);
    // "return 301 https://DOMAIN$request_uri" (guarded by $host = DOMAIN) in the plain-HTTP
    // server block for DOMAIN; a block that also serves SSL is split in two first. Without a
    // plain block for DOMAIN, a new one listening where plain HTTP is already served on the
    // port; nothing when nginx serves no plain HTTP there.
    void redirect(const std::string& domain);
    // "Strict-Transport-Security" or "Upgrade-Insecure-Requests" in the SSL block.
    void ensure_header(const std::string& domain, const std::string& header);
    // ssl_stapling on; ssl_stapling_verify on; (and ssl_trusted_certificate CHAIN when given).
    void staple_ocsp(const std::string& domain, const std::string& chain_path);
    // The certificate file the SSL block for DOMAIN uses ("" when none).
    std::string certificate_of(const std::string& domain);

    // What was done or skipped, for the log.
    const std::vector<std::string>& notes() const { return notes_; }

  private:
    Server& ssl_server(const std::string& domain);
    std::string where(const Server& s) const;
    void make_ssl(const NodeRef& ref);
    NodeRef copy_default_server(const std::string& domain);
    NodeRef split_plain(const Server& s);
    bool new_plain_server(const std::string& domain, const NodeRef& after, NodeRef* out);
    void refresh() { servers_ = cfg_.servers(); }

    Config& cfg_;
    EditSettings s_;
    std::vector<Server> servers_;
    std::vector<std::string> notes_;
};

// Child-list helpers. A comment on the same line as a node (after its ';' or '}') stays with that
// node when another is inserted after it.
int find_child(const Node& block, const std::string& name, size_t from = 0);
void add_child(Node& block, Node child, int index = -1);  // -1: at the end
// Inserts NODE after SIBLING_REF (a block's position) in the same parent; returns its ref.
NodeRef insert_after(Config& cfg, const NodeRef& sibling, Node node);

// certbot's mark, written at the end of every line it adds or changes (its nginx plugin's
// parser.comment_directive): "ssl_certificate /x; # managed by Certbot".
constexpr const char* kManagedMark = " # managed by Certbot";
// Adds CHILD to BLOCK as add_child does and marks its line; returns its index.
size_t add_marked(Node& block, Node child, int index = -1);
// Marks the line of BLOCK's child I (after its ';' or closing '}'), once.
void mark_child(Node& block, size_t i);
// Marks the line of the node at REF.
void mark_node(Config& cfg, const NodeRef& ref);

}  // namespace nginxconf

#endif  // CERTBOT_PLUGINS_NGINX_NGINX_EDIT_H
