#include "store_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "fsutil.h"

namespace certbot {
namespace store_internal {

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
    return read_link_at(AT_FDCWD, p.c_str());
}

std::optional<std::string> read_link_at(int dir_fd, const char* rel) {
    char first[256];  // certbot's links ("../../archive/<name>/cert1.pem") fit
    ssize_t n = ::readlinkat(dir_fd, rel, first, sizeof first);
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) < sizeof first) return std::string(first, static_cast<size_t>(n));
    std::vector<char> buf(2 * sizeof first);
    while (true) {
        n = ::readlinkat(dir_fd, rel, buf.data(), buf.size());
        if (n < 0) return std::nullopt;
        if (static_cast<size_t>(n) < buf.size())
            return std::string(buf.data(), static_cast<size_t>(n));
        if (buf.size() > 65536) return std::nullopt;
        buf.resize(buf.size() * 2);
    }
}

// certbot's get_link_target: absolute path of a link's target (relative to the link's dir).
std::optional<std::string> link_target(const std::string& link) {
    return link_target_at(link, AT_FDCWD, link.c_str());
}

std::optional<std::string> link_target_at(const std::string& link, int dir_fd, const char* rel) {
    auto t = read_link_at(dir_fd, rel);
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

}  // namespace store_internal
}  // namespace certbot
