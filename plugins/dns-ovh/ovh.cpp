// dns-ovh: answers dns-01 challenges (RFC 8555 §8.4) with TXT records created through the
// OVHcloud API 1.0 (https://api.ovh.com/console/#/domain), like certbot-dns-ovh (lexicon's ovh
// provider): the same option names, credentials keys (dns_ovh_endpoint, _application_key,
// _application_secret, _consumer_key), TTL (60) and propagation default (120 s).
//
// Every call but /auth/time is signed as OVH documents it
// (https://help.ovhcloud.com/csm/en-gb-api-getting-started-ovhcloud-api): headers
// X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp (the server's clock: /auth/time gives the
// offset) and X-Ovh-Signature = "$1$" + hex(SHA-1(AS+CK+METHOD+URL+BODY+TIMESTAMP)). The calls:
//   GET    /auth/time                                   the server's time
//   GET    /domain/zone                                 the account's zones; the first guess in it
//   GET    /domain/zone/<zone>/status                   must be deployed
//   POST   /domain/zone/<zone>/record {"fieldType":"TXT","subDomain","target","ttl"} POST
//   /domain/zone/<zone>/refresh                  publish the zone GET
//   /domain/zone/<zone>/record?fieldType=TXT&subDomain=<rel>, GET .../record/<id> (cleanup
//          fallback)
//   DELETE /domain/zone/<zone>/record/<id>, then refresh
// CERTBOT_DNS_OVH_API_URL replaces the endpoint's URL (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"
#include "hex.h"

#include <openssl/sha.h>

#include <ctime>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
const char* const kTokenUrl = "https://eu.api.ovh.com/createToken/";

const std::map<std::string, std::string>& endpoints() {
    static const std::map<std::string, std::string> m = {
        {"ovh-eu", "https://eu.api.ovh.com/1.0"},
        {"ovh-ca", "https://ca.api.ovh.com/1.0"},
        {"ovh-us", "https://api.ovhcloud.com/1.0"},
        {"kimsufi-eu", "https://eu.api.kimsufi.com/1.0"},
        {"kimsufi-ca", "https://ca.api.kimsufi.com/1.0"},
        {"soyoustart-eu", "https://eu.api.soyoustart.com/1.0"},
        {"soyoustart-ca", "https://ca.api.soyoustart.com/1.0"},
    };
    return m;
}

std::string sha1_hex(const std::string& s) {
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
    return certbot::common::hex(d, sizeof d);
}

class Ovh : public dns::DnsAuthenticator {
  public:
    explicit Ovh(Host host)
        : DnsAuthenticator(host, "dns-ovh", 120),
          creds_(dns::Credentials::load(host, "dns-ovh", host.option("credentials"))) {
        std::string missing;
        for (const char* k : {"endpoint", "application-key", "application-secret", "consumer-key"})
            if (!creds_.has(k)) missing += (missing.empty() ? "" : ", ") + creds_.key(k);
        if (!missing.empty())
            throw std::runtime_error("Missing properties in credentials configuration file " +
                                     creds_.path() + ": " + missing + " (see " + kTokenUrl + ").");
        const std::string endpoint = creds_.get("endpoint");
        auto it = endpoints().find(endpoint);
        if (it == endpoints().end())
            throw std::runtime_error("Unknown OVH API endpoint \"" + dns::printable(endpoint, 40) +
                                     "\" (dns_ovh_endpoint in " + creds_.path() +
                                     "); use ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, "
                                     "soyoustart-eu or soyoustart-ca.");
        dns::HttpsOptions o;
        o.user_agent = "certbot-native-dns-ovh/0.1.0";
        api_ = std::make_unique<dns::HttpsClient>("OVH", it->second, "CERTBOT_DNS_OVH_API_URL", o);
        url_prefix_ = api_->origin();
        if (url_prefix_.size() > 4 && url_prefix_.compare(url_prefix_.size() - 4, 4, ":443") == 0)
            url_prefix_.resize(url_prefix_.size() - 4);
        url_prefix_ += api_->base_path();
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone = find_zone(rec.domain);
        const std::string body = "{\"fieldType\":\"TXT\",\"subDomain\":" +
                                 dns::json_quote(sub_domain(rec.name, rec.zone)) +
                                 ",\"target\":" + dns::json_quote(rec.value) +
                                 ",\"ttl\":" + std::to_string(kTtl) + "}";
        rec.sent = true;
        auto d = call("POST", "/domain/zone/" + dns::url_encode(rec.zone) + "/record", body,
                      "add the TXT record " + rec.name + " to zone " + rec.zone);
        rec.id = dns::json_string(d, "id");
        refresh(rec.zone);
    }

