#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "durable_write.h"

namespace plugin_support {

namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

std::string dir_of(const std::string& path) {
    return certbot::common::dir_name(path);
}

std::string base_of(const std::string& path) {
    return certbot::common::base_name(path);
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
    if (auto e = certbot::common::write_through_link(target, content, static_cast<mode_t>(mode));
        !e.empty())
        throw std::runtime_error(e);
}

}  // namespace plugin_support
