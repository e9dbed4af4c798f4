#include "acme.h"

#include <algorithm>
#include <ctime>
#include <thread>

#include "base64.h"
#include "identifiers.h"
#include "json.h"
#include "log.h"

namespace certbot {

std::atomic<bool> g_interrupted{false};

namespace {

class SystemClock : public Clock {
  public:
    std::chrono::steady_clock::time_point now() override {
        return std::chrono::steady_clock::now();
    }
    void sleep_for(std::chrono::milliseconds d) override {
        // Sleep in slices so Ctrl-C is noticed promptly.
        auto end = now() + d;
        while (!g_interrupted && now() < end)
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                end - now(), std::chrono::milliseconds(50)));
    }
};

constexpr int kMaxBadNonceRetries = 20;  // PEBBLE_WFE_NONCEREJECT=60 still succeeds
constexpr const char* kProblemPrefix = "urn:ietf:params:acme:error:";

Error interrupted() {
    return Error("interrupted by a signal; cleaning up");
}

Result<std::string> required_url(const rapidjson::Value& obj, const char* key,
                                 const std::string& what) {
    auto v = json::get_string(obj, key);
    if (!v) return Error(what + " has no \"" + key + "\" URL; is this an ACME v2 server?");
    auto u = parse_url(*v, true);
    if (!u) return u.error().context(what + " \"" + key + "\"");
    return *v;
}

std::optional<std::string> optional_url(const rapidjson::Value& obj, const char* key) {
    auto v = json::get_string(obj, key);
    if (!v || !parse_url(*v, true)) return std::nullopt;
    return v;
}

Problem problem_from(const rapidjson::Value& v, int depth) {
    Problem p;
    p.type = log::printable(json::get_string(v, "type").value_or(""), 120);
    p.detail = log::printable(json::get_string(v, "detail").value_or(""), 500);
    if (v.IsObject() && v.HasMember("status") && v["status"].IsInt())
        p.status = v["status"].GetInt();
    if (v.IsObject() && v.HasMember("identifier") && v["identifier"].IsObject())
        p.identifier = log::printable(json::get_string(v["identifier"], "value").value_or(""), 255);
    if (depth == 0 && v.IsObject() && v.HasMember("subproblems") && v["subproblems"].IsArray()) {
        for (const auto& s : v["subproblems"].GetArray()) {
            if (p.subproblems.size() >= 50) break;
            p.subproblems.push_back(problem_from(s, 1));
        }
    }
    return p;
}

std::string short_type(const std::string& type) {
    return type.rfind(kProblemPrefix, 0) == 0 ? type.substr(std::strlen(kProblemPrefix)) : type;
}

std::string contact_json(const std::vector<std::string>& emails) {
    std::string out = "[";
    for (size_t i = 0; i < emails.size(); ++i)
        out += (i ? "," : "") + json::quote("mailto:" + emails[i]);
    return out + "]";
}

// The account object (RFC 8555 §7.1.2) as far as this client uses it. Contacts are shown to
// the user: only printable ones of sane length are kept.
Result<AcmeAccount> account_from(const std::string& body, const std::string& url) {
    AcmeAccount acct;
    acct.url = url;
    acct.body_json = body;
    auto doc = json::parse(body, "the account object at " + url, 1 << 20);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error("the account object at " + url + " is not a JSON object");
    acct.status = json::get_string(*doc, "status").value_or("valid");
    for (auto& c : json::get_string_array(*doc, "contact"))
        if (acct.contact.size() < 20 && c.size() <= 300 && log::printable(c, 300) == c)
            acct.contact.push_back(std::move(c));
    return acct;
}

}  // namespace

Clock& system_clock() {
    static SystemClock clock;
    return clock;
}

std::string Problem::describe() const {
    std::string out = (type.empty() ? std::string("error") : short_type(type)) + " :: " + detail;
    for (const auto& s : subproblems)
        out += "; " + (s.identifier.empty() ? std::string() : s.identifier + ": ") +
               short_type(s.type) + " :: " + s.detail;
    return out;
}

