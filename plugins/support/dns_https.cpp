#include "dns_https.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "http_body.h"

namespace certbot::plugin::dns {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

struct Url {
    std::string scheme, host, path;
    int port = 0;
    std::string user, password;
};

// scheme://[user[:password]@]host[:port][/path]; host may be an [IPv6] literal.
bool parse_url(const std::string& url, Url& out) {
    size_t sep = url.find("://");
    if (sep == std::string::npos) return false;
    out.scheme = url.substr(0, sep);
    std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(), ::tolower);
    std::string rest = url.substr(sep + 3);
    size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    out.path = slash == std::string::npos ? std::string() : rest.substr(slash);
    if (size_t at = authority.rfind('@'); at != std::string::npos) {
        std::string userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        size_t colon = userinfo.find(':');
        out.user = userinfo.substr(0, colon);
        if (colon != std::string::npos) out.password = userinfo.substr(colon + 1);
    }
    std::string port;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string::npos) return false;
        out.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return false;
            port = authority.substr(close + 2);
        }
    } else {
        size_t colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (out.host.empty()) return false;
    out.port = out.scheme == "https" ? 443 : 80;
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
        out.port = std::atoi(port.c_str());
        if (out.port < 1 || out.port > 65535) return false;
    }
    return true;
}

}  // namespace

std::string ca_bundle_from_environment() {
    for (const char* name : {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"})
        if (std::string v = env(name); !v.empty()) return v;
    return std::string();
}

bool no_proxy_covers(const std::string& no_proxy, const std::string& host) {
    std::string h = host;
    std::transform(h.begin(), h.end(), h.begin(), ::tolower);
    size_t start = 0;
    while (start <= no_proxy.size()) {
        size_t comma = no_proxy.find(',', start);
        std::string item =
            no_proxy.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        item.erase(std::remove_if(item.begin(), item.end(), ::isspace), item.end());
        std::transform(item.begin(), item.end(), item.begin(), ::tolower);
        if (item == "*") return true;
        if (!item.empty() && item[0] == '.') item = item.substr(1);
        if (!item.empty() &&
            (h == item ||
             (h.size() > item.size() && h.compare(h.size() - item.size(), item.size(), item) == 0 &&
              h[h.size() - item.size() - 1] == '.')))
            return true;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return false;
}

std::string basic_auth(const std::string& user, const std::string& password) {
    const std::string plain = user + ":" + password;
    std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                  reinterpret_cast<const unsigned char*>(plain.data()),
                                  static_cast<int>(plain.size()));
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return "Basic " + out;
}

std::string url_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

struct HttpsClient::Impl {
    std::unique_ptr<httplib::Client> client;
};

HttpsClient::HttpsClient(std::string provider, const std::string& base_url,
                         const std::string& endpoint_env, HttpsOptions options)
    : provider_(std::move(provider)), options_(std::move(options)), impl_(new Impl) {
    std::string url = base_url;
    if (!endpoint_env.empty())
        if (std::string v = env(endpoint_env.c_str()); !v.empty()) url = v;
    Url u;
    if (!parse_url(url, u) || u.scheme != "https" || !u.user.empty())
        throw std::runtime_error(
            "The " + provider_ + " API URL " + url + " is not an https:// URL" +
            (endpoint_env.empty() ? std::string() : " (check " + endpoint_env + ")") + ".");
    host_ = u.host;
    const std::string host_part =
        u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    origin_ = "https://" + host_part + ":" + std::to_string(u.port);
    base_path_ = u.path;
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();

    auto c = std::make_unique<httplib::Client>(origin_);
    c->set_connection_timeout(options_.connect_timeout_s, 0);
    c->set_read_timeout(options_.read_timeout_s, 0);
    c->set_write_timeout(options_.read_timeout_s, 0);
    c->set_keep_alive(true);
    c->set_follow_location(false);
    c->set_decompress(false);
    c->enable_server_certificate_verification(true);
    if (std::string ca = ca_bundle_from_environment(); !ca.empty()) c->set_ca_cert_path(ca);
    std::string proxy = env("HTTPS_PROXY");
    if (proxy.empty()) proxy = env("https_proxy");
    std::string no_proxy = env("NO_PROXY");
    if (no_proxy.empty()) no_proxy = env("no_proxy");
    if (!proxy.empty() && !no_proxy_covers(no_proxy, u.host)) {
        if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
        Url p;
        if (!parse_url(proxy, p) || p.scheme != "http")
            throw std::runtime_error("HTTPS_PROXY (" + p.scheme + "://" + p.host +
                                     ") is not an http:// proxy URL; fix or unset it.");
        c->set_proxy(p.host.c_str(), p.port);
        if (!p.user.empty()) c->set_proxy_basic_auth(p.user.c_str(), p.password.c_str());
    }
    impl_->client = std::move(c);
}

HttpsClient::~HttpsClient() = default;

HttpsResponse HttpsClient::send(const std::string& method, const std::string& path,
                                const Headers& headers, const std::string& body,
                                const std::string& content_type) {
    const std::string where = provider_ + " API (" + method + " " + origin_ + base_path_ +
                              path.substr(0, path.find('?')) + ")";
    httplib::Request req;
    req.method = method;
    req.path = base_path_ + path;
    req.headers.emplace("User-Agent", options_.user_agent);
    req.headers.emplace("Accept", "application/json");
    for (const auto& h : headers) req.headers.emplace(h.first, h.second);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.body = body;
        req.headers.emplace("Content-Type",
                            content_type.empty() ? "application/json" : content_type);
    }
    HttpsResponse out;
    common::BodyLimits limits(options_.max_body, options_.total_timeout_s);
    common::bound_response_body(req, out.body, limits);
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    bool ok = impl_->client->send(req, res, err);
    const bool too_big = limits.too_big, too_slow = limits.too_slow;
    if (too_big)
        throw std::runtime_error("The " + where + " sent a response larger than " +
                                 std::to_string(options_.max_body) + " bytes; refusing it.");
    if (too_slow)
        throw std::runtime_error("The " + where + " did not answer within " +
                                 std::to_string(options_.total_timeout_s) + " s.");
    if (!ok) {
        std::string why = httplib::to_string(err);
        if (err == httplib::Error::Connection)
            why = "could not connect within " + std::to_string(options_.connect_timeout_s) + " s";
        else if (err == httplib::Error::Read)
            why = "the connection broke or no data came for " +
                  std::to_string(options_.read_timeout_s) + " s";
        else if (err == httplib::Error::SSLServerVerification)
            why += " (its certificate is not trusted: set REQUESTS_CA_BUNDLE to its CA bundle)";
        throw std::runtime_error("Could not reach the " + where + ": " + why + ".");
    }
    out.status = res.status;
    for (const auto& h : res.headers) {
        if (h.second.size() > 8192) continue;
        std::string name = h.first;
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        out.headers[name] = h.second;
    }
    return out;
}

}  // namespace certbot::plugin::dns
