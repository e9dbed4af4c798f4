// Checks the web server plugins (nginx, apache) make the same way: a port option's value, and
// that a challenge is one http-01 can answer. No dependency on the plugin ABI.
#ifndef CERTBOT_PLUGINS_SUPPORT_PLUGIN_CHECKS_H
#define CERTBOT_PLUGINS_SUPPORT_PLUGIN_CHECKS_H

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace plugin_support {

// VALUE of the option --FLAG as a TCP port; throws naming the flag otherwise.
inline int parse_port(const std::string& flag, const std::string& value) {
    char* end = nullptr;
    long p = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || p < 1 || p > 65535)
        throw std::runtime_error("--" + flag + " must be a TCP port (1-65535), not \"" + value +
                                 "\".");
    return static_cast<int>(p);
}

// Throws unless a challenge of TYPE for IDENTIFIER is an http-01 one PLUGIN can answer.
inline void check_http01(const std::string& plugin, const std::string& type,
                         const std::string& identifier, bool is_wildcard) {
    if (type != "http-01")
        throw std::runtime_error("The " + plugin + " plugin answers http-01 challenges, not " +
                                 type + " (for " + identifier + ").");
    if (is_wildcard)
        throw std::runtime_error("The " + plugin + " plugin cannot validate *." + identifier +
                                 ": http-01 cannot prove wildcard names; use a DNS plugin.");
}

}  // namespace plugin_support

#endif  // CERTBOT_PLUGINS_SUPPORT_PLUGIN_CHECKS_H
