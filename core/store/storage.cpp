#include "storage.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <set>

#include <rapidjson/document.h>

#include "fsutil.h"

namespace certbot {

const char* const kLineageKinds[4] = {"cert", "privkey", "chain", "fullchain"};

namespace {

constexpr mode_t kPrivkeyMode = 0600;
constexpr mode_t kPublicMode = 0644;
constexpr size_t kMaxConfBytes = 1024 * 1024;
constexpr size_t kMaxAccountFileBytes = 1024 * 1024;
constexpr int kPrunePrevious = 5;

bool path_exists(const std::string& p) {  // follows symlinks (os.path.exists)
    struct stat st;
    return ::stat(p.c_str(), &st) == 0;
}

bool path_lexists(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

bool is_dir(const std::string& p) {  // follows symlinks (os.path.isdir)
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_link(const std::string& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::optional<std::string> read_link(const std::string& p) {
    std::vector<char> buf(256);
    while (true) {
        ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
        if (n < 0) return std::nullopt;
        if (static_cast<size_t>(n) < buf.size())
            return std::string(buf.data(), static_cast<size_t>(n));
        if (buf.size() > 65536) return std::nullopt;
        buf.resize(buf.size() * 2);
    }
}

// certbot's get_link_target: absolute path of a link's target (relative to the link's dir).
std::optional<std::string> link_target(const std::string& link) {
    auto t = read_link(link);
    if (!t) return std::nullopt;
    if (!t->empty() && (*t)[0] == '/') return normalize_path(*t);
    return normalize_path(path_join(dir_name(link), *t));
}

bool dir_is_empty_or_missing(const std::string& p) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return true;
    if (!S_ISDIR(st.st_mode)) return false;
    auto names = list_dir(p);
    return names && names->empty();
}

// "<kind><digits>.pem" -> digits; -1 if it does not match certbot's ^kind([0-9]+)\.pem$.
int version_of(const std::string& kind, const std::string& filename) {
    if (filename.size() <= kind.size() + 4 || filename.compare(0, kind.size(), kind) != 0)
        return -1;
    if (filename.compare(filename.size() - 4, 4, ".pem") != 0) return -1;
    std::string digits = filename.substr(kind.size(), filename.size() - kind.size() - 4);
    if (digits.empty() || digits.size() > 9) return -1;
    for (char c : digits) {
        if (c < '0' || c > '9') return -1;
    }
    return std::stoi(digits);
}

std::string iso_utc(std::time_t t) {
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Let's Encrypt's v02 servers reuse v01 accounts (constants.LE_REUSE_SERVERS).
const std::map<std::string, std::string>& reuse_servers() {
    static const std::map<std::string, std::string> m = {
        {"acme-v02.api.letsencrypt.org/directory", "acme-v01.api.letsencrypt.org/directory"},
        {"acme-staging-v02.api.letsencrypt.org/directory",
         "acme-staging.api.letsencrypt.org/directory"},
    };
    return m;
}

std::string accounts_dir_for_path(const std::string& config_dir, const std::string& server_path) {
    return path_join(path_join(config_dir, "accounts"), server_path);
}

Status validate_account_id(const std::string& id) {
    if (id.empty() || id[0] == '.' || id.find('/') != std::string::npos ||
        id.find('\0') != std::string::npos) {
        return Error("invalid account id \"" + id + "\"");
    }
    return Status::Ok();
}

Result<rapidjson::Document> parse_json_object(const std::string& text, const std::string& path) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return Error(path +
                     " is not a JSON object; restore it from a backup or delete the account");
    }
    return doc;
}

Result<StoredAccount> read_account_dir(const std::string& dir, const std::string& id,
                                       const std::string& server_url) {
    StoredAccount acc;
    acc.id = id;
    acc.server_url = server_url;
    const std::string regr_path = path_join(dir, "regr.json");
    const std::string key_path = path_join(dir, "private_key.json");
    const std::string meta_path = path_join(dir, "meta.json");
    auto regr = read_file(regr_path, kMaxAccountFileBytes);
    if (!regr) return regr.error();
    auto key = read_file(key_path, kMaxAccountFileBytes);
    if (!key) return key.error();
    auto meta = read_file(meta_path, kMaxAccountFileBytes);
    if (!meta) return meta.error();
    auto regr_doc = parse_json_object(*regr, regr_path);
    if (!regr_doc) return regr_doc.error();
    auto key_doc = parse_json_object(*key, key_path);
    if (!key_doc) return key_doc.error();
    if (!key_doc->HasMember("kty")) return Error(key_path + " is not a JWK (no \"kty\")");
    auto meta_doc = parse_json_object(*meta, meta_path);
    if (!meta_doc) return meta_doc.error();
    auto uri = regr_doc->FindMember("uri");
    if (uri != regr_doc->MemberEnd() && uri->value.IsString()) {
        acc.account_uri.assign(uri->value.GetString(), uri->value.GetStringLength());
    }
    acc.regr_json = std::move(*regr);
    acc.private_key_json = std::move(*key);
    acc.meta_json = std::move(*meta);
    return acc;
}

// accounts dir of `server_path` becomes a symlink to that of `prev_path`
// (AccountFileStorage._symlink_to_accounts_dir).
Status symlink_accounts_dir(const std::string& config_dir, const std::string& prev_path,
                            const std::string& server_path) {
    const std::string dir = accounts_dir_for_path(config_dir, server_path);
    if (is_link(dir)) {
        if (::unlink(dir.c_str()) != 0) return Error("cannot remove link " + dir);
    } else if (path_lexists(dir)) {
        if (::rmdir(dir.c_str()) != 0) {
            return Error("cannot replace " + dir +
                         " with a link to the v01 accounts: " + std::strerror(errno));
        }
    } else {
        CB_TRY(make_dirs(dir_name(dir), 0700));
    }
    const std::string prev = accounts_dir_for_path(config_dir, prev_path);
    if (::symlink(prev.c_str(), dir.c_str()) != 0) {
        return Error("cannot link " + dir + " to " + prev + ": " + std::strerror(errno));
    }
    return fsync_dir(dir_name(dir));
}

Result<StoredAccount> load_for_server_path(const std::string& config_dir, const std::string& id,
                                           const std::string& server_path,
                                           const std::string& server_url) {
    CB_TRY(validate_account_id(id));
    const std::string accounts_dir = accounts_dir_for_path(config_dir, server_path);
    const std::string dir = path_join(accounts_dir, id);
    if (!is_dir(dir)) {
        auto it = reuse_servers().find(server_path);
        if (it != reuse_servers().end()) {
            auto prev = load_for_server_path(config_dir, id, it->second, server_url);
            if (!prev) return prev.error();
            auto names = list_dir(accounts_dir);
            if (names && !names->empty()) {
                const std::string prev_dir =
                    path_join(accounts_dir_for_path(config_dir, it->second), id);
                if (::symlink(prev_dir.c_str(), dir.c_str()) != 0) {
                    return Error("cannot link " + dir + " to " + prev_dir + ": " +
                                 std::strerror(errno));
                }
            } else {
                CB_TRY(symlink_accounts_dir(config_dir, it->second, server_path));
            }
            return prev;
        }
        return Error("Account at " + dir +
                     " does not exist; list accounts with `certbot show_account`"
                     " or register with `certbot register`");
    }
    return read_account_dir(dir, id, server_url);
}

std::vector<StoredAccount> find_all_for_server_path(const std::string& config_dir,
                                                    const std::string& server_path,
                                                    const std::string& server_url,
                                                    std::vector<Error>* problems) {
    std::vector<StoredAccount> accounts;
    const std::string dir = accounts_dir_for_path(config_dir, server_path);
    auto names = list_dir(dir);
    if (names) {
        for (const std::string& id : *names) {
            auto acc = load_for_server_path(config_dir, id, server_path, server_url);
            if (acc) {
                accounts.push_back(std::move(*acc));
            } else if (problems) {
                problems->push_back(acc.error());
            }
        }
    }
    auto it = reuse_servers().find(server_path);
    if (accounts.empty() && it != reuse_servers().end()) {
        auto prev = find_all_for_server_path(config_dir, it->second, server_url, problems);
        if (!prev.empty()) {
            Status linked = symlink_accounts_dir(config_dir, it->second, server_path);
            if (!linked) {
                if (problems) problems->push_back(linked.error());
                return {};
            }
        }
        accounts = std::move(prev);
    }
    return accounts;
}

// AccountFileStorage._delete_links_and_find_target_dir
std::string delete_links_and_find_target(
    const std::string& config_dir, std::string server_path,
    const std::function<std::string(const std::string&)>& link_for) {
    std::string dir = link_for(server_path);
    std::map<std::string, std::string> reused;  // v01 path -> v02 path
    for (const auto& kv : reuse_servers()) reused[kv.second] = kv.first;
    (void)config_dir;
    bool possible_next = true;
    while (possible_next) {
        possible_next = false;
        auto it = reused.find(server_path);
        if (it != reused.end()) {
            std::string next_dir = link_for(it->second);
            auto t = read_link(next_dir);
            if (t && *t == dir) {
                possible_next = true;
                server_path = it->second;
                dir = next_dir;
            }
        }
    }
    for (int hops = 0; hops < 40 && is_link(dir); ++hops) {
        auto t = read_link(dir);
        ::unlink(dir.c_str());
        if (!t) break;
        dir = (*t)[0] == '/' ? *t : path_join(dir_name(dir), *t);
    }
    return dir;
}

}  // namespace

// ---- accounts --------------------------------------------------------------------------------

Result<std::string> server_path_for(const std::string& server_url) {
    for (unsigned char c : server_url) {
        if (c < 0x20 || c == 0x7f || c == '\\') {
            return Error("invalid ACME server URL \"" + server_url +
                         "\": control character or "
                         "backslash");
        }
    }
    std::string s = server_url;
    s = s.substr(0, s.find('#'));
    s = s.substr(0, s.find('?'));
    size_t scheme_end = s.find("://");
    if (scheme_end == std::string::npos || scheme_end == 0) {
        return Error("invalid ACME server URL \"" + server_url +
                     "\": expected https://host/path; check --server");
    }
    std::string rest = s.substr(scheme_end + 3);
    size_t slash = rest.find('/');
    std::string netloc = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "" : rest.substr(slash);
    // urlparse moves ";params" of the last path segment out of the path.
    size_t last = path.rfind('/');
    if (last != std::string::npos) {
        size_t semi = path.find(';', last);
        if (semi != std::string::npos) path = path.substr(0, semi);
    }
    if (netloc.empty() || netloc == "." || netloc == "..") {
        return Error("invalid ACME server URL \"" + server_url + "\": no host; check --server");
    }
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string seg = path.substr(i, j - i);
        if (seg == "." || seg == "..") {
            return Error("refusing ACME server URL \"" + server_url +
                         "\": its path has \".\" or \"..\" segments");
        }
        i = j + 1;
    }
    return netloc + path;
}

Result<std::string> accounts_dir_for(const std::string& config_dir, const std::string& server_url) {
    auto sp = server_path_for(server_url);
    if (!sp) return sp.error();
    return accounts_dir_for_path(normalize_path(config_dir), *sp);
}

std::string python_json_string(std::string_view s) {
    std::string out = "\"";
    auto hex4 = [&](unsigned v) {
        static const char hex[] = "0123456789abcdef";
        out += "\\u";
        for (int sh = 12; sh >= 0; sh -= 4) out += hex[(v >> sh) & 15];
    };
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"') {
            out += "\\\"";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\b') {
            out += "\\b";
        } else if (c == '\f') {
            out += "\\f";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else if (c < 0x80) {
            hex4(c);
        } else {
            // Decode one UTF-8 sequence; invalid bytes are written as their Latin-1 code point.
            unsigned cp = c;
            size_t len = 1;
            if (c >= 0xc2 && c <= 0xdf) {
                len = 2;
                cp = c & 0x1f;
            } else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                cp = c & 0x0f;
            } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                cp = c & 0x07;
            }
            bool ok = len > 1 && i + len <= s.size();
            for (size_t k = 1; ok && k < len; ++k) {
                unsigned char cc = static_cast<unsigned char>(s[i + k]);
                if ((cc & 0xc0) != 0x80) ok = false;
                cp = (cp << 6) | (cc & 0x3f);
            }
            if (!ok) {
                hex4(c);
                ++i;
                continue;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                hex4(0xd800 + (cp >> 10));
                hex4(0xdc00 + (cp & 0x3ff));
            } else {
                hex4(cp);
            }
            i += len;
            continue;
        }
        ++i;
    }
    out += "\"";
    return out;
}

