// dns-sakuracloud: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// the Sakura Cloud API 1.1 (https://developer.sakura.ad.jp/cloud/api/1.1/, the DNS appliance:
// commonserviceitem), like certbot-dns-sakuracloud (which goes through lexicon's sakuracloud
// provider): the same option names, credentials keys (dns_sakuracloud_api_token and
// dns_sakuracloud_api_secret, sent as HTTP Basic authentication), TTL (60) and propagation
// default (90 s). A zone's records are one list that is read and written whole; the plugin
// sends back every record it read, as it came, with its own added or removed. The calls:
//   GET /commonserviceitem?{"Filter":{"Provider.Class":"dns","Name":"<guess>"}}   for each guess
//   GET /commonserviceitem/<id>       Settings.DNS.ResourceRecordSets
//   PUT /commonserviceitem/<id> {"CommonServiceItem":{"Settings":{"DNS":{"ResourceRecordSets":
//                                     [..., {"Name":<relative>,"Type":"TXT","RData","TTL"}]}}}}
// Errors are {"is_fatal": true, "status": "401 Unauthorized", "error_code", "error_msg"}.
// CERTBOT_DNS_SAKURACLOUD_API_URL replaces
// https://secure.sakura.ad.jp/cloud/zone/is1a/api/cloud/1.1 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
const char* const kApiKeyUrl = "https://secure.sakura.ad.jp/cloud/#!/apikey/top/";

