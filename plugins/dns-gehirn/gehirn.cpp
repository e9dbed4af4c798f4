// dns-gehirn: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through the
// Gehirn Infrastructure Service DNS API v1 (https://support.gehirn.jp/apidocs/gis/dns/), like
// certbot-dns-gehirn (which goes through lexicon's gehirn provider): the same option names,
// credentials keys (dns_gehirn_api_token and dns_gehirn_api_secret, sent as HTTP Basic
// authentication), TTL (60) and propagation default (30 s). Gehirn keeps one record set per
// name and type, holding every value; the plugin edits the zone's current version, as lexicon
// does. The calls:
//   GET    /zones                                       the zones, with current_version_id
//   GET    /zones/<zone id>/versions/<version>/records  the record sets
//   POST   /zones/<zone id>/versions/<version>/records  a new set {"name":"<fqdn>.","type":"TXT",
//                                                       "ttl","enable_alias":false,"records":[{"data"}]}
//   PUT    /zones/<zone id>/versions/<version>/records/<set id>   the set with a value more/less
//   DELETE /zones/<zone id>/versions/<version>/records/<set id>   the set once no value is left
// Errors are {"code": ..., "message": "..."}.
// CERTBOT_DNS_GEHIRN_API_URL replaces https://api.gis.gehirn.jp/dns/v1 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "dns_paging.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
const char* const kDashboardUrl = "https://gis.gehirn.jp/";