std::optional<Problem> parse_problem(const std::string& body) {
    auto doc = json::parse(body, "problem document", 1 << 20);
    if (!doc || !doc->IsObject()) return std::nullopt;
    return problem_from(*doc, 0);
}

bool valid_nonce(const std::string& nonce) {
    return nonce.size() <= 256 && is_base64url(nonce);
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value) {
    if (value.empty() || value.size() > 64) return std::nullopt;
    constexpr long kMax = 86400;
    if (std::all_of(value.begin(), value.end(), ::isdigit)) {
        long s = value.size() > 6 ? kMax : std::stol(value);
        return std::chrono::seconds(std::min(s, kMax));
    }
    std::tm tm{};
    if (!strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
    long delta = static_cast<long>(timegm(&tm) - std::time(nullptr));
    return std::chrono::seconds(std::clamp(delta, 0L, kMax));
}

AcmeClient::AcmeClient(HttpClient& http, std::string directory_url, Clock& clock)
    : http_(http), clock_(clock) {
    dir_.url = std::move(directory_url);
}

Status AcmeClient::load_directory() {
    auto url = parse_url(dir_.url, true);
    if (!url) return url.error().context("--server");
    auto r = http_.send({"GET", dir_.url, "", ""});
    if (!r) return r.error();
    if (r->status != 200)
        return Error("the ACME directory " + dir_.url + " answered HTTP " +
                     std::to_string(r->status) + "; check --server");
    auto doc = json::parse(r->body, "the ACME directory at " + dir_.url);
    if (!doc) return doc.error();
    if (!doc->IsObject())
        return Error("the ACME directory at " + dir_.url + " is not a JSON object");
    const std::string what = "the ACME directory at " + dir_.url;
    auto nn = required_url(*doc, "newNonce", what);
    if (!nn) return nn.error();
    auto na = required_url(*doc, "newAccount", what);
    if (!na) return na.error();
    auto no = required_url(*doc, "newOrder", what);
    if (!no) return no.error();
    dir_.new_nonce = *nn;
    dir_.new_account = *na;
    dir_.new_order = *no;
    dir_.revoke_cert = optional_url(*doc, "revokeCert").value_or("");
    dir_.key_change = optional_url(*doc, "keyChange").value_or("");
    dir_.renewal_info = optional_url(*doc, "renewalInfo").value_or("");
    if (doc->HasMember("meta") && (*doc)["meta"].IsObject()) {
        const auto& meta = (*doc)["meta"];
        dir_.terms_of_service = json::get_string(meta, "termsOfService").value_or("");
        dir_.website = json::get_string(meta, "website").value_or("");
        dir_.external_account_required = json::get_bool(meta, "externalAccountRequired");
        if (meta.HasMember("profiles") && meta["profiles"].IsObject())
            for (const auto& m : meta["profiles"].GetObject())
                dir_.profiles.emplace_back(m.name.GetString(), m.name.GetStringLength());
    }
    return Status::Ok();
}

void AcmeClient::set_account(const PrivateKey* key, std::string kid) {
    key_ = key;
    kid_ = std::move(kid);
    thumbprint_ = key ? jwk_thumbprint(*key) : std::string();
}

std::string AcmeClient::key_authorization(const std::string& token) const {
    return token + "." + thumbprint_;
}

Result<std::string> AcmeClient::fetch_nonce() {
    if (!nonces_.empty()) {
        std::string n = std::move(nonces_.back());
        nonces_.pop_back();
        return n;
    }
    auto r = http_.send({"HEAD", dir_.new_nonce, "", ""});
    if (!r) return r.error();
    auto n = r->header("replay-nonce");
    if (!valid_nonce(n))
        return Error("the ACME server's newNonce (" + dir_.new_nonce +
                     ") returned no valid Replay-Nonce header (HTTP " + std::to_string(r->status) +
                     ")");
    return n;
}

Result<AcmeClient::Response> AcmeClient::post_once(const std::string& url,
                                                   const std::string& payload, bool use_jwk,
                                                   const PrivateKey* key) {
    if (g_interrupted) return interrupted();
    const PrivateKey* signer = key ? key : key_;
    if (!signer) return Error("internal error: no account key to sign a request to " + url);
    auto nonce = fetch_nonce();
    if (!nonce) return nonce.error();
    std::string header = "{\"alg\":" + json::quote(signer->jws_alg());
    if (use_jwk || kid_.empty() || key)
        header += ",\"jwk\":" + jwk_public_json(*signer);
    else
        header += ",\"kid\":" + json::quote(kid_);
    header += ",\"nonce\":" + json::quote(*nonce) + ",\"url\":" + json::quote(url) + "}";
    auto body = jws_sign(*signer, header, payload);
    if (!body) return body.error();
    auto r = http_.send({"POST", url, *body, "application/jose+json"});
    if (!r) return r.error();
    auto n = r->header("replay-nonce");
    if (valid_nonce(n) && nonces_.size() < 16) nonces_.push_back(n);
    Response out{std::move(*r), {}};
    out.location = out.http.header("location");
    return out;
}

Error AcmeClient::problem_error(const HttpResponse& r, const std::string& what) const {
    auto p = parse_problem(r.body);
    std::string msg = what + " failed (HTTP " + std::to_string(r.status) + ")";
    if (p) msg += ": " + p->describe();
    if (r.status == 429 || (p && p->type == std::string(kProblemPrefix) + "rateLimited")) {
        auto ra = parse_retry_after(r.header("retry-after"));
        msg += ra ? "; the CA asks to retry after " + std::to_string(ra->count()) + " s"
                  : "; wait before retrying";
    }
    if (p && p->type == std::string(kProblemPrefix) + "externalAccountRequired")
        msg += "; this CA requires --eab-kid and --eab-hmac-key";
    return Error(msg);
}

Result<AcmeClient::Response> AcmeClient::post(const std::string& url, const std::string& payload,
                                              bool use_jwk, const PrivateKey* key) {
    for (int attempt = 0;; ++attempt) {
        auto r = post_once(url, payload, use_jwk, key);
        if (!r) return r.error();
        if (r->http.status == 400) {
            auto p = parse_problem(r->http.body);
            // RFC 8555 §6.5: retry a badNonce with the fresh nonce it carried.
            if (p && p->type == std::string(kProblemPrefix) + "badNonce") {
                if (attempt < kMaxBadNonceRetries) continue;
                return Error("the ACME server at " + url + " rejected " +
                             std::to_string(attempt + 1) + " nonces in a row; try again later");
            }
        }
        return r;
    }
}

Result<AcmeAccount> AcmeClient::new_account(const std::vector<std::string>& contact, bool agree_tos,
                                            bool only_existing,
                                            const std::optional<ExternalAccountBinding>& eab) {
    std::string payload = "{";
    if (only_existing) {
        payload += "\"onlyReturnExisting\":true";
    } else {
        payload += "\"termsOfServiceAgreed\":" + std::string(agree_tos ? "true" : "false");
        payload += ",\"contact\":" + contact_json(contact);
        if (eab) {
            if (!key_) return Error("internal error: no account key for external account binding");
            auto binding = external_account_binding_jws(*eab, *key_, dir_.new_account);
            if (!binding) return binding.error();
            payload += ",\"externalAccountBinding\":" + *binding;
        }
    }
    payload += "}";
    auto r = post(dir_.new_account, payload, true);
    if (!r) return r.error();
    if (r->http.status != 200 && r->http.status != 201)
        return problem_error(r->http, (only_existing ? "Looking up the account of this key at "
                                                     : "Registering an account at ") +
                                          dir_.new_account);
    if (!parse_url(r->location, true))
        return Error("the ACME server did not return a valid account URL (Location header)");
    auto acct = account_from(r->http.body, r->location);
    if (!acct) return acct.error();
    kid_ = acct->url;
    return acct;
}

Result<AcmeAccount> AcmeClient::update_account(const std::string& payload_json) {
    if (kid_.empty()) return Error("internal error: no account URL to update");
    auto r = post(kid_, payload_json);
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Updating account " + kid_);
    return account_from(r->http.body, kid_);
}

Result<AcmeAccount> AcmeClient::update_contact(const std::vector<std::string>& emails) {
    return update_account("{\"contact\":" + contact_json(emails) + "}");
}

Status AcmeClient::deactivate_account() {
    auto acct = update_account(R"({"status":"deactivated"})");
    if (!acct) return acct.error();
    if (acct->status != "deactivated")
        return Error("the ACME server answered the deactivation of " + kid_ + " with status \"" +
                     log::printable(acct->status, 40) + "\"; the account may still be active");
    return Status::Ok();
}

Status AcmeClient::key_change(const PrivateKey& new_key) {
    if (dir_.key_change.empty())
        return Error("the ACME server " + dir_.url + " offers no keyChange endpoint (RFC 8555 " +
                     "§7.3.5); it cannot roll over account keys");
    if (!key_ || kid_.empty()) return Error("internal error: key change without an account");
    auto inner = key_change_inner_jws(new_key, *key_, dir_.key_change, kid_);
    if (!inner) return inner.error();
    // The outer JWS is an ordinary request by the account (kid, nonce, old key).
    auto r = post(dir_.key_change, *inner);
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Changing the key of account " + kid_);
    set_account(&new_key, kid_);
    return Status::Ok();
}

Status check_external_account_binding(const ExternalAccountBinding& eab) {
    if (!is_hmac_alg(eab.alg))
        return Error("--eab-hmac-alg must be HS256, HS384 or HS512, not \"" +
                         log::printable(eab.alg, 20) + "\"",
                     kExitUsage);
    auto mac_key = base64url_decode(eab.hmac_key_b64url);
    // The decoder's message could quote the key: name the flag only.
    if (!mac_key || mac_key->empty())
        return Error("--eab-hmac-key is not a base64url-encoded key; copy it again from your CA",
                     kExitUsage);
    return Status::Ok();
}

Result<std::string> external_account_binding_jws(const ExternalAccountBinding& eab,
                                                 const PrivateKey& account_key,
                                                 const std::string& new_account_url) {
    CB_TRY(check_external_account_binding(eab));
    const std::string mac_key = base64url_decode(eab.hmac_key_b64url).value();
    const std::string hdr = "{\"alg\":" + json::quote(eab.alg) +
                            ",\"kid\":" + json::quote(eab.kid) +
                            ",\"url\":" + json::quote(new_account_url) + "}";
    const std::string protected_b64 = base64url_encode(hdr);
    const std::string payload_b64 = base64url_encode(jwk_public_json(account_key));
    const std::string sig = hmac(eab.alg, mac_key, protected_b64 + "." + payload_b64);
    return "{\"protected\":" + json::quote(protected_b64) +
           ",\"payload\":" + json::quote(payload_b64) +
           ",\"signature\":" + json::quote(base64url_encode(sig)) + "}";
}

Result<std::string> key_change_inner_jws(const PrivateKey& new_key, const PrivateKey& old_key,
                                         const std::string& key_change_url,
                                         const std::string& account_url) {
    const std::string hdr = "{\"alg\":" + json::quote(new_key.jws_alg()) +
                            ",\"jwk\":" + jwk_public_json(new_key) +
                            ",\"url\":" + json::quote(key_change_url) + "}";
    const std::string payload = "{\"account\":" + json::quote(account_url) +
                                ",\"oldKey\":" + jwk_public_json(old_key) + "}";
    return jws_sign(new_key, hdr, payload);
}

namespace {
Result<Order> parse_order(const std::string& body, const std::string& url) {
    auto doc = json::parse(body, "order " + url);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error("order " + url + " is not a JSON object");
    Order o;
    o.url = url;
    o.status = json::get_string(*doc, "status").value_or("");
    o.finalize = json::get_string(*doc, "finalize").value_or("");
    o.certificate = json::get_string(*doc, "certificate").value_or("");
    if (doc->HasMember("identifiers") && (*doc)["identifiers"].IsArray())
        for (const auto& id : (*doc)["identifiers"].GetArray())
            o.identifiers.push_back(json::get_string(id, "value").value_or(""));
    o.authorizations = json::get_string_array(*doc, "authorizations");
    if (doc->HasMember("error")) o.error = problem_from((*doc)["error"], 0);
    static const char* kStatuses[] = {"pending", "ready", "processing", "valid", "invalid"};
    if (std::find(std::begin(kStatuses), std::end(kStatuses), o.status) == std::end(kStatuses))
        return Error("order " + url + " has an unknown status \"" + log::printable(o.status, 40) +
                     "\"");
    if (o.authorizations.size() > 100)
        return Error("order " + url + " lists more than 100 authorizations; refusing it");
    for (const auto& a : o.authorizations)
        if (auto u = parse_url(a, true); !u) return u.error().context("order authorization");
    if (!o.finalize.empty())
        if (auto u = parse_url(o.finalize, true); !u) return u.error().context("order finalize");
    if (!o.certificate.empty())
        if (auto u = parse_url(o.certificate, true); !u)
            return u.error().context("order certificate");
    return o;
}
}  // namespace

// ---- ARI (RFC 9773) and profiles: newOrder members -----------------------------------------
namespace {
std::string order_options_json(const OrderOptions& o) {
    std::string out;
    if (!o.replaces.empty()) out += ",\"replaces\":" + json::quote(o.replaces);
    if (!o.profile.empty()) out += ",\"profile\":" + json::quote(o.profile);
    return out;
}
}  // namespace
// ---- end ARI / profiles ----------------------------------------------------------------------

Result<Order> AcmeClient::new_order(const std::vector<std::string>& dns_names,
                                    const OrderOptions& options) {
    std::string payload = "{\"identifiers\":[";
    for (size_t i = 0; i < dns_names.size(); ++i)
        payload += std::string(i ? "," : "") +
                   "{\"type\":\"dns\",\"value\":" + json::quote(dns_names[i]) + "}";
    payload += "]" + order_options_json(options) + "}";
    auto r = post(dir_.new_order, payload);
    if (!r) return r.error();
    if (r->http.status != 201 && r->http.status != 200)
        return problem_error(r->http, "Creating an order at " + dir_.new_order);
    if (!parse_url(r->location, true))
        return Error("the ACME server did not return a valid order URL (Location header)");
    auto o = parse_order(r->http.body, r->location);
    if (!o) return o.error();
    if (o->finalize.empty()) return Error("order " + r->location + " has no finalize URL");
    return o;
}

Result<Order> AcmeClient::get_order(const std::string& url) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Fetching order " + url);
    return parse_order(r->http.body, url);
}

