#include "account_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>

#include <rapidjson/document.h>

#include "fsutil.h"
#include "store_internal.h"

namespace certbot {

using namespace store_internal;

namespace {

constexpr size_t kMaxAccountFileBytes = 1024 * 1024;

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
    // One parsed document at a time (each holds a 64 KiB pool), checked in the same order.
    {
        auto regr_doc = parse_json_object(*regr, regr_path);
        if (!regr_doc) return regr_doc.error();
        auto uri = regr_doc->FindMember("uri");
        if (uri != regr_doc->MemberEnd() && uri->value.IsString()) {
            acc.account_uri.assign(uri->value.GetString(), uri->value.GetStringLength());
        }
    }
    {
        auto key_doc = parse_json_object(*key, key_path);
        if (!key_doc) return key_doc.error();
        if (!key_doc->HasMember("kty")) return Error(key_path + " is not a JWK (no \"kty\")");
    }
    if (auto meta_doc = parse_json_object(*meta, meta_path); !meta_doc) return meta_doc.error();
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

}  // namespace certbot
