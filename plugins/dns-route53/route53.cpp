// dns-route53: answers dns-01 challenges (RFC 8555 §8.4) with TXT records in Amazon Route 53
// through its API (version 2013-04-01, https://docs.aws.amazon.com/Route53/latest/APIReference/),
// like certbot-dns-route53: credentials from the environment and ~/.aws/{credentials,config} as
// the AWS tools read them, requests signed with SigV4 (us-east-1, service route53), TTL 10, and
// no propagation wait by default: perform asks until Route 53 reports every change INSYNC
// (GetChange), as certbot does, waiting between two asks through the host (certbot.wait.v1).
// The calls:
//   GET  /2013-04-01/hostedzone?maxitems=100[&marker=]     public zones; the longest suffix wins
//   GET  /2013-04-01/hostedzone/<id>/rrset?maxitems=1&name=<name>&type=TXT   the current values
//   POST /2013-04-01/hostedzone/<id>/rrset                 ChangeResourceRecordSetsRequest
//   GET  /2013-04-01/change/<id>                           until Status is INSYNC (10 min of waits)
// Unlike certbot-dns-route53, which UPSERTs only the values it added (replacing any other TXT
// value of the name), the record set is read first and other values are kept; cleanup removes
// exactly our values (UPSERT of the rest, or DELETE when only ours remain).
// CERTBOT_DNS_ROUTE53_API_URL replaces https://route53.amazonaws.com (tests).
#include <certbot/plugin.hpp>

#include "dns_authenticator.h"
#include "dns_https.h"
#include "dns_json.h"
#include "sigv4.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using certbot::plugin::Host;
namespace dns = certbot::plugin::dns;

constexpr int kTtl = 10;
constexpr int kInsyncTimeoutSeconds = 600;
const char* const kApi = "/2013-04-01";
const char* const kXmlns = "https://route53.amazonaws.com/doc/2013-04-01/";

std::string xml_unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        size_t semi = s.find(';', i);
        std::string ent = semi == std::string::npos ? "" : s.substr(i + 1, semi - i - 1);
        const char* rep = ent == "amp"    ? "&"
                          : ent == "lt"   ? "<"
                          : ent == "gt"   ? ">"
                          : ent == "quot" ? "\""
                          : ent == "apos" ? "'"
                                          : nullptr;
        if (!rep) {
            out += '&';
            continue;
        }
        out += rep;
        i = semi;
    }
    return out;
}

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// The raw contents of every <TAG>...</TAG> in XML (elements without attributes; Route 53's
// response elements have none below the root).
std::vector<std::string> xml_all(const std::string& xml, const std::string& tag) {
    std::vector<std::string> out;
    const std::string open = "<" + tag + ">", close = "</" + tag + ">";
    for (size_t pos = 0;;) {
        size_t a = xml.find(open, pos);
        if (a == std::string::npos) break;
        size_t b = xml.find(close, a + open.size());
        if (b == std::string::npos) break;
        out.push_back(xml.substr(a + open.size(), b - a - open.size()));
        pos = b + close.size();
    }
    return out;
}

std::string xml_first(const std::string& xml, const std::string& tag) {
    auto all = xml_all(xml, tag);
    return all.empty() ? std::string() : xml_unescape(all[0]);
}

std::string without_dot(std::string s) {
    while (!s.empty() && s.back() == '.') s.pop_back();
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}

struct RecordSet {
    bool exists = false;
    int ttl = kTtl;
    std::vector<std::string> values;  // as Route 53 holds them: "\"quoted\""
};

class Route53 : public dns::DnsAuthenticator {
  public:
    explicit Route53(Host host)
        : DnsAuthenticator(host, "dns-route53", 0), creds_(route53::load_aws_credentials()) {
        dns::HttpsOptions o;
        o.user_agent = "certbot-native-dns-route53/0.1.0";
        api_ = std::make_unique<dns::HttpsClient>("Route 53", "https://route53.amazonaws.com",
                                                  "CERTBOT_DNS_ROUTE53_API_URL", o);
        host_header_ = api_->origin().substr(std::string("https://").size());
        if (host_header_.size() > 4 &&
            host_header_.compare(host_header_.size() - 4, 4, ":443") == 0)
            host_header_.resize(host_header_.size() - 4);
        host.debug("Using AWS credentials from " + creds_.source);
    }

  protected:
    void add_txt(dns::TxtRecord& rec) override {
        rec.zone_id = find_zone(rec.name, rec.zone);
        RecordSet set = read_set(rec.zone_id, rec.name);
        const std::string quoted = "\"" + rec.value + "\"";
        if (std::find(set.values.begin(), set.values.end(), quoted) != set.values.end()) return;
        set.values.push_back(quoted);
        rec.sent = true;
        changes_.push_back(
            change(rec.zone_id, rec.name, "UPSERT", set.exists ? set.ttl : kTtl, set.values));
    }

