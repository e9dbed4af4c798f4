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
#include "dns_paging.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 30;

class DigitalOcean : public dns::DnsApiAuthenticator {
  public:
    explicit DigitalOcean(Host host)
        : DnsApiAuthenticator(host, "dns-digitalocean", 10, "DigitalOcean",
                              "https://api.digitalocean.com/v2") {
        auth_ = {{"Authorization",
                  "Bearer " + creds_.require("token", "API token for DigitalOcean account")}};
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
            const std::string rel = dns::relative_name(rec.name, zone);
            dns::find_in_pages(
                listing("/domains/" + dns::url_encode(zone) +
                            "/records?type=TXT&name=" + dns::url_encode(rec.name),
                        "domain_records",
                        [&](const dns::HttpsResponse& r) {
                            throw std::runtime_error(
                                "Error getting DNS records using the DigitalOcean API: " +
                                error_of(r) + " (domain " + zone + ").");
                        }),
                [&](const rapidjson::Value& x) {
                    if (dns::json_string(x, "type") != "TXT" ||
                        dns::json_string(x, "data") != rec.value ||
                        dns::json_string(x, "name") != rel)
                        return false;
                    ids.push_back(dns::json_string(x, "id"));  // we added one
                    return true;
                });
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
    // The pages of PATH (which ends in '?' or carries a query), 200 items each; DigitalOcean
    // says there is another in links.pages.next.
    dns::PagedListing listing(const std::string& path, const char* items,
                              std::function<void(const dns::HttpsResponse&)> fail) {
        dns::PagedListing l;
        l.fetch = [this, path](int page) {
            return api_->send("GET",
                              path + (path.back() == '?' ? "" : "&") +
                                  "page=" + std::to_string(page) + "&per_page=200",
                              auth_);
        };
        l.items = items;
        l.where = "DigitalOcean API (GET " + path.substr(0, path.find('?')) + ")";
        l.fail = std::move(fail);
        l.has_next = [](const rapidjson::Document& d, int) {
            auto links = d.FindMember("links");
            if (links == d.MemberEnd() || !links->value.IsObject()) return false;
            auto pages = links->value.FindMember("pages");
            return pages != links->value.MemberEnd() &&
                   !dns::json_string(pages->value, "next").empty();
        };
        return l;
    }

    // "HTTP 401: Unable to authenticate you" from {"id", "message"}.
    static std::string error_of(const dns::HttpsResponse& r) {
        return dns::status_message(r.status, r.body, "message");
    }

    // certbot-dns-digitalocean's _find_domain: the account's domains, then the first guess that
    // is one of them.
    std::string find_domain(const std::string& domain) {
        std::vector<std::string> names;
        dns::find_in_pages(
            listing("/domains?", "domains",
                    [&](const dns::HttpsResponse& r) {
                        std::string hint = r.status == 401
                                               ? " (Did you provide a valid API token? Check "
                                                 "dns_digitalocean_token in " +
                                                     creds_.path() + ")"
                                               : "";
                        throw std::runtime_error(
                            "Error finding domain using the DigitalOcean API: " + error_of(r) +
                            hint);
                    }),
            [&](const rapidjson::Value& x) {
                names.push_back(dns::json_string(x, "name"));
                return false;
            });
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
