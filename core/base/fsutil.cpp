#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "durable_write.h"

namespace certbot {

namespace {

std::string errno_text(int err) {
    return std::strerror(err);
}

// Temp names, durable writes and directory syncs are the ones plugin-api/common/durable_write.h
// gives the core and the plugins alike.
using common::temp_name_for;

std::vector<std::string> split_components(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) out.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

}  // namespace

std::string path_join(const std::string& a, const std::string& b) {
    if (a.empty() || (!b.empty() && b[0] == '/')) return b;
    if (a.back() == '/') return a + b;
    return a + "/" + b;
}

std::string dir_name(const std::string& path) {
    return common::dir_name(path);
}

std::string base_name(const std::string& path) {
    return common::base_name(path);
}

std::string others_can_change(const std::string& path, bool sticky_ok) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::string();  // missing: reported elsewhere
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        return path + " is owned by another user (uid " + std::to_string(st.st_uid) +
               "), who could change what runs";
    const bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (others_write && !(sticky_ok && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
        return path + " is writable by group or others, who could change what runs; chmod go-w " +
               path;
    return std::string();
}

std::string normalize_path(const std::string& path) {
    std::string abs = path;
    if (abs.empty() || abs[0] != '/') {
        std::string cwd;
        std::vector<char> buf(4096);
        while (true) {
            if (getcwd(buf.data(), buf.size()) != nullptr) {
                cwd = buf.data();
                break;
            }
            if (errno != ERANGE || buf.size() > (1u << 20)) {
                cwd = "/";
                break;
            }
            buf.resize(buf.size() * 2);
        }
        abs = path_join(cwd, path);
    }
    std::vector<std::string> parts;
    for (const std::string& c : split_components(abs)) {
        if (c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    std::string out;
    for (const std::string& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

std::string relative_path(const std::string& target, const std::string& from_dir) {
    std::vector<std::string> t = split_components(normalize_path(target));
    std::vector<std::string> f = split_components(normalize_path(from_dir));
    size_t common = 0;
    while (common < t.size() && common < f.size() && t[common] == f[common]) ++common;
    std::string out;
    for (size_t i = common; i < f.size(); ++i) out = path_join(out, "..");
    for (size_t i = common; i < t.size(); ++i) out = path_join(out, t[i]);
    return out.empty() ? "." : out;
}

Status fsync_dir(const std::string& dir) {
    if (auto e = common::sync_dir(dir); !e.empty()) return Error(e);
    return Status::Ok();
}

Status atomic_write(const std::string& path, std::string_view data, mode_t mode,
                    std::optional<gid_t> group, DirSync dir_sync) {
    if (auto e = common::write_durably(path, data, mode, {group, std::nullopt}, true, nullptr,
                                       dir_sync == DirSync::kNow);
        !e.empty())
        return Error(e);
    return Status::Ok();
}

Status atomic_write_files(const std::vector<FileToWrite>& files, DirSync dir_sync) {
    struct Temp {
        std::string name;  // empty once renamed (or never made)
        int fd = -1;       // open until fsynced and closed
    };
    std::vector<Temp> temps(files.size());
    auto fail = [&](const std::string& message) {
        for (auto& t : temps) {
            if (t.fd >= 0) ::close(t.fd);
            if (!t.name.empty()) ::unlink(t.name.c_str());
        }
        return Status(Error(message));
    };
    for (size_t i = 0; i < files.size(); ++i) {
        const FileToWrite& f = files[i];
        if (auto e = common::write_temp_file(f.path, f.data, f.mode, {f.group, std::nullopt},
                                             &temps[i].name, &temps[i].fd);
            !e.empty())
            return fail(e);
        // Writeback starts now; the fsyncs below wait for it (a hint: failure changes nothing).
        (void)::sync_file_range(temps[i].fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
    for (size_t i = 0; i < files.size(); ++i) {
        const int fd = std::exchange(temps[i].fd, -1);
        if (auto e = common::sync_and_close(fd, files[i].path); !e.empty()) return fail(e);
    }
    for (size_t i = 0; i < files.size(); ++i) {
        if (auto e = common::rename_over(temps[i].name, files[i].path); !e.empty()) return fail(e);
        temps[i].name.clear();
    }
    if (dir_sync == DirSync::kNow) {
        std::vector<std::string> dirs;
        for (const auto& f : files)
            if (std::find(dirs.begin(), dirs.end(), dir_name(f.path)) == dirs.end())
                dirs.push_back(dir_name(f.path));
        for (const auto& d : dirs) CB_TRY(fsync_dir(d));
    }
    return Status::Ok();
}

Status atomic_create(const std::string& path, std::string_view data, mode_t mode, bool* existed) {
    if (existed) *existed = false;
    if (auto e = common::write_durably(path, data, mode, {}, false, existed); !e.empty())
        return Error(e);
    return Status::Ok();
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
    return read_file_at(AT_FDCWD, path.c_str(), path, max_bytes);
}

Result<std::string> read_file_at(int dir_fd, const char* rel, const std::string& path,
                                 size_t max_bytes) {
    int fd = ::openat(dir_fd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Error("cannot read " + path + ": " + errno_text(errno) +
                     (errno == ENOENT ? "" : "; check its permissions"));
    }
    struct stat st;
    size_t expected = 0;  // a regular file's size: stop there, without a read() to see EOF
    if (::fstat(fd, &st) == 0) {
        if (S_ISREG(st.st_mode)) expected = static_cast<size_t>(st.st_size);
        if (S_ISDIR(st.st_mode)) {
            ::close(fd);
            return Error("cannot read " + path + ": it is a directory, expected a file");
        }
        if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > max_bytes) {
            ::close(fd);
            return Error("refusing to read " + path + ": larger than " + std::to_string(max_bytes) +
                         " bytes");
        }
    }
    std::string out;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return Error("cannot read " + path + ": " + errno_text(err));
        }
        if (n == 0) break;
        if (out.size() + static_cast<size_t>(n) > max_bytes) {
            ::close(fd);
            return Error("refusing to read " + path + ": larger than " + std::to_string(max_bytes) +
                         " bytes");
        }
        out.append(buf, static_cast<size_t>(n));
        if (expected > 0 && out.size() == expected) break;
    }
    ::close(fd);
    return out;
}

Status make_dirs(const std::string& path, mode_t mode) {
    if (path.empty()) return Error("cannot create a directory with an empty path");
    std::string cur = path[0] == '/' ? "/" : "";
    for (const std::string& part : split_components(path)) {
        cur = cur.empty() ? part : path_join(cur, part);
        if (::mkdir(cur.c_str(), mode) == 0) continue;
        int err = errno;
        struct stat st;
        if (err == EEXIST || err == EACCES || err == EPERM || err == EROFS) {
            if (::stat(cur.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
            if (err == EEXIST) {
                return Error("cannot create directory " + path + ": " + cur +
                             " exists and is not a directory; move it away");
            }
        }
        return Error("cannot create directory " + cur + ": " + errno_text(err) +
                     "; check permissions of its parent");
    }
    return Status::Ok();
}

namespace {

// A symlink to `target` at a fresh temp name beside `link_path`; returns that name.
Result<std::string> temp_symlink(const std::string& target, const std::string& link_path) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string tmp = temp_name_for(link_path);
        if (::symlink(target.c_str(), tmp.c_str()) == 0) return tmp;
        if (errno != EEXIST)
            return Error("cannot create symlink " + link_path + " -> " + target + ": " +
                         errno_text(errno) + "; check that " + dir_name(link_path) +
                         " exists and is writable");
    }
    return Error("cannot create a temporary symlink for " + link_path);
}

}  // namespace

Status atomic_symlink(const std::string& target, const std::string& link_path) {
    return atomic_symlinks({{target, link_path}});
}

Status atomic_symlinks(const std::vector<std::pair<std::string, std::string>>& links) {
    std::vector<std::string> temps;
    auto drop_temps = [&](size_t from) {
        for (size_t i = from; i < temps.size(); ++i) ::unlink(temps[i].c_str());
    };
    for (const auto& [target, link] : links) {
        auto tmp = temp_symlink(target, link);
        if (!tmp) {
            drop_temps(0);
            return tmp.error();
        }
        temps.push_back(std::move(*tmp));
    }
    for (size_t i = 0; i < links.size(); ++i) {
        if (::rename(temps[i].c_str(), links[i].second.c_str()) != 0) {
            int err = errno;
            drop_temps(i);
            return Error("cannot replace " + links[i].second + " with a symlink to " +
                         links[i].first + ": " + errno_text(err) +
                         "; if it is a directory, move it away");
        }
    }
    std::vector<std::string> dirs;
    for (const auto& l : links) {
        const std::string d = dir_name(l.second);
        if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
    for (const auto& d : dirs) CB_TRY(fsync_dir(d));
    return Status::Ok();
}

bool is_temp_name(const std::string& name) {
    // ".<base>.tmp.<suffix>" as made by temp_name_for
    if (name.size() < 7 || name[0] != '.') return false;
    const size_t t = name.rfind(".tmp.");
    return t != std::string::npos && t > 1 && t + 5 < name.size();
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return Error("cannot list directory " + dir + ": " + errno_text(errno));
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

Status remove_tree(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return Status::Ok();
        return Error("cannot remove " + path + ": " + errno_text(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        auto names = list_dir(path);
        if (!names) return names.error();
        for (const std::string& n : *names) CB_TRY(remove_tree(path_join(path, n)));
        if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
            return Error("cannot remove directory " + path + ": " + errno_text(errno));
        }
        return Status::Ok();
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return Error("cannot remove " + path + ": " + errno_text(errno));
    }
    return Status::Ok();
}

// ---- FileLock ------------------------------------------------------------------------------

namespace {

// Whole-file exclusive write lock, non-blocking. Returns 0 or an errno value.
int try_lock_fd(int fd) {
    struct flock fl;
    std::memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;
#ifdef F_OFD_SETLK
    if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
    if (errno != EINVAL) return errno;
    std::memset(&fl, 0, sizeof fl);  // kernel without OFD locks: classic POSIX lock
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
#endif
    if (::fcntl(fd, F_SETLK, &fl) == 0) return 0;
    return errno;
}

// Locks held by this process, shared by every FileLock on the same file.
struct HeldLock {
    int fd;
    int refs;
    pid_t pid;
};
std::mutex& held_mutex() {
    static std::mutex m;
    return m;
}
std::vector<HeldLock>& held_locks() {
    static std::vector<HeldLock> v;
    return v;
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& dir) {
    const std::string path = path_join(dir, ".certbot.lock");
    const pid_t pid = ::getpid();
    {
        std::lock_guard<std::mutex> g(held_mutex());
        struct stat on_disk;
        if (::stat(path.c_str(), &on_disk) == 0) {
            for (HeldLock& h : held_locks()) {
                struct stat st;
                if (h.pid == pid && ::fstat(h.fd, &st) == 0 && st.st_dev == on_disk.st_dev &&
                    st.st_ino == on_disk.st_ino) {
                    ++h.refs;
                    return FileLock(path, h.fd, pid);
                }
            }
        }
    }
    // certbot retries when the file it locked was unlinked (released) meanwhile; bounded here.
    for (int attempt = 0; attempt < 1000; ++attempt) {
        int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            return Error("cannot open lock file " + path + ": " + errno_text(errno) +
                         "; check that " + dir + " exists and is writable by this user");
        }
        int err = try_lock_fd(fd);
        if (err != 0) {
            ::close(fd);
            if (err == EACCES || err == EAGAIN) {
                return Error("Another instance of Certbot is already running.", kExitLocked);
            }
            return Error("cannot lock " + path + ": " + errno_text(err));
        }
        // Did we lock the file that is at `path` now? (A releasing process unlinks it first.)
        struct stat on_disk, ours;
        if (::stat(path.c_str(), &on_disk) != 0) {
            int e = errno;
            ::close(fd);
            if (e == ENOENT) continue;
            return Error("cannot stat lock file " + path + ": " + errno_text(e));
        }
        if (::fstat(fd, &ours) != 0) {
            int e = errno;
            ::close(fd);
            return Error("cannot stat lock file " + path + ": " + errno_text(e));
        }
        if (on_disk.st_dev == ours.st_dev && on_disk.st_ino == ours.st_ino) {
            std::lock_guard<std::mutex> g(held_mutex());
            held_locks().push_back(HeldLock{fd, 1, pid});
            return FileLock(path, fd, pid);
        }
        ::close(fd);
    }
    return Error("cannot lock " + path + ": it keeps being replaced; is another certbot looping?",
                 kExitLocked);
}

FileLock::FileLock(FileLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), pid_(other.pid_) {
    other.fd_ = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        fd_ = other.fd_;
        pid_ = other.pid_;
        other.fd_ = -1;
    }
    return *this;
}

FileLock::~FileLock() {
    release();
}

void FileLock::release() {
    if (fd_ < 0) return;
    const int fd = fd_;
    fd_ = -1;
    if (::getpid() != pid_) {
        ::close(fd);  // a forked child's copy: the lock and its file belong to the parent
        return;
    }
    std::lock_guard<std::mutex> g(held_mutex());
    auto& held = held_locks();
    for (auto it = held.begin(); it != held.end(); ++it) {
        if (it->fd == fd && it->pid == pid_) {
            if (--it->refs > 0) return;
            held.erase(it);
            break;
        }
    }
    // Remove before unlocking (certbot's order): otherwise another process could lock the old
    // inode after we unlock and before we unlink, while a third creates a new file at `path`.
    ::unlink(path_.c_str());
    ::close(fd);
}

}  // namespace certbot