std::string make_regr_json(const std::string& account_uri) {
    return "{\"body\": {}, \"uri\": " + python_json_string(account_uri) + "}";
}

std::string make_meta_json(std::time_t creation, const std::string& creation_host,
                           const std::optional<std::string>& register_to_eff) {
    std::string out = "{\"creation_dt\": " + python_json_string(iso_utc(creation)) +
                      ", \"creation_host\": " + python_json_string(creation_host);
    if (register_to_eff && !register_to_eff->empty()) {
        out += ", \"register_to_eff\": " + python_json_string(*register_to_eff);
    }
    return out + "}";
}

std::string creation_host() {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    const std::string hostname = buf;
    // socket.getfqdn(): gethostbyaddr(name) -> first of (hostname, *aliases) with a dot.
    struct addrinfo hints;
    std::memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    struct addrinfo* res = nullptr;
    if (::getaddrinfo(hostname.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
        return hostname;
    }
    struct hostent* he = nullptr;
    if (res->ai_family == AF_INET) {
        auto* sin = reinterpret_cast<struct sockaddr_in*>(res->ai_addr);
        he = ::gethostbyaddr(&sin->sin_addr, sizeof sin->sin_addr, AF_INET);
    } else if (res->ai_family == AF_INET6) {
        auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(res->ai_addr);
        he = ::gethostbyaddr(&sin6->sin6_addr, sizeof sin6->sin6_addr, AF_INET6);
    }
    ::freeaddrinfo(res);
    if (he == nullptr || he->h_name == nullptr) return hostname;
    std::vector<std::string> names{he->h_name};
    for (char** a = he->h_aliases; a != nullptr && *a != nullptr; ++a) names.emplace_back(*a);
    for (const std::string& n : names) {
        if (n.find('.') != std::string::npos) return n;
    }
    return names[0];
}

Status save_account(const std::string& config_dir_in, const StoredAccount& account) {
    const std::string config_dir = normalize_path(config_dir_in);
    CB_TRY(validate_account_id(account.id));
    if (account.private_key_json.empty()) {
        return Error("account " + account.id + " has no private key to save");
    }
    auto sp = server_path_for(account.server_url);
    if (!sp) return sp.error();
    const std::string dir = path_join(accounts_dir_for_path(config_dir, *sp), account.id);
    CB_TRY(make_dirs(config_dir, 0755));
    CB_TRY(make_dirs(dir, 0700));
    std::string regr =
        account.regr_json.empty() ? make_regr_json(account.account_uri) : account.regr_json;
    std::string meta = account.meta_json.empty()
                           ? make_meta_json(std::time(nullptr), creation_host())
                           : account.meta_json;
    // Same order as certbot: key, meta, regr.
    CB_TRY(atomic_write(path_join(dir, "private_key.json"), account.private_key_json, 0400));
    CB_TRY(atomic_write(path_join(dir, "meta.json"), meta, kPublicMode));
    CB_TRY(atomic_write(path_join(dir, "regr.json"), regr, kPublicMode));
    return Status::Ok();
}

Result<std::vector<StoredAccount>> list_accounts(const std::string& config_dir,
                                                 const std::string& server_url,
                                                 std::vector<Error>* problems) {
    auto sp = server_path_for(server_url);
    if (!sp) return sp.error();
    return find_all_for_server_path(normalize_path(config_dir), *sp, server_url, problems);
}

Result<StoredAccount> load_account(const std::string& config_dir, const std::string& server_url,
                                   const std::string& id) {
    auto sp = server_path_for(server_url);
    if (!sp) return sp.error();
    return load_for_server_path(normalize_path(config_dir), id, *sp, server_url);
}

Status delete_account(const std::string& config_dir_in, const std::string& server_url,
                      const std::string& id) {
    const std::string config_dir = normalize_path(config_dir_in);
    CB_TRY(validate_account_id(id));
    auto sp = server_path_for(server_url);
    if (!sp) return sp.error();
    const std::string accounts_dir = accounts_dir_for_path(config_dir, *sp);
    const std::string dir = path_join(accounts_dir, id);
    if (!is_dir(dir)) return Error("Account at " + dir + " does not exist");
    auto account_dir_for = [&](const std::string& p) {
        return path_join(accounts_dir_for_path(config_dir, p), id);
    };
    std::string target = delete_links_and_find_target(config_dir, *sp, account_dir_for);
    CB_TRY(remove_tree(target));
    auto names = list_dir(accounts_dir);
    if (names && names->empty()) {
        auto accounts_for = [&](const std::string& p) {
            return accounts_dir_for_path(config_dir, p);
        };
        std::string root = delete_links_and_find_target(config_dir, *sp, accounts_for);
        if (::rmdir(root.c_str()) != 0 && errno != ENOENT) {
            return Error("cannot remove " + root + ": " + std::strerror(errno));
        }
    }
    return fsync_dir(dir_name(accounts_dir));
}

// ---- lineages --------------------------------------------------------------------------------

RenewalParam RenewalParam::str(std::string key, std::string value) {
    RenewalParam p;
    p.key = std::move(key);
    p.kind = Kind::kString;
    p.value = std::move(value);
    return p;
}

RenewalParam RenewalParam::list_of(std::string key, std::vector<std::string> values) {
    RenewalParam p;
    p.key = std::move(key);
    p.kind = Kind::kList;
    p.list = std::move(values);
    return p;
}

RenewalParam RenewalParam::section(std::string key,
                                   std::vector<std::pair<std::string, std::string>> entries) {
    RenewalParam p;
    p.key = std::move(key);
    p.kind = Kind::kSection;
    p.entries = std::move(entries);
    return p;
}

const std::string& Lineage::link_path(const std::string& kind) const {
    if (kind == "cert") return cert_path;
    if (kind == "privkey") return privkey_path;
    if (kind == "chain") return chain_path;
    return fullchain_path;
}

std::string Lineage::archive_path(const std::string& kind, int version) const {
    return path_join(archive_dir, kind + std::to_string(version) + ".pem");
}

std::vector<int> Lineage::available_versions(const std::string& kind) const {
    std::vector<int> out;
    auto names = list_dir(archive_dir);
    if (!names) return out;
    for (const std::string& n : *names) {
        int v = version_of(kind, n);
        if (v >= 0) out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    return out;
}

int Lineage::latest_common_version() const {
    std::vector<int> common = available_versions(kLineageKinds[0]);
    for (int k = 1; k < 4; ++k) {
        std::vector<int> other = available_versions(kLineageKinds[k]), both;
        std::set_intersection(common.begin(), common.end(), other.begin(), other.end(),
                              std::back_inserter(both));
        common = std::move(both);
    }
    return common.empty() ? 0 : common.back();
}

int Lineage::next_free_version() const {
    int newest = 0;
    for (const char* kind : kLineageKinds) {
        std::vector<int> v = available_versions(kind);
        if (!v.empty()) newest = std::max(newest, v.back());
    }
    return newest + 1;
}

std::string Lineage::current_target(const std::string& kind) const {
    const std::string& link = link_path(kind);
    if (!path_exists(link)) return "";
    return link_target(link).value_or("");
}

int Lineage::current_version(const std::string& kind) const {
    std::string target = current_target(kind);
    if (target.empty() || !path_exists(target)) return 0;
    int v = version_of(kind, base_name(target));
    return v < 0 ? 0 : v;
}

std::string live_readme_text(bool base_dir) {
    const std::string prefix = base_dir ? "[cert name]/" : "";
    return "This directory contains your keys and certificates.\n\n"
           "`" +
           prefix +
           "privkey.pem`  : the private key for your certificate.\n"
           "`" +
           prefix +
           "fullchain.pem`: the certificate file used in most server software.\n"
           "`" +
           prefix +
           "chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.\n"
           "`" +
           prefix +
           "cert.pem`     : will break many server configurations, and "
           "should not be used\n"
           "                 without reading further documentation (see link below).\n\n"
           "WARNING: DO NOT MOVE OR RENAME THESE FILES!\n"
           "         Certbot expects these files to remain in this location in order\n"
           "         to function properly!\n\n"
           "We recommend not moving these files. For more information, see the Certbot\n"
           "User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.\n";
}

std::string default_lineage_name(const std::vector<std::string>& domains) {
    if (domains.empty()) return "";
    const std::string& d = domains[0];
    if (d.size() > 2 && d.compare(0, 2, "*.") == 0) return d.substr(2);
    return d;
}

Status validate_lineage_name(const std::string& name) {
    if (name.empty()) return Error("the certificate name is empty; pass --cert-name", kExitUsage);
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos ||
        name[0] == '.' || name[0] == '*') {
        return Error("invalid certificate name \"" + name +
                         "\": it must not contain '/' or '..' nor start with '.' or '*'",
                     kExitUsage);
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) {
            return Error("invalid certificate name: it contains a control character", kExitUsage);
        }
    }
    if (name.size() > kMaxLineageName) {
        return Error("invalid certificate name \"" + name.substr(0, 40) + "...\": it is " +
                         std::to_string(name.size()) + " characters long, at most " +
                         std::to_string(kMaxLineageName) +
                         " fit the file names made from it (renewal/NAME.conf, NAME-0001, "
                         "temporaries); pass a shorter --cert-name",
                     kExitUsage);
    }
    return Status::Ok();
}