namespace {
Result<Authorization> parse_authorization(const std::string& body, const std::string& url) {
    auto doc = json::parse(body, "authorization " + url);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error("authorization " + url + " is not a JSON object");
    Authorization a;
    a.url = url;
    a.status = json::get_string(*doc, "status").value_or("");
    a.wildcard = json::get_bool(*doc, "wildcard");
    if (doc->HasMember("identifier")) {
        const auto& id = (*doc)["identifier"];
        if (json::get_string(id, "type").value_or("") != "dns")
            return Error("authorization " + url + " is for a non-DNS identifier; not supported");
        auto d = normalize_domain(json::get_string(id, "value").value_or(""));
        if (!d || is_wildcard(*d))
            return Error("authorization " + url + " carries an invalid identifier \"" +
                         log::printable(json::get_string(id, "value").value_or(""), 80) + "\"");
        a.identifier = *d;
    } else {
        return Error("authorization " + url + " has no identifier");
    }
    if (doc->HasMember("challenges") && (*doc)["challenges"].IsArray()) {
        for (const auto& c : (*doc)["challenges"].GetArray()) {
            if (a.challenges.size() >= 20) break;
            Challenge ch;
            ch.type = log::printable(json::get_string(c, "type").value_or(""), 40);
            ch.url = json::get_string(c, "url").value_or("");
            ch.status = json::get_string(c, "status").value_or("");
            ch.token = json::get_string(c, "token").value_or("");
            if (c.IsObject() && c.HasMember("error")) {
                ch.error = problem_from(c["error"], 0);
                if (!a.error) a.error = ch.error;
            }
            if (!parse_url(ch.url, true)) continue;  // unusable; not fatal unless chosen
            a.challenges.push_back(std::move(ch));
        }
    }
    return a;
}

}  // namespace

