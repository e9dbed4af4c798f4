#include "nginx_edit.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

namespace nginxconf {

const char* const kOptionsSslNginx =
    "# This file contains important security parameters. If you modify this file\n"
    "# manually, Certbot will be unable to automatically provide future security\n"
    "# updates. Instead, Certbot will print and log an error message with a path to\n"
    "# the up-to-date file that you will need to refer to when manually updating\n"
    "# this file. Contents are based on https://ssl-config.mozilla.org\n"
    "\n"
    "ssl_session_cache shared:le_nginx_SSL:10m;\n"
    "ssl_session_timeout 1440m;\n"
    "ssl_session_tickets off;\n"
    "\n"
    "ssl_protocols TLSv1.2 TLSv1.3;\n"
    "ssl_prefer_server_ciphers off;\n"
    "\n"
    "ssl_ciphers \"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384\";\n";

// certbot-nginx 2.1's ALL_SSL_OPTIONS_HASHES: every released version of every variant; this
// client's kOptionsSslNginx is the current tls_configs/options-ssl-nginx.conf (5e21cc66...).
const std::vector<std::string> kOptionsSslNginxHashes = {
    "0f81093a1465e3d4eaa8b0c14e77b2a2e93568b0fc1351c2b87893a95f0de87c",
    "9a7b32c49001fed4cff8ad24353329472a50e86ade1ef9b2b9e43566a619612e",
    "a6d9f1c7d6b36749b52ba061fff1421f9a0a3d2cfdafbd63c05d06f65b990937",
    "7f95624dd95cf5afc708b9f967ee83a24b8025dc7c8d9df2b556bbc64256b3ff",
    "394732f2bbe3e5e637c3fb5c6e980a1f1b90b01e2e8d6b7cff41dde16e2a756d",
    "4b16fec2bcbcd8a2f3296d886f17f9953ffdcc0af54582452ca1e52f5f776f16",
    "c052ffff0ad683f43bffe105f7c606b339536163490930e2632a335c8d191cc4",
    "02329eb19930af73c54b3632b3165d84571383b8c8c73361df940cb3894dd426",
    "63e2bddebb174a05c9d8a7cf2adf72f7af04349ba59a1a925fe447f73b2f1abf",
    "2901debc7ecbc10917edd9084c05464c9c5930b463677571eaf8c94bffd11ae2",
    "30baca73ed9a5b0e9a69ea40e30482241d8b1a7343aa79b49dc5d7db0bf53b6c",
    "108c4555058a087496a3893aea5d9e1cee0f20a3085d44a52dc1a66522299ac3",
    "d5e021706ecdccc7090111b0ae9a29ef61523e927f020e410caf0a1fd7063981",
    "ef11e3fb17213e74d3e1816cde0ec37b8b95b4167cf21e7b8ff1eaa9c6f918ee",
    "af85f6193808a44789a1d293e6cffa249cad9a21135940800958b8e3c72dbc69",
    "a2a612fd21b02abaa32d9d11ac63d987d6e3054dbfa356de5800eea0d7ce17f3",
    "2d9648302e3588a172c318e46bff88ade46fc7a16d6afc85322776a04800d473",
    "5e21cc66989f26ec46116d979421e538131cf8ab33ffff3f682fbfe491b0ace8",
    "f5615544105c4eee44f02a604e3e9ae55b3d5bad247160bb18731a0ac531af02",
    "05a799c4db12f8e15e68219c98056824cbd5ae7b05863225318ae112f343880b",
    "dc81acfd9670f137d5abbccfe3438d9306d4b6a906439b0fbf6a6756272e7cc7",
};

// certbot 2.1's ALL_SSL_DHPARAMS_HASHES (one version, this one).
const std::vector<std::string> kSslDhparamsHashes = {
    "9ba6429597aeed2d8617a7705b56e96d044f64b07971659382e426675105654b",
};

const char* const kSslDhparams =
    "-----BEGIN DH PARAMETERS-----\n"
    "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
    "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
    "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
    "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
    "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
    "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
    "-----END DH PARAMETERS-----\n";

namespace {

const char* const kChallengePrefix = "/.well-known/acme-challenge/";
const char* const kChallengeRewrite = "^(/.well-known/acme-challenge/.*)";

// Directives of options-ssl-nginx.conf: a block that sets one of them keeps its own settings
// (including the file as well would make nginx reject the duplicate).
const char* const kOptionDirectives[] = {"ssl_session_cache",         "ssl_session_timeout",
                                         "ssl_session_tickets",       "ssl_protocols",
                                         "ssl_prefer_server_ciphers", "ssl_ciphers"};

// Socket options nginx accepts only once per address:port (http://nginx.org/r/listen).
bool singleton_listen_param(const std::string& p) {
    static const char* const kFlags[] = {"default_server", "default", "deferred", "bind",
                                         "reuseport"};
    static const char* const kPrefixes[] = {
        "ipv6only=",      "backlog=",  "rcvbuf=",       "sndbuf=",
        "accept_filter=", "fastopen=", "so_keepalive=", "setfib="};
    for (const char* f : kFlags)
        if (p == f) return true;
    for (const char* f : kPrefixes)
        if (p.rfind(f, 0) == 0) return true;
    return false;
}

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool all_of_chars(const std::string& s, const char* extra) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr(extra, c);
    });
}

