// Writing a file atomically and durably: a temporary file in the same directory, created with its
// final mode (a 0600 key is never readable by others, not even for an instant), written, fsynced,
// renamed over the target (or linked, never replacing), and the directory fsynced. A reader sees
// the old file or the new one, and a crash leaves one of them.
//
// The core's files (core/base/fsutil.h: keys, certificates, confs; the checkpoint service's files
// in core/host/checkpoints.cpp) and the plugins' own (plugins/support/files.h: options-ssl-*.conf
// and their digests) are all written here: the two sides of the plugin ABI may not link each
// other (docs/architecture.md, "plugin-api/common/"), so each compiles this inline copy.
//
// Every function returns "" on success, else the error: one line naming the file and what to
// check.
#pragma once

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "hex.h"

namespace certbot::common {

// "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/" (slashes ending the directory part dropped).
inline std::string dir_name(const std::string& path) {
    size_t pos = path.rfind('/');
    if (pos == std::string::npos) return ".";
    size_t end = pos;
    while (end > 0 && path[end - 1] == '/') --end;
    if (end == 0) return "/";
    return path.substr(0, end);
}

// "a/b/c" -> "c".
inline std::string base_name(const std::string& path) {
    size_t pos = path.rfind('/');
    return pos == std::string::npos ? path : path.substr(pos + 1);
}

// A short random suffix for temp names; O_EXCL makes collisions harmless, so this only has to
// make them rare.
inline std::string random_suffix() {
    static std::atomic<unsigned> counter{0};
    unsigned char buf[6];
    ssize_t n = getrandom(buf, sizeof buf, GRND_NONBLOCK);
    if (n == static_cast<ssize_t>(sizeof buf)) return hex(buf, sizeof buf);
    return std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

// Temp name in the same directory as PATH: ".<base>.tmp.<random>" (a leading dot keeps it out of
// certbot's globs such as renewal/*.conf and of the archive naming pattern; the store's crash
// repair recognises it, fsutil.h is_temp_name).
inline std::string temp_name_for(const std::string& path) {
    const std::string dir = dir_name(path);
    return (dir == "/" ? dir : dir + "/") + "." + base_name(path) + ".tmp." + random_suffix();
}

// fsync of a directory (after creating, renaming or removing entries in it). A filesystem that
// cannot sync directories is no write failure.
inline std::string sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return "cannot open directory " + dir + " to sync it: " + std::strerror(errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EROFS)
        return "cannot sync directory " + dir + ": " + std::strerror(err) +
               "; check the filesystem";
    return std::string();
}

// Who a new file belongs to. With `owner` (only root may give a file away) the file is chowned
// to it and `group` before its first byte, and failing to is an error. With only `group`, a
// group that cannot be set drops the group permission bits instead (never more access than
// asked for).
struct FileOwner {
    std::optional<gid_t> group;
    std::optional<uid_t> owner;
};

// The first half of write_durably: DATA in a temp file for PATH (temp_name_for) opened
// O_CREAT|O_EXCL|O_NOFOLLOW with MODE, owned as WHO says, fchmod(MODE) (umask-independent)
// before the first byte. On success *TMP names it and *FD is open, for the caller to fsync,
// close and rename; on failure nothing is left.
inline std::string write_temp_file(const std::string& path, std::string_view data, mode_t mode,
                                   const FileOwner& who, std::string* tmp, int* fd_out) {
    const std::string dir = dir_name(path);
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        *tmp = temp_name_for(path);
        fd = ::open(tmp->c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno != EEXIST)
            return "cannot create a file in " + dir + " (writing " + path +
                   "): " + std::strerror(errno) +
                   "; check that the directory exists and is writable by this user";
    }
    if (fd < 0) return "cannot create a temporary file for " + path + " in " + dir;

    auto fail = [&](const std::string& msg) {
        ::close(fd);
        ::unlink(tmp->c_str());
        return msg;
    };

