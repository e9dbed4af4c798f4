// dns-nsone: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through the NS1
// API v1 (https://developer.ibm.com/apis/catalog/ns1--ibm-ns1-connect-api/, zones and records),
// like certbot-dns-nsone (which goes through lexicon's nsone provider): the same option names,
// credentials key (dns_nsone_api_key, sent as X-NSONE-Key), TTL (60) and propagation default
// (30 s). NS1 keeps one record per name and type whose "answers" hold the values. The calls:
//   GET    /zones/<guess>                       for each guess: 200 (the zone) or 404
//   GET    /zones/<zone>/<fqdn>/TXT              the record, or 404
//   PUT    /zones/<zone>/<fqdn>/TXT              creates it {"zone","domain","type","ttl",
//                                               "answers":[{"answer":["<value>"]}]}
//   POST   /zones/<zone>/<fqdn>/TXT              updates it {"answers": [...]} (a value more/less)
//   DELETE /zones/<zone>/<fqdn>/TXT              once no answer is left
// Errors are {"message": "..."}.
// CERTBOT_DNS_NSONE_API_URL replaces https://api.nsone.net/v1 (tests).
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
const char* const kAccountUrl = "https://my.nsone.net/#/account/settings";

class NsOne : public dns::DnsApiAuthenticator {
  public:
    explicit NsOne(Host host)
        : DnsApiAuthenticator(host, "dns-nsone", 30, "NS1", "https://api.nsone.net/v1") {
        auth_ = {{"X-NSONE-Key",
                  creds_.require("api-key",
                                 std::string("API key for NS1 API, obtained from ") + kAccountUrl)},
                 {"Accept", "application/json"}};
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone = find_zone(rec.domain);
        rapidjson::Document record;
        if (!read_record(rec, record)) {
            rec.sent = true;
            auto r =
                api_->send("PUT", record_path(rec), auth_,
                           "{\"zone\":" + dns::json_quote(rec.zone) +
                               ",\"domain\":" + dns::json_quote(rec.name) +
                               ",\"type\":\"TXT\",\"ttl\":" + std::to_string(kTtl) +
                               ",\"answers\":[{\"answer\":[" + dns::json_quote(rec.value) + "]}]}");
            check(r, rec, "adding");
            return;
        }
        auto& answers = answers_of(record, rec);
        if (find_answer(answers, rec.value) != answers.End()) return;  // already there
        auto& a = record.GetAllocator();
        rapidjson::Value one(rapidjson::kArrayType), answer(rapidjson::kObjectType);
        one.PushBack(rapidjson::Value(rec.value.c_str(), a), a);
        answer.AddMember("answer", one, a);
        answers.PushBack(answer, a);
        rec.sent = true;
        update(rec, answers, "adding");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        dns::TxtRecord at = rec;
        if (at.zone.empty()) at.zone = find_zone(rec.domain);
        rapidjson::Document record;
        if (!read_record(at, record)) return;  // never created, or gone
        auto& answers = answers_of(record, at);
        bool removed = false;
        for (auto it = find_answer(answers, rec.value); it != answers.End();
             it = find_answer(answers, rec.value)) {
            answers.Erase(it);
            removed = true;
        }
        if (!removed) return;
        if (answers.Empty()) {
            auto r = api_->send("DELETE", record_path(at), auth_);
            if (r.status != 404) check(r, at, "deleting");
        } else {
            update(at, answers, "deleting");
        }
    }

  private:
    static std::string record_path(const dns::TxtRecord& rec) {
        return "/zones/" + dns::url_encode(rec.zone) + "/" + dns::url_encode(rec.name) + "/TXT";
    }
    void check(const dns::HttpsResponse& r, const dns::TxtRecord& rec, const char* doing) const {
        if (r.status != 200)
            throw std::runtime_error(std::string("Error ") + doing + " TXT record " + rec.name +
                                     " in NS1 zone " + rec.zone + ": " +
                                     dns::status_message(r.status, r.body, "message") + ".");
    }
    // The record REC names into OUT; false when NS1 has none (404).
    bool read_record(const dns::TxtRecord& rec, rapidjson::Document& out) {
        auto r = api_->send("GET", record_path(rec), auth_);
        if (r.status == 404) return false;
        check(r, rec, "reading");
        out = dns::parse_json(r.body, "NS1 API (GET " + record_path(rec) + ")");
        return true;
    }
    static rapidjson::Value& answers_of(rapidjson::Document& record, const dns::TxtRecord& rec) {
        auto m = record.IsObject() ? record.FindMember("answers") : record.MemberEnd();
        if (!record.IsObject() || m == record.MemberEnd() || !m->value.IsArray())
            throw std::runtime_error("The NS1 API sent the TXT record " + rec.name +
                                     " without its answers.");
        return m->value;
    }
    // The answer whose first rdata field is VALUE.
    static rapidjson::Value::ValueIterator find_answer(rapidjson::Value& answers,
                                                       const std::string& value) {
        for (auto it = answers.Begin(); it != answers.End(); ++it) {
            const auto* rdata = dns::json_array(*it, "answer");
            if (rdata && !rdata->Empty() && (*rdata)[0].IsString() &&
                std::string((*rdata)[0].GetString(), (*rdata)[0].GetStringLength()) == value)
                return it;
        }
        return answers.End();
    }
    void update(const dns::TxtRecord& rec, const rapidjson::Value& answers, const char* doing) {
        check(api_->send("POST", record_path(rec), auth_,
                         "{\"answers\":" + dns::json_write(answers) + "}"),
              rec, doing);
    }

    std::string find_zone(const std::string& domain) {
        return dns::first_zone(domain, "NS1", [&](const std::string& g) {
            auto r = api_->send("GET", "/zones/" + dns::url_encode(g), auth_);
            if (r.status == 404) return false;
            if (r.status != 200)
                throw std::runtime_error("Error determining zone identifier for " + g + ": " +
                                         dns::status_message(r.status, r.body, "message") +
                                         (r.status == 401
                                              ? ". Check dns_nsone_api_key in " + creds_.path()
                                              : std::string()) +
                                         ".");
            auto d = dns::parse_json(r.body, "NS1 API (GET /zones/" + g + ")");
            return dns::json_string(d, "zone") == g;
        });
    }
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("30"),
    dns::credentials_option("NS1 credentials file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<NsOne>(
    "dns-nsone", "Obtain certificates using a DNS TXT record (if you are using NS1 for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
