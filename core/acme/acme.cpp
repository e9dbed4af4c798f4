#include "acme.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "base64.h"
#include "identifiers.h"
#include "ip_address.h"
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

// RFC 8555 §6.5: a fresh nonce comes with every badNonce, so retrying costs one round trip.
// 100 retries carry a request through a CA rejecting 90% of nonces (PEBBLE_WFE_NONCEREJECT=90)
// with a failure chance of 0.9^101 (3e-5) per request.
constexpr int kMaxBadNonceRetries = 100;
// Idempotent requests that hit a 503, a serverInternal error or a broken connection.
constexpr int kMaxTransientRetries = 4;
constexpr auto kMaxTransientDelay = std::chrono::seconds(60);
constexpr const char* kProblemPrefix = "urn:ietf:params:acme:error:";

Error interrupted() {
    return Error("interrupted by a signal; cleaning up");
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The media type of a Content-Type header: lower case, without parameters or spaces.
std::string media_type(const std::string& content_type) {
    std::string t = lower(content_type.substr(0, content_type.find(';')));
    t.erase(0, t.find_first_not_of(" \t"));
    t.erase(t.find_last_not_of(" \t") + 1);
    return t;
}

// RFC 8555 §6.7 and §7: ACME objects come as application/json, errors as
// application/problem+json. Anything else (a proxy's HTML page, a certificate) is not read as
// JSON, however it looks.
bool is_json_response(const HttpResponse& r) {
    const std::string t = media_type(r.header("content-type"));
    return t == "application/json" || t == "application/problem+json";
}

// A short, printable excerpt of a body that was not what we expected, for the error line.
std::string excerpt(const std::string& body) {
    return "\"" + log::printable(body.substr(0, 80), 80) + (body.size() > 80 ? "...\"" : "\"");
}

Result<rapidjson::Document> json_body(const HttpResponse& r, const std::string& what,
                                      size_t max_bytes = 4 << 20) {
    if (!is_json_response(r))
        return Error("protocol error: " + what + " came as \"" +
                     log::printable(r.header("content-type"), 60) + "\" (HTTP " +
                     std::to_string(r.status) + "), not application/json: " + excerpt(r.body));
    auto doc = json::parse(r.body, what, max_bytes);
    if (!doc) return doc.error().context("protocol error");
    if (!doc->IsObject()) return Error("protocol error: " + what + " is not a JSON object");
    return doc;
}

// Type-checked reading of one ACME object (RFC 8555 §7.1): a required member that is missing, or
// any member of the wrong type, is a protocol error naming the object's URL and the member. A
// malformed answer can never read as "empty" and skip a step.
class Fields {
  public:
    Fields(const rapidjson::Value& obj, std::string what) : obj_(obj), what_(std::move(what)) {}

    Error bad(const std::string& field, const std::string& why) const {
        return Error("protocol error: " + what_ + ": field \"" + field + "\" " + why);
    }
    const rapidjson::Value* member(const char* key) const {
        auto it = obj_.FindMember(key);
        return it == obj_.MemberEnd() ? nullptr : &it->value;
    }
    Status string(const char* key, bool required, std::string& out) const {
        const auto* v = member(key);
        if (!v) return required ? Status(bad(key, "is missing")) : Status::Ok();
        if (!v->IsString()) return bad(key, "is not a string");
        out.assign(v->GetString(), v->GetStringLength());
        return Status::Ok();
    }
    // One of the values RFC 8555 defines for the member.
    Status word(const char* key, bool required, std::initializer_list<const char*> allowed,
                std::string& out) const {
        CB_TRY(string(key, required, out));
        if (!member(key)) return Status::Ok();
        for (const char* a : allowed)
            if (out == a) return Status::Ok();
        return bad(key, "has the unknown value \"" + log::printable(out, 40) + "\"");
    }
    Status url(const char* key, bool required, std::string& out) const {
        CB_TRY(string(key, required, out));
        if (!member(key)) return Status::Ok();
        if (auto u = parse_url(out, true); !u)
            return bad(key, "is not usable: " + u.error().message);
        return Status::Ok();
    }
    Status boolean(const char* key, bool& out) const {
        const auto* v = member(key);
        if (!v) return Status::Ok();
        if (!v->IsBool()) return bad(key, "is not true or false");
        out = v->GetBool();
        return Status::Ok();
    }
    // A member that must be an object (nullptr when optional and absent).
    Result<const rapidjson::Value*> object(const char* key, bool required) const {
        const auto* v = member(key);
        if (!v)
            return required ? Result<const rapidjson::Value*>(bad(key, "is missing"))
                            : Result<const rapidjson::Value*>(nullptr);
        if (!v->IsObject()) return bad(key, "is not a JSON object");
        return v;
    }
    Result<const rapidjson::Value*> array(const char* key, bool required, size_t max) const {
        const auto* v = member(key);
        if (!v)
            return required ? Result<const rapidjson::Value*>(bad(key, "is missing"))
                            : Result<const rapidjson::Value*>(nullptr);
        if (!v->IsArray()) return bad(key, "is not an array");
        if (v->Size() > max) return bad(key, "has more than " + std::to_string(max) + " entries");
        return v;
    }
    Status strings(const char* key, bool required, size_t max,
                   std::vector<std::string>& out) const {
        auto a = array(key, required, max);
        if (!a) return a.error();
        if (!*a) return Status::Ok();
        for (const auto& e : (*a)->GetArray()) {
            if (!e.IsString()) return bad(key, "is not an array of strings");
            out.emplace_back(e.GetString(), e.GetStringLength());
        }
        return Status::Ok();
    }
    Status urls(const char* key, bool required, size_t max, std::vector<std::string>& out) const {
        CB_TRY(strings(key, required, max, out));
        for (const auto& u : out)
            if (auto p = parse_url(u, true); !p)
                return bad(key, "holds an unusable URL: " + p.error().message);
        return Status::Ok();
    }
    const std::string& what() const { return what_; }

  private:
    const rapidjson::Value& obj_;
    std::string what_;
};

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
Result<AcmeAccount> account_from(const HttpResponse& r, const std::string& url) {
    AcmeAccount acct;
    acct.url = url;
    acct.body_json = r.body;
    const std::string what = "the account object at " + url;
    auto doc = json_body(r, what, 1 << 20);
    if (!doc) return doc.error();
    Fields f(*doc, what);
    CB_TRY(f.word("status", true, {"valid", "deactivated", "revoked"}, acct.status));
    std::vector<std::string> contact;
    CB_TRY(f.strings("contact", false, 1000, contact));
    for (auto& c : contact)
        if (acct.contact.size() < 20 && c.size() <= 300 && log::printable(c, 300) == c)
            acct.contact.push_back(std::move(c));
    bool tos = false;
    CB_TRY(f.boolean("termsOfServiceAgreed", tos));
    std::string orders;
    CB_TRY(f.string("orders", false, orders));
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

namespace {
// The problem document of an error response, if it came as JSON (RFC 8555 §6.7).
std::optional<Problem> problem_of(const HttpResponse& r) {
    if (!is_json_response(r)) return std::nullopt;
    return parse_problem(r.body);
}
}  // namespace

bool valid_nonce(const std::string& nonce) {
    return nonce.size() <= 256 && is_base64url(nonce);
}

std::optional<std::time_t> parse_http_date(const std::string& value) {
    if (value.empty() || value.size() > 64) return std::nullopt;
    // IMF-fixdate first (what servers send), then the two obsolete forms. The names of days and
    // months are English whatever the locale: this program never calls setlocale.
    for (const char* format :
         {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = strptime(value.c_str(), format, &tm);
        if (end && *end == '\0') return timegm(&tm);
    }
    return std::nullopt;
}

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      const std::string& date_header) {
    if (value.empty() || value.size() > 64) return std::nullopt;
    constexpr long kMax = 86400;
    if (std::all_of(value.begin(), value.end(), ::isdigit)) {
        long s = value.size() > 6 ? kMax : std::stol(value);
        return std::chrono::seconds(std::min(s, kMax));
    }
    auto when = parse_http_date(value);
    if (!when) return std::nullopt;
    auto now = parse_http_date(date_header);
    const double delta = std::difftime(*when, now ? *now : std::time(nullptr));
    return std::chrono::seconds(static_cast<long>(std::clamp(delta, 0.0, double(kMax))));
}

std::chrono::milliseconds poll_interval(int attempt) {
    double ms = static_cast<double>(kFirstPollInterval.count());
    for (int i = 0; i < attempt && ms < static_cast<double>(kMaxPollInterval.count()); ++i) ms *= 2;
    return std::chrono::milliseconds(
        std::min(static_cast<long>(ms), static_cast<long>(kMaxPollInterval.count())));
}

AcmeClient::AcmeClient(HttpClient& http, std::string directory_url, Clock& clock)
    : http_(http), clock_(clock) {
    dir_.url = std::move(directory_url);
}

void CaShare::load_ahead(std::shared_future<Result<Directory>> ahead) {
    std::lock_guard<std::mutex> loading(load_mu_);
    ahead_ = std::move(ahead);
}

Result<Directory> CaShare::directory(const std::function<Result<Directory>()>& load) {
    std::lock_guard<std::mutex> loading(load_mu_);
    {
        std::lock_guard<std::mutex> l(mu_);
        if (dir_) return *dir_;
    }
    Result<Directory> d = Error("");
    if (ahead_.valid()) {
        d = ahead_.get();
        ahead_ = {};  // used once: after a failure the next call loads
    } else {
        d = load();
    }
    if (!d) return d.error();
    std::lock_guard<std::mutex> l(mu_);
    dir_ = *d;
    return d;
}

std::optional<std::string> CaShare::take_nonce() {
    std::lock_guard<std::mutex> l(mu_);
    if (nonces_.empty()) return std::nullopt;
    std::string n = std::move(nonces_.back());
    nonces_.pop_back();
    return n;
}

void CaShare::give_nonce(std::string nonce) {
    std::lock_guard<std::mutex> l(mu_);
    if (nonces_.size() >= kMaxNonces) nonces_.erase(nonces_.begin());  // the oldest goes
    nonces_.push_back(std::move(nonce));
}

void AcmeClient::share_with(CaShare& share) {
    share_ = share.directory_url() == dir_.url ? &share : nullptr;
}

Status AcmeClient::load_directory() {
    auto url = parse_url(dir_.url, true);
    if (!url) return url.error().context("--server");
    auto d = share_ ? share_->directory([this] { return fetch_directory(); }) : fetch_directory();
    if (!d) return d.error();
    dir_ = std::move(*d);
    return Status::Ok();
}

Result<Directory> AcmeClient::fetch_directory() {
    auto r = send_idempotent({"GET", dir_.url, "", ""});
    if (!r) return r.error();
    if (r->status != 200)
        return Error("the ACME directory " + dir_.url + " answered HTTP " +
                     std::to_string(r->status) + "; check --server");
    const std::string what = "the ACME directory at " + dir_.url;
    auto doc = json_body(*r, what);
    if (!doc) return doc.error();
    // RFC 8555 §7.1.1.
    Directory d;
    d.url = dir_.url;
    Fields f(*doc, what);
    CB_TRY(f.url("newNonce", true, d.new_nonce));
    CB_TRY(f.url("newAccount", true, d.new_account));
    CB_TRY(f.url("newOrder", true, d.new_order));
    CB_TRY(f.url("revokeCert", false, d.revoke_cert));
    CB_TRY(f.url("keyChange", false, d.key_change));
    CB_TRY(f.url("renewalInfo", false, d.renewal_info));
    auto meta_obj = f.object("meta", false);
    if (!meta_obj) return meta_obj.error();
    if (const rapidjson::Value* meta = *meta_obj) {
        Fields m(*meta, what + " (meta)");
        CB_TRY(m.string("termsOfService", false, d.terms_of_service));
        CB_TRY(m.string("website", false, d.website));
        CB_TRY(m.boolean("externalAccountRequired", d.external_account_required));
        std::vector<std::string> caa;
        CB_TRY(m.strings("caaIdentities", false, 100, caa));
        auto profiles = m.object("profiles", false);
        if (!profiles) return profiles.error();
        if (*profiles)
            for (const auto& p : (*profiles)->GetObject())
                d.profiles.emplace_back(p.name.GetString(), p.name.GetStringLength());
    }
    return d;
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
    if (share_)
        if (auto n = share_->take_nonce()) return std::move(*n);
    if (!nonces_.empty()) {
        std::string n = std::move(nonces_.back());
        nonces_.pop_back();
        return n;
    }
    auto r = send_idempotent({"HEAD", dir_.new_nonce, "", ""});
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
    check_clock(*r);
    keep_nonce(r->header("replay-nonce"));
    Response out{std::move(*r), {}};
    out.location = out.http.header("location");
    return out;
}

void AcmeClient::keep_nonce(std::string nonce) {
    if (!valid_nonce(nonce)) return;
    if (share_)
        share_->give_nonce(std::move(nonce));
    else if (nonces_.size() < 16)
        nonces_.push_back(std::move(nonce));
}

Error AcmeClient::problem_error(const HttpResponse& r, const std::string& what) const {
    auto p = problem_of(r);
    std::string msg = what + " failed (HTTP " + std::to_string(r.status) + ")";
    if (p)
        msg += ": " + p->describe();
    else if (!r.body.empty())
        msg += ", not with an ACME problem document: " + excerpt(r.body);
    if (r.status == 429 || (p && p->type == std::string(kProblemPrefix) + "rateLimited")) {
        auto ra = parse_retry_after(r.header("retry-after"));
        msg += ra ? "; the CA asks to retry after " + std::to_string(ra->count()) + " s"
                  : "; wait before retrying";
    }
    if (p && p->type == std::string(kProblemPrefix) + "externalAccountRequired")
        msg += "; this CA requires --eab-kid and --eab-hmac-key";
    return Error(msg);
}

std::optional<std::chrono::milliseconds> AcmeClient::transient_delay(const HttpResponse* r,
                                                                     int attempt) {
    if (attempt >= kMaxTransientRetries) return std::nullopt;
    if (r) {
        auto p = problem_of(*r);
        const bool server_internal =
            r->status >= 500 && p && p->type == std::string(kProblemPrefix) + "serverInternal";
        if (r->status != 503 && !server_internal) return std::nullopt;
        if (auto ra = parse_retry_after(r->header("retry-after"))) {
            if (*ra > kMaxTransientDelay) return std::nullopt;  // not worth waiting for here
            return std::chrono::duration_cast<std::chrono::milliseconds>(*ra);
        }
    }
    // Exponential backoff from 1 s with full jitter in [base/2, base], so clients that failed
    // together do not come back together.
    const long base = 1000L << attempt;
    std::uniform_int_distribution<long> jitter(base / 2, base);
    return std::chrono::milliseconds(jitter(rng_));
}

Result<HttpResponse> AcmeClient::send_idempotent(const HttpRequest& request) {
    for (int attempt = 0;; ++attempt) {
        auto r = http_.send(request);
        if (r) check_clock(*r);
        auto delay = r ? transient_delay(&*r, attempt)
                       : (r.error().transient ? transient_delay(nullptr, attempt) : std::nullopt);
        if (!delay || clock_.now() + *delay > retry_deadline_) return r;
        log::debug(request.method + " " + request.url + " failed for now; retrying in " +
                   std::to_string(delay->count()) + " ms");
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
    }
}

Result<AcmeClient::Response> AcmeClient::post(const std::string& url, const std::string& payload,
                                              bool use_jwk, const PrivateKey* key) {
    // POST-as-GET (RFC 8555 §6.3) and the empty-object challenge trigger (§7.5.1) may be sent
    // again without effect; anything else may have taken effect before the failure.
    const bool idempotent = payload.empty() || payload == "{}";
    int bad_nonces = 0;
    for (int attempt = 0;;) {
        auto r = post_once(url, payload, use_jwk, key);
        if (r && r->http.status == 400) {
            auto p = problem_of(r->http);
            // RFC 8555 §6.5: retry a badNonce with the fresh nonce it carried.
            if (p && p->type == std::string(kProblemPrefix) + "badNonce") {
                if (bad_nonces++ < kMaxBadNonceRetries) continue;
                return Error("the ACME server at " + url + " rejected " +
                             std::to_string(bad_nonces) + " nonces in a row; try again later");
            }
        }
        if (!idempotent) return r;
        std::optional<std::chrono::milliseconds> delay;
        if (r)
            delay = transient_delay(&r->http, attempt);
        else if (r.error().transient)
            delay = transient_delay(nullptr, attempt);
        if (!delay || clock_.now() + *delay > retry_deadline_) return r;
        log::debug("POST " + url + " failed for now; retrying in " +
                   std::to_string(delay->count()) + " ms");
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
        ++attempt;
    }
}

void AcmeClient::check_clock(const HttpResponse& r) {
    if (clock_checked_) return;
    const std::string date = r.header("date");
    if (date.empty()) return;
    clock_checked_ = true;
    auto server_time = parse_http_date(date);
    if (!server_time) return;
    const long skew = static_cast<long>(*server_time - wall_clock_());
    if (std::labs(skew) > kMaxClockSkewSeconds)
        log::warning("this machine's clock is " + std::to_string(std::labs(skew)) + " s " +
                     (skew > 0 ? "behind" : "ahead of") + " the ACME server's (" + dir_.url +
                     "); certificates may look not yet valid or expired: check the time (NTP)");
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
    auto acct = account_from(r->http, r->location);
    if (!acct) return acct.error();
    kid_ = acct->url;
    return acct;
}

Result<AcmeAccount> AcmeClient::update_account(const std::string& payload_json) {
    if (kid_.empty()) return Error("internal error: no account URL to update");
    auto r = post(kid_, payload_json);
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Updating account " + kid_);
    return account_from(r->http, kid_);
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
    if (!r) return r.error();  // transient when the answer was lost: the CA may have switched
    if (r->http.status != 200) {
        Error e = problem_error(r->http, "Changing the key of account " + kid_);
        e.transient = r->http.status >= 500;  // the CA may have applied it before failing
        return e;
    }
    set_account(&new_key, kid_);
    return Status::Ok();
}

Result<bool> AcmeClient::account_uses_key(const PrivateKey& key) {
    // RFC 8555 §7.3.1: onlyReturnExisting, signed with the key's JWK, answers with the account
    // URL of that key or accountDoesNotExist.
    auto r = post(dir_.new_account, R"({"onlyReturnExisting":true})", true, &key);
    if (!r) return r.error();
    if (r->http.status == 200 || r->http.status == 201) return r->location == kid_;
    auto p = problem_of(r->http);
    if (r->http.status == 400 && p &&
        p->type == std::string(kProblemPrefix) + "accountDoesNotExist")
        return false;
    return problem_error(r->http, "Asking " + dir_.new_account + " which account a key belongs to");
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

// RFC 8555 §7.1.4: {"type": "dns", "value": name}; the type is checked by the caller.
Status read_identifier(const Fields& parent, const rapidjson::Value& v, const char* field,
                       std::string& type, std::string& value) {
    if (!v.IsObject()) return parent.bad(field, "is not an identifier object");
    Fields id(v, parent.what() + " (" + field + ")");
    CB_TRY(id.string("type", true, type));
    CB_TRY(id.string("value", true, value));
    return Status::Ok();
}

// An identifier the server sent, as the workflow spells it: a DNS name (wildcard allowed only
// where allow_wildcard) or, for type "ip" (RFC 8738 §3), the canonical IP text. A "dns" value
// that is an IP, an "ip" value that is not one, or another type is refused: the text alone
// tells the two types apart everywhere else, so it must never be ambiguous.
Result<std::string> server_identifier(const std::string& what, const std::string& type,
                                      const std::string& value, bool allow_wildcard) {
    auto refuse = [&](const std::string& why) {
        return Error(what + " carries an invalid identifier \"" + log::printable(type, 20) + ":" +
                     log::printable(value, 80) + "\" (" + why + "); refusing it");
    };
    if (type == "ip") {
        auto ip = normalize_ip_identifier(value);
        if (!ip) return refuse("not an IP address");
        return *ip;
    }
    if (type != "dns") return refuse("an identifier type this client does not request");
    auto d = normalize_domain(value);
    if (!d)
        return refuse(is_ip_address(value) ? "an IP address as a dns identifier"
                                           : "not a valid DNS name");
    if (is_wildcard(*d) && !allow_wildcard) return refuse("a wildcard");
    return *d;
}

std::optional<Problem> read_problem(const Fields& f) {
    const auto* e = f.member("error");
    return e ? std::optional<Problem>(problem_from(*e, 0)) : std::nullopt;
}

// RFC 8555 §7.1.3.
Result<Order> parse_order(const HttpResponse& r, const std::string& url) {
    const std::string what = "order " + url;
    auto doc = json_body(r, what);
    if (!doc) return doc.error();
    Fields f(*doc, what);
    Order o;
    o.url = url;
    CB_TRY(
        f.word("status", true, {"pending", "ready", "processing", "valid", "invalid"}, o.status));
    std::string ignored;
    for (const char* time : {"expires", "notBefore", "notAfter"})
        CB_TRY(f.string(time, false, ignored));
    auto ids = f.array("identifiers", true, 100);
    if (!ids) return ids.error();
    for (const auto& id : (*ids)->GetArray()) {
        std::string type, value;
        CB_TRY(read_identifier(f, id, "identifiers", type, value));
        auto ident = server_identifier(what, type, value, true);
        if (!ident) return ident.error();
        o.identifiers.push_back(std::move(*ident));
    }
    CB_TRY(f.urls("authorizations", true, 100, o.authorizations));
    CB_TRY(f.url("finalize", true, o.finalize));
    CB_TRY(f.url("certificate", false, o.certificate));
    auto err = f.object("error", false);
    if (!err) return err.error();
    o.error = read_problem(f);
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

Result<Order> AcmeClient::new_order(const std::vector<std::string>& identifiers,
                                    const OrderOptions& options) {
    std::string payload = "{\"identifiers\":[";
    // RFC 8738 §3: an IP address is an "ip" identifier, never "dns".
    for (size_t i = 0; i < identifiers.size(); ++i)
        payload += std::string(i ? "," : "") + "{\"type\":\"" + identifier_type(identifiers[i]) +
                   "\",\"value\":" + json::quote(identifiers[i]) + "}";
    payload += "]" + order_options_json(options) + "}";
    auto r = post(dir_.new_order, payload);
    if (!r) return r.error();
    if (r->http.status != 201 && r->http.status != 200)
        return problem_error(r->http, "Creating an order at " + dir_.new_order);
    if (!parse_url(r->location, true))
        return Error("the ACME server did not return a valid order URL (Location header)");
    return parse_order(r->http, r->location);
}

Result<Order> AcmeClient::get_order(const std::string& url) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Fetching order " + url);
    return parse_order(r->http, url);
}

namespace {
// RFC 8555 §7.1.4 (authorization) and §7.1.5, §8 (challenges).
Result<Authorization> parse_authorization(const HttpResponse& r, const std::string& url) {
    const std::string what = "authorization " + url;
    auto doc = json_body(r, what);
    if (!doc) return doc.error();
    Fields f(*doc, what);
    Authorization a;
    a.url = url;
    auto id = f.object("identifier", true);
    if (!id) return id.error();
    std::string type, value;
    CB_TRY(read_identifier(f, **id, "identifier", type, value));
    // RFC 8555 §7.1.4: the authorization's identifier never has the "*." (wildcard says so).
    auto ident = server_identifier(what, type, value, false);
    if (!ident) return ident.error();
    a.identifier = *ident;
    CB_TRY(f.word("status", true,
                  {"pending", "valid", "invalid", "deactivated", "expired", "revoked"}, a.status));
    std::string ignored;
    CB_TRY(f.string("expires", false, ignored));
    CB_TRY(f.boolean("wildcard", a.wildcard));
    if (a.wildcard && is_ip_identifier(a.identifier))
        return Error(what + " is a wildcard authorization for the IP address " + a.identifier +
                     "; refusing it");
    auto challenges = f.array("challenges", true, 20);
    if (!challenges) return challenges.error();
    for (const auto& c : (*challenges)->GetArray()) {
        if (!c.IsObject()) return f.bad("challenges", "holds something that is not an object");
        Fields cf(c, what + " (a challenge)");
        Challenge ch;
        CB_TRY(cf.string("type", true, ch.type));
        ch.type = log::printable(ch.type, 40);
        CB_TRY(cf.string("url", true, ch.url));
        CB_TRY(cf.word("status", true, {"pending", "processing", "valid", "invalid"}, ch.status));
        const bool has_token =
            ch.type == "http-01" || ch.type == "dns-01" || ch.type == "tls-alpn-01";
        CB_TRY(cf.string("token", has_token, ch.token));
        CB_TRY(cf.string("validated", false, ignored));
        auto err = cf.object("error", false);
        if (!err) return err.error();
        ch.error = read_problem(cf);
        if (ch.error && !a.error) a.error = ch.error;
        if (!parse_url(ch.url, true)) continue;  // unusable; not fatal unless chosen
        a.challenges.push_back(std::move(ch));
    }
    return a;
}

}  // namespace

Result<Authorization> AcmeClient::get_authorization(const std::string& url) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Fetching authorization " + url);
    return parse_authorization(r->http, url);
}

Status AcmeClient::respond_challenge(const std::string& challenge_url) {
    auto r = post(challenge_url, "{}");
    if (!r) return r.error();
    if (r->http.status != 200)
        return problem_error(r->http, "Answering challenge " + challenge_url);
    return Status::Ok();
}

Result<std::chrono::milliseconds> AcmeClient::poll_wait(
    const HttpResponse* last, int attempt, std::chrono::steady_clock::time_point deadline,
    const std::string& what) const {
    using std::chrono::milliseconds;
    const auto now = clock_.now();
    if (now >= deadline)
        return Error(what + " after the issuance timeout; try again or raise --issuance-timeout");
    milliseconds wait = poll_interval(attempt);
    if (last) {
        if (auto ra = parse_retry_after(last->header("retry-after"), last->header("date"))) {
            // Never sooner than the server asks, nor sooner than our own schedule (a
            // "Retry-After: 0" must not turn polling into a busy loop).
            const milliseconds asked = std::min<milliseconds>(*ra, kMaxPollRetryAfter);
            wait = std::max(wait, asked);
            if (now + asked > deadline)
                return Error(what + "; the CA asks to poll again in " +
                             std::to_string(ra->count()) +
                             " s, after the issuance timeout; try again later or raise "
                             "--issuance-timeout");
        }
    }
    // Our own schedule ends at the deadline: one last poll there.
    return std::min(wait, std::chrono::duration_cast<milliseconds>(deadline - now));
}

Result<Authorization> AcmeClient::poll_authorization(
    const std::string& url, std::chrono::steady_clock::time_point deadline) {
    for (int attempt = 0;; ++attempt) {
        auto r = post(url, "");
        if (!r) return r.error();
        if (r->http.status != 200) return problem_error(r->http, "Polling authorization " + url);
        auto a = parse_authorization(r->http, url);
        if (!a) return a.error();
        if (a->status != "pending" && a->status != "processing") return a;
        auto delay = poll_wait(&r->http, attempt, deadline,
                               "authorization for " + a->identifier + " is still " + a->status);
        if (!delay) return delay.error();
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
    }
}

// ---- finalize answered with orderNotReady (certbot 4.1) ----------------------------------------
namespace {
bool order_not_ready(const HttpResponse& r) {
    auto p = parse_problem(r.body);
    return p && p->type == std::string(kProblemPrefix) + "orderNotReady";
}
}  // namespace

Status AcmeClient::wait_until_ready(const Order& order,
                                    std::chrono::steady_clock::time_point deadline) {
    log::info("The CA says order " + order.url + " is not ready; waiting for it");
    HttpResponse last;
    for (int attempt = 0;; ++attempt) {
        auto delay = poll_wait(attempt ? &last : nullptr, attempt, deadline,
                               "order " + order.url + " is not ready for finalization");
        if (!delay) return delay.error();
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
        auto p = post(order.url, "");
        if (!p) return p.error();
        if (p->http.status != 200) return problem_error(p->http, "Polling order " + order.url);
        auto o = parse_order(p->http, order.url);
        if (!o) return o.error();
        if (o->status == "ready") return Status::Ok();
        if (o->status != "pending" && o->status != "processing")
            return Error("order " + order.url + " is " + o->status +
                         (o->error ? ": " + o->error->describe() : std::string()) +
                         "; it cannot be finalized");
        last = p->http;
    }
}
// ---- end orderNotReady
// ---------------------------------------------------------------------------

namespace {
// RFC 8555 §7.1.6: pending -> ready -> processing -> valid, and any of the first three ->
// invalid. A status that goes back (processing -> ready) or jumps (pending -> valid) is a server
// we cannot follow.
bool order_may_become(const std::string& from, const std::string& to) {
    if (from == to || to == "invalid") return from != "valid";
    if (from == "pending") return to == "ready";
    if (from == "ready") return to == "processing" || to == "valid";
    if (from == "processing") return to == "valid";
    return false;
}

Error order_ended(const Order& o) {
    return Error("order " + o.url + " ended " + o.status + ": " +
                 (o.error ? o.error->describe() : std::string("no reason given")));
}
}  // namespace

Result<Order> AcmeClient::poll_order(const Order& from, const std::string& while_status,
                                     std::chrono::steady_clock::time_point deadline,
                                     const HttpResponse* from_answer) {
    Order o = from;
    HttpResponse last;
    for (int attempt = 0; o.status == while_status; ++attempt) {
        auto delay = poll_wait(attempt ? &last : from_answer, attempt, deadline,
                               "order " + o.url + " is still " + o.status);
        if (!delay) return delay.error();
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
        auto p = post(o.url, "");
        if (!p) return p.error();
        if (p->http.status != 200) return problem_error(p->http, "Polling order " + o.url);
        auto next = parse_order(p->http, o.url);
        if (!next) return next.error();
        if (!order_may_become(o.status, next->status))
            return Error("protocol error: order " + o.url + " went from " + o.status + " to " +
                         next->status + ", which RFC 8555 §7.1.6 does not allow");
        o = std::move(*next);
        last = p->http;
    }
    return o;
}

Result<Order> AcmeClient::finalize(const Order& order, const std::string& csr_der,
                                   std::chrono::steady_clock::time_point deadline,
                                   bool authorizations_valid) {
    // RFC 8555 §7.4: only a ready order (every authorization valid) is finalized. Unless the
    // caller has just seen every authorization valid, ask the CA rather than trusting our own
    // bookkeeping; pending may take the CA a moment to leave.
    std::string finalize_url = order.finalize;
    if (!authorizations_valid) {
        auto now_order = get_order(order.url);
        if (!now_order) return now_order.error();
        auto ready = poll_order(*now_order, "pending", deadline);
        if (!ready) return ready.error();
        if (ready->status == "invalid") return order_ended(*ready);
        if (ready->status != "ready")
            return Error("order " + order.url + " is " + ready->status +
                         ", not ready (RFC 8555 §7.1.6); refusing to finalize it");
        finalize_url = ready->finalize;
    }
    const std::string payload = "{\"csr\":" + json::quote(base64url_encode(csr_der)) + "}";
    Order o;
    HttpResponse finalize_answer;  // its Retry-After paces the first poll of a processing order
    int not_ready_retries = 0;
    for (int attempt = 0;; ++attempt) {
        auto r = post(finalize_url, payload);
        // The CA may still answer orderNotReady (certbot 4.1): wait until it is ready, again.
        if (r && r->http.status == 403 && order_not_ready(r->http) && not_ready_retries++ < 3) {
            CB_TRY(wait_until_ready(order, deadline));
            continue;
        }
        if (r && r->http.status == 200) {
            auto parsed = parse_order(r->http, order.url);
            if (!parsed) return parsed.error();
            o = std::move(*parsed);
            finalize_answer = std::move(r->http);
            break;
        }
        // Finalize is not idempotent: after a lost answer or a server error the CA may have
        // taken the CSR and be issuing. Ask the order where it stands, never assume.
        const bool unclear = r ? r->http.status >= 500 : r.error().transient;
        Error failure = r ? problem_error(r->http, "Finalizing order " + order.url) : r.error();
        if (!unclear) return failure;
        log::debug("finalizing " + order.url + " had an unclear outcome (" + failure.message +
                   "); asking the CA");
        auto after = get_order(order.url);
        if (!after)
            return failure.context("the outcome is unknown and the order could not be fetched (" +
                                   after.error().message + ")");
        if (after->status != "ready") {
            o = std::move(*after);
            break;
        }
        // Still ready: the request never took effect. Send it again, a bounded number of times.
        auto delay = transient_delay(r ? &r->http : nullptr, attempt);
        if (!delay || clock_.now() + *delay > deadline) return failure;
        clock_.sleep_for(*delay);
        if (g_interrupted) return interrupted();
    }
    if (!order_may_become("ready", o.status))
        return Error("protocol error: order " + order.url + " went from ready to " + o.status +
                     " on finalize, which RFC 8555 §7.1.6 does not allow");
    auto done = poll_order(o, "processing", deadline, &finalize_answer);
    if (!done) return done.error();
    if (done->status != "valid") return order_ended(*done);
    if (done->certificate.empty())
        return Error("protocol error: order " + order.url + " is valid but has no certificate URL");
    return done;
}

Status AcmeClient::deactivate_authorization(const std::string& url) {
    // RFC 8555 §7.5.2.
    auto r = post(url, R"({"status":"deactivated"})");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Deactivating authorization " + url);
    auto a = parse_authorization(r->http, url);
    if (!a) return a.error();
    if (a->status != "deactivated")
        return Error("the ACME server answered the deactivation of authorization " + url +
                     " with status \"" + a->status + "\"");
    return Status::Ok();
}

Result<std::string> AcmeClient::download_certificate(const std::string& url,
                                                     std::vector<std::string>* alternates) {
    auto r = post(url, "");
    if (!r) return r.error();
    if (r->http.status != 200) return problem_error(r->http, "Downloading certificate " + url);
    auto certs = split_pem_chain(r->http.body);
    if (!certs) return certs.error().context("certificate from " + url);
    if (certs->empty()) return Error("certificate from " + url + " contains no certificate");
    std::string chain;
    for (const auto& c : *certs) chain += c;
    if (!alternates) return chain;
    for (const auto& link : link_targets(r->http.header("link"), "alternate")) {
        if (alternates->size() == 8) break;
        auto alt = download_certificate(link);
        if (!alt) return alt.error().context("alternate chain of " + url);
        alternates->push_back(std::move(*alt));
    }
    return chain;
}

std::vector<std::string> link_targets(const std::string& header, const std::string& rel) {
    // RFC 8288: `<uri>; rel="x", <uri2>; rel=y`. Only absolute https URLs are followed.
    std::vector<std::string> out;
    size_t pos = 0;
    while ((pos = header.find('<', pos)) != std::string::npos) {
        size_t end = header.find('>', pos);
        if (end == std::string::npos) break;
        std::string target = header.substr(pos + 1, end - pos - 1);
        size_t next = header.find('<', end);
        std::string params =
            header.substr(end + 1, next == std::string::npos ? next : next - end - 1);
        params.erase(std::remove(params.begin(), params.end(), '"'), params.end());
        params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
        const bool match = (params + ";").find(";rel=" + rel + ";") != std::string::npos ||
                           (params + ",").find(";rel=" + rel + ",") != std::string::npos;
        if (match && target.rfind("https://", 0) == 0) out.push_back(target);
        pos = end;
    }
    return out;
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