// The indentation one level deeper than BLOCK's, as the file writes it.
std::string indent_step(const Node& block) {
    std::string outer = indent_of(block);
    std::string inner = child_indent(block, outer);
    if (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0)
        return inner.substr(outer.size());
    return "    ";
}

Node directive(const std::vector<std::string>& words) {
    return make_directive(words, "");
}

Node block(const std::vector<std::string>& words, std::vector<Node> children,
           const std::string& step) {
    return make_block(words, "", std::move(children), step);
}

// The text before TRIVIA's first newline: what follows the previous node on its line (spaces,
// a comment). Taken out of TRIVIA; "" when TRIVIA has no newline.
std::string take_same_line(std::string& trivia) {
    const size_t nl = trivia.find('\n');
    if (nl == std::string::npos) return std::string();
    std::string head = trivia.substr(0, nl);
    trivia.erase(0, nl);
    return head;
}

// Puts the mark first in AFTER, the trivia right after a node's ';' or '}'. What followed on
// the same line moves to the next line, indented by INDENT (certbot adds a newline too).
void mark_trivia(std::string& after, const std::string& indent) {
    if (after.rfind(kManagedMark, 0) == 0) return;
    if (after.find('\n') == std::string::npos) {
        const size_t text = after.find_first_not_of(" \t");
        after = std::string(kManagedMark) + "\n" + indent +
                (text == std::string::npos ? std::string() : after.substr(text));
        return;
    }
    after = kManagedMark + after;
}

void set_or_add(Node& block, const std::string& name, const std::string& raw_value) {
    int i = find_child(block, name);
    if (i < 0) {
        add_marked(block, directive({name, raw_value}));
        return;
    }
    Node& n = block.children[i];
    Word w;
    w.space = n.words.size() > 1 ? n.words[1].space : " ";
    w.raw = raw_value;
    w.value = make_directive({raw_value}, "").words[0].value;
    n.words.resize(1);
    n.words.push_back(std::move(w));
    mark_child(block, static_cast<size_t>(i));
}

// An "if" whose condition is about the scheme, or compares $host with DOMAIN.
bool condition_covers(const Node& cond, const std::string& domain) {
    std::string text;
    for (const auto& a : cond.args()) text += " " + a;
    if (text.find("$scheme") != std::string::npos) return true;
    if (text.find("$host") == std::string::npos) return false;
    for (const auto& a : cond.args()) {
        std::string v = a;
        v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == '(' || c == ')'; }),
                v.end());
        if (iequals(v, domain)) return true;
    }
    return false;
}

// Whether requests for DOMAIN reaching BLOCK are already sent to https.
bool has_https_redirect(const Node& block, const std::string& domain) {
    static const char* const kCodes[] = {"301", "302", "303", "307", "308"};
    for (const auto& c : block.children) {
        if (c.is("return") && c.argc() >= 1) {
            bool code = std::find_if(std::begin(kCodes), std::end(kCodes), [&](const char* k) {
                            return c.arg(0) == k;
                        }) != std::end(kCodes);
            const std::string& url = code && c.argc() >= 2 ? c.arg(1) : c.arg(0);
            if (url.rfind("https://", 0) == 0) return true;
        }
        if (c.is("rewrite") && c.argc() >= 2 && c.arg(1).rfind("https://", 0) == 0) return true;
        if (c.is("if") && c.is_block() && condition_covers(c, domain) &&
            has_https_redirect(c, domain))
            return true;
    }
    return false;
}

bool same_ref(const NodeRef& a, const NodeRef& b) {
    return a.file == b.file && a.path == b.path;
}

}  // namespace

