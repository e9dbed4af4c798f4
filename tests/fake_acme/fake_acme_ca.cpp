// fake_acme_ca: a small issuing ACME CA for the protocol extensions Pebble 2.4 lacks:
// ACME Renewal Information (RFC 9773) and certificate profiles (draft-aaron-acme-profiles-00).
// Test-only; never installed.
//
//   fake_acme_ca --port P --cert TLS_CERT --key TLS_KEY [--profiles classic,shortlived]
//                [--no-ari] [--host 127.0.0.1]
//
// What it follows exactly, and what it fakes:
// - RFC 8555 objects and status codes for directory, newNonce, newAccount, newOrder, order,
//   authorization, finalize and certificate; JWS signatures are NOT verified and every
//   authorization is valid from the start (no challenge is needed), so any authenticator works.
// - RFC 9773: the directory's "renewalInfo"; GET <renewalInfo>/<certID> (unauthenticated)
//   answers {"suggestedWindow":{"start","end"},"explanationURL"} with Retry-After (§4.2, §4.3);
//   a certID that is not two base64url parts is 400 malformed, an unknown certificate 404
//   (§4.1); newOrder's "replaces" must name a certificate of this CA that was not replaced
//   before (409 alreadyReplaced otherwise, §5) and is echoed in the order.
// - draft-aaron-acme-profiles: meta.profiles maps names to descriptions; newOrder's "profile"
//   must be one of them (400 invalidProfile), and is echoed in the order. "shortlived" issues
//   six-day (160 h) certificates, the others 90 days.
// - The certID of an issued certificate is computed from the key identifier this CA puts in
//   the authorityKeyIdentifier and the serial it chose (not parsed back from the certificate),
//   so the client's own computation is checked against an independent one.
//
// Run-time control (tests): GET /control?ari=MODE&retry_after=N&refuse_replaces=0|1 where MODE
// is lifetime (the last third of the lifetime, as CAs do), past (a window that has passed),
// future (starts in 30 days), inverted (end before start), malformed (not a window), 404, 500.
// GET /ari-example checks the RFC 9773 examples (§4.1 certID, §4.2 response) against this
// server's own encoder and prints "ok" (tests/integration/ari_fake_ca.sh).
//
// One line per request on stderr: "fake_acme_ca: METHOD PATH -> STATUS [details]".

#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <rapidjson/document.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base64.h"

namespace {

using certbot::base64url_decode;
using certbot::base64url_encode;

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string cert, key;
    std::vector<std::string> profiles;
    bool ari = true;
};

struct Issued {
    std::string cert_id;
    int64_t not_before = 0, not_after = 0;
    bool replaced = false;
};

struct OrderState {
    std::vector<std::pair<std::string, std::string>> identifiers;  // type, value
    std::string status = "ready", replaces, profile, cert_pem;
};

Options g_opt;
std::mutex g_mu;
std::string g_base;  // https://host:port
std::atomic<unsigned long> g_nonce{0};
std::vector<OrderState> g_orders;
std::map<std::string, Issued> g_issued;  // certID -> certificate
std::string g_ari_mode = "lifetime";
int g_retry_after = 21600;
bool g_refuse_replaces = false;
httplib::SSLServer* g_server = nullptr;

// The CA: a P-256 key, a self-signed certificate, and the key identifier put in every AKI.
EVP_PKEY* g_ca_key = nullptr;
X509* g_ca_cert = nullptr;
std::string g_ca_key_id;
std::string g_ca_pem;

std::string nonce() {
    return "n" + std::to_string(++g_nonce) + "x" + std::to_string(std::time(nullptr));
}