    mode_t final_mode = mode & 07777;
    if (who.owner) {
        if (::fchown(fd, *who.owner, who.group ? *who.group : static_cast<gid_t>(-1)) != 0)
            return fail("cannot set the owner of " + path + ": " + std::strerror(errno));
    } else if (who.group) {
        if (::fchown(fd, static_cast<uid_t>(-1), *who.group) != 0) final_mode &= ~mode_t{070};
    }
    // open() applied the umask; set exactly the mode asked for, before any byte is written.
    if (::fchmod(fd, final_mode) != 0)
        return fail("cannot set mode of " + *tmp + ": " + std::strerror(errno));
    for (size_t off = 0; off < data.size();) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return fail("cannot write " + path + ": " + std::strerror(errno) +
                        "; check free disk space and permissions");
        off += static_cast<size_t>(n);
    }
    *fd_out = fd;
    return std::string();
}

// The temp file FD written for PATH made durable: fsynced, then closed (always).
inline std::string sync_and_close(int fd, const std::string& path) {
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return "cannot sync " + path + " to disk: " + std::strerror(err) +
               "; check free disk space and the filesystem";
    }
    if (::close(fd) != 0)
        return "cannot write " + path + ": " + std::strerror(errno) +
               "; check free disk space and the filesystem";
    return std::string();
}

// The temp file TMP renamed over PATH.
inline std::string rename_over(const std::string& tmp, const std::string& path) {
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return "cannot replace " + path + ": " + std::strerror(errno) +
               "; check that it is not a directory and that " + dir_name(path) + " is writable";
    return std::string();
}

// DATA to PATH through a temp file (write_temp_file), fsynced; then with REPLACE rename over
// PATH, else link(2) it to PATH (EEXIST: *EXISTED set, nothing changes); then fsync the directory
// (a rename over PATH with SYNC_DIR false leaves that to the caller, who fsyncs the directory once
// after a batch of writes into it). On failure the temp file is removed and PATH is untouched.
inline std::string write_durably(const std::string& path, std::string_view data, mode_t mode,
                                 const FileOwner& who, bool replace, bool* existed = nullptr,
                                 bool sync_directory = true) {
    const std::string dir = dir_name(path);
    std::string tmp;
    int fd = -1;
    if (auto e = write_temp_file(path, data, mode, who, &tmp, &fd); !e.empty()) return e;
    auto fail = [&](const std::string& msg) {
        ::unlink(tmp.c_str());
        return msg;
    };
    if (auto e = sync_and_close(fd, path); !e.empty()) return fail(e);
    if (!replace) {
        if (::link(tmp.c_str(), path.c_str()) != 0) {
            const int err = errno;
            if (err == EEXIST && existed) *existed = true;
            return fail("cannot create " + path + ": " + std::strerror(err) +
                        (err == EEXIST ? "; choose another path or remove it"
                                       : "; check that " + dir + " is writable"));
        }
        ::unlink(tmp.c_str());
        return sync_dir(dir);
    }
    if (auto e = rename_over(tmp, path); !e.empty()) return fail(e);
    return sync_directory ? sync_dir(dir) : std::string();
}

// DATA to TARGET as an editor writes a file: through a symlink to the file it names, instead of
// replacing the link (sites-enabled/x -> ../sites-available/x stays a link), atomically
// (write_durably), keeping the mode and, as root, the owner and group of the file it replaces (a
// file of www-data stays www-data's); MODE for a new file.
inline std::string write_through_link(const std::string& target, std::string_view data,
                                      mode_t mode) {
    std::string path = target;
    struct stat link;
    if (::lstat(target.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
        char buf[PATH_MAX];
        if (!::realpath(target.c_str(), buf))
            return "cannot resolve the link " + target + ": " + std::strerror(errno);
        path = buf;
    }
    struct stat old;
    const bool existed = ::stat(path.c_str(), &old) == 0;
    FileOwner who;
    if (existed && ::geteuid() == 0) {
        who.owner = old.st_uid;
        who.group = old.st_gid;
    }
    return write_durably(path, data, existed ? (old.st_mode & 07777) : mode, who, true);
}

}  // namespace certbot::common
