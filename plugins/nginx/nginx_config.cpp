#include "nginx_config.h"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

namespace nginxconf {

namespace {

constexpr int kMaxIncludeDepth = 32;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool all_digits(const std::string& s) {
    return !s.empty() && s.size() <= 5 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_glob(const std::string& s) {
    return s.find_first_of("*?[") != std::string::npos;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// "listen" argument and parameters -> Listen (http://nginx.org/r/listen).
Listen parse_listen(const Node& n, size_t child) {
    Listen l;
    l.child = child;
    std::string a = n.argc() ? n.arg(0) : "80";
    if (a.rfind("unix:", 0) == 0) {
        l.unix_socket = true;
        l.address = a;
        l.port = 0;
    } else if (!a.empty() && a[0] == '[') {
        l.ipv6 = true;
        size_t close = a.find(']');
        l.address = a.substr(0, close == std::string::npos ? a.size() : close + 1);
        if (close != std::string::npos && close + 1 < a.size() && a[close + 1] == ':' &&
            all_digits(a.substr(close + 2)))
            l.port = std::stoi(a.substr(close + 2));
    } else if (all_digits(a)) {
        l.address = "*";
        l.port = std::stoi(a);
    } else {
        size_t colon = a.rfind(':');
        if (colon != std::string::npos && all_digits(a.substr(colon + 1))) {
            l.address = a.substr(0, colon);
            l.port = std::stoi(a.substr(colon + 1));
        } else {
            l.address = a;
        }
        if (l.address == "0.0.0.0") l.address = "*";
    }
    if (l.address == "[::0]" || l.address == "[0:0:0:0:0:0:0:0]") l.address = "[::]";
    for (size_t i = 1; i < n.argc(); ++i) {
        const std::string& p = n.arg(i);
        if (p == "ssl") l.ssl = true;
        if (p == "default_server" || p == "default") l.default_server = true;
    }
    return l;
}

// nginx regexes are PCRE; std::regex (ECMAScript) lacks named groups, which server names use
// for captures: "(?<name>" and "(?P<name>" become plain groups.
std::string to_ecmascript(const std::string& re) {
    static const std::regex named(R"(\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>)");
    return std::regex_replace(re, named, "(");
}

}  // namespace

bool Server::has_ssl() const {
    return std::any_of(listens.begin(), listens.end(), [](const Listen& l) { return l.ssl; });
}

bool Server::listens_on(int port, bool ssl_only, bool plain_only) const {
    return std::any_of(listens.begin(), listens.end(), [&](const Listen& l) {
        return l.port == port && !l.unix_socket && (!ssl_only || l.ssl) && (!plain_only || !l.ssl);
    });
}

bool Server::has_ipv6() const {
    return std::any_of(listens.begin(), listens.end(), [](const Listen& l) { return l.ipv6; });
}

Match match_name(const std::string& pattern, const std::string& name, size_t* len) {
    if (pattern.empty()) return name.empty() ? Match::kExact : Match::kNone;
    if (pattern[0] == '~') {
        try {
            // PCRE's leading "(?i)" (case-insensitive) has no ECMAScript spelling: a flag.
            std::string body = pattern.substr(1);
            auto flags = std::regex::ECMAScript;
            if (body.rfind("(?i)", 0) == 0) {
                body.erase(0, 4);
                flags |= std::regex::icase;
            }
            std::regex re(to_ecmascript(body), flags);
            return std::regex_search(name, re) ? Match::kRegex : Match::kNone;
        } catch (const std::regex_error&) {
            return Match::kNone;
        }
    }
    if (pattern.rfind("*.", 0) == 0 || pattern[0] == '.') {
        std::string suffix = pattern.substr(pattern[0] == '*' ? 1 : 0);  // ".example.org"
        bool match = name.size() > suffix.size() &&
                     name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        if (pattern[0] == '.' && name == suffix.substr(1)) match = true;
        if (match && len) *len = suffix.size();
        return match ? Match::kWildcardHead : Match::kNone;
    }
    if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
        std::string prefix = pattern.substr(0, pattern.size() - 1);  // "www."
        bool match = name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
        if (match && len) *len = prefix.size();
        return match ? Match::kWildcardTail : Match::kNone;
    }
    return pattern == name ? Match::kExact : Match::kNone;
}

Pick route(const std::vector<Server>& servers, const std::vector<int>& candidates,
           const std::string& name, const std::string& key) {
    const std::string host = lower(name);
    Pick best;
    size_t best_len = 0;
    for (int i : candidates) {
        for (const auto& pattern : servers[i].names) {
            size_t len = 0;
            Match m = match_name(pattern, host, &len);
            if (m == Match::kNone) continue;
            // Exact and regex: the first one in configuration order wins; wildcards: the longest.
            bool better =
                best.server < 0 || m < best.how ||
                (m == best.how && (m == Match::kWildcardHead || m == Match::kWildcardTail) &&
                 len > best_len);
            if (better) {
                best = {i, m};
                best_len = len;
            }
        }
    }
    if (best.server >= 0) return best;
    for (int i : candidates) {
        for (const auto& l : servers[i].listens)
            if (l.default_server && l.key() == key) return {i, Match::kDefault};
    }
    if (!candidates.empty()) return {candidates.front(), Match::kDefault};
    return best;
}

std::vector<Pick> route_port(const std::vector<Server>& servers, const std::string& name,
                             int port) {
    std::map<std::string, std::vector<int>> groups;
    std::vector<std::string> order;
    for (size_t i = 0; i < servers.size(); ++i) {
        for (const auto& l : servers[i].listens) {
            if (l.unix_socket || l.port != port) continue;
            auto& g = groups[l.key()];
            if (g.empty()) order.push_back(l.key());
            if (std::find(g.begin(), g.end(), static_cast<int>(i)) == g.end())
                g.push_back(static_cast<int>(i));
        }
    }
    std::vector<Pick> out;
    for (const auto& key : order) {
        Pick p = route(servers, groups[key], name, key);
        bool seen = std::any_of(out.begin(), out.end(),
                                [&](const Pick& q) { return q.server == p.server; });
        if (p.server >= 0 && !seen) out.push_back(p);
    }
    return out;
}

Pick best_match(const std::vector<Server>& servers, const std::string& name,
                const std::function<bool(const Server&)>& filter) {
    const std::string host = lower(name);
    Pick best;
    // (match kind, -wildcard length, no SSL); lower is better; ties keep the earlier server.
    std::tuple<int, long, int> best_rank{};
    for (size_t i = 0; i < servers.size(); ++i) {
        if (!filter(servers[i])) continue;
        for (const auto& pattern : servers[i].names) {
            size_t len = 0;
            Match m = match_name(pattern, host, &len);
            if (m == Match::kNone) continue;
            std::tuple<int, long, int> rank{static_cast<int>(m), -static_cast<long>(len),
                                            servers[i].has_ssl() ? 0 : 1};
            if (best.server < 0 || rank < best_rank) {
                best = {static_cast<int>(i), m};
                best_rank = rank;
            }
        }
    }
    return best;
}

std::string real_path(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return std::string();
    return buf;
}

Config Config::load(const std::string& server_root, const std::string& main_file) {
    Config c;
    c.root_ = real_path(server_root);
    if (c.root_.empty())
        throw std::runtime_error("The nginx server root " + server_root +
                                 " does not exist; give the right one with --nginx-server-root.");
    std::string main = main_file[0] == '/' ? main_file : c.root_ + "/" + main_file;
    c.main_ = real_path(main);
    if (c.main_.empty())
        throw std::runtime_error("Could not find nginx's configuration " + main +
                                 "; give the directory that holds nginx.conf with "
                                 "--nginx-server-root.");
    c.conf_dir_ = c.main_.substr(0, c.main_.rfind('/'));
    c.load_file(c.main_, 0);
    return c;
}

Config Config::from_text(const std::string& path, const std::string& text) {
    Config c;
    c.main_ = path;
    c.conf_dir_ = c.root_ = path.substr(0, path.rfind('/'));
    SourceFile f;
    f.path = path;
    f.original = text;
    f.doc = parse(text, path);
    c.files_[path] = std::move(f);
    return c;
}

void Config::load_file(const std::string& path, int depth) {
    if (files_.count(path)) return;
    SourceFile f;
    f.path = path;
    f.original = read_all(path);
    f.doc = parse(f.original, path);
    files_[path] = std::move(f);
    // Load what this file includes, in order.
    const std::vector<Node>& nodes = files_[path].doc.nodes;
    std::function<void(const std::vector<Node>&)> scan = [&](const std::vector<Node>& ns) {
        for (const auto& n : ns) {
            if (n.is("include") && n.kind == Node::Kind::kSimple && n.argc() == 1) {
                if (depth >= kMaxIncludeDepth)
                    throw ParseError(path, n.line, "includes nested too deeply (a loop?)");
                std::string key = include_key(n.arg(0));
                if (!includes_.count(key)) includes_[key] = resolve_include(n.arg(0), path, n.line);
                for (const auto& inc : includes_[key]) load_file(inc, depth + 1);
            }
            if (n.is_block()) scan(n.children);
        }
    };
    scan(nodes);
}

std::string Config::include_key(const std::string& pattern) const {
    return pattern[0] == '/' ? pattern : conf_dir_ + "/" + pattern;
}

std::vector<std::string> Config::resolve_include(const std::string& pattern,
                                                 const std::string& file, int line) const {
    std::string abs = include_key(pattern);
    std::vector<std::string> out;
    if (!has_glob(abs)) {
        std::string real = real_path(abs);
        if (real.empty()) throw ParseError(file, line, "include " + abs + ": no such file");
        out.push_back(real);
        return out;
    }
    glob_t g{};
    int rc = ::glob(abs.c_str(), GLOB_ERR, nullptr, &g);
    if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
            std::string real = real_path(g.gl_pathv[i]);
            if (!real.empty()) out.push_back(real);
        }
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH)
        throw ParseError(file, line, "include " + abs + ": cannot read the directory");
    return out;
}

