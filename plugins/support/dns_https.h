// HTTPS client for DNS provider APIs (cpp-httplib + OpenSSL). Every response is bounded in size
// and time; the server's certificate is verified against REQUESTS_CA_BUNDLE, else SSL_CERT_FILE
// (as Python certbot's requests does), else the system store; HTTPS_PROXY / https_proxy is used
// unless NO_PROXY / no_proxy names the host. Request headers (where the secrets are) never reach
// a log line or an error message.
#ifndef CERTBOT_PLUGINS_SUPPORT_DNS_HTTPS_H
#define CERTBOT_PLUGINS_SUPPORT_DNS_HTTPS_H

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace certbot::plugin::dns {

struct HttpsResponse {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string header(const std::string& lowercase_name) const {
        auto it = headers.find(lowercase_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct HttpsOptions {
    std::string user_agent;
    int connect_timeout_s = 10;
    int read_timeout_s = 20;
    int total_timeout_s = 45;           // per request, from connect to the last body byte
    size_t max_body = 4 * 1024 * 1024;  // bytes of a response body
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpsClient {
  public:
    // PROVIDER names the API in errors ("Cloudflare"). BASE_URL is "https://host[:port][/path]";
    // the environment variable ENDPOINT_ENV (e.g. CERTBOT_DNS_CLOUDFLARE_API_URL), when set,
    // replaces it (for a provider's staging API, or a test's fake). Only https is accepted.
    HttpsClient(std::string provider, const std::string& base_url, const std::string& endpoint_env,
                HttpsOptions options);
    ~HttpsClient();
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    // Sends METHOD to base path + PATH (which may carry a query). Throws on transport failures
    // (naming the provider and URL); any HTTP status is returned.
    HttpsResponse send(const std::string& method, const std::string& path, const Headers& headers,
                       const std::string& body = std::string(),
                       const std::string& content_type = std::string());

    const std::string& provider() const { return provider_; }
    // "https://host:port" and the base path ("/client/v4"), as used.
    const std::string& origin() const { return origin_; }
    const std::string& base_path() const { return base_path_; }
    const std::string& host() const { return host_; }

  private:
    struct Impl;
    std::string provider_, origin_, base_path_, host_;
    HttpsOptions options_;
    std::unique_ptr<Impl> impl_;
};

// The CA bundle the client verifies servers with: REQUESTS_CA_BUNDLE, else SSL_CERT_FILE, else ""
// (the system store).
std::string ca_bundle_from_environment();
// True when NO_PROXY / no_proxy (comma-separated; "*", "host", ".domain" or "domain") covers HOST.
bool no_proxy_covers(const std::string& no_proxy, const std::string& host);
// The Authorization header value of HTTP Basic authentication (RFC 7617): "Basic " +
// base64(USER ":" PASSWORD).
std::string basic_auth(const std::string& user, const std::string& password);
// RFC 3986 percent-encoding of a query value or path segment (unreserved characters kept).
std::string url_encode(const std::string& s);

}  // namespace certbot::plugin::dns

#endif  // CERTBOT_PLUGINS_SUPPORT_DNS_HTTPS_H