    // Asks GetChange until each change is INSYNC (certbot-dns-route53's _wait_for_change), waiting
    // between two asks through the host, so SIGINT/SIGTERM and --plugin-timeout end the wait at
    // once and cleanup deletes the records. The propagation wait follows in perform.
    void after_add() override {
        const std::vector<std::string> ids = std::move(changes_);
        changes_.clear();
        for (const auto& id : ids) {
            std::string status;
            const bool insync = dns::poll_until(
                host(), "Route 53 change " + id + " to be INSYNC", kInsyncTimeoutSeconds, [&] {
                    auto r = call("GET", std::string(kApi) + "/change/" + id, "", "");
                    status = xml_first(r.body, "Status");
                    if (status == "INSYNC") return true;
                    host().debug("Route 53 change " + id + " is " + dns::printable(status, 40) +
                                 "; waiting");
                    return false;
                });
            if (!insync)
                throw std::runtime_error("Timed out waiting for Route53 change " + id +
                                         ". Current status: " + dns::printable(status, 40));
        }
    }

    void del_txt(const dns::TxtRecord& rec) override {
        std::string zone = rec.zone, zone_id = rec.zone_id;
        if (zone_id.empty()) zone_id = find_zone(rec.name, zone);
        RecordSet set = read_set(zone_id, rec.name);
        const std::string quoted = "\"" + rec.value + "\"";
        auto it = std::find(set.values.begin(), set.values.end(), quoted);
        if (it == set.values.end()) return;  // not there (any more)
        if (set.values.size() == 1) {
            change(zone_id, rec.name, "DELETE", set.ttl, set.values);
        } else {
            set.values.erase(it);
            change(zone_id, rec.name, "UPSERT", set.ttl, set.values);
        }
    }

  private:
    static std::string amz_date() {
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buf[20];
        std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
        return buf;
    }

    // One signed request; an error status throws with Route 53's Code and Message.
    dns::HttpsResponse call(const std::string& method, const std::string& path,
                            const std::string& query, const std::string& body) {
        route53::SignedRequest s;
        s.method = method;
        s.host = host_header_;
        s.path = api_->base_path() + path;
        s.query = query;
        s.body = body;
        s.amz_date = amz_date();
        dns::Headers h = {
            {"Host", host_header_},
            {"X-Amz-Date", s.amz_date},
            {"Authorization", route53::sigv4_authorization(s, creds_, "us-east-1", "route53")}};
        if (!creds_.session_token.empty())
            h.emplace_back("X-Amz-Security-Token", creds_.session_token);
        auto r = api_->send(method, path + (query.empty() ? "" : "?" + query), h, body,
                            body.empty() ? "" : "text/xml");
        if (r.status < 200 || r.status >= 300) {
            std::string code = xml_first(r.body, "Code"), msg = xml_first(r.body, "Message");
            while (!msg.empty() && msg.back() == '.') msg.pop_back();
            std::string hint;
            if (code == "SignatureDoesNotMatch" || code == "InvalidClientTokenId" ||
                code == "UnrecognizedClientException" || code == "ExpiredToken")
                hint = " Check the AWS credentials from " + creds_.source + ".";
            else if (code == "AccessDenied")
                hint = " The credentials from " + creds_.source +
                       " lack a Route 53 permission (route53:ListHostedZones, "
                       "route53:ListResourceRecordSets, route53:ChangeResourceRecordSets, "
                       "route53:GetChange).";
            throw std::runtime_error(
                "An error occurred (" +
                dns::printable(code.empty() ? "HTTP " + std::to_string(r.status) : code, 80) +
                ") when calling the Route 53 API (" + method + " " + path +
                "): " + dns::printable(msg) + "." + hint);
        }
        return r;
    }

    // A 200 answer must be the document the API reference names (a proxy's HTML page is not an
    // empty list).
    static void expect_root(const std::string& body, const std::string& root,
                            const std::string& call) {
        if (body.find("<" + root) == std::string::npos ||
            body.find("</" + root + ">") == std::string::npos)
            throw std::runtime_error("The Route 53 API (" + call +
                                     ") sent a response that is not a " + root + " document.");
    }

