#include "lineage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>
#include <string_view>

#include "fsutil.h"
#include "store_internal.h"

namespace certbot {

using namespace store_internal;

const char* const kLineageKinds[4] = {"cert", "privkey", "chain", "fullchain"};

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
    if (path_lexists(path_join(renewal_dir_of(config_dir), name + ".conf"))) return true;
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
    // The common case (a link written by certbot or by us, into the conf's own archive_dir)
    // needs no system call: renew checks four links per lineage.
    if (a == b) return true;
    struct stat sa, sb;
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool is_within(const std::string& path, const std::string& dir) {
    const std::string d = normalize_path(dir);
    return path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/';
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

namespace store_internal {

namespace {

// The lineage the renewal conf TEXT (read from CONF_PATH) describes; CONFIG_DIR is normalised.
Result<Lineage> lineage_of_text(const std::string& config_dir, const std::string& conf_path,
                                const Result<std::string>& text) {
    if (!text) return text.error();
    auto conf = ConfigObj::parse(*text, conf_path);
    if (!conf) return conf.error();
    return lineage_from_conf(config_dir, conf_path, std::move(*conf));
}

// L with its links checked (check_symlinks, through READER when set): the loaders' last step.
Result<Lineage> with_checked_links(Result<Lineage> l, const std::string& conf_path,
                                   const LineageReader* reader) {
    if (!l) return l;
    Status links = check_symlinks(*l, reader);
    if (!links) return links.error().context(conf_path);
    return l;
}

}  // namespace

// The lineage a renewal conf describes, without looking at its links.
Result<Lineage> read_lineage_conf(const std::string& config_dir_in, const std::string& conf_path) {
    return lineage_of_text(normalize_path(config_dir_in), conf_path,
                           read_file(conf_path, kMaxConfBytes));
}

// RenewableCert._check_symlinks; also notes whether the links agree on a version.
Status check_symlinks(Lineage& l, const LineageReader* reader) {
    int version = -1;
    l.links_agree = true;
    for (const char* kind : kLineageKinds) {
        const std::string& link = l.link_path(kind);
        // readlink: fails unless it is a symlink
        const auto [link_fd, link_rel] =
            reader ? reader->at(link) : std::pair<int, const char*>(AT_FDCWD, link.c_str());
        const std::optional<std::string> target = link_target_at(link, link_fd, link_rel);
        if (!target) {
            return Error("expected " + link + " to be a symlink (lineage " + l.name +
                         "); see `certbot update_symlinks` or restore live/" + l.name);
        }
        const auto [target_fd, target_rel] =
            reader ? reader->at(*target) : std::pair<int, const char*>(AT_FDCWD, target->c_str());
        if (::faccessat(target_fd, target_rel, F_OK, 0) != 0) {
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

}  // namespace store_internal

Result<Lineage> load_lineage_from_conf(const std::string& config_dir,
                                       const std::string& conf_path) {
    return store_internal::with_checked_links(read_lineage_conf(config_dir, conf_path), conf_path,
                                              nullptr);
}

Result<Lineage> load_lineage(const std::string& config_dir_in, const std::string& name) {
    const std::string config_dir = normalize_path(config_dir_in);
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
        return Error("invalid certificate name \"" + name + "\"", kExitUsage);
    }
    const std::string conf_path = path_join(renewal_dir_of(config_dir), name + ".conf");
    if (!path_exists(conf_path)) {
        return Error("No certificate found with name " + name + " (expected " + conf_path +
                         "); see `certbot certificates`",
                     kExitUsage);
    }
    return load_lineage_from_conf(config_dir, conf_path);
}

std::string renewal_dir_of(const std::string& config_dir) {
    return path_join(normalize_path(config_dir), "renewal");
}

namespace {

// "a/b/c": no empty, "." or ".." component, so that it names the same file relative to a
// directory as it does lexically after that directory's path.
bool plain_relative(std::string_view rel) {
    if (rel.empty()) return false;
    while (true) {
        const size_t slash = rel.find('/');
        const std::string_view c = rel.substr(0, slash);
        if (c.empty() || c == "." || c == "..") return false;
        if (slash == std::string_view::npos) return true;
        rel.remove_prefix(slash + 1);
    }
}

int open_dir(const std::string& path) {
    return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace

LineageReader::LineageReader(const std::string& config_dir)
    : config_dir_(normalize_path(config_dir)),
      renewal_dir_(renewal_dir_of(config_dir_)),
      live_prefix_(path_join(config_dir_, "live") + "/"),
      archive_prefix_(path_join(config_dir_, "archive") + "/"),
      renewal_fd_(open_dir(renewal_dir_)),
      live_fd_(open_dir(live_prefix_)),
      archive_fd_(open_dir(archive_prefix_)) {}

LineageReader::~LineageReader() {
    for (int fd : {renewal_fd_, live_fd_, archive_fd_})
        if (fd >= 0) ::close(fd);
}

std::pair<int, const char*> LineageReader::at(const std::string& path) const {
    auto under = [&](const std::string& prefix, int fd) {
        return fd >= 0 && path.size() > prefix.size() &&
               path.compare(0, prefix.size(), prefix) == 0 &&
               plain_relative(std::string_view(path).substr(prefix.size()));
    };
    if (under(live_prefix_, live_fd_)) return {live_fd_, path.c_str() + live_prefix_.size()};
    if (under(archive_prefix_, archive_fd_))
        return {archive_fd_, path.c_str() + archive_prefix_.size()};
    return {AT_FDCWD, path.c_str()};
}

Result<Lineage> LineageReader::load(const std::string& conf_name) const {
    const std::string conf_path = path_join(renewal_dir_, conf_name);
    auto text = renewal_fd_ >= 0 && plain_relative(conf_name)
                    ? read_file_at(renewal_fd_, conf_name.c_str(), conf_path, kMaxConfBytes)
                    : read_file(conf_path, kMaxConfBytes);
    return store_internal::with_checked_links(
        store_internal::lineage_of_text(config_dir_, conf_path, text), conf_path, this);
}

Result<std::vector<std::string>> renewal_conf_names(const std::string& config_dir) {
    const std::string renewal_dir = renewal_dir_of(config_dir);
    if (!path_exists(renewal_dir)) return std::vector<std::string>();
    auto names = list_dir(renewal_dir);
    if (!names) return names.error();
    auto not_conf = [](const std::string& n) {
        return n.size() <= 5 || n[0] == '.' || n.compare(n.size() - 5, 5, ".conf") != 0;
    };
    names->erase(std::remove_if(names->begin(), names->end(), not_conf), names->end());
    return names;
}

Result<std::vector<std::string>> renewal_conf_paths(const std::string& config_dir) {
    auto names = renewal_conf_names(config_dir);
    if (!names) return names.error();
    const std::string renewal_dir = renewal_dir_of(config_dir);
    std::vector<std::string> out;
    out.reserve(names->size());
    for (const std::string& n : *names) out.push_back(path_join(renewal_dir, n));
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

}  // namespace certbot