Result<Authorization> AcmeClient::get_authorization(const std::string& url) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Fetching authorization " + url);
    return parse_authorization(r->http.body, url);
}

Status AcmeClient::respond_challenge(const std::string& challenge_url) {
    auto r = post(challenge_url, "{}");
    if (!r) return r.error();
    if (r->http.status != 200)
        return problem_error(r->http, "Answering challenge " + challenge_url);
    return Status::Ok();
}

std::chrono::milliseconds AcmeClient::poll_delay(const HttpResponse& r, int attempt) const {
    if (auto ra = parse_retry_after(r.header("retry-after")))
        return std::chrono::duration_cast<std::chrono::milliseconds>(*ra);
    // Start fast (the protocol itself needs ~45 ms against a local CA), then back off.
    double ms = 20.0;
    for (int i = 0; i < attempt && ms < 2000; ++i) ms *= 1.5;
    return std::chrono::milliseconds(static_cast<long>(std::min(ms, 2000.0)));
}

Result<Authorization> AcmeClient::poll_authorization(
    const std::string& url, std::chrono::steady_clock::time_point deadline) {
    for (int attempt = 0;; ++attempt) {
        auto r = post(url, "");
        if (!r) return r.error();
        if (r->http.status != 200) return problem_error(r->http, "Polling authorization " + url);
        auto a = parse_authorization(r->http.body, url);
        if (!a) return a.error();
        if (a->status != "pending" && a->status != "processing") return a;
        auto delay = poll_delay(r->http, attempt);
        if (clock_.now() + delay > deadline)
            return Error("authorization for " + a->identifier + " is still " + a->status +
                         " after the issuance timeout; try again or raise --issuance-timeout");
        clock_.sleep_for(delay);
        if (g_interrupted) return interrupted();
    }
}

