#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <openssl/sha.h>

#include "durable_write.h"
#include "hex.h"

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

std::string sha256_hex(const std::string& data) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
    return certbot::common::hex(md, sizeof md);
}

void install_version_controlled_file(const std::string& dest, const std::string& digest,
                                     const std::string& content,
                                     const std::vector<std::string>& known_hashes,
                                     const std::function<void(const std::string&)>& warn) {
    const std::string current = sha256_hex(content);
    auto install = [&] {
        atomic_write(dest, content, 0644);
        atomic_write(digest, current, 0644);
    };
    struct stat st;
    if (::stat(dest.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return install();
    const std::string active = sha256_hex(read_file(dest));
    if (active == current) return;  // up to date
    for (const auto& h : known_hashes)
        if (active == h) return install();  // a released version: safe to update
    // Edited by hand: said once per version.
    if (file_exists(digest) && read_file(digest) == current) return;
    atomic_write(digest, current, 0644);
    warn(dest +
         " has been manually modified; certbot-native does not replace it. We recommend updating "
         "it to certbot's current version for security purposes.");
}

void atomic_write(const std::string& target, const std::string& content, unsigned mode) {
    if (auto e = certbot::common::write_through_link(target, content, static_cast<mode_t>(mode));
        !e.empty())
        throw std::runtime_error(e);
}

}  // namespace plugin_support
