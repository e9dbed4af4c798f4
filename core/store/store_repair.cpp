#include "store_repair.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <set>

#include "fsutil.h"
#include "store_internal.h"

namespace certbot {

using namespace store_internal;

namespace {

// renew's workers (threads) mark and unmark lineages at the same time: creating the directory
// and writing a marker, or removing a marker and the then empty directory, must not interleave.
// (Other processes are kept out by the config dir's lock.)
std::mutex g_marker_mu;

}  // namespace

namespace store_internal {

std::string updating_dir(const std::string& config_dir) {
    return path_join(renewal_dir_of(config_dir), ".updating");
}

// Removing renewal/.updating once it is empty (the usual case: one update at a time) leaves the
// store exactly as certbot leaves it.
//
// Not fsynced (session 9): a removal that a crash undoes brings back the marker of a lineage
// whose update had finished (its archive files, the archive directory and the live links were
// fsynced before), and finish_unfinished_updates then finds it complete (no temp file, no
// version newer than the newest complete one, the links already at that version) and changes
// nothing but the marker. When the renewal conf is rewritten next (issue_and_save and the fleet
// save it after save_new_version, unless its bytes are unchanged), that rename's fsync of
// renewal/ makes the unlink and the rmdir of the empty renewal/.updating durable as well.
Status remove_update_marker(const std::string& path) {
    std::lock_guard<std::mutex> hold(g_marker_mu);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return Error("cannot remove " + path + ": " + std::strerror(errno));
    (void)::rmdir(dir_name(path).c_str());  // only when empty
    return Status::Ok();
}

// The marker says what it says by its name (finish_unfinished_updates lists the directory and
// never reads a marker), so it is created in place without a temp file and its bytes are not
// fsynced: a marker a crash leaves empty means the same. One fsync, of renewal/.updating, makes
// its name durable before the first archive file is written.
Result<UpdateMarker> UpdateMarker::begin(const std::string& config_dir, const std::string& name) {
    const std::string dir = updating_dir(config_dir);
    std::lock_guard<std::mutex> hold(g_marker_mu);
    if (!is_dir(dir)) CB_TRY(make_dirs(dir, 0755));
    const std::string path = path_join(dir, name);
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, kPublicMode);
    if (fd < 0)
        return Error("cannot create " + path + ": " + std::strerror(errno) +
                     "; check permissions of " + dir);
    const std::string text = name + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int err = errno;
    ::close(fd);
    if (!written) {
        ::unlink(path.c_str());
        return Error("cannot write " + path + ": " + std::strerror(err));
    }
    CB_TRY(fsync_dir(dir));
    return UpdateMarker(path);
}

}  // namespace store_internal

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
std::string finish_unfinished(const std::string& config_dir, const std::string& name,
                              bool kept_elsewhere) {
    const std::string conf_path = path_join(renewal_dir_of(config_dir), name + ".conf");
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
    removed += remove_temp_files(renewal_dir_of(config_dir), "." + name + ".conf.tmp.");
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
    // A new lineage with nothing complete, or whose complete certificate and key are kept in
    // the work dir (the next run stores them afresh): remove everything it created.
    const bool remove_all = !exists && (complete == 0 || kept_elsewhere);
    if (remove_all) {
        for (const char* kind : kLineageKinds) ::unlink(l.link_path(kind).c_str());
        for (const auto& d : live_dirs) {
            ::unlink(path_join(d, "README").c_str());
            ::rmdir(d.c_str());
        }
        if (auto files = list_dir(l.archive_dir))
            for (const auto& f : *files)
                for (const char* kind : kLineageKinds)
                    if (version_of(kind, f) > 0) ::unlink(path_join(l.archive_dir, f).c_str());
        ::rmdir(l.archive_dir.c_str());
        (void)fsync_dir(path_join(config_dir, "archive"));
        (void)fsync_dir(path_join(config_dir, "live"));
    }
    if (!exists && complete > 0)
        return what + (remove_all ? "; its renewal conf was never written, so the half-made "
                                    "lineage was removed: its certificate is kept in the work "
                                    "dir and the next certonly for the same names stores it"
                                  : "; " + l.archive_dir +
                                        " holds a certificate whose renewal conf was never "
                                        "written: request the same names again (certonly), "
                                        "then delete it");
    return what;
}

}  // namespace

std::vector<std::string> finish_unfinished_updates(
    const std::string& config_dir_in,
    const std::function<bool(const std::string& name)>& kept_elsewhere) {
    const std::string config_dir = normalize_path(config_dir_in);
    const std::string dir = updating_dir(config_dir);
    std::vector<std::string> report;
    // A renewal conf rewritten outside a marked update (renew saving its parameters) and killed
    // before the rename leaves ".<name>.conf.tmp.*": we hold the lock, so no run is writing one.
    if (int n = remove_temp_files(renewal_dir_of(config_dir), "."); n > 0)
        report.push_back("removed " + std::to_string(n) +
                         " unfinished renewal conf file(s) an interrupted run left in " +
                         renewal_dir_of(config_dir));
    auto names = list_dir(dir);
    if (!names) return report;  // usually: no directory, nothing was interrupted
    for (const auto& name : *names) {
        const std::string marker = path_join(dir, name);
        if (!is_temp_name(name) && validate_lineage_name(name))
            report.push_back(
                "lineage " + name + " was left half-written by an interrupted run: " +
                finish_unfinished(config_dir, name, kept_elsewhere && kept_elsewhere(name)));
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
