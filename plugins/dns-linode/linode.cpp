// dns-linode: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// Linode's API v4 (https://www.linode.com/docs/api/domains/), like certbot-dns-linode (which
// goes through lexicon's linode4 provider): the same option names, credentials keys
// (dns_linode_key: a personal access token, sent as "Authorization: Bearer"; dns_linode_version)
// and propagation default (120 s: Linode publishes its zones every few minutes). The calls:
//   GET    /domains  with X-Filter: {"domain": "<guess>"}   for each guess, walking the labels
//   POST   /domains/<id>/records   {"type":"TXT","name":<relative>,"target","ttl_sec":0}
//   GET    /domains/<id>/records?page=N                      (cleanup fallback, every page)
//   DELETE /domains/<id>/records/<record id>
// Errors are {"errors": [{"reason": "...", "field": "..."}]}. API v3 was shut down in 2023:
// dns_linode_version = 3 is refused with what to do.
// CERTBOT_DNS_LINODE_API_URL replaces https://api.linode.com/v4 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "dns_paging.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

const char* const kTokenUrl = "https://cloud.linode.com/profile/tokens";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}

class Linode : public dns::DnsApiAuthenticator {
  public:
    explicit Linode(Host host)
        : DnsApiAuthenticator(host, "dns-linode", 120, "Linode", "https://api.linode.com/v4") {
        const std::string key = creds_.require(
            "key", std::string("API key for Linode account, obtained from ") + kTokenUrl);
        const std::string version = creds_.get("version");
        if (!version.empty() && version != "4")
            throw std::runtime_error(
                "Invalid api version specified: " + dns::printable(version, 20) +
                " (dns_linode_version in " + creds_.path() +
                "). Linode's API v3 was shut down: create a personal access token at " + kTokenUrl +
                ", put it in dns_linode_key and set dns_linode_version = 4 (or remove it).");
        auth_ = {{"Authorization", "Bearer " + key}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_domain(rec.domain, rec.zone);
        const std::string body = "{\"type\":\"TXT\",\"name\":" +
                                 dns::json_quote(lower(dns::relative_name(rec.name, rec.zone))) +
                                 ",\"target\":" + dns::json_quote(rec.value) + ",\"ttl_sec\":0}";
        rec.sent = true;
        auto r = api_->send("POST", "/domains/" + rec.zone_id + "/records", auth_, body);
        if (r.status != 200)
            throw std::runtime_error("Error adding TXT record " + rec.name + " to Linode domain " +
                                     rec.zone + ": " + error_of(r) + ".");
        auto d = dns::parse_json(r.body, "Linode API (POST /domains/" + rec.zone_id + "/records)");
        rec.id = dns::json_string(d, "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone, zone_id = rec.zone_id;
        if (zone_id.empty()) zone_id = find_domain(rec.domain, zone);
        std::string id = rec.id;
        if (id.empty()) {
            const std::string rel = lower(dns::relative_name(rec.name, zone));
            dns::PagedListing l;
            l.fetch = [&](int page) {
                return api_->send(
                    "GET", "/domains/" + zone_id + "/records?page=" + std::to_string(page), auth_);
            };
            l.items = "data";
            l.where = "Linode API (GET /domains/" + zone_id + "/records)";
            l.fail = [&](const dns::HttpsResponse& r) {
                throw std::runtime_error("Error listing the records of Linode domain " + zone +
                                         ": " + error_of(r) + ".");
            };
            l.has_next = [](const rapidjson::Document& d, int page) {
                auto pages = d.FindMember("pages");
                return pages != d.MemberEnd() && pages->value.IsInt() &&
                       pages->value.GetInt() > page;
            };
            dns::find_in_pages(l, [&](const rapidjson::Value& x) {
                if (dns::json_string(x, "type") != "TXT" ||
                    lower(dns::json_string(x, "name")) != rel ||
                    dns::json_string(x, "target") != rec.value)
                    return false;
                id = dns::json_string(x, "id");
                return true;
            });
            if (id.empty()) return;  // never created
        }
        auto r =
            api_->send("DELETE", "/domains/" + zone_id + "/records/" + dns::url_encode(id), auth_);
        if (r.status != 200 && r.status != 404)
            throw std::runtime_error("Error deleting TXT record " + rec.name +
                                     " from Linode domain " + zone + ": " + error_of(r) + ".");
    }

  private:
    static std::string error_of(const dns::HttpsResponse& r) {
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        std::string reasons;
        if (!d.HasParseError())
            if (const auto* errors = dns::json_array(d, "errors"))
                for (const auto& e : errors->GetArray()) {
                    std::string field = dns::json_string(e, "field");
                    reasons += (reasons.empty() ? "" : "; ") + (field.empty() ? "" : field + ": ") +
                               dns::json_string(e, "reason");
                }
        return "HTTP status " + std::to_string(r.status) +
               (reasons.empty() ? std::string() : " (" + dns::printable(reasons) + ")");
    }

    // certbot's LexiconClient._find_domain_id with lexicon's linode4 _authenticate: for each
    // guess, GET /domains filtered on the name; the first that exists is the zone.
    std::string find_domain(const std::string& domain, std::string& zone) {
        std::string id;
        zone = dns::first_zone(domain, "Linode", [&](const std::string& g) {
            auto r = api_->send(
                "GET", "/domains",
                {auth_[0], {"X-Filter", "{\"domain\":" + dns::json_quote(lower(g)) + "}"}});
            if (r.status != 200)
                throw std::runtime_error(
                    "Unexpected error determining zone identifier for " + domain + ": " +
                    error_of(r) +
                    (r.status == 401 ? ". Check dns_linode_key in " + creds_.path() +
                                           " (a personal access token from " + kTokenUrl + ")"
                                     : std::string()) +
                    ".");
            auto d = dns::parse_json(r.body, "Linode API (GET /domains)");
            if (const auto* list = dns::json_array(d, "data"))
                for (const auto& x : list->GetArray())
                    if (lower(dns::json_string(x, "domain")) == lower(g)) {
                        id = dns::json_string(x, "id");
                        return true;
                    }
            return false;
        });
        return id;
    }
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("120"),
    dns::credentials_option("Linode credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Linode>(
    "dns-linode", "Obtain certificates using a DNS TXT record (if you are using Linode for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
