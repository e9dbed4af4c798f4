#include "dns_credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace certbot::plugin::dns {

namespace {

constexpr size_t kMaxCredentialsBytes = 64 * 1024;

std::string underscored(std::string s) {
    for (char& c : s)
        if (c == '-') c = '_';
    return s;
}

}  // namespace

std::string read_secrets_file(const Host& host, const std::string& plugin, const std::string& path,
                              const std::string& option) {
    if (path.empty())
        throw std::runtime_error("The " + plugin + " plugin needs a credentials file: pass --" +
                                 plugin + "-" + option + " /path/to/the/file (see `certbot " +
                                 "--help " + plugin + "`).");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("Cannot read the " + plugin + " credentials file " + path + ": " +
                                 std::strerror(errno) + ".");
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error("The " + plugin + " credentials file " + path +
                                 " is not a regular file.");
    if (st.st_size > static_cast<off_t>(kMaxCredentialsBytes))
        throw std::runtime_error("The " + plugin + " credentials file " + path +
                                 " is too large to be a credentials file.");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        host.warning("Unsafe permissions on credentials configuration file: " + path + " (mode " +
                     mode + "): the secrets in it are readable by other users. Run: chmod 600 " +
                     path);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("Cannot read the " + plugin + " credentials file " + path + ".");
    std::string content(kMaxCredentialsBytes + 1, '\0');
    in.read(&content[0], static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<size_t>(in.gcount()));
    if (content.size() > kMaxCredentialsBytes)
        throw std::runtime_error("The " + plugin + " credentials file " + path +
                                 " is too large to be a credentials file.");
    return content;
}

Credentials Credentials::from(const std::string& plugin, const std::string& path,
                              const std::vector<std::pair<std::string, std::string>>& pairs) {
    Credentials c;
    c.prefix_ = underscored(plugin) + "_";
    c.path_ = path;
    for (const auto& [k, v] : pairs) c.values_[k] = v;
    return c;
}

Credentials Credentials::load(const Host& host, const std::string& plugin,
                              const std::string& path) {
    if (path.empty())
        throw std::runtime_error("The " + plugin + " plugin needs a credentials file: pass --" +
                                 plugin + "-credentials /path/to/the/file (see `certbot --help " +
                                 plugin + "`).");
    return from(plugin, path, host.credentials(path));
}

std::string Credentials::key(const std::string& name) const {
    return prefix_ + underscored(name);
}

std::string Credentials::get(const std::string& name) const {
    auto it = values_.find(key(name));
    return it == values_.end() ? std::string() : it->second;
}

std::string Credentials::require(const std::string& name, const std::string& what) const {
    std::string v = get(name);
    if (v.empty())
        throw std::runtime_error(
            "Missing property in credentials configuration file " + path_ + ": " + key(name) +
            " is required" + (what.empty() ? std::string() : " (should be " + what + ")") + ".");
    return v;
}

}  // namespace certbot::plugin::dns
