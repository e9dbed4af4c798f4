#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace plugin_support {

namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

void fsync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(sys_error("cannot read", path));
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error(sys_error("cannot read", path));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

void make_dirs(const std::string& path, unsigned mode) {
    if (path.empty() || path == "/") return;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path + " is not a directory");
        return;
    }
    make_dirs(dir_of(path), mode);
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
        throw std::runtime_error(sys_error("cannot create directory", path));
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

void atomic_write(const std::string& target, const std::string& content, unsigned mode) {
    // Write through a symlink to the file it names, as an editor would, instead of replacing
    // the link (sites-enabled/x -> ../sites-available/x).
    std::string path = target;
    struct stat link;
    if (::lstat(target.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
        char buf[PATH_MAX];
        if (!::realpath(target.c_str(), buf))
            throw std::runtime_error(sys_error("cannot resolve the link", target));
        path = buf;
    }
    struct stat old;
    bool existed = ::stat(path.c_str(), &old) == 0;
    std::string tmp = dir_of(path) + "/." + base_of(path) + ".certbot-XXXXXX";
    std::vector<char> name(tmp.begin(), tmp.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0) throw std::runtime_error(sys_error("cannot create a temporary file beside", path));
    tmp = name.data();
    auto fail = [&](const std::string& what) {
        int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        errno = err;
        throw std::runtime_error(sys_error(what, path));
    };
    if (::fchmod(fd, existed ? (old.st_mode & 07777) : mode) != 0) fail("cannot set the mode of");
    if (existed && ::geteuid() == 0 && ::fchown(fd, old.st_uid, old.st_gid) != 0)
        fail("cannot set the owner of");
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot write");
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) fail("cannot flush");
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        errno = err;
        throw std::runtime_error(sys_error("cannot replace", path));
    }
    fsync_dir(dir_of(path));
}

}  // namespace plugin_support