std::string rfc3339(int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

// RFC 9773 §4.1: base64url(keyIdentifier) "." base64url(DER serial content octets).
std::string cert_id_of(const std::string& key_id, const std::string& serial_der_content) {
    return base64url_encode(key_id) + "." + base64url_encode(serial_der_content);
}

void problem(httplib::Response& res, int status, const std::string& type,
             const std::string& detail) {
    res.status = status;
    res.set_content("{\"type\":\"urn:ietf:params:acme:error:" + type + "\",\"detail\":" +
                        quote(detail) + ",\"status\":" + std::to_string(status) + "}",
                    "application/problem+json");
}

// The JWS payload (flattened JSON serialization), unverified.
bool jws_payload(const std::string& body, rapidjson::Document& payload, bool& empty) {
    rapidjson::Document jws;
    if (jws.Parse(body.c_str(), body.size()).HasParseError() || !jws.IsObject() ||
        !jws.HasMember("payload") || !jws["payload"].IsString())
        return false;
    auto text = base64url_decode(jws["payload"].GetString());
    if (!text) return false;
    empty = text->empty();
    if (empty) return true;
    return !payload.Parse(text->c_str(), text->size()).HasParseError() && payload.IsObject();
}

std::string order_json(size_t n) {
    const OrderState& o = g_orders[n];
    std::string ids, authzs;
    for (size_t i = 0; i < o.identifiers.size(); ++i) {
        ids += std::string(i ? "," : "") + "{\"type\":" + quote(o.identifiers[i].first) +
               ",\"value\":" + quote(o.identifiers[i].second) + "}";
        authzs += std::string(i ? "," : "") +
                  quote(g_base + "/authz/" + std::to_string(n) + "-" + std::to_string(i));
    }
    std::string out = "{\"status\":" + quote(o.status) +
                      ",\"expires\":" + quote(rfc3339(std::time(nullptr) + 86400)) +
                      ",\"identifiers\":[" + ids + "],\"authorizations\":[" + authzs +
                      "],\"finalize\":" + quote(g_base + "/finalize/" + std::to_string(n));
    if (!o.replaces.empty()) out += ",\"replaces\":" + quote(o.replaces);
    if (!o.profile.empty()) out += ",\"profile\":" + quote(o.profile);
    if (o.status == "valid")
        out += ",\"certificate\":" + quote(g_base + "/cert/" + std::to_string(n));
    return out + "}";
}

std::string pem_of(X509* x) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), x);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

void add_ext(X509* x, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, g_ca_cert ? g_ca_cert : x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
}

void set_key_id(X509* x, int nid, const std::string& id) {
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, reinterpret_cast<const unsigned char*>(id.data()),
                          static_cast<int>(id.size()));
    if (nid == NID_subject_key_identifier) {
        X509_add1_ext_i2d(x, nid, os, 0, X509V3_ADD_DEFAULT);
    } else {
        AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
        akid->keyid = os;
        os = nullptr;
        X509_add1_ext_i2d(x, nid, akid, 0, X509V3_ADD_DEFAULT);
        AUTHORITY_KEYID_free(akid);
    }
    ASN1_OCTET_STRING_free(os);
}

bool make_ca() {
    g_ca_key = EVP_EC_gen("P-256");
    if (!g_ca_key) return false;
    g_ca_key_id.assign(20, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(g_ca_key_id.data()), 20);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("fake ARI CA"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, g_ca_key);
    add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
    set_key_id(x, NID_subject_key_identifier, g_ca_key_id);
    if (X509_sign(x, g_ca_key, EVP_sha256()) <= 0) return false;
    g_ca_cert = x;
    g_ca_pem = pem_of(x);
    return true;
}

// Issues a certificate for the order's identifiers with the CSR's key.
bool issue(OrderState& o, const std::string& csr_der, std::string& err) {
    const auto* p = reinterpret_cast<const unsigned char*>(csr_der.data());
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
        d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size())), X509_REQ_free);
    if (!req) return err = "the CSR does not parse", false;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_REQ_get_pubkey(req.get()),
                                                            EVP_PKEY_free);
    if (!key || X509_REQ_verify(req.get(), key.get()) != 1)
        return err = "the CSR signature does not verify", false;
    // A positive 16-byte serial whose top bit is set half the time (tests the sign byte).
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] |= 0x01;
    std::string content;
    if (serial[0] & 0x80) content.push_back('\0');
    content.append(reinterpret_cast<char*>(serial), sizeof serial);
    const bool shortlived = o.profile == "shortlived";
    const int64_t now = std::time(nullptr);
    const int64_t lifetime = shortlived ? 160 * 3600 : 90 * 86400;
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
    ASN1_TIME_set(X509_getm_notBefore(x.get()), now - 60);
    ASN1_TIME_set(X509_getm_notAfter(x.get()), now - 60 + lifetime);
    X509_set_issuer_name(x.get(), X509_get_subject_name(g_ca_cert));
    X509_set_pubkey(x.get(), key.get());
    std::string san;
    for (const auto& [type, value] : o.identifiers)
        san += (san.empty() ? "" : ",") + std::string(type == "ip" ? "IP:" : "DNS:") + value;
    add_ext(x.get(), NID_subject_alt_name, san.c_str());
    set_key_id(x.get(), NID_authority_key_identifier, g_ca_key_id);
    if (X509_sign(x.get(), g_ca_key, EVP_sha256()) <= 0) return err = "signing failed", false;
    o.cert_pem = pem_of(x.get()) + g_ca_pem;
    o.status = "valid";
    Issued rec;
    rec.cert_id = cert_id_of(g_ca_key_id, content);
    rec.not_before = now - 60;
    rec.not_after = now - 60 + lifetime;
    g_issued[rec.cert_id] = rec;
    if (!o.replaces.empty()) g_issued[o.replaces].replaced = true;
    std::fprintf(stderr, "fake_acme_ca: issued %s profile=%s\n", rec.cert_id.c_str(),
                 o.profile.c_str());
    return true;
}

