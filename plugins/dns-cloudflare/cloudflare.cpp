// dns-cloudflare: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through
// Cloudflare's API v4 (https://developers.cloudflare.com/api/), like certbot-dns-cloudflare:
// the same option names, credentials keys, TTL (120) and propagation default (10 s).
//
// Credentials (--dns-cloudflare-credentials): dns_cloudflare_api_token (a scoped API token, sent
// as "Authorization: Bearer"), or dns_cloudflare_email + dns_cloudflare_api_key (the Global API
// Key, sent as X-Auth-Email / X-Auth-Key). The calls, as the API reference documents them:
//   GET    /zones?name=<guess>&per_page=1              zone lookup, walking the domain's labels
//   POST   /zones/<zone_id>/dns_records                {"type":"TXT","name","content","ttl"}
//   GET    /zones/<zone_id>/dns_records?type=TXT&name=&content=&per_page=1  (cleanup fallback)
//   DELETE /zones/<zone_id>/dns_records/<id>
// Every answer is {"success": bool, "errors": [{"code", "message"}], "result": ...}.
// CERTBOT_DNS_CLOUDFLARE_API_URL replaces https://api.cloudflare.com/client/v4 (tests).
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

constexpr int kTtl = 120;
const char* const kAccountUrl = "https://dash.cloudflare.com/?to=/:account/profile/api-tokens";

struct ApiError {
    long code = 0;
    std::string message;
};

// Cloudflare's answer: result when success is true, else the first error.
struct Answer {
    bool success = false;
    ApiError error;
    rapidjson::Document doc;
    const rapidjson::Value& result() const {
        static const rapidjson::Value null;
        auto it = doc.FindMember("result");
        return it == doc.MemberEnd() ? null : it->value;
    }
};

class Cloudflare : public dns::DnsAuthenticator {
  public:
    explicit Cloudflare(Host host)
        : DnsAuthenticator(host, "dns-cloudflare", 10),
          creds_(dns::Credentials::load(host, "dns-cloudflare", host.option("credentials"))) {
        const std::string& f = creds_.path();
        if (creds_.has("api-token")) {
            if (creds_.has("email") || creds_.has("api-key"))
                throw std::runtime_error(f +
                                         ": dns_cloudflare_email and dns_cloudflare_api_key are "
                                         "not needed when using an API Token");
            auth_ = {{"Authorization", "Bearer " + creds_.get("api-token")}};
        } else if (creds_.has("email") || creds_.has("api-key")) {
            if (!creds_.has("email"))
                throw std::runtime_error(f +
                                         ": dns_cloudflare_email is required when using a Global "
                                         "API Key. (should be email address associated with "
                                         "Cloudflare account)");
            if (!creds_.has("api-key"))
                throw std::runtime_error(f +
                                         ": dns_cloudflare_api_key is required when using a "
                                         "Global API Key. (see " +
                                         std::string(kAccountUrl) + ")");
            auth_ = {{"X-Auth-Email", creds_.get("email")}, {"X-Auth-Key", creds_.get("api-key")}};
        } else {
            throw std::runtime_error(f +
                                     ": Either dns_cloudflare_api_token (recommended), or "
                                     "dns_cloudflare_email and dns_cloudflare_api_key are "
                                     "required. (see " +
                                     std::string(kAccountUrl) + ")");
        }
        dns::HttpsOptions o;
        o.user_agent = "certbot-native-dns-cloudflare/0.1.0";
        api_ =
            std::make_unique<dns::HttpsClient>("Cloudflare", "https://api.cloudflare.com/client/v4",
                                               "CERTBOT_DNS_CLOUDFLARE_API_URL", o);
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        const std::string body = "{\"type\":\"TXT\",\"name\":" + dns::json_quote(rec.name) +
                                 ",\"content\":" + dns::json_quote(rec.value) +
                                 ",\"ttl\":" + std::to_string(kTtl) + "}";
        host().debug("Adding TXT record " + rec.name + " to Cloudflare zone " + rec.zone + " (" +
                     rec.zone_id + ")");
        rec.sent = true;
        Answer a = call("POST", "/zones/" + dns::url_encode(rec.zone_id) + "/dns_records", body);
        if (!a.success) {
            std::string hint = a.error.code == 1009
                                   ? " (Does your API token have \"Zone:DNS:Edit\" permissions?)"
                                   : "";
            throw std::runtime_error(
                "Error communicating with the Cloudflare API: could not add "
                "the TXT record " +
                rec.name + " to zone " + rec.zone + ": " + describe(a.error) + hint);
        }
        rec.id = dns::json_string(a.result(), "id");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone_id = rec.zone_id, zone = rec.zone;
        if (zone_id.empty()) zone_id = find_zone(rec.domain, zone);
        std::string id = rec.id;
        if (id.empty()) {
            Answer a = call("GET", "/zones/" + dns::url_encode(zone_id) +
                                       "/dns_records?type=TXT&name=" + dns::url_encode(rec.name) +
                                       "&content=" + dns::url_encode(rec.value) + "&per_page=1");
            if (!a.success)
                throw std::runtime_error("Could not look up the TXT record " + rec.name +
                                         " in Cloudflare zone " + zone + ": " + describe(a.error) +
                                         ".");
            if (!a.result().IsArray() || a.result().Empty()) return;  // it was never created
            id = dns::json_string(a.result()[0], "id");
        }
        Answer a = call(
            "DELETE", "/zones/" + dns::url_encode(zone_id) + "/dns_records/" + dns::url_encode(id));
        // 81044: "Record does not exist" — already gone is what cleanup wants.
        if (!a.success && a.error.code != 81044)
            throw std::runtime_error("Could not delete the TXT record " + rec.name +
                                     " from Cloudflare zone " + zone + ": " + describe(a.error) +
                                     ".");
    }

