#include "dns_credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace certbot::plugin::dns {

namespace {

constexpr size_t kMaxCredentialsBytes = 64 * 1024;

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string underscored(std::string s) {
    for (char& c : s)
        if (c == '-') c = '_';
    return s;
}

}  // namespace

Credentials Credentials::parse(const std::string& plugin, const std::string& path,
                               const std::string& content) {
    Credentials c;
    c.prefix_ = underscored(plugin) + "_";
    c.path_ = path;
    std::istringstream in(content);
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        // configobj: keys after a [section] header belong to the section, not to the top level
        // certbot reads.
        if (t[0] == '[') break;
        size_t eq = t.find('=');
        if (eq == std::string::npos)
            throw std::runtime_error("Line " + std::to_string(lineno) + " of " + path +
                                     " is not \"key = value\".");
        std::string k = trim(t.substr(0, eq)), v = trim(t.substr(eq + 1));
        if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'')) {
            size_t close = v.find(v[0], 1);
            std::string rest = close == std::string::npos ? "x" : trim(v.substr(close + 1));
            if (!rest.empty() && rest[0] != '#')
                throw std::runtime_error("Line " + std::to_string(lineno) + " of " + path +
                                         " has text after the closing quote of " + k + ".");
            v = v.substr(1, close - 1);
        } else if (size_t hash = v.find(" #"); hash != std::string::npos) {
            v = trim(v.substr(0, hash));  // configobj's inline comment
        }
        c.values_[k] = v;
    }
    return c;
}

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

Credentials Credentials::load(const Host& host, const std::string& plugin,
                              const std::string& path) {
    return parse(plugin, path, read_secrets_file(host, plugin, path));
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
