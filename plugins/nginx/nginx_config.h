// An nginx configuration as a set of parsed files: the main file and everything it includes
// (globs resolved as nginx does, relative to the main file's directory), the http server blocks
// with their names and listen sockets, and nginx's own server selection rules
// (http://nginx.org/en/docs/http/server_names.html, .../request_processing.html).
//
// No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_NGINX_NGINX_CONFIG_H
#define CERTBOT_PLUGINS_NGINX_NGINX_CONFIG_H

#include "nginx_parser.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nginxconf {

struct SourceFile {
    std::string path;      // real path (symlinks resolved)
    std::string original;  // bytes as read
    Document doc;
    bool dirty = false;
};

// Where a node lives: a file and the child indices from the document down to the node.
struct NodeRef {
    std::string file;
    std::vector<size_t> path;
};

struct Listen {
    std::string address;  // "*" for any IPv4 address, "[::]" for any IPv6, else as written
    int port = 80;
    bool ipv6 = false;
    bool ssl = false;
    bool default_server = false;
    bool unix_socket = false;
    size_t child = 0;  // index of the listen directive in the server block
    // The address:port pair nginx groups servers by.
    std::string key() const { return address + ":" + std::to_string(port); }
};

struct Server {
    NodeRef ref;
    std::vector<std::string> names;  // lowercased, as written otherwise ("~regex", "*.a.b", ...)
    std::vector<Listen> listens;     // a server without listen gets "*:80"
    bool implicit_listen = false;
    int line = 0;

    bool has_ssl() const;
    bool listens_on(int port, bool ssl_only = false, bool plain_only = false) const;
    bool has_ipv6() const;
};

// How a name matched, best first (nginx's order).
enum class Match { kExact = 0, kWildcardHead, kWildcardTail, kRegex, kDefault, kNone };

// How NAME matches PATTERN (one server_name value); for wildcards LEN receives the pattern
// length so the longest can win. kNone when it does not.
Match match_name(const std::string& pattern, const std::string& name, size_t* len = nullptr);

struct Pick {
    int server = -1;
    Match how = Match::kNone;
};

// nginx's choice among CANDIDATES (indices into SERVERS, in configuration order, all listening
// on the same address:port KEY) for a request with Host NAME: exact, longest leading wildcard,
// longest trailing wildcard, first matching regex, then the default server for KEY.
Pick route(const std::vector<Server>& servers, const std::vector<int>& candidates,
           const std::string& name, const std::string& key);

// Every server that answers NAME on PORT on some address (union over the address:port groups).
std::vector<Pick> route_port(const std::vector<Server>& servers, const std::string& name, int port);

// Best name match over the servers FILTER accepts, without default-server fallback: by match
// kind (longer wildcards first), then servers with SSL first, then configuration order
// (certbot's ranking).
Pick best_match(const std::vector<Server>& servers, const std::string& name,
                const std::function<bool(const Server&)>& filter);

class Config {
  public:
    // Parses ROOT/nginx.conf and every include. Throws ParseError (file:line) on a file it
    // cannot parse or an include that names a missing file.
    static Config load(const std::string& server_root, const std::string& main_file = "nginx.conf");
    // A configuration of one file given as TEXT, named PATH, includes not followed (tests,
    // fuzzing). Throws ParseError.
    static Config from_text(const std::string& path, const std::string& text);

    const std::string& server_root() const { return root_; }
    const std::string& main_path() const { return main_; }
    std::map<std::string, SourceFile>& files() { return files_; }
    const std::map<std::string, SourceFile>& files() const { return files_; }

    std::vector<Server> servers() const;
    Node& node(const NodeRef& ref);
    const Node& node(const NodeRef& ref) const;
    // The first http block, through includes (nullptr when there is none).
    Node* http_block(NodeRef* ref = nullptr);
    // Every directive NAME whose enclosing block is CONTEXT ("main" at the top), through includes.
    std::vector<NodeRef> find_all(const std::string& name, const std::string& context) const;
    std::string conf_dir() const { return conf_dir_; }
    // Adds a new file (already parsed) that is not on disk yet.
    SourceFile& add_file(const std::string& path, const std::string& text);
    // Serialized text of each file whose text differs from what was read.
    std::map<std::string, std::string> changed() const;

  private:
    using Visitor =
        std::function<void(const std::string& file, const Node& node,
                           const std::vector<size_t>& path, const std::string& context)>;
    void load_file(const std::string& path, int depth);
    // Visits every node in configuration order, through includes, with its context (the name
    // of the enclosing block, "main" at the top).
    void walk(const std::string& file, const std::vector<Node>& nodes, std::vector<size_t>& path,
              const std::string& context, int depth, const Visitor& visit) const;
    std::vector<std::string> resolve_include(const std::string& pattern, const std::string& file,
                                             int line) const;
    std::string include_key(const std::string& pattern) const;

    std::string root_;      // real path of the server root
    std::string conf_dir_;  // directory of the main file (relative includes start here)
    std::string main_;
    std::map<std::string, SourceFile> files_;
    std::map<std::string, std::vector<std::string>> includes_;  // absolute pattern -> files
};

std::string real_path(const std::string& path);  // "" when it does not exist

}  // namespace nginxconf

#endif  // CERTBOT_PLUGINS_NGINX_NGINX_CONFIG_H