bool valid_domain(const std::string& name) {
    std::string n = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
    if (n.empty() || n.size() > 253) return false;
    size_t start = 0;
    for (;;) {
        size_t dot = n.find('.', start);
        std::string label =
            n.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            !all_of_chars(label, "-"))
            return false;
        if (dot == std::string::npos) return true;
        start = dot + 1;
    }
}

bool valid_token(const std::string& token) {
    return token.size() <= 255 && all_of_chars(token, "-_");
}

bool valid_key_authorization(const std::string& value) {
    return value.size() <= 1024 && all_of_chars(value, "-_.");
}

int find_child(const Node& block, const std::string& name, size_t from) {
    for (size_t i = from; i < block.children.size(); ++i)
        if (block.children[i].is(name)) return static_cast<int>(i);
    return -1;
}

void add_child(Node& block, Node child, int index) {
    std::string outer = indent_of(block);
    std::string inner = child_indent(block, outer);
    reindent(child, indent_of(child), inner);
    if (block.children.empty() && block.inner.find('\n') == std::string::npos)
        block.inner = "\n" + outer;
    const bool at_end = index < 0 || static_cast<size_t>(index) >= block.children.size();
    std::string& next = at_end ? block.inner : block.children[index].words[0].space;
    child.words[0].space = take_same_line(next) + "\n" + inner;
    if (at_end)
        block.children.push_back(std::move(child));
    else
        block.children.insert(block.children.begin() + index, std::move(child));
}

size_t add_marked(Node& block, Node child, int index) {
    const bool at_end = index < 0 || static_cast<size_t>(index) >= block.children.size();
    add_child(block, std::move(child), index);
    const size_t at = at_end ? block.children.size() - 1 : static_cast<size_t>(index);
    mark_child(block, at);
    return at;
}

void mark_child(Node& block, size_t i) {
    const std::string outer = indent_of(block);
    if (i + 1 < block.children.size())
        mark_trivia(block.children[i + 1].words[0].space, child_indent(block, outer));
    else
        mark_trivia(block.inner, outer);
}

void mark_node(Config& cfg, const NodeRef& ref) {
    if (ref.path.size() > 1) {
        NodeRef parent{ref.file, {ref.path.begin(), ref.path.end() - 1}};
        mark_child(cfg.node(parent), ref.path.back());
        return;
    }
    Document& doc = cfg.files().at(ref.file).doc;
    const size_t i = ref.path.back();
    mark_trivia(i + 1 < doc.nodes.size() ? doc.nodes[i + 1].words[0].space : doc.trailing, "");
}

NodeRef insert_after(Config& cfg, const NodeRef& sibling, Node node) {
    NodeRef parent{sibling.file, {sibling.path.begin(), sibling.path.end() - 1}};
    std::vector<Node>& list =
        parent.path.empty() ? cfg.files().at(sibling.file).doc.nodes : cfg.node(parent).children;
    size_t at = sibling.path.back() + 1;
    std::string ind = indent_of(list[sibling.path.back()]);
    reindent(node, indent_of(node), ind);
    std::string& next = at < list.size()      ? list[at].words[0].space
                        : parent.path.empty() ? cfg.files().at(sibling.file).doc.trailing
                                              : cfg.node(parent).inner;
    node.words[0].space = take_same_line(next) + "\n\n" + ind;
    list.insert(list.begin() + at, std::move(node));
    NodeRef out = sibling;
    out.path.back() = at;
    return out;
}

std::string Editor::where(const Server& s) const {
    return s.ref.file + ":" + std::to_string(s.line);
}