    // certbot-dns-route53's _find_zone_id_for_domain: among the public hosted zones, the
    // longest one NAME is in.
    std::string find_zone(const std::string& name, std::string& zone_name) {
        if (zones_.empty()) {
            std::string marker;
            for (int page = 0; page < 50; ++page) {
                std::string query = marker.empty()
                                        ? "maxitems=100"
                                        : "marker=" + dns::url_encode(marker) + "&maxitems=100";
                auto r = call("GET", std::string(kApi) + "/hostedzone", query, "");
                expect_root(r.body, "ListHostedZonesResponse", "GET /hostedzone");
                for (const auto& z : xml_all(r.body, "HostedZone")) {
                    if (xml_first(z, "PrivateZone") == "true") continue;
                    std::string id = xml_first(z, "Id");
                    if (id.rfind("/hostedzone/", 0) == 0) id = id.substr(12);
                    zones_.emplace_back(without_dot(xml_first(z, "Name")), id);
                }
                if (xml_first(r.body, "IsTruncated") != "true") break;
                marker = xml_first(r.body, "NextMarker");
                if (marker.empty()) break;
            }
            if (zones_.empty()) zones_.emplace_back("", "");  // looked: none
        }
        const std::string n = without_dot(name);
        const std::pair<std::string, std::string>* best = nullptr;
        for (const auto& z : zones_) {
            if (z.first.empty()) continue;
            bool in = n == z.first ||
                      (n.size() > z.first.size() &&
                       n.compare(n.size() - z.first.size(), z.first.size(), z.first) == 0 &&
                       n[n.size() - z.first.size() - 1] == '.');
            if (in && (!best || z.first.size() > best->first.size())) best = &z;
        }
        if (!best)
            throw std::runtime_error("Unable to find a Route53 hosted zone for " + n +
                                     " (public hosted zones of the account from " + creds_.source +
                                     ").");
        zone_name = best->first;
        return best->second;
    }

    RecordSet read_set(const std::string& zone_id, const std::string& name) {
        auto r = call("GET", std::string(kApi) + "/hostedzone/" + zone_id + "/rrset",
                      "maxitems=1&name=" + dns::url_encode(name) + "&type=TXT", "");
        expect_root(r.body, "ListResourceRecordSetsResponse",
                    "GET /hostedzone/" + zone_id + "/rrset");
        RecordSet set;
        auto sets = xml_all(r.body, "ResourceRecordSet");
        if (sets.empty()) return set;
        const std::string& s = sets[0];
        if (without_dot(xml_first(s, "Name")) != without_dot(name) || xml_first(s, "Type") != "TXT")
            return set;
        set.exists = true;
        std::string ttl = xml_first(s, "TTL");
        if (!ttl.empty() && ttl.size() < 10 && std::all_of(ttl.begin(), ttl.end(), ::isdigit))
            set.ttl = std::stoi(ttl);
        for (const auto& v : xml_all(s, "Value")) set.values.push_back(xml_unescape(v));
        return set;
    }

    // Sends one change; returns its id.
    std::string change(const std::string& zone_id, const std::string& name,
                       const std::string& action, int ttl, const std::vector<std::string>& values) {
        std::string records;
        for (const auto& v : values)
            records += "<ResourceRecord><Value>" + xml_escape(v) + "</Value></ResourceRecord>";
        const std::string body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest "
            "xmlns=\"" +
            std::string(kXmlns) +
            "\"><ChangeBatch><Comment>certbot-dns-route53 certificate validation " + action +
            "</Comment><Changes><Change><Action>" + action + "</Action><ResourceRecordSet><Name>" +
            xml_escape(name) + "</Name><Type>TXT</Type><TTL>" + std::to_string(ttl) +
            "</TTL><ResourceRecords>" + records +
            "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
            "</ChangeResourceRecordSetsRequest>";
        auto r = call("POST", std::string(kApi) + "/hostedzone/" + zone_id + "/rrset", "", body);
        std::string id = xml_first(r.body, "Id");
        if (id.rfind("/change/", 0) == 0) id = id.substr(8);
        if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
            }))
            throw std::runtime_error("The Route 53 API accepted a change to " + name +
                                     " but sent no usable change id.");
        return id;
    }

    route53::AwsCredentials creds_;
    std::string host_header_;
    std::unique_ptr<dns::HttpsClient> api_;
    std::vector<std::pair<std::string, std::string>> zones_;  // (name, id)
    std::vector<std::string> changes_;                        // to wait for
};

const cb_option_desc kOptions[] = {
    certbot::plugin::int_option(
        "propagation-seconds",
        "Extra seconds to wait after Route 53 reports the changes INSYNC (it is asked until it "
        "does, up to 10 minutes; by default nothing more).",
        nullptr, 0, dns::kMaxPropagationSeconds),
};

}  // namespace

CERTBOT_PLUGIN(certbot::plugin::entry<Route53>(
    "dns-route53",
    "Obtain certificates using a DNS TXT record (if you are using AWS Route53 for DNS).", "0.1.0",
    dns::kDnsChallengeTypes, kOptions));
