// dns-dnsmadeeasy: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// the DNS Made Easy REST API v2.0 (https://api-docs.dnsmadeeasy.com/), like
// certbot-dns-dnsmadeeasy (which goes through lexicon's dnsmadeeasy provider): the same option
// names, credentials keys (dns_dnsmadeeasy_api_key and dns_dnsmadeeasy_secret_key), TTL (60) and
// propagation default (60 s). Each request is authenticated with x-dnsme-apiKey, x-dnsme-
// requestDate (the HTTP date, RFC 7231 §7.1.1.1) and x-dnsme-hmac (the hex HMAC-SHA1 of that
// date under the secret key). The calls:
//   GET    /dns/managed/name?domainname=<guess>         for each guess: the domain, or 404
//   POST   /dns/managed/<id>/records {"name":<relative>,"type":"TXT","value","gtdLocation","ttl"}
//   GET    /dns/managed/<id>/records?recordName=<relative>&type=TXT   (cleanup fallback)
//   DELETE /dns/managed/<id>/records/<record id>
// TXT values come back quoted ("\"...\""). Errors are {"error": ["...", ...]}.
// CERTBOT_DNS_DNSMADEEASY_API_URL replaces https://api.dnsmadeeasy.com/V2.0 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "dns_paging.h"
#include "hex.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
const char* const kAccountUrl = "https://cp.dnsmadeeasy.com/account/info";

// "Sat, 05 Dec 2026 06:40:00 GMT" (English names whatever the locale).
std::string http_date(std::time_t t) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::string hmac_sha1_hex(const std::string& key, const std::string& data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &n))
        throw std::runtime_error("HMAC-SHA1 failed (OpenSSL).");
    return certbot::common::hex(mac, n);
}

// VALUE without the quotes DNS Made Easy puts around TXT data.
std::string unquoted(const std::string& value) {
    return value.size() >= 2 && value.front() == '"' && value.back() == '"'
               ? value.substr(1, value.size() - 2)
               : value;
}

class DnsMadeEasy : public dns::DnsApiAuthenticator {
  public:
    explicit DnsMadeEasy(Host host)
        : DnsApiAuthenticator(host, "dns-dnsmadeeasy", 60, "DNS Made Easy",
                              "https://api.dnsmadeeasy.com/V2.0"),
          api_key_(creds_.require(
              "api-key",
              std::string("API key for DNS Made Easy account, obtained from ") + kAccountUrl)),
          secret_key_(creds_.require(
              "secret-key",
              std::string("Secret key for DNS Made Easy account, obtained from ") + kAccountUrl)) {}

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        const std::string path = "/dns/managed/" + rec.zone_id + "/records";
        rec.sent = true;
        auto r = send("POST", path,
                      "{\"name\":" + dns::json_quote(relative(rec)) +
                          ",\"type\":\"TXT\",\"value\":" + dns::json_quote(rec.value) +
                          ",\"gtdLocation\":\"DEFAULT\",\"ttl\":" + std::to_string(kTtl) + "}");
        if (r.status != 201 && r.status != 200)
            throw std::runtime_error("Error adding TXT record " + rec.name +
                                     " to DNS Made Easy domain " + rec.zone + ": " + error_of(r) +
                                     ".");
        rec.id = dns::json_string(dns::parse_json(r.body, "DNS Made Easy API (POST " + path + ")"),
                                  "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        dns::TxtRecord at = rec;
        if (at.zone_id.empty()) at.zone_id = find_zone(rec.domain, at.zone);
        const std::string path = "/dns/managed/" + at.zone_id + "/records";
        std::string id = rec.id;
        if (id.empty()) {
            dns::PagedListing l;
            l.fetch = [&](int) {
                return send("GET",
                            path + "?recordName=" + dns::url_encode(relative(at)) + "&type=TXT");
            };
            l.items = "data";
            l.where = "DNS Made Easy API (GET " + path + ")";
            l.fail = [&](const dns::HttpsResponse& r) {
                throw std::runtime_error("Error listing the TXT records " + rec.name +
                                         " of DNS Made Easy domain " + at.zone + ": " +
                                         error_of(r) + ".");
            };
            id = dns::find_id_in_pages(l, [&](const rapidjson::Value& x) {
                return dns::json_string(x, "type") == "TXT" &&
                       dns::json_string(x, "name") == relative(at) &&
                       unquoted(dns::json_string(x, "value")) == rec.value;
            });
            if (id.empty()) return;  // never created
        }
        auto r = send("DELETE", path + "/" + dns::url_encode(id));
        if (r.status != 200 && r.status != 204 && r.status != 404)
            throw std::runtime_error("Error deleting TXT record " + rec.name +
                                     " from DNS Made Easy domain " + at.zone + ": " + error_of(r) +
                                     ".");
    }

  private:
    dns::HttpsResponse send(const std::string& method, const std::string& path,
                            const std::string& body = std::string()) {
        const std::string date = http_date(std::time(nullptr));
        return api_->send(method, path,
                          {{"x-dnsme-apiKey", api_key_},
                           {"x-dnsme-requestDate", date},
                           {"x-dnsme-hmac", hmac_sha1_hex(secret_key_, date)},
                           {"Accept", "application/json"}},
                          body);
    }
    // DNS Made Easy writes the apex as "".
    static std::string relative(const dns::TxtRecord& rec) {
        std::string rel = dns::relative_name(rec.name, rec.zone);
        return rel == "@" ? std::string() : rel;
    }
    // "HTTP status 403: API key not found" from {"error": ["API key not found"]}.
    static std::string error_of(const dns::HttpsResponse& r) {
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        std::string msg;
        if (!d.HasParseError())
            if (const auto* errors = dns::json_array(d, "error"))
                for (const auto& e : errors->GetArray())
                    if (e.IsString()) msg += (msg.empty() ? "" : "; ") + std::string(e.GetString());
        return "HTTP status " + std::to_string(r.status) +
               (msg.empty() ? std::string() : ": " + dns::printable(msg));
    }

    std::string find_zone(const std::string& domain, std::string& zone) {
        std::string id;
        zone = dns::first_zone(domain, "DNS Made Easy", [&](const std::string& g) {
            auto r = send("GET", "/dns/managed/name?domainname=" + dns::url_encode(g));
            if (r.status == 404) return false;
            if (r.status != 200)
                throw std::runtime_error(
                    "Error determining zone identifier: " + error_of(r) + "." +
                    (r.status == 403 ? " (Are your API key and Secret key values correct? Check "
                                       "dns_dnsmadeeasy_api_key and dns_dnsmadeeasy_secret_key "
                                       "in " +
                                           creds_.path() + ")"
                                     : std::string()));
            auto d = dns::parse_json(r.body, "DNS Made Easy API (GET /dns/managed/name)");
            id = dns::json_string(d, "id");
            return !id.empty() && dns::json_string(d, "name") == g;
        });
        return dns::url_encode(id);
    }

    std::string api_key_, secret_key_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("60"),
    dns::credentials_option("DNS Made Easy credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<DnsMadeEasy>(
    "dns-dnsmadeeasy",
    "Obtain certificates using a DNS TXT record (if you are using DNS Made Easy for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