    void del_txt(const dns::TxtRecord& rec) override {
        const std::string zone = rec.zone.empty() ? find_zone(rec.domain) : rec.zone;
        const std::string base = "/domain/zone/" + dns::url_encode(zone) + "/record";
        std::string id = rec.id;
        if (id.empty()) {
            auto ids = call(
                "GET",
                base + "?fieldType=TXT&subDomain=" + dns::url_encode(sub_domain(rec.name, zone)),
                "", "list the TXT records of " + rec.name);
            if (!ids.IsArray()) return;
            for (const auto& v : ids.GetArray()) {
                if (!v.IsInt64()) continue;
                const std::string candidate = std::to_string(v.GetInt64());
                auto r = call("GET", base + "/" + candidate, "", "read the record " + candidate);
                if (dns::json_string(r, "target") == rec.value) {
                    id = candidate;
                    break;
                }
            }
            if (id.empty()) return;
        }
        call("DELETE", base + "/" + dns::url_encode(id), "",
             "delete the TXT record " + rec.name + " from zone " + zone, true);
        refresh(zone);
    }

  private:
    static std::string sub_domain(const std::string& name, const std::string& zone) {
        std::string rel = dns::relative_name(name, zone);
        return rel == "@" ? std::string() : rel;
    }

    void refresh(const std::string& zone) {
        call("POST", "/domain/zone/" + dns::url_encode(zone) + "/refresh", "",
             "refresh zone " + zone);
    }

    // The offset of OVH's clock, once per instance (OVH refuses timestamps too far from its own).
    long time_delta() {
        if (have_delta_) return delta_;
        auto r = api_->send("GET", "/auth/time", {});
        if (r.status != 200 || r.body.empty() || r.body.size() > 20 ||
            r.body.find_first_not_of("0123456789\r\n ") != std::string::npos)
            throw std::runtime_error("The OVH API (" + url_prefix_ +
                                     "/auth/time) did not answer with its time (HTTP status " +
                                     std::to_string(r.status) + ").");
        delta_ = std::stol(r.body) - static_cast<long>(std::time(nullptr));
        have_delta_ = true;
        return delta_;
    }

    rapidjson::Document call(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& what,
                             bool not_found_ok = false) {
        const std::string now =
            std::to_string(static_cast<long>(std::time(nullptr)) + time_delta());
        const std::string ak = creds_.get("application-key"), ck = creds_.get("consumer-key");
        const std::string signature =
            "$1$" + sha1_hex(creds_.get("application-secret") + "+" + ck + "+" + method + "+" +
                             url_prefix_ + path + "+" + body + "+" + now);
        auto r = api_->send(method, path,
                            {{"X-Ovh-Application", ak},
                             {"X-Ovh-Consumer", ck},
                             {"X-Ovh-Timestamp", now},
                             {"X-Ovh-Signature", signature}},
                            body);
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        if (r.status == 404 && not_found_ok) return d;
        if (r.status < 200 || r.status >= 300) {
            std::string msg = d.HasParseError() ? std::string() : dns::json_string(d, "message");
            std::string hint;
            if (r.status == 400 && msg.find("signature") != std::string::npos)
                hint = " Is your Application Secret value correct (dns_ovh_application_secret in " +
                       creds_.path() + ")?";
            else if (r.status == 403)
                hint =
                    " Are your Application Key and Consumer Key values correct "
                    "(dns_ovh_application_key, dns_ovh_consumer_key in " +
                    creds_.path() + ")?";
            throw std::runtime_error("Error communicating with the OVH API: could not " + what +
                                     ": HTTP status " + std::to_string(r.status) +
                                     (msg.empty() ? "" : ": " + dns::printable(msg)) + "." + hint);
        }
        if (d.HasParseError()) d.SetNull();
        return d;
    }

    // certbot's LexiconClient._find_domain_id over lexicon's ovh _authenticate: the first guess
    // that is one of the account's zones, which must be deployed.
    std::string find_zone(const std::string& domain) {
        if (zones_.empty()) {
            auto d = call("GET", "/domain/zone", "", "list the zones of the account");
            if (d.IsArray())
                for (const auto& z : d.GetArray())
                    if (z.IsString()) zones_.emplace_back(z.GetString(), z.GetStringLength());
        }
        std::string tried;
        for (const auto& g : dns::zone_guesses(domain)) {
            tried += (tried.empty() ? "" : ", ") + g;
            for (const auto& z : zones_)
                if (z == g) {
                    auto s = call("GET", "/domain/zone/" + dns::url_encode(g) + "/status", "",
                                  "read the status of zone " + g);
                    auto deployed = s.IsObject() ? s.FindMember("isDeployed") : s.MemberEnd();
                    if (!s.IsObject() || deployed == s.MemberEnd() || !deployed->value.IsBool() ||
                        !deployed->value.GetBool())
                        throw std::runtime_error("Zone " + g + " is not deployed at OVH.");
                    return g;
                }
        }
        throw std::runtime_error("Unable to determine zone identifier for " + domain +
                                 " using zone names: " + tried +
                                 ". Is the domain in this OVH account?");
    }

    dns::Credentials creds_;
    std::unique_ptr<dns::HttpsClient> api_;
    std::string url_prefix_;  // "https://eu.api.ovh.com/1.0": what the signature covers
    std::vector<std::string> zones_;
    bool have_delta_ = false;
    long delta_ = 0;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("120"),
    dns::credentials_option("OVH credentials INI file."),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Ovh>(
    "dns-ovh", "Obtain certificates using a DNS TXT record (if you are using OVH for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
