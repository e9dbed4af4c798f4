// dns-digitalocean: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// DigitalOcean's API v2 (https://docs.digitalocean.com/reference/api/api-reference/#tag/Domains),
// like certbot-dns-digitalocean: the same option names, credentials key (dns_digitalocean_token,
// sent as "Authorization: Bearer"), TTL (30) and propagation default (10 s). The calls:
//   GET    /domains?page=N&per_page=200               the account's domains, every page
//   POST   /domains/<domain>/records                  {"type":"TXT","name":<relative>,"data","ttl"}
//   GET    /domains/<domain>/records?type=TXT&name=<fqdn>&page=N&per_page=200  (cleanup fallback)
//   DELETE /domains/<domain>/records/<id>             204
// Errors are {"id": "unauthorized", "message": "Unable to authenticate you"}.
// CERTBOT_DNS_DIGITALOCEAN_API_URL replaces https://api.digitalocean.com/v2 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 30;
constexpr int kMaxPages = 50;  // 10000 domains or records: more is a misbehaving server

class DigitalOcean : public dns::DnsAuthenticator {
  public:
    explicit DigitalOcean(Host host)
        : DnsAuthenticator(host, "dns-digitalocean", 10),
          creds_(dns::Credentials::load(host, "dns-digitalocean", host.option("credentials"))) {
        auth_ = {{"Authorization",
                  "Bearer " + creds_.require("token", "API token for DigitalOcean account")}};
        dns::HttpsOptions o;
        o.user_agent = "certbot-native-dns-digitalocean/0.1.0";
        api_ = std::make_unique<dns::HttpsClient>("DigitalOcean", "https://api.digitalocean.com/v2",
                                                  "CERTBOT_DNS_DIGITALOCEAN_API_URL", o);
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone = find_domain(rec.domain);
        const std::string body = "{\"type\":\"TXT\",\"name\":" +
                                 dns::json_quote(dns::relative_name(rec.name, rec.zone)) +
                                 ",\"data\":" + dns::json_quote(rec.value) +
                                 ",\"ttl\":" + std::to_string(kTtl) + "}";
        rec.sent = true;
        auto r =
            api_->send("POST", "/domains/" + dns::url_encode(rec.zone) + "/records", auth_, body);
        if (r.status != 201 && r.status != 200)
            throw std::runtime_error(
                "Error adding TXT record using the DigitalOcean API: " + error_of(r) + " (adding " +
                rec.name + " to domain " + rec.zone + ").");
        auto d =
            dns::parse_json(r.body, "DigitalOcean API (POST /domains/" + rec.zone + "/records)");
        if (d.IsObject() && d.HasMember("domain_record"))
            rec.id = dns::json_string(d["domain_record"], "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone.empty() ? find_domain(rec.domain) : rec.zone;
        std::vector<std::string> ids;
        if (!rec.id.empty()) {
            ids.push_back(rec.id);
        } else {
            for (int page = 1; page <= kMaxPages; ++page) {
                const std::string path = "/domains/" + dns::url_encode(zone) +
                                         "/records?type=TXT&name=" + dns::url_encode(rec.name) +
                                         "&page=" + std::to_string(page) + "&per_page=200";
                auto r = api_->send("GET", path, auth_);
                if (r.status != 200)
                    throw std::runtime_error(
                        "Error getting DNS records using the DigitalOcean "
                        "API: " +
                        error_of(r) + " (domain " + zone + ").");
                auto d =
                    dns::parse_json(r.body, "DigitalOcean API (GET /domains/" + zone + "/records)");
                const auto* list = dns::json_array(d, "domain_records");
                if (!list) break;
                const std::string rel = dns::relative_name(rec.name, zone);
                for (const auto& x : list->GetArray())
                    if (dns::json_string(x, "type") == "TXT" &&
                        dns::json_string(x, "data") == rec.value &&
                        dns::json_string(x, "name") == rel)
                        ids.push_back(dns::json_string(x, "id"));
                if (!has_next(d)) break;
            }
            if (ids.size() > 1) ids.resize(1);  // we added one
        }
        for (const auto& id : ids) {
            auto r = api_->send(
                "DELETE", "/domains/" + dns::url_encode(zone) + "/records/" + dns::url_encode(id),
                auth_);
            if (r.status != 204 && r.status != 200 && r.status != 404)
                throw std::runtime_error("Error deleting TXT record " + rec.name +
                                         " using the DigitalOcean API: " + error_of(r) + ".");
        }
    }

  private:
    static bool has_next(const rapidjson::Document& d) {
        auto links = d.FindMember("links");
        if (links == d.MemberEnd() || !links->value.IsObject()) return false;
        auto pages = links->value.FindMember("pages");
        return pages != links->value.MemberEnd() && !dns::json_string(pages->value, "next").empty();
    }

    // "HTTP 401: Unable to authenticate you" from {"id", "message"}.
    std::string error_of(const dns::HttpsResponse& r) const {
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        std::string msg = d.HasParseError() ? std::string() : dns::json_string(d, "message");
        return "HTTP status " + std::to_string(r.status) +
               (msg.empty() ? std::string() : ": " + dns::printable(msg));
    }

    // certbot-dns-digitalocean's _find_domain: the account's domains, then the first guess that
    // is one of them.
    std::string find_domain(const std::string& domain) {
        std::vector<std::string> names;
        for (int page = 1; page <= kMaxPages; ++page) {
            auto r =
                api_->send("GET", "/domains?page=" + std::to_string(page) + "&per_page=200", auth_);
            if (r.status != 200) {
                std::string hint = r.status == 401 ? " (Did you provide a valid API token? Check "
                                                     "dns_digitalocean_token in " +
                                                         creds_.path() + ")"
                                                   : "";
                throw std::runtime_error(
                    "Error finding domain using the DigitalOcean API: " + error_of(r) + hint);
            }
            auto d = dns::parse_json(r.body, "DigitalOcean API (GET /domains)");
            const auto* list = dns::json_array(d, "domains");
            if (!list) break;
            for (const auto& x : list->GetArray()) names.push_back(dns::json_string(x, "name"));
            if (!has_next(d)) break;
        }
        std::string tried;
        for (const auto& g : dns::zone_guesses(domain)) {
            for (const auto& n : names)
                if (n == g) return g;
            tried += (tried.empty() ? "" : ", ") + g;
        }
        throw std::runtime_error("Unable to determine base domain for " + domain +
                                 " using names: " + tried +
                                 ". Is the domain in this DigitalOcean account?");
    }

    dns::Credentials creds_;
    dns::Headers auth_;
    std::unique_ptr<dns::HttpsClient> api_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("10"),
    dns::credentials_option("DigitalOcean credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<DigitalOcean>(
    "dns-digitalocean",
    "Obtain certificates using a DNS TXT record (if you are using DigitalOcean for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
