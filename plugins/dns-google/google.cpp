// dns-google: answers dns-01 challenges (RFC 8555 §8.4) with TXT records in Google Cloud DNS
// through its API v1 (https://cloud.google.com/dns/docs/reference/v1), like certbot-dns-google:
// the same options (--dns-google-credentials: a service account's JSON key file; propagation
// default 60 s), TTL 60, and the record set read first so other values of the name are kept.
//
// Authentication is OAuth 2.0 for service accounts (RFC 7523, Google's "JWT bearer" flow): a JWT
// {iss: client_email, scope: ndev.clouddns.readwrite, aud: token_uri, iat, exp} signed RS256 with
// the key's private_key is exchanged at token_uri for an access token, sent as a Bearer token.
// The calls:
//   POST <token_uri>   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>
//   GET  /projects/<project>/managedZones?dnsName=<guess>.          public zones, walking labels
//   GET  /projects/<project>/managedZones/<zone>/rrsets?name=<name>.&type=TXT
//   POST /projects/<project>/managedZones/<zone>/changes   {"additions": [...], "deletions": [...]}
//   GET  /projects/<project>/managedZones/<zone>/changes/<id>   until status is "done" (waiting
//                                                               through the host in between)
// Without --dns-google-credentials certbot asks the Compute Engine metadata server; that is not
// supported here (the plugin says so). CERTBOT_DNS_GOOGLE_API_URL replaces
// https://dns.googleapis.com/dns/v1 (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_credentials.h"
#include "dns_https.h"
#include "dns_json.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 60;
constexpr int kChangeTimeoutSeconds = 120;  // of waits for a change to be done
const char* const kScope = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
const char* const kAcctUrl =
    "https://developers.google.com/identity/protocols/OAuth2ServiceAccount#creatinganaccount";

std::string base64url(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                     static_cast<unsigned char>(in[i + 1]) << 8 |
                     static_cast<unsigned char>(in[i + 2]);
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i + 1 == in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1])
                                                                   << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
    }
    return out;
}

// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) of DATA with the PEM private key.
std::string rs256(const std::string& pem, const std::string& data, const std::string& file) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
        &EVP_PKEY_free);
    if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
        throw std::runtime_error("Error parsing credentials file '" + file +
                                 "': private_key is not an RSA private key in PEM.");
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw std::runtime_error("Signing the OAuth2 assertion failed (OpenSSL).");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
        throw std::runtime_error("Signing the OAuth2 assertion failed (OpenSSL).");
    sig.resize(len);
    return sig;
}

struct RecordSet {
    bool exists = false;
    int ttl = kTtl;
    std::vector<std::string> rrdatas;
};

std::string json_list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + dns::json_quote(v[i]);
    return out + "]";
}

std::string rrset_json(const std::string& name, int ttl, const std::vector<std::string>& rrdatas) {
    return "{\"kind\":\"dns#resourceRecordSet\",\"type\":\"TXT\",\"name\":" +
           dns::json_quote(name + ".") + ",\"ttl\":" + std::to_string(ttl) +
           ",\"rrdatas\":" + json_list(rrdatas) + "}";
}