class Gehirn : public dns::DnsApiAuthenticator {
  public:
    explicit Gehirn(Host host)
        : DnsApiAuthenticator(host, "dns-gehirn", 30, "Gehirn",
                              "https://api.gis.gehirn.jp/dns/v1") {
        const std::string token = creds_.require(
            "api-token", std::string("API token for Gehirn Infrastructure Service API obtained "
                                     "from ") +
                             kDashboardUrl);
        const std::string secret = creds_.require(
            "api-secret", std::string("API secret for Gehirn Infrastructure Service API "
                                      "obtained from ") +
                              kDashboardUrl);
        auth_ = {{"Authorization", dns::basic_auth(token, secret)}, {"Accept", "application/json"}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        rapidjson::Document sets = record_sets(rec);
        rapidjson::Value* set = find_set(sets, rec.name);
        rapidjson::Document body;
        std::string method = "POST", path = records_path(rec.zone_id);
        if (set) {
            if (has_value(*set, rec.value)) return;  // already there (an earlier, failed run)
            body.CopyFrom(*set, body.GetAllocator());
            rapidjson::Value v(rapidjson::kObjectType);
            v.AddMember("data", rapidjson::Value(rec.value.c_str(), body.GetAllocator()),
                        body.GetAllocator());
            body["records"].PushBack(v, body.GetAllocator());
            method = "PUT";
            path += "/" + dns::url_encode(dns::json_string(*set, "id"));
        } else {
            body.Parse(("{\"type\":\"TXT\",\"name\":" + dns::json_quote(rec.name + ".") +
                        ",\"enable_alias\":false,\"ttl\":" + std::to_string(kTtl) +
                        ",\"records\":[{\"data\":" + dns::json_quote(rec.value) + "}]}")
                           .c_str());
        }
        rec.sent = true;
        auto r = api_->send(method, path, auth_, dns::json_write(body));
        if (r.status != 200 && r.status != 201)
            throw std::runtime_error("Error adding TXT record " + rec.name + " to Gehirn zone " +
                                     rec.zone + ": " + error_of(r) + ".");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        dns::TxtRecord at = rec;
        if (at.zone_id.empty()) at.zone_id = find_zone(rec.domain, at.zone);
        rapidjson::Document sets = record_sets(at);
        rapidjson::Value* set = find_set(sets, rec.name);
        if (!set || !has_value(*set, rec.value)) return;  // never created, or gone
        const std::string path =
            records_path(at.zone_id) + "/" + dns::url_encode(dns::json_string(*set, "id"));
        auto& values = (*set)["records"];
        for (auto it = values.Begin(); it != values.End();)
            it = dns::json_string(*it, "data") == rec.value ? values.Erase(it) : it + 1;
        auto r = values.Empty() ? api_->send("DELETE", path, auth_)
                                : api_->send("PUT", path, auth_, dns::json_write(*set));
        if (r.status != 200 && r.status != 204 && r.status != 404)
            throw std::runtime_error("Error deleting TXT record " + rec.name +
                                     " from Gehirn zone " + at.zone + ": " + error_of(r) + ".");
    }

  private:
    static std::string error_of(const dns::HttpsResponse& r) {
        return dns::status_message(r.status, r.body, "message");
    }
    // ZONE_ID is "<zone id>/<current version id>".
    static std::string records_path(const std::string& zone_id) {
        const auto slash = zone_id.find('/');
        return "/zones/" + dns::url_encode(zone_id.substr(0, slash)) + "/versions/" +
               dns::url_encode(zone_id.substr(slash + 1)) + "/records";
    }

    rapidjson::Document record_sets(const dns::TxtRecord& rec) {
        const std::string path = records_path(rec.zone_id);
        auto r = api_->send("GET", path, auth_);
        if (r.status != 200)
            throw std::runtime_error("Error listing the records of Gehirn zone " + rec.zone + ": " +
                                     error_of(r) + ".");
        auto d = dns::parse_json(r.body, "Gehirn API (GET " + path + ")");
        if (!d.IsArray())
            throw std::runtime_error("The Gehirn API (GET " + path +
                                     ") sent something else than a list of record sets.");
        return d;
    }
    // The TXT set of NAME in SETS (a well-formed one: an id and a records array), or nullptr.
    static rapidjson::Value* find_set(rapidjson::Document& sets, const std::string& name) {
        for (auto& s : sets.GetArray())
            if (dns::json_string(s, "type") == "TXT" && dns::json_string(s, "name") == name + "." &&
                !dns::json_string(s, "id").empty() && dns::json_array(s, "records"))
                return &s;
        return nullptr;
    }
    static bool has_value(const rapidjson::Value& set, const std::string& value) {
        for (const auto& v : dns::json_array(set, "records")->GetArray())
            if (dns::json_string(v, "data") == value) return true;
        return false;
    }

    // "<zone id>/<current version id>" of the first guess that is one of the account's zones.
    std::string find_zone(const std::string& domain, std::string& zone) {
        if (!zones_) {
            auto r = api_->send("GET", "/zones", auth_);
            if (r.status != 200)
                throw std::runtime_error(
                    "Error determining zone identifier for " + domain + ": " + error_of(r) +
                    (r.status == 401
                         ? ". Check dns_gehirn_api_token and dns_gehirn_api_secret in " +
                               creds_.path()
                         : std::string()) +
                    ".");
            zones_ = std::make_unique<rapidjson::Document>(
                dns::parse_json(r.body, "Gehirn API (GET /zones)"));
        }
        std::string id;
        zone = dns::first_zone(domain, "Gehirn", [&](const std::string& g) {
            if (!zones_->IsArray()) return false;
            for (const auto& z : zones_->GetArray())
                if (dns::json_string(z, "name") == g && !dns::json_string(z, "id").empty() &&
                    !dns::json_string(z, "current_version_id").empty()) {
                    id =
                        dns::json_string(z, "id") + "/" + dns::json_string(z, "current_version_id");
                    return true;
                }
            return false;
        });
        return id;
    }

    std::unique_ptr<rapidjson::Document> zones_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("30"),
    dns::credentials_option("Gehirn Infrastructure Service credentials file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Gehirn>(
    "dns-gehirn",
    "Obtain certificates using a DNS TXT record (if you are using Gehirn Infrastructure Service "
    "for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
