#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace route53 {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return std::string();
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string hex(const unsigned char* p, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string hmac(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL).");
    return std::string(reinterpret_cast<char*>(out), len);
}

bool read_small_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(256 * 1024, '\0');
    in.read(&out[0], static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<size_t>(in.gcount()));
    return true;
}

}  // namespace

std::string hex_sha256(const std::string& data) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
    return hex(d, sizeof d);
}

std::map<std::string, std::map<std::string, std::string>> parse_aws_ini(const std::string& text) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line, section;
    bool in_section = false;
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t[0] == '[' && t.back() == ']') {
            section = trim(t.substr(1, t.size() - 2));
            in_section = true;
            continue;
        }
        size_t eq = t.find('=');
        if (!in_section || eq == std::string::npos) continue;
        std::string k = trim(t.substr(0, eq));
        std::transform(k.begin(), k.end(), k.begin(), ::tolower);
        out[section][k] = trim(t.substr(eq + 1));
    }
    return out;
}

AwsCredentials load_aws_credentials() {
    std::vector<std::string> tried;
    AwsCredentials c;
    c.access_key_id = env("AWS_ACCESS_KEY_ID");
    c.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
    if (!c.access_key_id.empty() && !c.secret_access_key.empty()) {
        c.session_token = env("AWS_SESSION_TOKEN");
        c.source = "the environment (AWS_ACCESS_KEY_ID)";
        return c;
    }
    tried.push_back("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    std::string profile = env("AWS_PROFILE");
    if (profile.empty()) profile = env("AWS_DEFAULT_PROFILE");
    if (profile.empty()) profile = "default";
    const std::string home = env("HOME");
    auto try_file = [&](const std::string& path, const std::string& section) {
        std::string text;
        tried.push_back(path + " [" + section + "]");
        if (path.empty() || !read_small_file(path, text)) return false;
        auto ini = parse_aws_ini(text);
        auto it = ini.find(section);
        if (it == ini.end()) return false;
        auto get = [&](const char* k) {
            auto v = it->second.find(k);
            return v == it->second.end() ? std::string() : v->second;
        };
        if (get("aws_access_key_id").empty() || get("aws_secret_access_key").empty()) return false;
        c.access_key_id = get("aws_access_key_id");
        c.secret_access_key = get("aws_secret_access_key");
        c.session_token = get("aws_session_token");
        c.source = path + " [" + section + "]";
        return true;
    };
    std::string shared = env("AWS_SHARED_CREDENTIALS_FILE");
    if (shared.empty() && !home.empty()) shared = home + "/.aws/credentials";
    if (try_file(shared, profile)) return c;
    std::string config = env("AWS_CONFIG_FILE");
    if (config.empty() && !home.empty()) config = home + "/.aws/config";
    if (try_file(config, profile == "default" ? "default" : "profile " + profile)) return c;
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    throw std::runtime_error(
        "Unable to locate AWS credentials (tried " + list +
        "). To use certbot-dns-route53, configure credentials as described at "
        "https://boto3.readthedocs.io/en/latest/guide/configuration.html#best-practices-for-"
        "configuring-credentials and add the necessary permissions for Route53 access.");
}

std::string sigv4_authorization(const SignedRequest& req, const AwsCredentials& creds,
                                const std::string& region, const std::string& service) {
    const std::string date = req.amz_date.substr(0, 8);
    // Canonical headers, sorted by (lowercase) name.
    std::vector<std::pair<std::string, std::string>> headers = {{"host", req.host},
                                                                {"x-amz-date", req.amz_date}};
    if (!creds.session_token.empty())
        headers.emplace_back("x-amz-security-token", creds.session_token);
    std::sort(headers.begin(), headers.end());
    std::string canonical_headers, signed_headers;
    for (const auto& h : headers) {
        canonical_headers += h.first + ":" + trim(h.second) + "\n";
        signed_headers += (signed_headers.empty() ? "" : ";") + h.first;
    }
    const std::string canonical_request = req.method + "\n" + req.path + "\n" + req.query + "\n" +
                                          canonical_headers + "\n" + signed_headers + "\n" +
                                          hex_sha256(req.body);
    const std::string scope = date + "/" + region + "/" + service + "/aws4_request";
    const std::string to_sign =
        "AWS4-HMAC-SHA256\n" + req.amz_date + "\n" + scope + "\n" + hex_sha256(canonical_request);
    std::string key = hmac("AWS4" + creds.secret_access_key, date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    const std::string mac = hmac(key, to_sign);
    return "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
           ", SignedHeaders=" + signed_headers +
           ", Signature=" + hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

}  // namespace route53