namespace {

bool lineage_name_taken(const std::string& config_dir, const std::string& name) {
    if (path_lexists(path_join(path_join(config_dir, "renewal"), name + ".conf"))) return true;
    if (!dir_is_empty_or_missing(path_join(path_join(config_dir, "archive"), name))) return true;
    if (!dir_is_empty_or_missing(path_join(path_join(config_dir, "live"), name))) return true;
    return false;
}

void put_params(Section& rp, const std::vector<RenewalParam>& params) {
    for (const RenewalParam& p : params) {
        switch (p.kind) {
            case RenewalParam::Kind::kString:
                rp.set(p.key, p.value);
                break;
            case RenewalParam::Kind::kList:
                rp.set_list(p.key, p.list);
                break;
            case RenewalParam::Kind::kSection: {
                Section& sub = rp.section(p.key);
                sub.clear();  // configobj replaces a subsection assigned from a dict
                for (const auto& kv : p.entries) sub.set(kv.first, kv.second);
                break;
            }
        }
    }
}

}  // namespace

Result<std::string> choose_lineage_name(const std::string& config_dir_in,
                                        const std::string& wanted) {
    CB_TRY(validate_lineage_name(wanted));
    const std::string config_dir = normalize_path(config_dir_in);
    if (!lineage_name_taken(config_dir, wanted)) return wanted;
    for (int i = 1; i < 100000; ++i) {
        char suffix[16];
        std::snprintf(suffix, sizeof suffix, "-%04d", i);
        std::string candidate = wanted + suffix;
        if (!lineage_name_taken(config_dir, candidate)) return candidate;
    }
    return Error("no free certificate name derived from \"" + wanted + "\"; pass --cert-name");
}