void renewal_info(const std::string& cert_id, httplib::Response& res) {
    const size_t dot = cert_id.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == cert_id.size() ||
        !base64url_decode(cert_id.substr(0, dot)) || !base64url_decode(cert_id.substr(dot + 1)))
        return problem(res, 400, "malformed", "the certID is not base64url \".\" base64url");
    auto it = g_issued.find(cert_id);
    if (it == g_issued.end() || g_ari_mode == "404")
        return problem(res, 404, "malformed", "no certificate with this certID");
    if (g_ari_mode == "500") return problem(res, 500, "serverInternal", "try later");
    const int64_t now = std::time(nullptr);
    const Issued& c = it->second;
    int64_t start = c.not_before + (c.not_after - c.not_before) * 2 / 3;
    int64_t end = start + (c.not_after - c.not_before) / 6;
    if (g_ari_mode == "past") start = now - 2 * 86400, end = now - 86400;
    if (g_ari_mode == "future") start = now + 30 * 86400, end = now + 31 * 86400;
    if (g_ari_mode == "inverted") start = now + 86400, end = now - 86400;
    res.set_header("Retry-After", std::to_string(g_retry_after));
    if (g_ari_mode == "malformed") {
        res.set_content(R"({"suggestedWindow":{"start":"soon","end":17}})", "application/json");
        return;
    }
    res.set_content("{\"suggestedWindow\":{\"start\":" + quote(rfc3339(start)) +
                        ",\"end\":" + quote(rfc3339(end)) +
                        "},\"explanationURL\":" + quote(g_base + "/docs/ari") + "}",
                    "application/json");
}

// The RFC 9773 examples against this server's encoder and window format.
std::string check_rfc_examples() {
    const std::string key_id(
        "\x69\x88\x5B\x6B\x87\x46\x40\x41\xE1\xB3\x7B\x84\x7B\xA0\xAE\x2C\xDE\x01\xC8\xD4", 20);
    const std::string serial("\x00\x87\x65\x43\x21", 5);
    if (cert_id_of(key_id, serial) != "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE")
        return "certID differs from RFC 9773 §4.1";
    // §4.2's example window, written the way renewal_info() writes windows.
    if (rfc3339(1735790400) != "2025-01-02T04:00:00Z" ||
        rfc3339(1735790400 + 86400) != "2025-01-03T04:00:00Z")
        return "time format differs from RFC 9773 §4.2";
    return "ok";
}