void Editor::add_challenges(const std::vector<ChallengeAnswer>& answers) {
    refresh();
    std::map<int, std::vector<const ChallengeAnswer*>> per_server;
    std::vector<const ChallengeAnswer*> orphans;  // served by a server block of our own
    for (const auto& a : answers) {
        if (!valid_domain(a.name) || !valid_token(a.token) ||
            !valid_key_authorization(a.validation))
            throw std::runtime_error("Refusing to put the http-01 answer for " + a.name +
                                     " into nginx's configuration: the name, token or key "
                                     "authorization has characters ACME does not allow.");
        auto picks = route_port(servers_, a.name, s_.http_port);
        for (const auto& p : picks) {
            per_server[p.server].push_back(&a);
            notes_.push_back("http-01 for " + a.name + " served by the server block at " +
                             where(servers_[p.server]));
        }
        if (picks.empty()) orphans.push_back(&a);
    }
    for (const auto& [index, list] : per_server) {
        Node& n = cfg_.node(servers_[index].ref);
        const std::string step = indent_step(n);
        bool has_rewrite = std::any_of(n.children.begin(), n.children.end(), [](const Node& c) {
            return c.is("rewrite") && c.argc() >= 1 && c.arg(0) == kChallengeRewrite;
        });
        // rewrite ... break stops the server's own rewrite-module directives (a "return 301"
        // to https, say) before the location is chosen, as certbot does.
        if (!has_rewrite)
            add_marked(n, directive({"rewrite", kChallengeRewrite, "$1", "break"}), 0);
        for (const ChallengeAnswer* a : list) {
            add_marked(n, block({"location", "=", kChallengePrefix + a->token},
                                {directive({"default_type", "text/plain"}),
                                 directive({"return", "200", quote(a->validation)})},
                                step));
        }
    }
    if (orphans.empty()) return;

    NodeRef http_ref;
    Node* http = cfg_.http_block(&http_ref);
    if (!http) throw std::runtime_error("No http block in " + cfg_.main_path() + ".");
    bool ipv6 =
        std::any_of(servers_.begin(), servers_.end(), [](const Server& s) { return s.has_ipv6(); });
    std::string port = std::to_string(s_.http_port);
    std::string text;
    if (cfg_.find_all("server_names_hash_bucket_size", "http").empty())
        text += "server_names_hash_bucket_size 128;\n";
    text += "server {\n    listen " + port + ";\n";
    if (ipv6) text += "    listen [::]:" + port + ";\n";
    text += "    server_name";
    for (const ChallengeAnswer* a : orphans) text += " " + a->name;
    text += ";\n";
    for (const ChallengeAnswer* a : orphans) {
        text += "    location = " + std::string(kChallengePrefix) + a->token +
                " {\n        default_type text/plain;\n        return 200 " + quote(a->validation) +
                ";\n    }\n";
        notes_.push_back("http-01 for " + a->name + " served by a new server block in " +
                         s_.challenge_conf);
    }
    text += "}\n";
    cfg_.add_file(s_.challenge_conf, text);
    http = &cfg_.node(http_ref);
    bool included = std::any_of(http->children.begin(), http->children.end(), [&](const Node& c) {
        return c.is("include") && c.argc() == 1 && c.arg(0) == s_.challenge_conf;
    });
    if (!included) add_marked(*http, directive({"include", quote(s_.challenge_conf)}), 0);
}

Server& Editor::ssl_server(const std::string& domain) {
    refresh();
    Pick p = best_match(servers_, domain, [](const Server& s) { return s.has_ssl(); });
    if (p.server < 0)
        throw std::runtime_error("No nginx server block for " + domain +
                                 " listens with SSL; install a certificate for it first.");
    return servers_[p.server];
}

std::string Editor::certificate_of(const std::string& domain) {
    Node& n = cfg_.node(ssl_server(domain).ref);
    int i = find_child(n, "ssl_certificate");
    if (i < 0 || n.children[i].argc() < 1) return std::string();
    std::string path = n.children[i].arg(0);
    return path[0] == '/' ? path : cfg_.conf_dir() + "/" + path;
}

void Editor::make_ssl(const NodeRef& ref) {
    refresh();
    auto it = std::find_if(servers_.begin(), servers_.end(),
                           [&](const Server& s) { return same_ref(s.ref, ref); });
    if (it == servers_.end()) throw std::logic_error("server block vanished");
    const Server& s = *it;
    Node& n = cfg_.node(ref);
    bool have = false;
    int last_listen = -1;
    for (const auto& l : s.listens) {
        if (!s.implicit_listen) last_listen = std::max(last_listen, static_cast<int>(l.child));
        if (l.unix_socket || l.port != s_.https_port || s.implicit_listen) continue;
        have = true;
        if (!l.ssl) {
            Word w{" ", "ssl", "ssl"};
            n.children[l.child].words.push_back(w);
            mark_child(n, l.child);
        }
    }
    if (have) return;
    int at = last_listen + 1;
    // Without a listen directive nginx listens on *:80; adding one would drop that.
    if (s.implicit_listen) add_marked(n, directive({"listen", "80"}), at++);
    std::string port = std::to_string(s_.https_port);
    add_marked(n, directive({"listen", port, "ssl"}), at++);
    if (s.has_ipv6()) add_marked(n, directive({"listen", "[::]:" + port, "ssl"}), at++);
}