void Config::walk(const std::string& file, const std::vector<Node>& nodes,
                  std::vector<size_t>& path, const std::string& context, int depth,
                  const Visitor& visit) const {
    if (depth > kMaxIncludeDepth) return;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        path.push_back(i);
        visit(file, n, path, context);
        if (n.is("include") && n.kind == Node::Kind::kSimple && n.argc() == 1) {
            auto it = includes_.find(include_key(n.arg(0)));
            if (it != includes_.end()) {
                for (const auto& inc : it->second) {
                    auto f = files_.find(inc);
                    if (f == files_.end()) continue;
                    std::vector<size_t> sub;
                    walk(inc, f->second.doc.nodes, sub, context, depth + 1, visit);
                }
            }
        }
        if (n.is_block()) walk(file, n.children, path, n.name(), depth, visit);
        path.pop_back();
    }
}

std::vector<Server> Config::servers() const {
    std::vector<Server> out;
    std::vector<size_t> path;
    walk(main_, files_.at(main_).doc.nodes, path, "main", 0,
         [&](const std::string& file, const Node& n, const std::vector<size_t>& p,
             const std::string& context) {
             if (!n.is("server") || !n.is_block() || context != "http") return;
             Server s;
             s.ref = {file, p};
             s.line = n.line;
             for (size_t i = 0; i < n.children.size(); ++i) {
                 const Node& c = n.children[i];
                 if (c.is("server_name")) {
                     for (const auto& name : c.args()) {
                         if (name == "$hostname") continue;
                         s.names.push_back(name[0] == '~' ? name : lower(name));
                     }
                 } else if (c.is("listen")) {
                     s.listens.push_back(parse_listen(c, i));
                 }
             }
             if (s.names.empty()) s.names.push_back("");
             if (s.listens.empty()) {
                 s.implicit_listen = true;
                 Listen l;
                 l.address = "*";
                 s.listens.push_back(l);
             }
             out.push_back(std::move(s));
         });
    return out;
}