  private:
    static std::string describe(const ApiError& e) {
        return std::to_string(e.code) + " " + e.message;
    }

    Answer call(const std::string& method, const std::string& path,
                const std::string& body = std::string()) {
        dns::HttpsResponse r = api_->send(method, path, auth_, body);
        const std::string where =
            "Cloudflare API (" + method + " " + path.substr(0, path.find('?')) + ")";
        Answer a;
        if (r.status >= 500 && r.body.empty()) {
            a.error = {r.status, "HTTP status " + std::to_string(r.status)};
            return a;
        }
        a.doc = dns::parse_json(r.body, where + ", HTTP status " + std::to_string(r.status) + ",");
        if (!a.doc.IsObject())
            throw std::runtime_error("The " + where + " answered with JSON that is not an object.");
        auto s = a.doc.FindMember("success");
        a.success = s != a.doc.MemberEnd() && s->value.IsBool() && s->value.GetBool() &&
                    r.status >= 200 && r.status < 300;
        if (!a.success) {
            a.error.code = r.status;
            a.error.message = "HTTP status " + std::to_string(r.status);
            if (const auto* errors = dns::json_array(a.doc, "errors");
                errors && !errors->Empty() && (*errors)[0].IsObject()) {
                const auto& e = (*errors)[0];
                auto c = e.FindMember("code");
                if (c != e.MemberEnd() && c->value.IsInt64()) a.error.code = c->value.GetInt64();
                a.error.message = dns::printable(dns::json_string(e, "message"));
            }
        }
        return a;
    }

    // certbot-dns-cloudflare's _find_zone_id: GET /zones?name=<guess> for each guess; an
    // authentication error stops at once, other errors try the next guess.
    std::string find_zone(const std::string& domain, std::string& zone_name) {
        const auto guesses = dns::zone_guesses(domain);
        std::string list, last_error;
        bool token_scope = false;
        for (const auto& g : guesses) {
            list += (list.empty() ? "" : ", ") + g;
            Answer a = call("GET", "/zones?name=" + dns::url_encode(g) + "&per_page=1");
            if (!a.success) {
                std::string hint;
                if (a.error.code == 6003 || a.error.code == 6111)
                    hint = "Did you copy your entire API token/key?";
                else if (a.error.code == 9103)
                    hint = "Did you enter the correct email address and Global key?";
                else if (a.error.code == 9109 || a.error.code == 10000)
                    hint = "Did you enter a valid Cloudflare Token?";
                if (!hint.empty())
                    throw std::runtime_error(
                        "Error determining zone_id: " + describe(a.error) +
                        ". Please confirm that you have supplied valid Cloudflare API "
                        "credentials in " +
                        creds_.path() + ". (" + hint + ")");
                last_error = describe(a.error);
                token_scope =
                    token_scope || a.error.message.find("com.cloudflare.api.account.zone.list") !=
                                       std::string::npos;
                host().debug("Cloudflare zone lookup of " + g + " failed: " + last_error +
                             "; trying the next name");
                continue;
            }
            if (a.result().IsArray() && !a.result().Empty()) {
                std::string id = dns::json_string(a.result()[0], "id");
                std::string name = dns::json_string(a.result()[0], "name");
                if (!id.empty() && (name.empty() || name == g)) {
                    zone_name = g;
                    return id;
                }
            }
        }
        if (token_scope)
            throw std::runtime_error("Unable to determine zone_id for " + domain +
                                     " using zone names: " + list +
                                     ". Please confirm that the domain name has been entered "
                                     "correctly and your Cloudflare Token has access to the "
                                     "domain.");
        if (!last_error.empty())
            throw std::runtime_error("Unable to determine zone_id for " + domain +
                                     " using zone names: " + list +
                                     ". The error from Cloudflare was: " + last_error + ".");
        throw std::runtime_error("Unable to determine zone_id for " + domain +
                                 " using zone names: " + list +
                                 ". Please confirm that the domain name has been entered "
                                 "correctly and is already associated with the supplied "
                                 "Cloudflare account.");
    }

    dns::Credentials creds_;
    dns::Headers auth_;
    std::unique_ptr<dns::HttpsClient> api_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("10"),
    dns::credentials_option("Cloudflare credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Cloudflare>(
    "dns-cloudflare",
    "Obtain certificates using a DNS TXT record (if you are using Cloudflare for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