NodeRef Editor::copy_default_server(const std::string& domain) {
    const Server* def = nullptr;
    auto first = [&](const std::function<bool(const Server&, const Listen&)>& pred) {
        for (const auto& s : servers_)
            for (const auto& l : s.listens)
                if (pred(s, l)) return &s;
        return static_cast<const Server*>(nullptr);
    };
    def = first([&](const Server&, const Listen& l) {
        return l.default_server && !l.ssl && l.port == s_.http_port;
    });
    if (!def) def = first([](const Server&, const Listen& l) { return l.default_server; });
    if (!def) def = first([&](const Server&, const Listen& l) { return l.port == s_.http_port; });
    if (!def)
        throw std::runtime_error("No nginx server block has the name " + domain +
                                 " and there is no default server block to copy. Add a server "
                                 "block with \"server_name " +
                                 domain + ";\" and run certbot again.");
    Node copy = cfg_.node(def->ref);
    auto& kids = copy.children;
    kids.erase(
        std::remove_if(kids.begin(), kids.end(), [](const Node& c) { return c.is("server_name"); }),
        kids.end());
    int last_listen = -1;
    for (size_t i = 0; i < kids.size(); ++i) {
        if (!kids[i].is("listen")) continue;
        last_listen = static_cast<int>(i);
        auto& w = kids[i].words;
        w.erase(std::remove_if(w.begin() + std::min<size_t>(2, w.size()), w.end(),
                               [](const Word& x) { return singleton_listen_param(x.value); }),
                w.end());
    }
    add_marked(copy, directive({"server_name", domain}), last_listen + 1);
    notes_.push_back("No server block has the name " + domain + "; copied the default one at " +
                     where(*def));
    return insert_after(cfg_, def->ref, std::move(copy));
}

void Editor::deploy_cert(const std::string& domain, const std::string& key_path,
                         const std::string& fullchain_path) {
    if (!valid_domain(domain))
        throw std::runtime_error("Refusing to write the name \"" + domain +
                                 "\" into nginx's configuration: it is not a DNS name.");
    refresh();
    Pick p = best_match(servers_, domain, [](const Server&) { return true; });
    NodeRef ref;
    if (p.server < 0) {
        ref = copy_default_server(domain);
    } else {
        ref = servers_[p.server].ref;
        notes_.push_back("Deploying the certificate for " + domain + " to the server block at " +
                         where(servers_[p.server]));
    }
    make_ssl(ref);
    Node& n = cfg_.node(ref);
    set_or_add(n, "ssl_certificate", quote(fullchain_path));
    set_or_add(n, "ssl_certificate_key", quote(key_path));
    if (s_.config_dir.empty()) return;
    const std::string options = s_.config_dir + "/" + kOptionsFile;
    bool own = std::any_of(n.children.begin(), n.children.end(), [&](const Node& c) {
        return (c.is("include") && c.argc() == 1 && c.arg(0) == options) ||
               std::find(std::begin(kOptionDirectives), std::end(kOptionDirectives), c.name()) !=
                   std::end(kOptionDirectives);
    });
    if (!own) add_marked(n, directive({"include", quote(options)}));
    if (find_child(n, "ssl_dhparam") < 0)
        add_marked(n, directive({"ssl_dhparam", quote(s_.config_dir + "/" + kDhparamsFile)}));
}

NodeRef Editor::split_plain(const Server& s) {
    Node& orig = cfg_.node(s.ref);
    std::vector<size_t> moved;
    for (const auto& l : s.listens)
        if (!l.ssl && !l.unix_socket && l.port == s_.http_port) moved.push_back(l.child);
    std::sort(moved.begin(), moved.end());
    std::vector<Node> children;
    for (size_t i : moved) children.push_back(orig.children[i]);
    for (const auto& c : orig.children)
        if (c.is("server_name")) children.push_back(c);
    const std::string step = indent_step(orig);
    for (auto it = moved.rbegin(); it != moved.rend(); ++it)
        orig.children.erase(orig.children.begin() + static_cast<long>(*it));
    notes_.push_back("Split the server block at " + where(s) +
                     " into an SSL block and a plain-HTTP block that redirects");
    Node plain = block({"server"}, std::move(children), step);
    add_marked(plain, directive({"return", "404"}));
    return insert_after(cfg_, s.ref, std::move(plain));
}

