// certbot's credentials INI files for DNS plugins
// (certbot.plugins.dns_common.CredentialsConfiguration), keys named dns_<provider>_<key>
// (dns_cloudflare_api_token for the plugin dns-cloudflare). The file is read and parsed by the
// host's certbot.credentials.v1 service (plugin.h), which also warns, as certbot does, when it is
// readable by other users. Error messages name the file and the key, never a value: the values
// are secrets.
#ifndef CERTBOT_PLUGINS_SUPPORT_DNS_CREDENTIALS_H
#define CERTBOT_PLUGINS_SUPPORT_DNS_CREDENTIALS_H

#include <certbot/plugin.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace certbot::plugin::dns {

// The content of the secrets file PATH (at most 64 KiB) that the option --<PLUGIN>-<OPTION>
// named, for a format of its own (dns-google's JSON key; INI files go through Credentials), with
// certbot's warning when other users can read it. Errors name the file.
std::string read_secrets_file(const Host& host, const std::string& plugin, const std::string& path,
                              const std::string& option = "credentials");

class Credentials {
  public:
    // Reads PATH (the value of --<plugin>-credentials) for PLUGIN ("dns-cloudflare") through
    // the host. Throws with a message naming the file when it is missing, not a regular file,
    // too large or malformed; an empty PATH is "pass --<plugin>-credentials".
    static Credentials load(const Host& host, const std::string& plugin, const std::string& path);
    // The keys and values PAIRS of the file PATH (what the host read), for PLUGIN.
    static Credentials from(const std::string& plugin, const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& pairs);

    // The full key name: "api-token" -> "dns_cloudflare_api_token".
    std::string key(const std::string& name) const;
    // The value of NAME ("api-token" or "api_token"), "" when absent or empty.
    std::string get(const std::string& name) const;
    bool has(const std::string& name) const { return !get(name).empty(); }
    // The value, or throws certbot's "Missing property in credentials configuration file PATH:
    // dns_<provider>_<name> is required (should be WHAT)."
    std::string require(const std::string& name, const std::string& what = std::string()) const;
    const std::string& path() const { return path_; }

  private:
    std::string prefix_;  // "dns_cloudflare_"
    std::string path_;
    std::map<std::string, std::string> values_;
};

}  // namespace certbot::plugin::dns

#endif  // CERTBOT_PLUGINS_SUPPORT_DNS_CREDENTIALS_H