class SakuraCloud : public dns::DnsApiAuthenticator {
  public:
    explicit SakuraCloud(Host host)
        : DnsApiAuthenticator(host, "dns-sakuracloud", 90, "Sakura Cloud",
                              "https://secure.sakura.ad.jp/cloud/zone/is1a/api/cloud/1.1") {
        const std::string token = creds_.require(
            "api-token", std::string("API token for Sakura Cloud API obtained from ") + kApiKeyUrl);
        const std::string secret = creds_.require(
            "api-secret",
            std::string("API secret for Sakura Cloud API obtained from ") + kApiKeyUrl);
        auth_ = {{"Authorization", dns::basic_auth(token, secret)}, {"Accept", "application/json"}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        rapidjson::Document item = read_item(rec);
        auto& sets = record_list(item, rec);
        if (find_value(sets, rec) != sets.End()) return;  // already there (an earlier run)
        auto& a = item.GetAllocator();
        rapidjson::Value r(rapidjson::kObjectType);
        r.AddMember("Name", rapidjson::Value(relative(rec).c_str(), a), a);
        r.AddMember("Type", "TXT", a);
        r.AddMember("RData", rapidjson::Value(rec.value.c_str(), a), a);
        r.AddMember("TTL", kTtl, a);
        sets.PushBack(r, a);
        rec.sent = true;
        write_list(rec, sets, "adding");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        dns::TxtRecord at = rec;
        if (at.zone_id.empty()) at.zone_id = find_zone(rec.domain, at.zone);
        rapidjson::Document item = read_item(at);
        auto& sets = record_list(item, at);
        bool removed = false;
        for (auto it = find_value(sets, at); it != sets.End(); it = find_value(sets, at)) {
            sets.Erase(it);
            removed = true;
        }
        if (removed) write_list(at, sets, "deleting");
    }

  private:
    static std::string error_of(const dns::HttpsResponse& r) {
        return dns::status_message(r.status, r.body, "error_msg");
    }
    // Sakura Cloud writes the apex as "@".
    static std::string relative(const dns::TxtRecord& rec) {
        return dns::relative_name(rec.name, rec.zone);
    }
    static rapidjson::Value::ValueIterator find_value(rapidjson::Value& sets,
                                                      const dns::TxtRecord& rec) {
        const std::string rel = relative(rec);
        for (auto it = sets.Begin(); it != sets.End(); ++it)
            if (dns::json_string(*it, "Type") == "TXT" && dns::json_string(*it, "Name") == rel &&
                dns::json_string(*it, "RData") == rec.value)
                return it;
        return sets.End();
    }

    rapidjson::Document read_item(const dns::TxtRecord& rec) {
        const std::string path = "/commonserviceitem/" + dns::url_encode(rec.zone_id);
        auto r = api_->send("GET", path, auth_);
        if (r.status != 200)
            throw std::runtime_error("Error reading the records of Sakura Cloud zone " + rec.zone +
                                     ": " + error_of(r) + ".");
        return dns::parse_json(r.body, "Sakura Cloud API (GET " + path + ")");
    }
    // CommonServiceItem.Settings.DNS.ResourceRecordSets of ITEM; throws when it is not a list.
    static rapidjson::Value& record_list(rapidjson::Document& item, const dns::TxtRecord& rec) {
        rapidjson::Value* v = &item;
        for (const char* key : {"CommonServiceItem", "Settings", "DNS"}) {
            auto m = v->IsObject() ? v->FindMember(key) : v->MemberEnd();
            if (!v->IsObject() || m == v->MemberEnd()) {
                v = nullptr;
                break;
            }
            v = &m->value;
        }
        auto sets = v && v->IsObject() ? v->FindMember("ResourceRecordSets")
                                       : rapidjson::Value::MemberIterator();
        if (!v || !v->IsObject() || sets == v->MemberEnd() || !sets->value.IsArray())
            throw std::runtime_error("The Sakura Cloud API sent zone " + rec.zone +
                                     " without its list of records "
                                     "(CommonServiceItem.Settings.DNS.ResourceRecordSets).");
        return sets->value;
    }
    void write_list(const dns::TxtRecord& rec, const rapidjson::Value& sets, const char* doing) {
        const std::string path = "/commonserviceitem/" + dns::url_encode(rec.zone_id);
        auto r =
            api_->send("PUT", path, auth_,
                       "{\"CommonServiceItem\":{\"Settings\":{\"DNS\":{\"ResourceRecordSets\":" +
                           dns::json_write(sets) + "}}}}");
        if (r.status != 200)
            throw std::runtime_error(std::string("Error ") + doing + " TXT record " + rec.name +
                                     " in Sakura Cloud zone " + rec.zone + ": " + error_of(r) +
                                     ".");
    }

    // The id of the DNS appliance of the first guess that is one of the account's zones.
    std::string find_zone(const std::string& domain, std::string& zone) {
        std::string id;
        zone = dns::first_zone(domain, "Sakura Cloud", [&](const std::string& g) {
            const std::string filter =
                "{\"Filter\":{\"Provider.Class\":\"dns\",\"Name\":" + dns::json_quote(g) + "}}";
            auto r = api_->send("GET", "/commonserviceitem?" + dns::url_encode(filter), auth_);
            if (r.status != 200)
                throw std::runtime_error("Error determining zone identifier for " + g + ": " +
                                         error_of(r) +
                                         (r.status == 401 ? ". Check dns_sakuracloud_api_token and "
                                                            "dns_sakuracloud_api_secret in " +
                                                                creds_.path()
                                                          : std::string()) +
                                         ".");
            auto d = dns::parse_json(r.body, "Sakura Cloud API (GET /commonserviceitem)");
            if (const auto* items = dns::json_array(d, "CommonServiceItems"))
                for (const auto& item : items->GetArray()) {
                    auto status = item.IsObject() ? item.FindMember("Status") : item.MemberEnd();
                    if (item.IsObject() && status != item.MemberEnd() &&
                        dns::json_string(status->value, "Zone") == g &&
                        !dns::json_string(item, "ID").empty()) {
                        id = dns::json_string(item, "ID");
                        return true;
                    }
                }
            return false;
        });
        return id;
    }
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("90"),
    dns::credentials_option("Sakura Cloud credentials file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<SakuraCloud>(
    "dns-sakuracloud",
    "Obtain certificates using a DNS TXT record (if you are using Sakura Cloud for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