bool Editor::new_plain_server(const std::string& domain, const NodeRef& after, NodeRef* out) {
    // Listen where nginx already serves plain HTTP on the port (no new socket is opened, no
    // socket option repeated); like certbot, nothing when nothing serves that port.
    std::vector<std::string> addresses;
    for (const auto& s : servers_) {
        for (const auto& l : s.listens) {
            if (l.ssl || l.unix_socket || l.port != s_.http_port) continue;
            std::string a = l.address == "*" ? std::to_string(l.port) : l.key();
            if (std::find(addresses.begin(), addresses.end(), a) == addresses.end())
                addresses.push_back(a);
        }
    }
    if (addresses.empty()) {
        notes_.push_back("No server block serves plain HTTP on port " +
                         std::to_string(s_.http_port) + "; no redirect added for " + domain);
        return false;
    }
    std::vector<Node> children;
    for (const auto& a : addresses) children.push_back(directive({"listen", a}));
    children.push_back(directive({"server_name", domain}));
    children.push_back(directive({"return", "404"}));
    Node plain = block({"server"}, std::move(children), indent_step(cfg_.node(after)));
    for (size_t i = 0; i < plain.children.size(); ++i) mark_child(plain, i);
    notes_.push_back("Added a plain-HTTP server block for " + domain + " that redirects");
    *out = insert_after(cfg_, after, std::move(plain));
    mark_node(cfg_, *out);
    return true;
}

void Editor::redirect(const std::string& domain) {
    if (!valid_domain(domain) || domain[0] == '*') {
        notes_.push_back("Not adding a redirect for " + domain +
                         ": only a single DNS name can be the target");
        return;
    }
    Server& ssl = ssl_server(domain);
    NodeRef ssl_ref = ssl.ref;
    Pick p = best_match(servers_, domain,
                        [&](const Server& s) { return s.listens_on(s_.http_port, false, true); });
    NodeRef ref;
    if (p.server < 0) {
        if (!new_plain_server(domain, ssl_ref, &ref)) return;
    } else {
        const Server& s = servers_[p.server];
        if (has_https_redirect(cfg_.node(s.ref), domain)) {
            notes_.push_back("The server block at " + where(s) +
                             " already redirects to https; not adding another redirect");
            return;
        }
        ref = s.has_ssl() ? split_plain(s) : s.ref;
    }
    Node& n = cfg_.node(ref);
    std::string target = "https://" + domain +
                         (s_.https_port == 443 ? "" : ":" + std::to_string(s_.https_port)) +
                         "$request_uri";
    add_marked(n,
               block({"if", "($host", "=", domain + ")"}, {directive({"return", "301", target})},
                     indent_step(n)),
               0);
}

void Editor::ensure_header(const std::string& domain, const std::string& header) {
    std::vector<std::string> words;
    if (iequals(header, "Strict-Transport-Security"))
        words = {"add_header", "Strict-Transport-Security", "\"max-age=31536000\"", "always"};
    else if (iequals(header, "Upgrade-Insecure-Requests"))
        words = {"add_header", "Content-Security-Policy", "\"upgrade-insecure-requests\""};
    else
        throw std::runtime_error("The nginx plugin cannot add the header \"" + header +
                                 "\"; it knows Strict-Transport-Security and "
                                 "Upgrade-Insecure-Requests.");
    Server& s = ssl_server(domain);
    Node& n = cfg_.node(s.ref);
    for (const auto& c : n.children) {
        if (c.is("add_header") && c.argc() >= 1 && iequals(c.arg(0), words[1])) {
            notes_.push_back("The server block at " + where(s) + " already sets " + words[1]);
            return;
        }
    }
    add_marked(n, directive(words));
}

void Editor::staple_ocsp(const std::string& domain, const std::string& chain_path) {
    Server& s = ssl_server(domain);
    Node& n = cfg_.node(s.ref);
    int i = find_child(n, "ssl_stapling");
    if (i >= 0 && n.children[i].argc() >= 1 && n.children[i].arg(0) == "on") {
        notes_.push_back("OCSP stapling is already on in the server block at " + where(s));
        return;
    }
    if (!chain_path.empty() && find_child(n, "ssl_trusted_certificate") < 0)
        add_marked(n, directive({"ssl_trusted_certificate", quote(chain_path)}));
    set_or_add(n, "ssl_stapling", "on");
    set_or_add(n, "ssl_stapling_verify", "on");
}

}  // namespace nginxconf