Node& Config::node(const NodeRef& ref) {
    return const_cast<Node&>(static_cast<const Config*>(this)->node(ref));
}

const Node& Config::node(const NodeRef& ref) const {
    const std::vector<Node>* level = &files_.at(ref.file).doc.nodes;
    const Node* n = nullptr;
    for (size_t i : ref.path) {
        n = &level->at(i);
        level = &n->children;
    }
    if (!n) throw std::logic_error("empty node reference");
    return *n;
}

Node* Config::http_block(NodeRef* ref) {
    for (const auto& found : find_all("http", "main")) {
        Node& n = node(found);
        if (!n.is_block()) continue;
        if (ref) *ref = found;
        return &n;
    }
    return nullptr;
}

std::vector<NodeRef> Config::find_all(const std::string& name, const std::string& context) const {
    std::vector<NodeRef> out;
    std::vector<size_t> path;
    walk(main_, files_.at(main_).doc.nodes, path, "main", 0,
         [&](const std::string& file, const Node& n, const std::vector<size_t>& p,
             const std::string& ctx) {
             if (n.is(name) && ctx == context) out.push_back({file, p});
         });
    return out;
}

SourceFile& Config::add_file(const std::string& path, const std::string& text) {
    SourceFile f;
    f.path = path;
    f.doc = parse(text, path);
    f.dirty = true;
    files_[path] = std::move(f);
    includes_[path] = {path};
    return files_[path];
}

std::map<std::string, std::string> Config::changed() const {
    std::map<std::string, std::string> out;
    for (const auto& [path, f] : files_) {
        std::string text = serialize(f.doc);
        if (f.dirty || text != f.original) out[path] = std::move(text);
    }
    return out;
}

}  // namespace nginxconf
