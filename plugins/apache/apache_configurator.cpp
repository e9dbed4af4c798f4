#include "apache_configurator.h"

#include "programs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <regex>
#include <sstream>

namespace apacheconf {

namespace fs = std::filesystem;
namespace ps = plugin_support;

const char* const kOptionsSslApacheName = "options-ssl-apache.conf";
const char* const kOptionsSslDigestName = ".updated-options-ssl-apache-conf-digest.txt";

// certbot-apache 2.1's tls_configs/current-options-ssl-apache.conf, byte for byte: its hash is
// the last of kOptionsSslHashes, so either client recognises the other's copy.
const char* const kOptionsSslApache =
    "# This file contains important security parameters. If you modify this file\n"
    "# manually, Certbot will be unable to automatically provide future security\n"
    "# updates. Instead, Certbot will print and log an error message with a path to\n"
    "# the up-to-date file that you will need to refer to when manually updating\n"
    "# this file. Contents are based on https://ssl-config.mozilla.org\n"
    "\n"
    "SSLEngine on\n"
    "\n"
    "# Intermediate configuration, tweak to your needs\n"
    "SSLProtocol             all -SSLv2 -SSLv3 -TLSv1 -TLSv1.1\n"
    "SSLCipherSuite          "
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-"
    "RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384\n"
    "SSLHonorCipherOrder     off\n"
    "SSLSessionTickets       off\n"
    "\n"
    "SSLOptions +StrictRequire\n"
    "\n"
    "# Add vhost name to log entries:\n"
    "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-agent}i\\\"\" "
    "vhost_combined\n"
    "LogFormat \"%v %h %l %u %t \\\"%r\\\" %>s %b\" vhost_common\n";

namespace {

// certbot_apache constants.ALL_SSL_OPTIONS_HASHES: every released options-ssl-apache.conf.
const char* const kOptionsSslHashes[] = {
    "2086bca02db48daf93468332543c60ac6acdb6f0b58c7bfdf578a5d47092f82a",
    "4844d36c9a0f587172d9fa10f4f1c9518e3bcfa1947379f155e16a70a728c21a",
    "5a922826719981c0a234b1fbcd495f3213e49d2519e845ea0748ba513044b65b",
    "4066b90268c03c9ba0201068eaa39abbc02acf9558bb45a788b630eb85dadf27",
    "f175e2e7c673bd88d0aff8220735f385f916142c44aa83b09f1df88dd4767a88",
    "cfdd7c18d2025836ea3307399f509cfb1ebf2612c87dd600a65da2a8e2f2797b",
    "80720bd171ccdc2e6b917ded340defae66919e4624962396b992b7218a561791",
    "c0c022ea6b8a51ecc8f1003d0a04af6c3f2bc1c3ce506b3c2dfc1f11ef931082",
    "717b0a89f5e4c39b09a42813ac6e747cfbdeb93439499e73f4f70a1fe1473f20",
    "0fcdc81280cd179a07ec4d29d3595068b9326b455c488de4b09f585d5dafc137",
    "86cc09ad5415cd6d5f09a947fe2501a9344328b1e8a8b458107ea903e80baa6c",
    "06675349e457eae856120cdebb564efe546f0b87399f2264baeb41e442c724c7",
    "5cc003edd93fb9cd03d40c7686495f8f058f485f75b5e764b789245a386e6daf",
    "007cd497a56a3bb8b6a2c1aeb4997789e7e38992f74e44cc5d13a625a738ac73",
    "34783b9e2210f5c4a23bced2dfd7ec289834716673354ed7c7abf69fe30192a3",
    "61466bc2f98a623c02be8a5ee916ead1655b0ce883bdc936692076ea499ff5ce",
    "3fd812e3e87fe5c645d3682a511b2a06c8286f19594f28e280f17cd6af1301b5",
};

const std::vector<std::string> kRewriteHttpsArgs = {"^", "https://%{SERVER_NAME}%{REQUEST_URI}",
                                                    "[END,NE,R=permanent]"};
const std::vector<std::vector<std::string>> kOldRewriteHttpsArgs = {
    {"^", "https://%{SERVER_NAME}%{REQUEST_URI}", "[L,QSA,R=permanent]"},
    {"^", "https://%{SERVER_NAME}%{REQUEST_URI}", "[END,QSA,R=permanent]"},
    {"^", "https://%{SERVER_NAME}%{REQUEST_URI}", "[L,NE,R=permanent]"}};

std::vector<std::string> header_args(const std::string& header) {
    if (header == "Strict-Transport-Security")
        return {"always", "set", "Strict-Transport-Security", "\"max-age=31536000\""};
    if (header == "Upgrade-Insecure-Requests")
        return {"always", "set", "Content-Security-Policy", "upgrade-insecure-requests"};
    throw std::runtime_error("The apache plugin cannot set the HTTP header \"" + header +
                             "\"; it knows Strict-Transport-Security (--hsts) and "
                             "Upgrade-Insecure-Requests (--uir).");
}

const char* const kChallengePre =
    "        RewriteEngine on\n"
    "        RewriteRule ^/\\.well-known/acme-challenge/([A-Za-z0-9-_=]+)$ {0}/$1 [END]\n"
    "    ";
const char* const kChallengePost =
    "        <Directory {0}>\n"
    "            Require all granted\n"
    "        </Directory>\n"
    "        <Location /.well-known/acme-challenge>\n"
    "            Require all granted\n"
    "        </Location>\n"
    "    ";

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string ltrim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n\f\v");
    return b == std::string::npos ? std::string() : s.substr(b);
}

bool starts_with(const std::string& s, const std::string& p) {
    return s.compare(0, p.size(), p) == 0;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

bool is_dir(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string real_path(const std::string& p) {
    std::error_code ec;
    auto r = fs::canonical(p, ec);
    return ec ? p : r.string();
}

std::vector<std::string> split_ws(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// certbot's _sift_rewrite_rule: a RewriteRule whose target is https:// would loop on the copy.
bool sift_rewrite_rule(const std::string& line) {
    if (!starts_with(lower(ltrim(line)), "rewriterule")) return false;
    auto words = split_ws(line);
    if (words.size() < 3) return false;
    std::string target = words[2];
    if (target.size() >= 2 && (target[0] == '\'' || target[0] == '"') &&
        target.front() == target.back())
        target = target.substr(1, target.size() - 2);
    return starts_with(target, "https://");
}

std::vector<std::string> sift_rewrite_rules(const std::vector<std::string>& contents, bool& sift) {
    std::vector<std::string> result;
    sift = false;
    const std::string comment =
        "# Some rewrite rules in this file were disabled on your HTTPS site,\n"
        "# because they have the potential to create redirection loops.\n";
    for (size_t i = 0; i < contents.size(); ++i) {
        std::string line = contents[i];
        std::string l = lower(ltrim(line));
        bool cond = starts_with(l, "rewritecond"), rule = starts_with(l, "rewriterule");
        if (!cond && !rule) {
            result.push_back(line);
            continue;
        }
        if (rule) {
            if (!sift_rewrite_rule(line)) {
                result.push_back(line);
            } else {
                if (!sift) result.push_back(comment);
                sift = true;
                result.push_back("# " + line);
            }
            continue;
        }
        std::vector<std::string> chunk{line};
        while (++i < contents.size()) {
            chunk.push_back(contents[i]);
            if (starts_with(lower(ltrim(contents[i])), "rewriterule")) break;
        }
        if (i >= contents.size())
            throw ConfigError(
                "A RewriteCond is not followed by a RewriteRule in the virtual host; "
                "fix the Apache configuration and run certbot again.");
        std::string joined;
        bool loop = sift_rewrite_rule(chunk.back());
        if (loop && !sift) result.push_back(comment);
        if (loop) sift = true;
        for (size_t k = 0; k < chunk.size(); ++k)
            joined += (k ? "\n" : "") + std::string(loop ? "# " : "") + chunk[k];
        result.push_back(joined);
    }
    return result;
}

std::string exploded_v6(const std::string& host) {
    std::string a = host;
    if (!a.empty() && a.front() == '[') a.erase(0, 1);
    if (!a.empty() && a.back() == ']') a.pop_back();
    std::vector<std::string> result(8, "0");
    std::vector<std::string> parts;
    std::string cur;
    for (char c : a) {
        if (c == ':') {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    if (parts.size() > 8) parts.resize(8);
    bool to_end = false;
    const int n = static_cast<int>(parts.size());
    for (int i = 0; i < n; ++i) {
        std::string b = parts[static_cast<size_t>(i)];
        if (b.empty()) {
            to_end = true;
            continue;
        }
        if (b.size() > 1) {
            size_t nz = b.find_first_not_of('0');
            b = nz == std::string::npos ? "" : b.substr(nz);
        }
        int idx = to_end ? 8 + (i - n) : i;
        if (idx >= 0 && idx < 8) result[static_cast<size_t>(idx)] = b;
    }
    std::string out;
    for (size_t i = 0; i < 8; ++i) out += (i ? ":" : "") + result[i];
    return out;
}

}  // namespace

bool known_options_ssl_hash(const std::string& hex) {
    for (const char* h : kOptionsSslHashes)
        if (hex == h) return true;
    return false;
}

// --- Addr / VirtualHost ---

Addr Addr::parse(const std::string& s) {
    Addr a;
    if (!s.empty() && s[0] == '[') {
        size_t end = s.rfind(']');
        a.host = s.substr(0, end + 1);
        if (s.size() > end + 2 && s[end + 1] == ':') a.port = s.substr(end + 2);
        a.ipv6 = true;
        return a;
    }
    size_t colon = s.find(':');
    a.host = s.substr(0, colon);
    if (colon != std::string::npos) a.port = s.substr(colon + 1);
    return a;
}

bool Addr::operator==(const Addr& o) const {
    std::string h1 = ipv6 ? exploded_v6(host) : host, h2 = o.ipv6 ? exploded_v6(o.host) : o.host;
    if (h1 == h2 && port == o.port) return true;
    return host == o.host && is_wildcard() && o.is_wildcard();
}

bool Addr::conflicts(const Addr& o) const {
    if (o.rank() > rank()) return true;
    if (host == o.host && (is_wildcard() || port == o.port)) return true;
    return false;
}

std::set<std::string> VirtualHost::get_names() const {
    std::set<std::string> out(aliases.begin(), aliases.end());
    if (name) {
        static const std::regex strip("^(?:.+://)?([^ :$]*)");
        std::smatch m;
        if (std::regex_search(*name, m, strip)) out.insert(m[1]);
    }
    return out;
}

bool VirtualHost::conflicts(const std::vector<Addr>& pot) const {
    for (const auto& p : pot)
        for (const auto& a : addrs)
            if (a.conflicts(p)) return true;
    return false;
}

bool VirtualHost::same_server(const VirtualHost& other, bool generic) const {
    if (!generic) {
        if (other.get_names() != get_names()) return false;
        if (name || !aliases.empty()) return true;
    } else if (name && !name->empty()) {
        return false;
    }
    if (other.addrs.size() != addrs.size()) return false;
    std::set<std::string> found;
    for (const auto& a : other.addrs) {
        bool hit = false;
        for (const auto& l : addrs) {
            if (l.host == a.host && l != a && !found.count(l.host)) {
                found.insert(l.host);
                hit = true;
                break;
            }
        }
        if (!hit) return false;
    }
    return true;
}

bool domain_in_names(const std::set<std::string>& names, const std::string& target) {
    std::string t = lower(target);
    for (const auto& n : names) {
        std::string l = lower(n);
        if (l.find('[') == std::string::npos && fnmatch(t, l)) return true;
    }
    return false;
}

// --- Configurator ---

Configurator::Configurator(Options opts, Environment env)
    : opts_(std::move(opts)), env_(std::move(env)), reverter_(env_.host) {
    if (opts_.vhost_root.empty()) opts_.vhost_root = opts_.server_root + "/sites-available";
    if (opts_.challenge_location.empty()) opts_.challenge_location = opts_.server_root;
    // certbot parses the vhost root only when the user named it (else what apache2.conf includes).
    parser_ = std::make_unique<Parser>(opts_.server_root,
                                       opts_.user_vhost_root ? opts_.vhost_root : "", env_.ctl);
    parser_->autosave = [this] {
        notes_ += "(autosave)";
        save();
    };
    parser_->check_parsing_errors();
    vhosts_ = get_virtual_hosts();
}

std::string Configurator::mod_ssl_conf() const {
    return opts_.config_dir + "/" + kOptionsSslApacheName;
}

void Configurator::install_ssl_options_conf() {
    ps::make_dirs(opts_.config_dir, 0755);
    ps::install_version_controlled_file(
        mod_ssl_conf(), opts_.config_dir + "/" + kOptionsSslDigestName, kOptionsSslApache,
        std::vector<std::string>(std::begin(kOptionsSslHashes), std::end(kOptionsSslHashes)),
        [this](const std::string& message) { log(30, message); });
}

std::vector<VirtualHost> Configurator::get_virtual_hosts() {
    std::map<std::string, std::string> file_paths;
    std::map<std::string, std::set<std::string>> internal_paths;
    std::vector<VirtualHost> vhs;
    std::vector<std::string> dirs = parser_->parser_dirs();
    for (const auto& dir : dirs) {
        auto paths = parser_->aug().match("/files" + dir + "//*[label()=~regexp('" +
                                          case_i("VirtualHost") + "')]");
        for (const auto& path : paths) {
            if (lower(ps::base_of(path)).find("virtualhost") == std::string::npos) continue;
            auto vh = create_vhost(path);
            if (!vh) continue;
            std::string internal = path.substr(6 + vh->filep.size());
            std::string real = real_path(vh->filep);
            if (!file_paths.count(real)) {
                file_paths[real] = vh->filep;
                internal_paths[real].insert(internal);
                vhs.push_back(*vh);
            } else if (real == vh->filep && real != file_paths[real]) {
                std::vector<VirtualHost> kept;
                for (auto& v : vhs) {
                    if (v.filep == file_paths[real])
                        internal_paths[real].erase(v.path.substr(6 + v.filep.size()));
                    else
                        kept.push_back(v);
                }
                vhs = kept;
                file_paths[real] = real;
                internal_paths[real].insert(internal);
                vhs.push_back(*vh);
            } else if (!internal_paths[real].count(internal)) {
                internal_paths[real].insert(internal);
                vhs.push_back(*vh);
            }
        }
    }
    return vhs;
}

std::optional<VirtualHost> Configurator::create_vhost(const std::string& path) {
    VirtualHost vh;
    std::vector<std::string> args;
    try {
        args = parser_->aug().match(path + "/arg");
    } catch (const ConfigError&) {
        log(30, "Encountered a problem while parsing file: " + path + ", skipping");
        return std::nullopt;
    }
    for (const auto& a : args) {
        std::string v = parser_->get_arg(a);
        if (v.empty()) continue;
        Addr addr = Addr::parse(v);
        if (std::find(vh.addrs.begin(), vh.addrs.end(), addr) == vh.addrs.end())
            vh.addrs.push_back(addr);
    }
    vh.ssl = !parser_->find_dir("SSLEngine", "on", path, false).empty();
    for (const auto& a : vh.addrs)
        if (a.port == "443") vh.ssl = true;
    // The file: the longest prefix of the augeas path that exists.
    std::string file = path.substr(6);
    while (!file.empty() && !ps::file_exists(file)) file = file.substr(0, file.rfind('/'));
    if (file.empty()) return std::nullopt;
    vh.filep = file;
    vh.path = path;
    vh.modmacro = lower(path).find("/macro/") != std::string::npos;
    vh.enabled = parser_->parsed_in_original(file);
    add_servernames(vh);
    return vh;
}

std::pair<std::optional<std::string>, std::vector<std::string>> Configurator::vhost_names(
    const std::string& path) {
    auto names = parser_->find_dir("ServerName", nullptr, path, false);
    auto aliases = parser_->find_dir("ServerAlias", nullptr, path, false);
    std::vector<std::string> as;
    for (const auto& a : aliases) as.push_back(parser_->get_arg(a));
    std::optional<std::string> name;
    if (!names.empty()) name = parser_->get_arg(names.back());
    return {name, as};
}

void Configurator::add_servernames(VirtualHost& vh) {
    auto [name, aliases] = vhost_names(vh.path);
    if (vh.modmacro) return;
    for (const auto& a : aliases)
        if (std::find(vh.aliases.begin(), vh.aliases.end(), a) == vh.aliases.end())
            vh.aliases.push_back(a);
    vh.name = name;
}

std::vector<std::string> Configurator::all_names() const {
    std::set<std::string> names;
    std::vector<std::string> macros;
    static const std::regex hostname("^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*[a-z]+$",
                                     std::regex::icase);
    for (const auto& vh : vhosts_) {
        auto n = vh.get_names();
        names.insert(n.begin(), n.end());
        if (vh.modmacro) macros.push_back(vh.filep);
        for (const auto& a : vh.addrs)
            if (std::regex_match(a.host, hostname)) names.insert(a.host);
    }
    if (!macros.empty()) {
        std::string files;
        for (const auto& m : macros) files += "\n  " + m;
        log(30, "Apache mod_macro seems to be in use in file(s):" + files +
                    "\nUnfortunately mod_macro is not yet supported; those virtual hosts are "
                    "left alone.");
    }
    return {names.begin(), names.end()};
}

int Configurator::find_best_vhost(const std::string& target, const std::vector<int>& candidates,
                                  bool filter_defaults) const {
    int best = -1, best_points = 0;
    for (int i : candidates) {
        const auto& vh = vhosts_[static_cast<size_t>(i)];
        if (vh.modmacro) continue;
        auto names = vh.get_names();
        int points = 0;
        if (names.count(target))
            points = 3;
        else if (domain_in_names(names, target))
            points = 2;
        else if (std::any_of(vh.addrs.begin(), vh.addrs.end(),
                             [&](const Addr& a) { return a.host == target; }))
            points = 1;
        else
            continue;
        if (vh.ssl) points += 3;
        if (points > best_points) {
            best_points = points;
            best = i;
        }
    }
    if (best >= 0) return best;
    std::vector<int> reasonable;
    for (int i : candidates) {
        const auto& vh = vhosts_[static_cast<size_t>(i)];
        if (vh.modmacro) continue;
        if (filter_defaults && std::all_of(vh.addrs.begin(), vh.addrs.end(),
                                           [](const Addr& a) { return a.host == "_default_"; }))
            continue;
        reasonable.push_back(i);
    }
    return reasonable.size() == 1 ? reasonable[0] : -1;
}

int Configurator::choose_vhost(const std::string& domain, bool create_if_no_ssl) {
    if (!domain.empty() && domain[0] == '*')
        throw std::runtime_error(
            "Installing the wildcard certificate for " + domain +
            " needs certbot's menu of virtual hosts, which the apache plugin of certbot-native "
            "does not offer; install it with the names the virtual hosts serve (-d "
            "www.example.com), or edit the virtual hosts by hand.");
    auto it = assoc_.find(domain);
    if (it != assoc_.end()) return it->second;
    std::vector<int> all;
    for (size_t i = 0; i < vhosts_.size(); ++i) all.push_back(static_cast<int>(i));
    int vh = find_best_vhost(domain, all);
    if (vh < 0)
        throw std::runtime_error(
            "Certbot could not find a VirtualHost for " + domain +
            " in the Apache configuration. Please create a VirtualHost with a ServerName "
            "matching " +
            domain + " and try again.");
    if (!create_if_no_ssl) return vh;
    if (!vhosts_[static_cast<size_t>(vh)].ssl) vh = make_vhost_ssl(vh);
    add_servername_alias(domain, vh);
    assoc_[domain] = vh;
    return vh;
}

std::string Configurator::ssl_vhost_path(const std::string& nonssl) const {
    std::string fp;
    if (opts_.user_vhost_root && ps::file_exists(opts_.vhost_root))
        fp = real_path(opts_.vhost_root) + "/" + ps::base_of(nonssl);
    else
        fp = real_path(nonssl);
    const std::string conf = ".conf";
    if (fp.size() >= conf.size() && fp.compare(fp.size() - conf.size(), conf.size(), conf) == 0)
        return fp.substr(0, fp.size() - conf.size()) + opts_.le_vhost_ext;
    return fp + opts_.le_vhost_ext;
}

void Configurator::copy_ssl_vhost_skeleton(const VirtualHost& vh, const std::string& ssl_fp) {
    std::string existing;
    if (ps::file_exists(ssl_fp)) {
        reverter_.add_to_checkpoint({ssl_fp},
                                    "Appended new VirtualHost directive to file " + ssl_fp, false);
        existing = ps::read_file(ssl_fp);
    } else {
        reverter_.register_new_file(ssl_fp, false);
    }
    auto span = parser_->aug().span(vh.path);
    std::string text = ps::read_file(span.file);
    if (span.end > text.size() || span.start > span.end)
        throw ConfigError("Unable to read the VirtualHost from " + span.file);
    std::string block = text.substr(span.start, span.end - span.start);
    std::vector<std::string> lines;
    size_t pos = 0;
    for (;;) {
        size_t nl = block.find('\n', pos);
        lines.push_back(block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->empty()) continue;
        size_t idx = lower(*it).find("</virtualhost>");
        if (idx != std::string::npos) *it = it->substr(0, idx);
        break;
    }
    bool sift = false;
    auto contents = sift_rewrite_rules(lines, sift);
    std::string out = existing + "<IfModule mod_ssl.c>\n";
    for (size_t i = 0; i < contents.size(); ++i) out += (i ? "\n" : "") + contents[i];
    out += "</VirtualHost>\n</IfModule>\n";
    reverter_.write_file(ssl_fp, out, false);
    if (!parser_->parsed_in_current(ssl_fp)) parser_->parse_file(ssl_fp);
    if (sift)
        log(20, "Some rewrite rules copied from " + vh.filep +
                    " were disabled in the vhost for your HTTPS site located at " + ssl_fp +
                    " because they have the potential to create redirection loops.");
    parser_->aug().set("/augeas/files" + escape_path(ssl_fp) + "/mtime", "0");
    parser_->aug().set("/augeas/files" + escape_path(vh.filep) + "/mtime", "0");
}

int Configurator::make_vhost_ssl(int nonssl_idx) {
    VirtualHost nonssl = vhosts_[static_cast<size_t>(nonssl_idx)];
    std::string ssl_fp = ssl_vhost_path(nonssl.filep);
    auto vh_query = [&] {
        return parser_->aug().match("/files" + escape_path(ssl_fp) + "//* [label()=~regexp('" +
                                    case_i("VirtualHost") + "')]");
    };
    auto strip1 = [](std::string s) { return replace_all(s, "[1]", ""); };
    std::vector<std::string> orig;
    for (const auto& m : vh_query()) orig.push_back(strip1(m));
    copy_ssl_vhost_skeleton(nonssl, ssl_fp);
    parser_->aug().load();
    auto new_path = [&]() -> std::string {
        for (const auto& m : vh_query())
            if (std::find(orig.begin(), orig.end(), strip1(m)) == orig.end()) return m;
        return "";
    };
    std::string vh_p = new_path();
    if (vh_p.empty()) {
        parser_->parse_file(ssl_fp);
        vh_p = new_path();
        if (vh_p.empty())
            throw ConfigError("Could not reverse map the HTTPS VirtualHost to the original");
    }
    for (const auto& a : parser_->aug().match(vh_p + "/arg")) {
        Addr old = Addr::parse(parser_->get_arg(a));
        parser_->aug().set(a, old.with_port("443").str());
    }
    log(20, "Created an SSL vhost at " + ssl_fp);
    notes_ += "Created ssl vhost at " + ssl_fp + "\n";
    save();
    auto vh = create_vhost(vh_p);
    if (!vh) throw ConfigError("Could not create a vhost for " + ssl_fp);
    vh->ancestor = nonssl_idx;
    vhosts_.push_back(*vh);
    return static_cast<int>(vhosts_.size() - 1);
}

void Configurator::add_servername_alias(const std::string& target, int idx) {
    auto& vh = vhosts_[static_cast<size_t>(idx)];
    auto [name, aliases] = vhost_names(vh.path);
    if ((name && *name == target) ||
        std::find(aliases.begin(), aliases.end(), target) != aliases.end())
        return;
    std::set<std::string> raw;
    for (const auto& m : parser_->find_dir("ServerAlias", nullptr, vh.path, false))
        raw.insert(parser_->aug().get(m));
    if (domain_in_names(raw, target)) return;
    if (parser_->find_dir("ServerName", nullptr, vh.path, false).empty())
        parser_->add_dir(vh.path, "ServerName", {target});
    else
        parser_->add_dir(vh.path, "ServerAlias", {target});
    add_servernames(vh);
}

void Configurator::enable_mod(const std::string& mod, bool temp) {
    const std::string avail = opts_.server_root + "/mods-available",
                      enabled = opts_.server_root + "/mods-enabled";
    if (!is_dir(avail) || !is_dir(enabled))
        throw ConfigError("Unsupported directory layout (no " + avail + " and " + enabled +
                          "). You may try to enable mod " + mod + " and try again.");
    if (!opts_.handle_modules)
        throw ConfigError("Apache needs to have module \"" + mod +
                          "\" active for the requested installation options, and "
                          "--apache-handle-modules is off. Please enable the module (a2enmod " +
                          mod + "), and run Certbot again.");
    auto enable_one = [&](const std::string& m) {
        if (ps::find_executable(opts_.dismod).empty() || ps::find_executable(opts_.enmod).empty())
            throw ConfigError("Unable to find " + opts_.enmod + " and " + opts_.dismod +
                              ", please make sure --apache-enmod and --apache-dismod are "
                              "configured correctly for certbot.");
        reverter_.register_undo_command({opts_.dismod, "-f", m}, temp);
        auto r = env_.run({opts_.enmod, m});
        if (r.status != 0)
            throw ConfigError("Error while running " + opts_.enmod + " " + m + ": " +
                              ps::one_line(r.output));
    };
    std::vector<std::string> deps;
    if (mod == "ssl") deps = {"setenvif", "mime"};
    for (const auto& dep : deps) {
        if (parser_->has_module(dep + "_module")) continue;
        enable_one(dep);
        parser_->add_mod(dep);
        if (!temp) notes_ += "Enabled dependency of " + mod + " module - " + dep + "\n";
    }
    enable_one(mod);
    parser_->add_mod(mod);
    if (!temp) notes_ += "Enabled " + mod + " module in Apache\n";
    log(20, "Enabled Apache " + mod + " module");
    parser_->update_runtime_variables();
}

void Configurator::prepare_server_https(const std::string& port, bool temp) {
    if (opts_.handle_modules) {
        if (!parser_->has_module("socache_shmcb_module")) enable_mod("socache_shmcb", temp);
        if (!parser_->has_module("ssl_module")) {
            enable_mod("ssl", temp);
            if (!parser_->unsaved_files().empty()) {
                notes_ += "(autosave)";
                save();
            }
            parser_->aug().load();
            parser_->reset_modules();
            install_ssl_options_conf();
        }
    }
    ensure_listen(port, true);
}

void Configurator::ensure_listen(const std::string& port, bool https) {
    std::string port_service = (https && port != "443") ? port + " https" : port;
    std::vector<std::string> listens;
    for (const auto& p : parser_->find_dir("Listen")) {
        auto words = split_ws(parser_->get_arg(p));
        if (!words.empty()) listens.push_back(words[0]);
    }
    auto has = [&](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    if (has(listens, port)) return;
    for (const auto& l : listens) {
        size_t colon = l.rfind(':');
        if (colon != std::string::npos && split_ws(l.substr(colon + 1)).front() == port) return;
    }
    std::vector<std::string> dirs = listens;
    auto add = [&](const std::string& s) {
        if (!has(dirs, s)) dirs.push_back(s);
    };
    if (listens.empty()) add(port_service);
    for (const auto& l : listens) {
        size_t colon = l.rfind(':');
        if (colon == std::string::npos) {
            if (!has(dirs, port) && !has(dirs, port_service)) add(port_service);
        } else {
            add(l.substr(0, colon) + ":" + port_service);
        }
    }
    std::vector<std::string> fresh;
    for (const auto& d : dirs)
        if (!has(listens, d)) fresh.push_back(d);
    const std::string listen_path = aug_path(parser_->loc("listen"));
    auto note = [&](const std::string& l) {
        notes_ += "Added Listen " + l + " directive to " + parser_->loc("listen") + "\n";
    };
    if (https) {
        if (has(fresh, port) || has(fresh, port_service)) {
            parser_->add_dir_to_ifmodssl(listen_path, "Listen", split_ws(port_service));
            note(port_service);
        } else {
            for (const auto& l : fresh) {
                parser_->add_dir_to_ifmodssl(listen_path, "Listen", split_ws(l));
                note(l);
            }
        }
    } else if (has(fresh, port)) {
        parser_->add_dir(listen_path, "Listen", {port});
        note(port);
    } else {
        for (const auto& l : fresh) {
            parser_->add_dir(listen_path, "Listen", split_ws(l));
            note(l);
        }
    }
}

void Configurator::enable_site(VirtualHost& vh) {
    if (vh.enabled) return;
    const std::string enabled_dir = opts_.server_root + "/sites-enabled";
    const std::string link = enabled_dir + "/" + ps::base_of(vh.filep);
    if (!is_dir(enabled_dir)) {
        if (!parser_->parsed_in_original(vh.filep)) {
            log(20, "Enabling site " + vh.filep + " by adding Include to root configuration");
            notes_ += "Enabled site " + vh.filep + "\n";
            parser_->add_include(parser_->loc("default"), vh.filep);
        }
        vh.enabled = true;
        return;
    }
    reverter_.register_new_file(link, false);
    if (::symlink(vh.filep.c_str(), link.c_str()) != 0) {
        if (real_path(link) == real_path(vh.filep)) {
            vh.enabled = true;
            return;
        }
        throw ConfigError(
            "Encountered error while trying to enable a newly created VirtualHost "
            "located at " +
            vh.filep + " by linking to it from " + link + ": " + std::strerror(errno));
    }
    vh.enabled = true;
    log(20, "Enabling available site: " + vh.filep);
    notes_ += "Enabled site " + vh.filep + "\n";
}

void Configurator::remove_directives(const std::string& path, const std::string& directive,
                                     size_t keep) {
    for (;;) {
        auto found = parser_->find_dir(directive, nullptr, path, false);
        if (found.size() <= keep) return;
        static const std::regex tail("/\\w*$");
        parser_->aug().remove(std::regex_replace(found[0], tail, ""));
    }
}

void Configurator::deploy_cert(const std::string& domain, const std::string& cert,
                               const std::string& key, const std::string& chain,
                               const std::string& fullchain) {
    int idx = choose_vhost(domain, true);
    prepare_server_https("443");
    if (!parser_->has_module("ssl_module"))
        throw ConfigError(
            "Could not find ssl_module; not installing certificate. Install and "
            "enable mod_ssl (a2enmod ssl) or allow --apache-handle-modules.");
    auto& vh = vhosts_[static_cast<size_t>(idx)];
    parser_->add_dir(vh.path, "SSLCertificateFile", {"insert_cert_file_path"});
    parser_->add_dir(vh.path, "SSLCertificateKeyFile", {"insert_key_file_path"});
    if (parser_->find_dir("Include", mod_ssl_conf(), vh.path).empty())
        parser_->add_dir(vh.path, "Include", {mod_ssl_conf()});
    remove_directives(vh.path, "SSLCertificateFile", 1);
    remove_directives(vh.path, "SSLCertificateKeyFile", 1);
    remove_directives(vh.path, "SSLCertificateChainFile");
    auto certs = parser_->find_dir("SSLCertificateFile", nullptr, vh.path);
    auto keys = parser_->find_dir("SSLCertificateKeyFile", nullptr, vh.path);
    if (certs.empty() || keys.empty())
        throw ConfigError("Unable to find the certificate directives just added to " + vh.filep);
    log(20, "Deploying Certificate to VirtualHost " + vh.filep);
    if (fullchain.empty())
        throw std::runtime_error(
            "Please provide the --fullchain-path option pointing to your full "
            "chain file");
    parser_->aug().set(certs.back(), fullchain);
    parser_->aug().set(keys.back(), key);
    if (!vh.enabled) enable_site(vh);
    std::string addrs;
    for (const auto& a : vh.addrs) addrs += (addrs.empty() ? "" : ", ") + a.str();
    notes_ += "Changed vhost at " + vh.filep + " with addresses of " + addrs +
              "\n\tSSLCertificateFile " + fullchain + "\n\tSSLCertificateKeyFile " + key + "\n";
    if (!chain.empty()) notes_ += "\tSSLCertificateChainFile " + chain + "\n";
    log(20, "Successfully deployed certificate for " + domain + " to " + vh.filep);
    (void)cert;
}

bool Configurator::enhance(const std::string& domain, const std::string& enhancement,
                           const std::string& options) {
    if (enhancement != "redirect" && enhancement != "ensure-http-header" &&
        enhancement != "staple-ocsp")
        throw std::runtime_error("Unsupported enhancement: " + enhancement);
    int idx = choose_vhost(domain, false);
    if (!vhosts_[static_cast<size_t>(idx)].ssl) {
        std::string what = enhancement + (options.empty() ? "" : ": " + options);
        throw std::runtime_error("Certbot was not able to find SSL VirtualHost for a domain " +
                                 domain + " for enabling enhancement \"" + what +
                                 "\". The requested enhancement was not configured.");
    }
    if (enhancement == "redirect") return enable_redirect(idx);
    if (enhancement == "ensure-http-header") return set_http_header(idx, options);
    return enable_ocsp_stapling(idx);
}

bool Configurator::enable_ocsp_stapling(int idx) {
    if (!parser_->has_module("socache_shmcb_module")) enable_mod("socache_shmcb");
    const auto& vh = vhosts_[static_cast<size_t>(idx)];
    if (parser_->find_dir("SSLUseStapling", "on", vh.path).empty())
        parser_->add_dir(vh.path, "SSLUseStapling", {"on"});
    std::string file_path = escape_path(aug_path(vh.filep));
    auto cache = parser_->find_dir("SSLStaplingCache", nullptr, file_path);
    if (!cache.empty()) {
        static const std::regex tail("/\\w*$");
        parser_->aug().remove(std::regex_replace(cache[0], tail, ""));
    }
    parser_->add_dir_to_ifmodssl(file_path, "SSLStaplingCache",
                                 {"shmcb:/var/run/apache2/stapling_cache(128000)"});
    notes_ += "OCSP Stapling was enabled on SSL Vhost: " + vh.filep + ".\n";
    save();
    log(20, "OCSP Stapling was enabled on SSL Vhost: " + vh.filep + ".");
    return true;
}

bool Configurator::set_http_header(int idx, const std::string& header) {
    auto args = header_args(header);
    if (!parser_->has_module("headers_module")) enable_mod("headers");
    const auto& vh = vhosts_[static_cast<size_t>(idx)];
    std::regex pat("(?:[ \"]|^)(" + lower(header) + ")(?:[ \"]|$)");
    for (const auto& m : parser_->find_dir("Header", nullptr, vh.path))
        if (std::regex_search(lower(parser_->aug().get(m)), pat)) return false;
    parser_->add_dir(vh.path, "Header", args);
    notes_ += "Adding " + header + " header to ssl vhost in " + vh.filep + "\n";
    save();
    log(20, "Adding " + header + " header to ssl vhost in " + vh.filep);
    return true;
}

std::vector<Addr> Configurator::proposed_addrs(const VirtualHost& vh,
                                               const std::string& port) const {
    std::vector<Addr> out;
    for (const auto& a : vh.addrs) {
        Addr p = a.with_port(port);
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
    return out;
}

int Configurator::get_http_vhost(int idx) const {
    const auto& ssl = vhosts_[static_cast<size_t>(idx)];
    if (ssl.ancestor >= 0) return ssl.ancestor;
    for (int generic = 0; generic < 2; ++generic)
        for (size_t i = 0; i < vhosts_.size(); ++i)
            if (!vhosts_[i].ssl && vhosts_[i].same_server(ssl, generic != 0))
                return static_cast<int>(i);
    return -1;
}

bool Configurator::enable_redirect(int idx) {
    if (!parser_->has_module("rewrite_module")) enable_mod("rewrite");
    int general = get_http_vhost(idx);
    const VirtualHost ssl = vhosts_[static_cast<size_t>(idx)];
    if (general < 0) {
        auto addrs = proposed_addrs(ssl, "80");
        for (const auto& vh : vhosts_)
            if (vh.enabled && vh.conflicts(addrs))
                throw std::runtime_error(
                    "Unable to find corresponding HTTP vhost; Unable to create one as intended "
                    "addresses conflict; Current configuration does not support automated "
                    "redirection");
        create_redirect_vhost(idx);
        return true;
    }
    const VirtualHost http = vhosts_[static_cast<size_t>(general)];
    if (redirected_.count(http.path)) return true;
    // An existing certbot redirect: the current one is "already there", an old one is replaced.
    std::map<std::string, std::vector<std::string>> rules;
    std::vector<std::string> order;
    static const std::regex dir_re("(.*directive\\[\\d+\\]).*");
    for (const auto& m : parser_->find_dir("RewriteRule", nullptr, http.path)) {
        std::smatch sm;
        if (!std::regex_match(m, sm, dir_re)) continue;
        if (!rules.count(sm[1])) order.push_back(sm[1]);
        rules[sm[1]].push_back(parser_->aug().get(m));
    }
    for (const auto& d : order) {
        const auto& vals = rules[d];
        if (std::find(kOldRewriteHttpsArgs.begin(), kOldRewriteHttpsArgs.end(), vals) !=
            kOldRewriteHttpsArgs.end()) {
            parser_->aug().remove(d);
            parser_->add_dir(http.path, "RewriteRule", kRewriteHttpsArgs);
            save();
            return false;
        }
        if (vals == kRewriteHttpsArgs) return false;
    }
    if (!order.empty())
        log(30,
            "Added an HTTP->HTTPS rewrite in addition to other RewriteRules; you may wish to "
            "check for overall consistency.");
    bool engine_on = false;
    for (const auto& p : parser_->find_dir("RewriteEngine", "on", http.path))
        if (lower(p).find("virtualhost") != std::string::npos) {
            engine_on = !parser_->get_arg(p).empty();
            break;
        }
    if (!engine_on) parser_->add_dir(http.path, "RewriteEngine", {"on"});
    auto names = ssl.get_names();  // a set in certbot too; sorted here so runs agree
    size_t n = 0;
    for (const auto& name : names) {
        std::vector<std::string> args = {"%{SERVER_NAME}", "=" + name, "[OR]"};
        if (++n == names.size()) args.pop_back();
        parser_->add_dir(http.path, "RewriteCond", args);
    }
    parser_->add_dir(http.path, "RewriteRule", kRewriteHttpsArgs);
    notes_ += "Redirecting host in " + http.filep + " to ssl vhost in " + ssl.filep + "\n";
    save();
    redirected_.insert(http.path);
    log(20, "Redirecting vhost in " + http.filep + " to ssl vhost in " + ssl.filep);
    return true;
}

void Configurator::create_redirect_vhost(int idx) {
    const VirtualHost ssl = vhosts_[static_cast<size_t>(idx)];
    std::string addrs, aliases;
    for (const auto& a : proposed_addrs(ssl, "80")) addrs += (addrs.empty() ? "" : " ") + a.str();
    for (const auto& a : ssl.aliases) aliases += (aliases.empty() ? "" : " ") + a;
    std::string text = "<VirtualHost " + addrs + ">\n" +
                       (ssl.name ? "ServerName " + *ssl.name : std::string()) + " \n" +
                       (aliases.empty() ? std::string() : "ServerAlias " + aliases) + " \n" +
                       "ServerSignature Off\n\nRewriteEngine On\nRewriteRule ^ "
                       "https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n\nErrorLog " +
                       opts_.logs_root + "/redirect.error.log\nLogLevel warn\n</VirtualHost>\n";
    std::string file = "le-redirect.conf";
    if (ssl.name && ssl.name->size() < 255 - (file.size() + 1))
        file = "le-redirect-" + *ssl.name + ".conf";
    const std::string path = opts_.vhost_root + "/" + file;
    reverter_.register_new_file(path, false);
    reverter_.write_file(path, text, false);
    if (!parser_->parsed_in_current(path)) parser_->parse_file(path);
    log(20, "Created redirect file: " + file);
    parser_->aug().load();
    auto vh = create_vhost(aug_path(escape_path(path)));
    if (vh) {
        vhosts_.push_back(*vh);
        redirected_.insert(vh->path);
    }
    notes_ +=
        "Created a port 80 vhost, " + path + ", for redirection to ssl vhost " + ssl.filep + "\n";
}

void Configurator::save(const std::string& title, bool temporary) {
    auto files = parser_->unsaved_files();
    if (!files.empty()) {
        std::vector<std::string> existing;
        for (const auto& f : files)
            if (ps::file_exists(f)) existing.push_back(f);
        reverter_.add_to_checkpoint(existing, notes_, temporary);
    }
    notes_.clear();
    parser_->save([this, temporary](const std::string& path, const std::string& text) {
        reverter_.write_file(path, text, temporary);
    });
    if (!title.empty() && !temporary) reverter_.finalize_checkpoint(title);
}

void Configurator::reload_tree() {
    parser_->aug().load();
    vhosts_ = get_virtual_hosts();
    assoc_.clear();
}

void Configurator::perform_http01(const std::vector<ChallengeFile>& challenges) {
    if (challenges.empty()) return;
    ensure_listen(opts_.http01_port, false);
    if (opts_.handle_modules)
        for (const char* mod : {"rewrite", "authz_core"})
            if (!parser_->has_module(std::string(mod) + "_module")) enable_mod(mod, true);
    const std::string dir = challenge_dir();
    ps::make_dirs(dir, 0755);
    ::chmod(dir.c_str(), 0755);
    for (const auto& c : challenges) {
        const std::string name = dir + "/" + c.token;
        reverter_.register_new_file(name, true);
        reverter_.write_file(name, c.content, true);
    }
    std::vector<int> selected;
    auto add = [&](int i) {
        if (std::find(selected.begin(), selected.end(), i) == selected.end()) selected.push_back(i);
    };
    for (const auto& c : challenges)
        for (size_t i = 0; i < vhosts_.size(); ++i)
            if (domain_in_names(vhosts_[i].get_names(), c.identifier)) add(static_cast<int>(i));
    bool found = false;
    for (int i : selected)
        for (const auto& a : vhosts_[static_cast<size_t>(i)].addrs)
            if (a.is_wildcard() || a.port == opts_.http01_port) found = true;
    if (found) {
        for (size_t i = 0; i < vhosts_.size(); ++i)
            if (!vhosts_[i].name) add(static_cast<int>(i));
    } else {
        bool any = false;
        for (size_t i = 0; i < vhosts_.size(); ++i) {
            const auto& vh = vhosts_[i];
            if (vh.ssl) continue;
            for (const auto& a : vh.addrs)
                if (a.is_wildcard() || a.port == opts_.http01_port) {
                    add(static_cast<int>(i));
                    any = true;
                    break;
                }
        }
        if (!any)
            throw std::runtime_error(
                "Unable to find a virtual host listening on port " + opts_.http01_port +
                " which is currently needed for Certbot to prove to the CA that you control your "
                "domain. Please add a virtual host for port " +
                opts_.http01_port + ".");
    }
    const std::string pre = opts_.challenge_location + "/le_http_01_challenge_pre.conf";
    const std::string post = opts_.challenge_location + "/le_http_01_challenge_post.conf";
    for (int i : selected) {
        const auto& vh = vhosts_[static_cast<size_t>(i)];
        parser_->add_dir_beginning(vh.path, "Include", {pre});
        parser_->add_dir(vh.path, "Include", {post});
        if (!vh.enabled) parser_->add_dir(aug_path(parser_->loc("default")), "Include", {vh.filep});
    }
    reverter_.register_new_file(pre, true);
    reverter_.register_new_file(post, true);
    reverter_.write_file(pre, replace_all(kChallengePre, "{0}", dir), true);
    reverter_.write_file(post, replace_all(kChallengePost, "{0}", dir), true);
}

}  // namespace apacheconf