class Google : public dns::DnsAuthenticator {
  public:
    explicit Google(Host host) : DnsAuthenticator(host, "dns-google", 60) {
        const std::string path = host.option("credentials");
        if (path.empty())
            throw std::runtime_error(
                "Unable to get Google Cloud Metadata and no credentials specified: this "
                "dns-google does not ask the Compute Engine metadata server. Please configure "
                "credentials using --dns-google-credentials <file> (a service account JSON key, "
                "see " +
                std::string(kAcctUrl) + ").");
        file_ = path;
        const std::string text = dns::read_secrets_file(host, "dns-google", path);
        rapidjson::Document d;
        d.Parse(text.c_str(), text.size());
        if (d.HasParseError() || !d.IsObject())
            throw std::runtime_error("Error parsing credentials file '" + path +
                                     "': it is not a JSON object (a service account key file).");
        for (const char* k : {"client_email", "private_key", "project_id"})
            if (dns::json_string(d, k).empty())
                throw std::runtime_error("Error parsing credentials file '" + path + "': '" + k +
                                         "' is missing (is it a service account key file?).");
        if (std::string type = dns::json_string(d, "type");
            !type.empty() && type != "service_account")
            throw std::runtime_error("Error parsing credentials file '" + path + "': type is \"" +
                                     dns::printable(type, 40) + "\", not \"service_account\".");
        email_ = dns::json_string(d, "client_email");
        key_pem_ = dns::json_string(d, "private_key");
        key_id_ = dns::json_string(d, "private_key_id");
        project_ = dns::json_string(d, "project_id");
        token_uri_ = dns::json_string(d, "token_uri");
        if (token_uri_.empty()) token_uri_ = "https://oauth2.googleapis.com/token";
        rs256(key_pem_, "check", path);  // a bad key fails here, before anything is ordered
        dns::HttpsOptions o;
        o.user_agent = "certbot-native-dns-google/0.1.0";
        api_ = std::make_unique<dns::HttpsClient>("Google Cloud DNS",
                                                  "https://dns.googleapis.com/dns/v1",
                                                  "CERTBOT_DNS_GOOGLE_API_URL", o);
        auth_ = std::make_unique<dns::HttpsClient>(
            "Google OAuth2", token_uri_.substr(0, token_uri_.find('/', 8)), "", o);
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.domain, rec.zone);
        RecordSet set = read_set(rec.zone_id, rec.name);
        const std::string quoted = "\"" + rec.value + "\"";
        if (std::find(set.rrdatas.begin(), set.rrdatas.end(), quoted) != set.rrdatas.end()) return;
        std::vector<std::string> now = set.rrdatas;
        now.push_back(quoted);
        std::string body = "{\"kind\":\"dns#change\",\"additions\":[" +
                           rrset_json(rec.name, set.exists ? set.ttl : kTtl, now) + "]";
        if (set.exists)
            body += ",\"deletions\":[" + rrset_json(rec.name, set.ttl, set.rrdatas) + "]";
        body += "}";
        rec.sent = true;
        auto d = call("POST", zone_path(rec.zone_id) + "/changes", body,
                      "add the TXT record " + rec.name);
        std::string id = dns::json_string(d, "id"), status = dns::json_string(d, "status");
        // certbot-dns-google asks until the change is no longer pending; the waits between two
        // asks are the host's (SIGINT/SIGTERM and --plugin-timeout end them at once).
        bool asked = false;
        dns::poll_until(
            host(), "the Google Cloud DNS change " + dns::printable(id, 40) + " to be done",
            kChangeTimeoutSeconds, [&] {
                if (asked) {
                    auto g = call("GET", zone_path(rec.zone_id) + "/changes/" + dns::url_encode(id),
                                  "", "read the change " + id);
                    status = dns::json_string(g, "status");
                }
                asked = true;
                return status != "pending";
            });
        if (status != "done")
            throw std::runtime_error("The Google Cloud DNS change " + dns::printable(id, 40) +
                                     " adding " + rec.name + " is \"" + dns::printable(status, 40) +
                                     "\", not done.");
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone, zone_id = rec.zone_id;
        if (zone_id.empty()) zone_id = find_zone(rec.domain, zone);
        RecordSet set = read_set(zone_id, rec.name);
        const std::string quoted = "\"" + rec.value + "\"";
        auto it = std::find(set.rrdatas.begin(), set.rrdatas.end(), quoted);
        if (it == set.rrdatas.end()) return;
        std::string body = "{\"kind\":\"dns#change\",\"deletions\":[" +
                           rrset_json(rec.name, set.ttl, set.rrdatas) + "]";
        std::vector<std::string> rest = set.rrdatas;
        rest.erase(rest.begin() + (it - set.rrdatas.begin()));
        if (!rest.empty()) body += ",\"additions\":[" + rrset_json(rec.name, set.ttl, rest) + "]";
        body += "}";
        call("POST", zone_path(zone_id) + "/changes", body, "delete the TXT record " + rec.name);
    }

  private:
    std::string zone_path(const std::string& zone_id) const {
        return "/projects/" + dns::url_encode(project_) + "/managedZones/" +
               dns::url_encode(zone_id);
    }

    // An access token, fetched (again) when there is none or it is about to expire.
    const std::string& token() {
        const auto now = std::chrono::steady_clock::now();
        if (!token_.empty() && now < token_expiry_) return token_;
        const long iat = static_cast<long>(std::time(nullptr));
        const std::string header =
            "{\"alg\":\"RS256\",\"typ\":\"JWT\"" +
            (key_id_.empty() ? std::string() : ",\"kid\":" + dns::json_quote(key_id_)) + "}";
        const std::string claims =
            "{\"iss\":" + dns::json_quote(email_) + ",\"scope\":" + dns::json_quote(kScope) +
            ",\"aud\":" + dns::json_quote(token_uri_) + ",\"iat\":" + std::to_string(iat) +
            ",\"exp\":" + std::to_string(iat + 3600) + "}";
        const std::string signing_input = base64url(header) + "." + base64url(claims);
        const std::string jwt =
            signing_input + "." + base64url(rs256(key_pem_, signing_input, file_));
        const std::string path = token_uri_.find('/', 8) == std::string::npos
                                     ? "/"
                                     : token_uri_.substr(token_uri_.find('/', 8));
        auto r = auth_->send(
            "POST", path, {},
            "grant_type=" + dns::url_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                "&assertion=" + jwt,
            "application/x-www-form-urlencoded");
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        if (r.status != 200 || d.HasParseError() || dns::json_string(d, "access_token").empty()) {
            std::string why =
                d.HasParseError() ? std::string() : dns::json_string(d, "error_description");
            if (why.empty() && !d.HasParseError()) why = dns::json_string(d, "error");
            throw std::runtime_error(
                "Google refused the service account " + email_ + " of " + file_ +
                " an access token (HTTP status " + std::to_string(r.status) +
                (why.empty() ? "" : ": " + dns::printable(why)) + "). Is the key still valid?");
        }
        token_ = dns::json_string(d, "access_token");
        long expires = 3600;
        if (auto e = d.FindMember("expires_in"); e != d.MemberEnd() && e->value.IsInt64())
            expires = std::max<long>(60, std::min<long>(e->value.GetInt64(), 3600));
        token_expiry_ = now + std::chrono::seconds(expires - 30);
        return token_;
    }

    rapidjson::Document call(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& what) {
        auto r = api_->send(method, path, {{"Authorization", "Bearer " + token()}}, body);
        rapidjson::Document d;
        d.Parse(r.body.c_str(), r.body.size());
        if (r.status < 200 || r.status >= 300) {
            std::string msg;
            if (!d.HasParseError() && d.IsObject() && d.HasMember("error"))
                msg = dns::json_string(d["error"], "message");
            std::string hint = r.status == 403 ? " (Does the service account " + email_ +
                                                     " have the DNS Administrator role? See "
                                                     "https://cloud.google.com/dns/access-control)"
                                               : "";
            throw std::runtime_error(
                "Error communicating with the Google Cloud DNS API: could not " + what +
                ": HTTP status " + std::to_string(r.status) +
                (msg.empty() ? "" : ": " + dns::printable(msg)) + hint + ".");
        }
        if (d.HasParseError() || !d.IsObject())
            throw std::runtime_error(
                "The Google Cloud DNS API sent a response that is not a JSON "
                "object (" +
                what + ").");
        return d;
    }

    std::string find_zone(const std::string& domain, std::string& zone) {
        std::string tried;
        for (const auto& g : dns::zone_guesses(domain)) {
            tried += (tried.empty() ? "" : ", ") + g;
            auto d = call("GET",
                          "/projects/" + dns::url_encode(project_) +
                              "/managedZones?dnsName=" + dns::url_encode(g + "."),
                          "", "find the managed zone of " + domain);
            if (const auto* zones = dns::json_array(d, "managedZones"))
                for (const auto& z : zones->GetArray()) {
                    if (z.IsObject() && z.HasMember("privateVisibilityConfig")) continue;
                    if (dns::json_string(z, "visibility") == "private") continue;
                    std::string id = dns::json_string(z, "id");
                    if (id.empty()) continue;
                    zone = g;
                    return id;
                }
        }
        throw std::runtime_error("Unable to determine managed zone for " + domain +
                                 " using zone names: " + tried + " (project " +
                                 dns::printable(project_, 80) + ").");
    }

    RecordSet read_set(const std::string& zone_id, const std::string& name) {
        auto d = call(
            "GET", zone_path(zone_id) + "/rrsets?name=" + dns::url_encode(name + ".") + "&type=TXT",
            "", "list the TXT records of " + name);
        RecordSet set;
        const auto* sets = dns::json_array(d, "rrsets");
        if (!sets || sets->Empty() || !(*sets)[0].IsObject()) return set;
        const auto& s = (*sets)[0];
        set.exists = true;
        if (auto t = s.FindMember("ttl"); t != s.MemberEnd() && t->value.IsInt())
            set.ttl = t->value.GetInt();
        if (const auto* rr = dns::json_array(s, "rrdatas"))
            for (const auto& v : rr->GetArray())
                if (v.IsString()) set.rrdatas.emplace_back(v.GetString(), v.GetStringLength());
        return set;
    }

    std::string file_, email_, key_pem_, key_id_, project_, token_uri_;
    std::string token_;
    std::chrono::steady_clock::time_point token_expiry_{};
    std::unique_ptr<dns::HttpsClient> api_, auth_;
};

const cb_option_desc kOptions[] = {
    dns::propagation_option("60"),
    // Not required, as in certbot: without it the plugin says how to configure credentials.
    certbot::plugin::path_option(
        "credentials",
        "Path to Google Cloud DNS service account JSON file. (See "
        "https://developers.google.com/identity/protocols/"
        "OAuth2ServiceAccount#creatinganaccount for "
        "information about creating a service account and "
        "https://cloud.google.com/dns/access-control#permissions_and_roles for "
        "information about the "
        "required permissions.)"),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Google>(
    "dns-google",
    "Obtain certificates using a DNS TXT record (if you are using Google Cloud DNS for DNS).",
    "0.1.0", dns::kDnsChallengeTypes, kOptions));
