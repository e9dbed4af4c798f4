#include "lineage_write.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "fsutil.h"
#include "store_internal.h"

namespace certbot {

using namespace store_internal;

namespace {

constexpr int kPrunePrevious = 5;

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

// Writes version `version` of a lineage's archive files, the key with `key_mode` from the first
// byte (and `key_group` when given), each recorded in `rb` and durable before its rename, the
// archive directory fsynced once after the last rename: the whole version is on disk before the
// first live link points at it. One batch (atomic_write_files): the four files' data go to disk
// together instead of one journal commit each. Empty `fullchain_pem` means cert + chain.
Status write_archive_version(const Lineage& l, int version, const std::string& cert_pem,
                             const std::string& chain_pem, const std::string& fullchain_pem,
                             const std::string& key_pem, mode_t key_mode,
                             std::optional<gid_t> key_group, Rollback& rb) {
    const std::string fullchain = fullchain_pem.empty() ? cert_pem + chain_pem : fullchain_pem;
    const std::vector<FileToWrite> files = {
        {l.archive_path("privkey", version), key_pem, key_mode, key_group},
        {l.archive_path("cert", version), cert_pem, kPublicMode, std::nullopt},
        {l.archive_path("chain", version), chain_pem, kPublicMode, std::nullopt},
        {l.archive_path("fullchain", version), fullchain, kPublicMode, std::nullopt}};
    for (const auto& f : files) rb.file(f.path);
    return atomic_write_files(files);
}

}  // namespace

Result<Lineage> create_lineage(const std::string& config_dir_in, const std::string& name,
                               const std::string& cert_pem, const std::string& chain_pem,
                               const std::string& fullchain_pem, const std::string& key_pem,
                               const std::vector<RenewalParam>& renewal_params,
                               const std::string& version) {
    CB_TRY(validate_lineage_name(name));
    const std::string config_dir = normalize_path(config_dir_in);
    const std::string renewal_dir = renewal_dir_of(config_dir);
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

    Lineage l;
    l.name = name;
    l.config_dir = config_dir;
    l.renewal_conf_path = conf_path;
    l.archive_dir = archive;
    l.cert_path = path_join(live, "cert.pem");
    l.privkey_path = path_join(live, "privkey.pem");
    l.chain_path = path_join(live, "chain.pem");
    l.fullchain_path = path_join(live, "fullchain.pem");
    // 1. Version 1's archive files, each durable before anything points at it.
    CB_TRY(write_archive_version(l, 1, cert_pem, chain_pem, fullchain_pem, key_pem, kPrivkeyMode,
                                 std::nullopt, rb));
    // 2. The README, then the live links (relative, as certbot makes them; switched together):
    // the links' one directory fsync makes the README's rename durable too.
    const std::string readme = path_join(live, "README");
    rb.file(readme);
    CB_TRY(atomic_write(readme, live_readme_text(false), kPublicMode, std::nullopt,
                        DirSync::kByCaller));
    std::vector<std::pair<std::string, std::string>> links;
    for (const char* kind : kLineageKinds) {
        const std::string& link = l.link_path(kind);
        rb.file(link);
        links.emplace_back(relative_path(l.archive_path(kind, 1), live), link);
    }
    CB_TRY(atomic_symlinks(links));

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

Status save_renewal_conf(const Lineage& lineage, DirSync dir_sync) {
    auto text = lineage.conf.serialize();
    if (!text) return text.error().context("writing " + lineage.renewal_conf_path);
    mode_t mode = kPublicMode;
    struct stat st;
    const bool regular =
        ::lstat(lineage.renewal_conf_path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    if (regular) {
        // The same bytes already there (a renewal with unchanged options, the usual case): the
        // file stays as it is, without a temp file, two fsyncs and a rename (session 9).
        if (static_cast<size_t>(st.st_size) == text->size())
            if (auto now = read_file(lineage.renewal_conf_path, kMaxConfBytes);
                now && *now == *text)
                return Status::Ok();
        mode = st.st_mode & 07777;
    } else if (::stat(lineage.renewal_conf_path.c_str(), &st) == 0) {  // a symlinked conf
        mode = st.st_mode & 07777;
    }
    return atomic_write(lineage.renewal_conf_path, *text, mode, std::nullopt, dir_sync);
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
    CB_TRY(write_archive_version(lineage, target, cert_pem, chain_pem, fullchain_pem, key, key_mode,
                                 key_group, rb));
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
    bool removed = false;
    for (int v : lineage.available_versions("cert")) {
        if (v <= current && v >= current - keep_previous) continue;
        for (const char* kind : kLineageKinds) {
            const std::string p = lineage.archive_path(kind, v);
            if (::unlink(p.c_str()) == 0) {
                removed = true;
            } else if (errno != ENOENT) {
                return Error("cannot remove old version " + p + ": " + std::strerror(errno));
            }
        }
    }
    // Nothing removed (a lineage's first five renewals): nothing to make durable.
    return removed ? fsync_dir(lineage.archive_dir) : Status::Ok();
}

Status delete_lineage(const std::string& config_dir_in, const std::string& name) {
    const std::string config_dir = normalize_path(config_dir_in);
    CB_TRY(validate_lineage_name(name));
    const std::string conf_path = path_join(renewal_dir_of(config_dir), name + ".conf");
    const std::string default_archive = path_join(path_join(config_dir, "archive"), name);
    const std::string default_live = path_join(path_join(config_dir, "live"), name);
    if (!path_exists(conf_path)) {
        // A lineage a crash (or another tool) left without its renewal conf: what is there goes,
        // so the name can be used again instead of new certificates going to NAME-0001.
        if (!path_lexists(default_live) && !path_lexists(default_archive))
            return Error("No certificate found with name " + name + " (expected " + conf_path + ")",
                         kExitUsage);
        CB_TRY(remove_tree(default_live));
        CB_TRY(remove_tree(default_archive));
        CB_TRY(fsync_dir(dir_name(default_live)));
        return fsync_dir(dir_name(default_archive));
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

Status check_store_writable(const std::string& config_dir_in, const Lineage* existing) {
    const std::string config_dir = normalize_path(config_dir_in);
    std::vector<std::string> dirs = {renewal_dir_of(config_dir)};
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

}  // namespace certbot
