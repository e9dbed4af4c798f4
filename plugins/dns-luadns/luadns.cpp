// dns-luadns: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through the
// LuaDNS REST API v1 (https://www.luadns.com/api.html), like certbot-dns-luadns (which goes
// through lexicon's luadns provider): the same option names, credentials keys (dns_luadns_email
// and dns_luadns_token, sent as HTTP Basic authentication), TTL (60) and propagation default
// (30 s). Every request carries "Accept: application/json", which the API requires. The calls:
//   GET    /zones                              the account's zones
//   POST   /zones/<zone id>/records            {"name":"<fqdn>.","type":"TXT","content","ttl"}
//   GET    /zones/<zone id>/records            (cleanup fallback)
//   DELETE /zones/<zone id>/records/<id>
// Errors are {"status": "...", "message": "..."}.
// CERTBOT_DNS_LUADNS_API_URL replaces https://api.luadns.com/v1 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "dns_paging.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
const char* const kAccountUrl = "https://api.luadns.com/settings";

class LuaDns : public dns::DnsApiAuthenticator {
  public:
    explicit LuaDns(Host host)
        : DnsApiAuthenticator(host, "dns-luadns", 30, "LuaDNS", "https://api.luadns.com/v1") {
        const std::string email =
            creds_.require("email", "email address associated with LuaDNS account");
        const std::string token = creds_.require(
            "token", std::string("API token for LuaDNS account, obtained from ") + kAccountUrl);
        auth_ = {{"Authorization", dns::basic_auth(email, token)}, {"Accept", "application/json"}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        const std::string path = "/zones/" + rec.zone_id + "/records";
        rec.sent = true;
        auto r = api_->send("POST", path, auth_,
                            "{\"name\":" + dns::json_quote(rec.name + ".") +
                                ",\"type\":\"TXT\",\"content\":" + dns::json_quote(rec.value) +
                                ",\"ttl\":" + std::to_string(kTtl) + "}");
        if (r.status != 200 && r.status != 201)
            throw std::runtime_error("Error adding TXT record " + rec.name + " to LuaDNS zone " +
                                     rec.zone + ": " + error_of(r) + ".");
        rec.id = dns::json_string(dns::parse_json(r.body, "LuaDNS API (POST " + path + ")"), "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone, zone_id = rec.zone_id;
        if (zone_id.empty()) zone_id = find_zone(rec.domain, zone);
        const std::string path = "/zones/" + zone_id + "/records";
        std::string id = rec.id;
        if (id.empty()) {
            dns::PagedListing l;  // one page: the API returns every record of the zone
            l.fetch = [&](int) { return api_->send("GET", path, auth_); };
            l.where = "LuaDNS API (GET " + path + ")";
            l.fail = [&](const dns::HttpsResponse& r) {
                throw std::runtime_error("Error listing the records of LuaDNS zone " + zone + ": " +
                                         error_of(r) + ".");
            };
            dns::find_in_pages(l, [&](const rapidjson::Value& x) {
                if (dns::json_string(x, "type") != "TXT" ||
                    dns::json_string(x, "name") != rec.name + "." ||
                    dns::json_string(x, "content") != rec.value)
                    return false;
                id = dns::json_string(x, "id");
                return true;
            });
            if (id.empty()) return;  // never created
        }
        auto r = api_->send("DELETE", path + "/" + dns::url_encode(id), auth_);
        if (r.status != 200 && r.status != 204 && r.status != 404)
            throw std::runtime_error("Error deleting TXT record " + rec.name +
                                     " from LuaDNS zone " + zone + ": " + error_of(r) + ".");
    }

  private:
    static std::string error_of(const dns::HttpsResponse& r) {
        return dns::status_message(r.status, r.body, "message");
    }

    // The id of the first guess that is one of the account's zones (the list is read once).
    std::string find_zone(const std::string& domain, std::string& zone) {
        if (zones_.empty()) {
            auto r = api_->send("GET", "/zones", auth_);
            if (r.status != 200)
                throw std::runtime_error(
                    "Error determining zone identifier for " + domain + ": " + error_of(r) + "." +
                    (r.status == 401 ? " (Are your email and API token values correct? Check "
                                       "dns_luadns_email and dns_luadns_token in " +
                                           creds_.path() + ")"
                                     : std::string()));
            auto d = dns::parse_json(r.body, "LuaDNS API (GET /zones)");
            if (d.IsArray())
                for (const auto& z : d.GetArray())
                    if (!dns::json_string(z, "id").empty())
                        zones_.emplace_back(dns::json_string(z, "name"), dns::json_string(z, "id"));
        }
        std::string id;
        zone = dns::first_zone(domain, "LuaDNS", [&](const std::string& g) {
            for (const auto& [name, zid] : zones_)
                if (name == g) {
                    id = zid;
                    return true;
                }
            return false;
        });
        return dns::url_encode(id);
    }

    std::vector<std::pair<std::string, std::string>> zones_;  // name, id
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("30"),
    dns::credentials_option("LuaDNS credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<LuaDns>(
    "dns-luadns", "Obtain certificates using a DNS TXT record (if you are using LuaDNS for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