void update_renewal_conf(ConfigObj& conf, const std::string& version,
                         const std::string& archive_dir, const std::string& cert,
                         const std::string& privkey, const std::string& chain,
                         const std::string& fullchain, const std::vector<RenewalParam>& params,
                         const std::function<bool(const std::string& key)>& ours) {
    Section& root = conf.root();
    root.set("version", version);
    root.set("archive_dir", archive_dir);
    root.set("cert", cert);
    root.set("privkey", privkey);
    root.set("chain", chain);
    root.set("fullchain", fullchain);
    if (!root.has("renewalparams")) {
        root.section("renewalparams");
        root.set_comments("renewalparams", {"", "Options used in the renewal process"});
    }
    Section& rp = root.section("renewalparams");
    put_params(rp, params);
    std::set<std::string> wanted;
    for (const RenewalParam& p : params) wanted.insert(p.key);
    std::vector<std::string> all = rp.keys();
    for (const std::string& s : rp.sections()) all.push_back(s);
    for (const std::string& k : all) {
        if (!wanted.count(k) && ours(k)) rp.remove(k);
    }
    if (!root.has("renew_before_expiry")) {
        conf.initial_comment() = {"renew_before_expiry = 30 days"};
    }
}

ConfigObj build_renewal_conf(const std::string& version, const std::string& archive_dir,
                             const std::string& cert, const std::string& privkey,
                             const std::string& chain, const std::string& fullchain,
                             const std::vector<RenewalParam>& params) {
    ConfigObj conf;
    update_renewal_conf(conf, version, archive_dir, cert, privkey, chain, fullchain, params,
                        [](const std::string&) { return false; });  // nothing to remove
    return conf;
}