void handle_post(const httplib::Request& req, httplib::Response& res) {
    rapidjson::Document payload;
    bool empty = false;
    if (!jws_payload(req.body, payload, empty))
        return problem(res, 400, "malformed", "the request is not a flattened JWS");
    const std::string& path = req.path;
    std::string detail;
    if (path == "/new-account") {
        res.status = 201;
        res.set_header("Location", g_base + "/acct/1");
        res.set_content(R"({"status":"valid","contact":[]})", "application/json");
    } else if (path == "/acct/1") {
        res.set_content(R"({"status":"valid","contact":[]})", "application/json");
    } else if (path == "/new-order") {
        if (empty || !payload.HasMember("identifiers") || !payload["identifiers"].IsArray())
            return problem(res, 400, "malformed", "newOrder needs identifiers");
        OrderState o;
        for (const auto& id : payload["identifiers"].GetArray()) {
            if (!id.IsObject() || !id.HasMember("type") || !id["type"].IsString() ||
                !id.HasMember("value") || !id["value"].IsString())
                return problem(res, 400, "malformed", "bad identifier");
            o.identifiers.emplace_back(id["type"].GetString(), id["value"].GetString());
        }
        if (payload.HasMember("profile")) {
            if (!payload["profile"].IsString())
                return problem(res, 400, "malformed", "profile must be a string");
            o.profile = payload["profile"].GetString();
            bool offered = false;
            for (const auto& p : g_opt.profiles) offered = offered || p == o.profile;
            if (!offered)
                return problem(res, 400, "invalidProfile",
                               "profile \"" + o.profile + "\" is not offered");
        }
        if (payload.HasMember("replaces")) {
            if (!payload["replaces"].IsString())
                return problem(res, 400, "malformed", "replaces must be a string");
            o.replaces = payload["replaces"].GetString();
            auto it = g_issued.find(o.replaces);
            if (!g_opt.ari)
                return problem(res, 400, "malformed", "this CA does not support replaces");
            if (it == g_issued.end())
                return problem(res, 400, "malformed", "replaces names no certificate of ours");
            if (g_refuse_replaces || it->second.replaced)
                return problem(res, 409, "alreadyReplaced",
                               "the certificate has already been replaced");
        }
        detail = "replaces=" + o.replaces + " profile=" + o.profile;
        g_orders.push_back(o);
        const size_t n = g_orders.size() - 1;
        res.status = 201;
        res.set_header("Location", g_base + "/order/" + std::to_string(n));
        res.set_content(order_json(n), "application/json");
    } else if (path.rfind("/order/", 0) == 0) {
        size_t n = std::strtoul(path.c_str() + 7, nullptr, 10);
        if (n >= g_orders.size()) return problem(res, 404, "malformed", "no such order");
        res.set_content(order_json(n), "application/json");
    } else if (path.rfind("/authz/", 0) == 0) {
        size_t n = std::strtoul(path.c_str() + 7, nullptr, 10);
        size_t dash = path.find('-');
        size_t i =
            dash == std::string::npos ? 0 : std::strtoul(path.c_str() + dash + 1, nullptr, 10);
        if (n >= g_orders.size() || i >= g_orders[n].identifiers.size())
            return problem(res, 404, "malformed", "no such authorization");
        const auto& id = g_orders[n].identifiers[i];
        res.set_content(
            "{\"status\":\"valid\",\"expires\":" + quote(rfc3339(std::time(nullptr) + 86400)) +
                ",\"identifier\":{\"type\":" + quote(id.first) + ",\"value\":" + quote(id.second) +
                "},\"challenges\":[{\"type\":\"http-01\",\"status\":\"valid\","
                "\"url\":" +
                quote(g_base + "/chall/" + std::to_string(n)) +
                ",\"token\":\"tokentokentokentokentoken\"}]}",
            "application/json");
    } else if (path.rfind("/finalize/", 0) == 0) {
        size_t n = std::strtoul(path.c_str() + 10, nullptr, 10);
        if (n >= g_orders.size()) return problem(res, 404, "malformed", "no such order");
        if (empty || !payload.HasMember("csr") || !payload["csr"].IsString())
            return problem(res, 400, "malformed", "finalize needs a csr");
        auto der = base64url_decode(payload["csr"].GetString());
        std::string err;
        if (!der || !issue(g_orders[n], *der, err)) return problem(res, 400, "badCSR", err);
        res.set_header("Location", g_base + "/order/" + std::to_string(n));
        res.set_content(order_json(n), "application/json");
    } else if (path.rfind("/cert/", 0) == 0) {
        size_t n = std::strtoul(path.c_str() + 6, nullptr, 10);
        if (n >= g_orders.size() || g_orders[n].cert_pem.empty())
            return problem(res, 404, "malformed", "no such certificate");
        res.set_content(g_orders[n].cert_pem, "application/pem-certificate-chain");
    } else {
        return problem(res, 404, "malformed", "unknown resource");
    }
    if (!detail.empty()) res.set_header("X-Fake-Detail", detail);
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--port")
            g_opt.port = std::atoi(value().c_str());
        else if (a == "--host")
            g_opt.host = value();
        else if (a == "--cert")
            g_opt.cert = value();
        else if (a == "--key")
            g_opt.key = value();
        else if (a == "--no-ari")
            g_opt.ari = false;
        else if (a == "--profiles") {
            std::string list = value();
            for (size_t s = 0; s <= list.size();) {
                size_t c = list.find(',', s);
                if (c == std::string::npos) c = list.size();
                if (c > s) g_opt.profiles.push_back(list.substr(s, c - s));
                s = c + 1;
            }
        } else {
            std::fprintf(stderr, "fake_acme_ca: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (g_opt.port <= 0 || g_opt.cert.empty() || g_opt.key.empty()) {
        std::fprintf(stderr,
                     "usage: fake_acme_ca --port P --cert C --key K [--profiles a,b] [--no-ari]\n");
        return 2;
    }
    if (!make_ca()) {
        std::fprintf(stderr, "fake_acme_ca: cannot create the CA key\n");
        return 1;
    }
    g_base = "https://" + g_opt.host + ":" + std::to_string(g_opt.port);
    httplib::SSLServer server(g_opt.cert.c_str(), g_opt.key.c_str());
    g_server = &server;
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        std::fprintf(stderr, "fake_acme_ca: %s %s -> %d %s\n", req.method.c_str(), req.path.c_str(),
                     res.status, res.get_header_value("X-Fake-Detail").c_str());
    });
    server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
        res.set_header("Replay-Nonce", nonce());
        res.set_header("Cache-Control", "no-store");
    });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("ok", "text/plain");
    });
    server.Get("/ari-example", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(check_rfc_examples(), "text/plain");
    });
    server.Get("/control", [](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> l(g_mu);
        if (req.has_param("ari")) g_ari_mode = req.get_param_value("ari");
        if (req.has_param("retry_after"))
            g_retry_after = std::atoi(req.get_param_value("retry_after").c_str());
        if (req.has_param("refuse_replaces"))
            g_refuse_replaces = req.get_param_value("refuse_replaces") == "1";
        res.set_content("ari=" + g_ari_mode + " retry_after=" + std::to_string(g_retry_after) +
                            " refuse_replaces=" + (g_refuse_replaces ? "1" : "0"),
                        "text/plain");
    });
    server.Get("/dir", [](const httplib::Request&, httplib::Response& res) {
        std::string meta = "\"termsOfService\":" + quote(g_base + "/terms");
        if (!g_opt.profiles.empty()) {
            meta += ",\"profiles\":{";
            for (size_t i = 0; i < g_opt.profiles.size(); ++i)
                meta += std::string(i ? "," : "") + quote(g_opt.profiles[i]) + ":" +
                        quote("the " + g_opt.profiles[i] + " profile");
            meta += "}";
        }
        std::string body = "{\"newNonce\":" + quote(g_base + "/nonce") +
                           ",\"newAccount\":" + quote(g_base + "/new-account") +
                           ",\"newOrder\":" + quote(g_base + "/new-order") +
                           ",\"revokeCert\":" + quote(g_base + "/revoke") +
                           ",\"keyChange\":" + quote(g_base + "/key-change");
        if (g_opt.ari) body += ",\"renewalInfo\":" + quote(g_base + "/renewalInfo");
        res.set_content(body + ",\"meta\":{" + meta + "}}", "application/json");
    });
    auto nonce_handler = [](const httplib::Request&, httplib::Response& res) { res.status = 200; };
    server.Get("/nonce", nonce_handler);
    server.Get(R"(/renewalInfo/(.*))", [](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> l(g_mu);
        if (!g_opt.ari) return problem(res, 404, "malformed", "no ARI here");
        renewal_info(req.matches[1], res);
    });
    server.Post(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> l(g_mu);
        handle_post(req, res);
    });
    std::signal(SIGTERM, [](int) {
        if (g_server) g_server->stop();
    });
    std::signal(SIGINT, [](int) {
        if (g_server) g_server->stop();
    });
    if (!server.listen(g_opt.host.c_str(), g_opt.port)) {
        std::fprintf(stderr, "fake_acme_ca: cannot listen on %s:%d\n", g_opt.host.c_str(),
                     g_opt.port);
        return 1;
    }
    return 0;
}
