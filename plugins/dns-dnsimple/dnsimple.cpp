// dns-dnsimple: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// DNSimple's API v2 (https://developer.dnsimple.com/v2/), like certbot-dns-dnsimple (which goes
// through lexicon's dnsimple provider): the same option names, credentials key
// (dns_dnsimple_token: a user or account access token, sent as "Authorization: Bearer"), TTL (60)
// and propagation default (30 s). The calls:
//   GET    /accounts                                       the accounts the token reaches
//   GET    /<account>/zones/<guess>                        for each guess and account: 200 or 404
//   POST   /<account>/zones/<zone>/records {"name":<relative>,"type","content","ttl"} GET
//   /<account>/zones/<zone>/records?name=<relative>&type=TXT&page=N   (cleanup fallback) DELETE
//   /<account>/zones/<zone>/records/<id>            204
// Successes are {"data": ...} (listings add "pagination"); errors are {"message": "..."}.
// CERTBOT_DNS_DNSIMPLE_API_URL replaces https://api.dnsimple.com/v2 (tests).
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
const char* const kAccountUrl = "https://dnsimple.com/user";

class DnSimple : public dns::DnsApiAuthenticator {
  public:
    explicit DnSimple(Host host)
        : DnsApiAuthenticator(host, "dns-dnsimple", 30, "DNSimple", "https://api.dnsimple.com/v2") {
        auth_ = {
            {"Authorization",
             "Bearer " + creds_.require("token", std::string("User access token for DNSimple v2 "
                                                             "API. (See ") +
                                                     kAccountUrl + ".)")},
            {"Accept", "application/json"}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);  // the account id
        const std::string body = "{\"name\":" + dns::json_quote(relative(rec)) +
                                 ",\"type\":\"TXT\",\"content\":" + dns::json_quote(rec.value) +
                                 ",\"ttl\":" + std::to_string(kTtl) + "}";
        rec.sent = true;
        auto r = api_->send("POST", records_path(rec.zone_id, rec.zone), auth_, body,
                            "application/json");
        if (r.status != 201 && r.status != 200)
            throw std::runtime_error("Error adding TXT record " + rec.name + " to DNSimple zone " +
                                     rec.zone + ": " + error_of(r) + ".");
        auto d = dns::parse_json(r.body,
                                 "DNSimple API (POST " + records_path(rec.zone_id, rec.zone) + ")");
        if (d.IsObject() && d.HasMember("data")) rec.id = dns::json_string(d["data"], "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone, account = rec.zone_id;
        if (account.empty()) account = find_zone(rec.domain, zone);
        const std::string path = records_path(account, zone);
        std::string id = rec.id;
        if (id.empty()) {
            dns::PagedListing l;
            l.fetch = [&](int page) {
                return api_->send("GET",
                                  path + "?name=" + dns::url_encode(relative(rec)) +
                                      "&type=TXT&page=" + std::to_string(page) + "&per_page=100",
                                  auth_);
            };
            l.items = "data";
            l.where = "DNSimple API (GET " + path + ")";
            l.fail = [&](const dns::HttpsResponse& r) {
                throw std::runtime_error("Error listing the TXT records " + rec.name +
                                         " of DNSimple zone " + zone + ": " + error_of(r) + ".");
            };
            l.has_next = [](const rapidjson::Document& d, int page) {
                auto p = d.FindMember("pagination");
                if (p == d.MemberEnd() || !p->value.IsObject()) return false;
                auto total = p->value.FindMember("total_pages");
                return total != p->value.MemberEnd() && total->value.IsInt64() &&
                       total->value.GetInt64() > page;
            };
            dns::find_in_pages(l, [&](const rapidjson::Value& x) {
                if (dns::json_string(x, "type") != "TXT" ||
                    dns::json_string(x, "content") != rec.value)
                    return false;
                id = dns::json_string(x, "id");
                return true;
            });
            if (id.empty()) return;  // never created
        }
        auto r = api_->send("DELETE", path + "/" + dns::url_encode(id), auth_);
        if (r.status != 204 && r.status != 200 && r.status != 404)
            throw std::runtime_error("Error deleting TXT record " + rec.name +
                                     " from DNSimple zone " + zone + ": " + error_of(r) + ".");
    }

  private:
    static std::string error_of(const dns::HttpsResponse& r) {
        return dns::status_message(r.status, r.body, "message");
    }
    static std::string records_path(const std::string& account, const std::string& zone) {
        return "/" + dns::url_encode(account) + "/zones/" + dns::url_encode(zone) + "/records";
    }
    // The record's name relative to its zone; DNSimple writes the apex as "".
    static std::string relative(const dns::TxtRecord& rec) {
        std::string rel = dns::relative_name(rec.name, rec.zone);
        return rel == "@" ? std::string() : rel;
    }

    // The accounts the token can use: those with a plan (lexicon skips the others, as DNSimple
    // refuses zone changes there).
    const std::vector<std::string>& accounts() {
        if (!accounts_.empty()) return accounts_;
        auto r = api_->send("GET", "/accounts", auth_);
        if (r.status != 200)
            throw std::runtime_error(
                "Error determining zone identifier: " + error_of(r) +
                (r.status == 401 ? ". (Is your API token value correct? Check dns_dnsimple_token "
                                   "in " +
                                       creds_.path() + ")"
                                 : std::string(".")));
        auto d = dns::parse_json(r.body, "DNSimple API (GET /accounts)");
        if (const auto* list = dns::json_array(d, "data"))
            for (const auto& a : list->GetArray())
                if (!dns::json_string(a, "id").empty() &&
                    !dns::json_string(a, "plan_identifier").empty())
                    accounts_.push_back(dns::json_string(a, "id"));
        if (accounts_.empty())
            throw std::runtime_error(
                "The DNSimple token in " + creds_.path() +
                " reaches no account with a plan; select a plan for the account at " + kAccountUrl +
                ".");
        return accounts_;
    }

    // The zone (into ZONE) and the id of the account that holds it: the first guess that one of
    // the accounts has.
    std::string find_zone(const std::string& domain, std::string& zone) {
        std::string account;
        zone = dns::first_zone(domain, "DNSimple", [&](const std::string& g) {
            for (const auto& a : accounts()) {
                auto r = api_->send(
                    "GET", "/" + dns::url_encode(a) + "/zones/" + dns::url_encode(g), auth_);
                if (r.status == 404) continue;
                if (r.status != 200)
                    throw std::runtime_error("Error determining zone identifier for " + g + ": " +
                                             error_of(r) + ".");
                dns::parse_json(r.body, "DNSimple API (GET /" + a + "/zones/" + g + ")");
                account = a;
                return true;
            }
            return false;
        });
        return account;
    }

    std::vector<std::string> accounts_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("30"),
    dns::credentials_option("DNSimple credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<DnSimple>(
    "dns-dnsimple",
    "Obtain certificates using a DNS TXT record (if you are using DNSimple for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