namespace {

std::string updating_dir(const std::string& config_dir) {
    return path_join(path_join(config_dir, "renewal"), ".updating");
}

// Removes a marker, and renewal/.updating itself once it is empty (the usual case: one update
// at a time), so the store looks exactly as certbot leaves it.
// renew's workers (threads) mark and unmark lineages at the same time: creating the directory
// and writing a marker, or removing a marker and the then empty directory, must not interleave.
// (Other processes are kept out by the config dir's lock.)
std::mutex g_marker_mu;

Status remove_update_marker(const std::string& path) {
    std::lock_guard<std::mutex> hold(g_marker_mu);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return Error("cannot remove " + path + ": " + std::strerror(errno));
    const std::string dir = dir_name(path);
    if (::rmdir(dir.c_str()) == 0) return fsync_dir(dir_name(dir));
    return fsync_dir(dir);
}

// renewal/.updating/<name>: present while a lineage's files are being written (created before
// the first archive file, removed after the last step). A run killed in between leaves it, and
// the next run's finish_unfinished_updates knows which lineage to clean up. Certbot's glob of
// renewal/*.conf does not see it. On failure (not a kill) the destructor removes it again: the
// failing step has already cleaned up after itself.
class UpdateMarker {
  public:
    static Result<UpdateMarker> begin(const std::string& config_dir, const std::string& name) {
        const std::string dir = updating_dir(config_dir);
        std::lock_guard<std::mutex> hold(g_marker_mu);
        if (!is_dir(dir)) CB_TRY(make_dirs(dir, 0755));
        const std::string path = path_join(dir, name);
        CB_TRY(atomic_write(path, name + "\n", kPublicMode));
        return UpdateMarker(path);
    }
    UpdateMarker(UpdateMarker&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    UpdateMarker& operator=(UpdateMarker&&) = delete;
    ~UpdateMarker() {
        if (!path_.empty()) (void)remove_update_marker(path_);
    }
    // From here on a failure leaves the marker: what was written is complete and the next run
    // finishes the update (points the links at it).
    void keep() { path_.clear(); }
    Status done() {
        const std::string p = path_;
        path_.clear();
        return remove_update_marker(p);
    }

  private:
    explicit UpdateMarker(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

// Undo list for create_lineage: removes what it recorded, newest first.
class Rollback {
  public:
    ~Rollback() {
        if (committed_) return;
        for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
            if (it->second) {
                ::rmdir(it->first.c_str());
            } else {
                ::unlink(it->first.c_str());
            }
        }
    }
    void file(const std::string& p) { items_.emplace_back(p, false); }
    void dir(const std::string& p) { items_.emplace_back(p, true); }
    void commit() { committed_ = true; }

  private:
    std::vector<std::pair<std::string, bool>> items_;
    bool committed_ = false;
};

Status make_dir_tracked(const std::string& path, mode_t mode, Rollback& rb) {
    if (is_dir(path)) return Status::Ok();
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
        return Error("cannot create directory " + path + ": " + std::strerror(errno) +
                     "; check permissions of " + dir_name(path));
    }
    rb.dir(path);
    return fsync_dir(dir_name(path));
}

Result<Lineage> lineage_from_conf(const std::string& config_dir, const std::string& conf_path,
                                  ConfigObj conf) {
    Lineage l;
    l.config_dir = config_dir;
    l.renewal_conf_path = conf_path;
    const std::string base = base_name(conf_path);
    if (base.size() <= 5 || base.compare(base.size() - 5, 5, ".conf") != 0) {
        return Error("renewal config file name must end in .conf: " + conf_path);
    }
    l.name = base.substr(0, base.size() - 5);
    for (const char* kind : kLineageKinds) {
        auto v = conf.root().get(kind);
        if (!v || v->empty()) {
            return Error("renewal config file " + conf_path +
                         " is missing a required file "
                         "reference (" +
                         kind + "); restore it or delete the lineage");
        }
    }
    l.cert_path = *conf.root().get("cert");
    l.privkey_path = *conf.root().get("privkey");
    l.chain_path = *conf.root().get("chain");
    l.fullchain_path = *conf.root().get("fullchain");
    auto archive = conf.root().get("archive_dir");
    l.archive_dir = archive && !archive->empty()
                        ? *archive
                        : path_join(path_join(config_dir, "archive"), l.name);
    l.conf = std::move(conf);
    return l;
}

// Both name the same existing directory (symlinks resolved).
bool same_dir(const std::string& a, const std::string& b) {
    struct stat sa, sb;
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool is_within(const std::string& path, const std::string& dir) {
    const std::string d = normalize_path(dir);
    return path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/';
}

// RenewableCert._check_symlinks; also notes whether the links agree on a version.
Status check_symlinks(Lineage& l) {
    int version = -1;
    l.links_agree = true;
    for (const char* kind : kLineageKinds) {
        const std::string& link = l.link_path(kind);
        auto target = link_target(link);  // readlink: fails unless it is a symlink
        if (!target) {
            return Error("expected " + link + " to be a symlink (lineage " + l.name +
                         "); see `certbot update_symlinks` or restore live/" + l.name);
        }
        if (::access(target->c_str(), F_OK) != 0) {
            return Error("target " + *target + " of symlink " + link + " does not exist (lineage " +
                         l.name + ")");
        }
        // A link into another lineage or out of the store is not an interrupted update: it is
        // reported as what it is and never "repaired" by pointing at whatever is there.
        if (!same_dir(dir_name(*target), l.archive_dir))
            return Error("symlink " + link + " points at " + *target + ", outside the archive " +
                         l.archive_dir + " of lineage " + l.name +
                         (is_within(*target, l.config_dir) ? " (into another part of the store)"
                                                           : " (outside the config dir)") +
                         "; not touching it: restore live/" + l.name + " by hand");
        const int v = version_of(kind, base_name(*target));
        if (v < 0 || (version >= 0 && v != version)) l.links_agree = false;
        version = v;
    }
    return Status::Ok();
}

}  // namespace

Result<Lineage> create_lineage(const std::string& config_dir_in, const std::string& name,
                               const std::string& cert_pem, const std::string& chain_pem,
                               const std::string& fullchain_pem, const std::string& key_pem,
                               const std::vector<RenewalParam>& renewal_params,
                               const std::string& version) {
    CB_TRY(validate_lineage_name(name));
    const std::string config_dir = normalize_path(config_dir_in);
    const std::string renewal_dir = path_join(config_dir, "renewal");
    const std::string archive_root = path_join(config_dir, "archive");
    const std::string live_root = path_join(config_dir, "live");
    const std::string conf_path = path_join(renewal_dir, name + ".conf");
    const std::string archive = path_join(archive_root, name);
    const std::string live = path_join(live_root, name);

    CB_TRY(make_dirs(config_dir, 0755));
    // Directory modes as certbot leaves them: renewal/ 0755 (cert_manager), archive/ and live/
    // 0700 (storage.new_lineage), the per-lineage directories 0755 subject to the umask.
    if (!is_dir(renewal_dir)) CB_TRY(make_dirs(renewal_dir, 0755));
    if (!is_dir(archive_root)) CB_TRY(make_dirs(archive_root, 0700));
    if (!is_dir(live_root)) CB_TRY(make_dirs(live_root, 0700));
    if (path_lexists(conf_path)) {
        return Error("a certificate named " + name + " already exists (" + conf_path +
                     "); choose another --cert-name");
    }
    if (!dir_is_empty_or_missing(archive)) {
        return Error("archive directory exists for " + name + " (" + archive +
                     ") without a renewal conf; move it away or choose another --cert-name");
    }
    if (!dir_is_empty_or_missing(live)) {
        return Error("live directory exists for " + name + " (" + live +
                     ") without a renewal conf; move it away or choose another --cert-name");
    }
    const std::string base_readme = path_join(live_root, "README");
    if (!path_lexists(base_readme)) {
        CB_TRY(atomic_write(base_readme, live_readme_text(true), kPublicMode));
    }

    auto marker = UpdateMarker::begin(config_dir, name);
    if (!marker) return marker.error();
    Rollback rb;
    CB_TRY(make_dir_tracked(archive, 0755, rb));
    CB_TRY(make_dir_tracked(live, 0755, rb));

    // 1. Archive files, each durable before anything points at it.
    const std::string fullchain = fullchain_pem.empty() ? cert_pem + chain_pem : fullchain_pem;
    const std::pair<const char*, const std::string*> contents[4] = {{"privkey", &key_pem},
                                                                    {"cert", &cert_pem},
                                                                    {"chain", &chain_pem},
                                                                    {"fullchain", &fullchain}};
    for (const auto& c : contents) {
        const std::string path = path_join(archive, std::string(c.first) + "1.pem");
        mode_t mode = std::string(c.first) == "privkey" ? kPrivkeyMode : kPublicMode;
        rb.file(path);
        CB_TRY(atomic_write(path, *c.second, mode));
    }
    // 2. Live links (relative, as certbot makes them) and the README.
    Lineage l;
    l.name = name;
    l.config_dir = config_dir;
    l.renewal_conf_path = conf_path;
    l.archive_dir = archive;
    l.cert_path = path_join(live, "cert.pem");
    l.privkey_path = path_join(live, "privkey.pem");
    l.chain_path = path_join(live, "chain.pem");
    l.fullchain_path = path_join(live, "fullchain.pem");
    for (const char* kind : kLineageKinds) {
        const std::string& link = l.link_path(kind);
        rb.file(link);
        CB_TRY(atomic_symlink(relative_path(l.archive_path(kind, 1), live), link));
    }
    const std::string readme = path_join(live, "README");
    rb.file(readme);
    CB_TRY(atomic_write(readme, live_readme_text(false), kPublicMode));

    // 3. The renewal conf, last: its appearance makes the lineage exist.
    l.conf = build_renewal_conf(version, archive, l.cert_path, l.privkey_path, l.chain_path,
                                l.fullchain_path, renewal_params);
    auto text = l.conf.serialize();
    if (!text) return text.error().context("writing " + conf_path);
    rb.file(conf_path);
    CB_TRY(atomic_write(conf_path, *text, kPublicMode));
    rb.commit();
    CB_TRY(marker->done());
    return l;
}

Status save_renewal_conf(const Lineage& lineage) {
    auto text = lineage.conf.serialize();
    if (!text) return text.error().context("writing " + lineage.renewal_conf_path);
    mode_t mode = kPublicMode;
    struct stat st;
    if (::stat(lineage.renewal_conf_path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    return atomic_write(lineage.renewal_conf_path, *text, mode);
}

Result<int> save_new_version(Lineage& lineage, const std::string& cert_pem,
                             const std::string& chain_pem, const std::string& fullchain_pem,
                             const std::string& key_pem) {
    const int prior = lineage.latest_common_version();
    const int target = lineage.next_free_version();
    std::string old_key = lineage.current_target("privkey");
    if (old_key.empty() && prior > 0) old_key = lineage.archive_path("privkey", prior);

    std::string key = key_pem;
    if (key.empty()) {
        if (old_key.empty()) {
            return Error("cannot reuse the private key of " + lineage.name +
                         ": live/privkey.pem is missing; renew with a new key");
        }
        auto bytes = read_file(old_key);
        if (!bytes) return bytes.error().context("reusing the key of " + lineage.name);
        key = std::move(*bytes);
    }
    // certbot: 0600 plus the previous key's group bits and world-read bit, and its group.
    mode_t key_mode = kPrivkeyMode;
    std::optional<gid_t> key_group;
    struct stat st;
    if (!old_key.empty() && ::stat(old_key.c_str(), &st) == 0) {
        key_mode |= st.st_mode & (S_IRWXG | S_IROTH);
        if (st.st_gid != ::getegid()) key_group = st.st_gid;
    }

    auto marker = UpdateMarker::begin(lineage.config_dir, lineage.name);
    if (!marker) return marker.error();
    Rollback rb;
    const std::string fullchain = fullchain_pem.empty() ? cert_pem + chain_pem : fullchain_pem;
    const std::string privkey_path = lineage.archive_path("privkey", target);
    rb.file(privkey_path);
    CB_TRY(atomic_write(privkey_path, key, key_mode, key_group));
    const std::pair<const char*, const std::string*> contents[3] = {
        {"cert", &cert_pem}, {"chain", &chain_pem}, {"fullchain", &fullchain}};
    for (const auto& c : contents) {
        const std::string path = lineage.archive_path(c.first, target);
        rb.file(path);
        CB_TRY(atomic_write(path, *c.second, kPublicMode));
    }
    rb.commit();  // a complete version stays even if switching links fails (repair finds it)
    const std::string marker_path = path_join(updating_dir(lineage.config_dir), lineage.name);
    marker->keep();

    // All four temp links first, then four renames back to back: the window in which a reader
    // (or a kill) sees the links at different versions is a few microseconds.
    std::vector<std::pair<std::string, std::string>> links;
    for (const char* kind : kLineageKinds) {
        const std::string& link = lineage.link_path(kind);
        links.emplace_back(relative_path(lineage.archive_path(kind, target), dir_name(link)), link);
    }
    if (Status s = atomic_symlinks(links); !s) {
        return s.error().context("switching " + lineage.name + " to version " +
                                 std::to_string(target) +
                                 " (run certbot again to finish the switch)");
    }
    CB_TRY(prune_versions(lineage, kPrunePrevious));
    CB_TRY(remove_update_marker(marker_path));
    return target;
}

Status prune_versions(const Lineage& lineage, int keep_previous) {
    const int current = lineage.latest_common_version();
    if (current <= 0) return Status::Ok();
    for (int v : lineage.available_versions("cert")) {
        if (v <= current && v >= current - keep_previous) continue;
        for (const char* kind : kLineageKinds) {
            const std::string p = lineage.archive_path(kind, v);
            if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
                return Error("cannot remove old version " + p + ": " + std::strerror(errno));
            }
        }
    }
    return fsync_dir(lineage.archive_dir);
}

namespace {

// The lineage a renewal conf describes, without looking at its links.
Result<Lineage> read_lineage_conf(const std::string& config_dir_in, const std::string& conf_path) {
    auto text = read_file(conf_path, kMaxConfBytes);
    if (!text) return text.error();
    auto conf = ConfigObj::parse(*text, conf_path);
    if (!conf) return conf.error();
    return lineage_from_conf(normalize_path(config_dir_in), conf_path, std::move(*conf));
}

}  // namespace

Result<Lineage> load_lineage_from_conf(const std::string& config_dir,
                                       const std::string& conf_path) {
    auto l = read_lineage_conf(config_dir, conf_path);
    if (!l) return l.error();
    Status links = check_symlinks(*l);
    if (!links) return links.error().context(conf_path);
    return l;
}

Result<Lineage> load_lineage(const std::string& config_dir_in, const std::string& name) {
    const std::string config_dir = normalize_path(config_dir_in);
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
        return Error("invalid certificate name \"" + name + "\"", kExitUsage);
    }
    const std::string conf_path = path_join(path_join(config_dir, "renewal"), name + ".conf");
    if (!path_exists(conf_path)) {
        return Error("No certificate found with name " + name + " (expected " + conf_path +
                         "); see `certbot certificates`",
                     kExitUsage);
    }
    return load_lineage_from_conf(config_dir, conf_path);
}

Result<std::vector<std::string>> renewal_conf_paths(const std::string& config_dir) {
    const std::string renewal_dir = path_join(normalize_path(config_dir), "renewal");
    std::vector<std::string> out;
    if (!path_exists(renewal_dir)) return out;
    auto names = list_dir(renewal_dir);
    if (!names) return names.error();
    for (const std::string& n : *names) {
        if (n.size() <= 5 || n[0] == '.' || n.compare(n.size() - 5, 5, ".conf") != 0) continue;
        out.push_back(path_join(renewal_dir, n));
    }
    return out;
}

std::string lineage_name_of(const std::string& conf_path) {
    std::string base = base_name(conf_path);
    return base.size() > 5 ? base.substr(0, base.size() - 5) : base;
}

Result<std::vector<Lineage>> list_lineages(const std::string& config_dir,
                                           std::vector<Error>* broken) {
    auto paths = renewal_conf_paths(config_dir);
    if (!paths) return paths.error();
    std::vector<Lineage> out;
    for (const std::string& p : *paths) {
        auto l = load_lineage_from_conf(config_dir, p);
        if (l) {
            out.push_back(std::move(*l));
        } else if (broken) {
            broken->push_back(l.error());
        }
    }
    return out;
}

Status delete_lineage(const std::string& config_dir_in, const std::string& name) {
    const std::string config_dir = normalize_path(config_dir_in);
    CB_TRY(validate_lineage_name(name));
    const std::string conf_path = path_join(path_join(config_dir, "renewal"), name + ".conf");
    const std::string default_archive = path_join(path_join(config_dir, "archive"), name);
    const std::string default_live = path_join(path_join(config_dir, "live"), name);
    if (!path_exists(conf_path)) {
        return Error("No certificate found with name " + name + " (expected " + conf_path + ")",
                     kExitUsage);
    }
    auto text = read_file(conf_path, kMaxConfBytes);
    Result<ConfigObj> conf =
        text ? ConfigObj::parse(*text, conf_path) : Result<ConfigObj>(text.error());
    std::string archive = default_archive;
    if (conf) {
        auto archive_conf = conf->root().get("archive_dir");
        if (archive_conf && !archive_conf->empty()) archive = *archive_conf;
        // Guard against a conf whose archive_dir names something that holds the store itself.
        const std::string norm = normalize_path(archive);
        if (norm == "/" || (config_dir + "/").compare(0, norm.size() + 1, norm + "/") == 0) {
            return Error("not deleting " + name + ": its archive_dir " + archive +
                         " contains the config directory; fix " + conf_path + " first");
        }
    }
    // Like certbot: the conf goes first (the lineage stops existing), even when it cannot be
    // parsed.
    if (::unlink(conf_path.c_str()) != 0) {
        return Error("cannot remove " + conf_path + ": " + std::strerror(errno));
    }
    CB_TRY(fsync_dir(dir_name(conf_path)));
    if (!conf) {
        return Error("error parsing " + conf_path + " (" + conf.error().message +
                     "); it was removed; delete " + default_live + " and " + default_archive +
                     " by hand");
    }
    std::set<std::string> dirs;
    for (const char* kind : kLineageKinds) {
        auto link = conf->root().get(kind);
        if (!link || link->empty()) continue;
        ::unlink(link->c_str());  // missing files are ignored, as by certbot
        dirs.insert(dir_name(*link));
    }
    if (dirs.size() == 1) {
        const std::string dir = *dirs.begin();
        ::unlink(path_join(dir, "README").c_str());
        ::rmdir(dir.c_str());  // only if now empty
    }
    const std::string norm = normalize_path(archive);
    bool under_archive = norm.compare(0, config_dir.size() + 9, config_dir + "/archive/") == 0;
    if (under_archive || base_name(norm) == name) return remove_tree(archive);
    // A custom archive dir with another name: remove only the lineage's own files.
    auto names = list_dir(archive);
    if (names) {
        for (const std::string& n : *names) {
            for (const char* kind : kLineageKinds) {
                if (version_of(kind, n) >= 0) ::unlink(path_join(archive, n).c_str());
            }
        }
        ::rmdir(archive.c_str());
    }
    return Status::Ok();
}

Status update_symlinks(const std::string& config_dir, const std::string& conf_path) {
    auto l = read_lineage_conf(config_dir, conf_path);
    if (!l) return l.error();
    for (const char* kind : kLineageKinds) {
        const std::string& link = l->link_path(kind);
        auto target = read_link(link);
        if (!target) {
            return Error("expected " + link + " to be a symlink (lineage " + l->name +
                         "); restore it, then run update_symlinks again");
        }
        const std::string want = path_join(l->archive_dir, base_name(*target));
        CB_TRY(atomic_symlink(relative_path(want, dir_name(link)), link));
    }
    Status links = check_symlinks(*l);
    if (!links) return links.error().context(conf_path);
    return Status::Ok();
}

namespace {

// Removes the temp files an interrupted atomic_write/atomic_symlink left in `dir` whose names
// start with `prefix` (all of them for ""). Returns how many.
int remove_temp_files(const std::string& dir, const std::string& prefix) {
    auto names = list_dir(dir);
    if (!names) return 0;
    int n = 0;
    for (const auto& f : *names)
        if (is_temp_name(f) && f.compare(0, prefix.size(), prefix) == 0 &&
            ::unlink(path_join(dir, f).c_str()) == 0)
            ++n;
    return n;
}

// One lineage named by a marker: see finish_unfinished_updates.
std::string finish_unfinished(const std::string& config_dir, const std::string& name) {
    const std::string conf_path = path_join(path_join(config_dir, "renewal"), name + ".conf");
    const bool exists = path_exists(conf_path);
    Lineage l;
    if (exists) {
        auto read = read_lineage_conf(config_dir, conf_path);
        if (!read)
            return "cannot clean up after an interrupted update of " + name + ": " +
                   read.error().message;
        l = std::move(*read);
    } else {
        l.name = name;
        l.config_dir = config_dir;
        l.archive_dir = path_join(path_join(config_dir, "archive"), name);
        const std::string live = path_join(path_join(config_dir, "live"), name);
        l.cert_path = path_join(live, "cert.pem");
        l.privkey_path = path_join(live, "privkey.pem");
        l.chain_path = path_join(live, "chain.pem");
        l.fullchain_path = path_join(live, "fullchain.pem");
    }
    int removed = remove_temp_files(l.archive_dir, "");
    std::set<std::string> live_dirs;
    for (const char* kind : kLineageKinds) live_dirs.insert(dir_name(l.link_path(kind)));
    for (const auto& d : live_dirs) removed += remove_temp_files(d, "");
    removed += remove_temp_files(path_join(config_dir, "renewal"), "." + name + ".conf.tmp.");
    // Files of versions newer than the newest complete one were never pointed at: a key (0600)
    // or certificate written before the kill. Complete versions are never touched.
    const int complete = l.latest_common_version();
    if (auto files = list_dir(l.archive_dir)) {
        for (const auto& f : *files)
            for (const char* kind : kLineageKinds)
                if (version_of(kind, f) > complete &&
                    ::unlink(path_join(l.archive_dir, f).c_str()) == 0)
                    ++removed;
        (void)fsync_dir(l.archive_dir);
    }
    std::string what = "removed " + std::to_string(removed) + " unfinished file(s)";
    if (exists && complete > 0) {
        if (auto st = repair_live_links(l); !st) return what + "; " + st.error().message;
        return what + "; live/ links point at version " + std::to_string(complete);
    }
    if (!exists && complete > 0)
        return what + "; " + l.archive_dir +
               " holds a certificate whose renewal conf was never written: request the same "
               "names again (certonly), then delete it";
    if (!exists) {  // nothing of the new lineage was complete: remove what it created
        for (const char* kind : kLineageKinds) ::unlink(l.link_path(kind).c_str());
        for (const auto& d : live_dirs) {
            ::unlink(path_join(d, "README").c_str());
            ::rmdir(d.c_str());
        }
        ::rmdir(l.archive_dir.c_str());
    }
    return what;
}

}  // namespace

Status check_store_writable(const std::string& config_dir_in, const Lineage* existing) {
    const std::string config_dir = normalize_path(config_dir_in);
    std::vector<std::string> dirs = {path_join(config_dir, "renewal")};
    if (existing) {
        dirs.push_back(existing->archive_dir);
        for (const char* kind : kLineageKinds) dirs.push_back(dir_name(existing->link_path(kind)));
    } else {
        dirs.push_back(path_join(config_dir, "archive"));
        dirs.push_back(path_join(config_dir, "live"));
    }
    for (std::string d : dirs) {
        while (!path_exists(d) && d != dir_name(d)) d = dir_name(d);  // created on save
        if (::access(d.c_str(), W_OK) != 0)
            return Error("cannot save a certificate in " + d + ": " + std::strerror(errno) +
                             "; fix its permissions (or run as its owner) before ordering",
                         kExitFailure);
    }
    return Status::Ok();
}

std::vector<std::string> finish_unfinished_updates(const std::string& config_dir_in) {
    const std::string config_dir = normalize_path(config_dir_in);
    const std::string dir = updating_dir(config_dir);
    std::vector<std::string> report;
    // A renewal conf rewritten outside a marked update (renew saving its parameters) and killed
    // before the rename leaves ".<name>.conf.tmp.*": we hold the lock, so no run is writing one.
    if (int n = remove_temp_files(path_join(config_dir, "renewal"), "."); n > 0)
        report.push_back("removed " + std::to_string(n) +
                         " unfinished renewal conf file(s) an interrupted run left in " +
                         path_join(config_dir, "renewal"));
    auto names = list_dir(dir);
    if (!names) return report;  // usually: no directory, nothing was interrupted
    for (const auto& name : *names) {
        const std::string marker = path_join(dir, name);
        if (!is_temp_name(name) && validate_lineage_name(name))
            report.push_back("lineage " + name + " was left half-written by an interrupted run: " +
                             finish_unfinished(config_dir, name));
        (void)remove_update_marker(marker);
    }
    return report;
}

Status repair_live_links(Lineage& lineage) {
    // Leftovers of an interrupted Python certbot update_all_links_to().
    for (const char* kind : kLineageKinds) {
        const std::string prev =
            path_join(dir_name(lineage.link_path(kind)), std::string("previous_") + kind + ".pem");
        if (path_lexists(prev)) ::unlink(prev.c_str());
    }
    const int newest = lineage.latest_common_version();
    if (newest <= 0) {
        return Error("lineage " + lineage.name + " has no complete version in " +
                     lineage.archive_dir + "; delete it and obtain a new certificate");
    }
    for (const char* kind : kLineageKinds) {
        const std::string& link = lineage.link_path(kind);
        const std::string want = normalize_path(lineage.archive_path(kind, newest));
        auto have = link_target(link);
        if (is_link(link) && have && *have == want) continue;
        CB_TRY(make_dirs(dir_name(link), 0755));
        CB_TRY(atomic_symlink(relative_path(want, dir_name(link)), link));
    }
    return Status::Ok();
}

}  // namespace certbot