Result<Order> AcmeClient::finalize(const Order& order, const std::string& csr_der,
                                   std::chrono::steady_clock::time_point deadline) {
    auto r = post(order.finalize, "{\"csr\":" + json::quote(base64url_encode(csr_der)) + "}");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Finalizing order " + order.url);
    auto o = parse_order(r->http.body, order.url);
    if (!o) return o.error();
    HttpResponse last = r->http;
    for (int attempt = 0; o->status == "processing" || o->status == "ready"; ++attempt) {
        auto delay = poll_delay(last, attempt);
        if (clock_.now() + delay > deadline)
            return Error("order " + order.url + " is still " + o->status +
                         " after the issuance timeout; try again or raise --issuance-timeout");
        clock_.sleep_for(delay);
        if (g_interrupted) return interrupted();
        auto p = post(order.url, "");
        if (!p) return p.error();
        if (p->http.status != 200) return problem_error(p->http, "Polling order " + order.url);
        o = parse_order(p->http.body, order.url);
        if (!o) return o.error();
        last = p->http;
    }
    if (o->status != "valid") {
        std::string why = o->error ? o->error->describe() : "no reason given";
        return Error("order " + order.url + " ended " + o->status + ": " + why);
    }
    if (o->certificate.empty())
        return Error("order " + order.url + " is valid but has no certificate URL");
    return o;
}

Result<std::string> AcmeClient::download_certificate(const std::string& url) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Downloading certificate " + url);
    auto certs = split_pem_chain(r->http.body);
    if (!certs) return certs.error().context("certificate from " + url);
    if (certs->empty()) return Error("certificate from " + url + " contains no certificate");
    std::string chain;
    for (const auto& c : *certs) chain += c;
    return chain;
}

Status AcmeClient::revoke(const std::string& cert_der, int reason, const PrivateKey* cert_key) {
    if (dir_.revoke_cert.empty()) return Error("the ACME server offers no revokeCert endpoint");
    std::string payload = "{\"certificate\":" + json::quote(base64url_encode(cert_der)) +
                          ",\"reason\":" + std::to_string(reason) + "}";
    auto r = post(dir_.revoke_cert, payload, cert_key != nullptr, cert_key);
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Revoking the certificate");
    return Status::Ok();
}

}  // namespace certbot
