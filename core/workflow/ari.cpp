#include "ari.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <random>

#include "acme.h"
#include "base64.h"
#include "cert_dates.h"
#include "json.h"
#include "log.h"

namespace certbot {

namespace {

constexpr size_t kMaxRenewalInfoBody = 64 * 1024;
// A window beyond this is nonsense (certificates live at most 398 days).
constexpr int64_t kMaxWindowSeconds = 400LL * 86400;

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// DER content octets of an INTEGER encoded by i2d (tag, length, content).
std::string der_integer_content(const ASN1_INTEGER* serial) {
    int len = i2d_ASN1_INTEGER(serial, nullptr);
    if (len <= 2) return {};
    std::string der(static_cast<size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_ASN1_INTEGER(serial, &p);
    const auto lb = static_cast<unsigned char>(der[1]);
    size_t header = 2;
    if (lb & 0x80) header += lb & 0x7f;
    if (header >= der.size()) return {};
    return der.substr(header);
}

}  // namespace

Result<std::string> ari_cert_id(std::string_view cert_pem) {
    // The DER walk reads both parts without OpenSSL's decoding (renew asks this for every
    // lineage not due); a certificate the walk leaves aside goes through OpenSSL below.
    if (auto s = cert_summary_pem(cert_pem); s && !s->authority_key_id.empty())
        return base64url_encode(s->authority_key_id) + "." + base64url_encode(s->serial);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), BIO_free);
    if (!bio) return Error("out of memory reading a certificate");
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) return Error("not a PEM certificate");
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert.get());
    if (!aki || ASN1_STRING_length(aki) <= 0)
        return Error("the certificate has no authority key identifier, which ARI needs");
    std::string key_id(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                       static_cast<size_t>(ASN1_STRING_length(aki)));
    std::string serial = der_integer_content(X509_get0_serialNumber(cert.get()));
    if (serial.empty()) return Error("the certificate's serial number cannot be encoded");
    return base64url_encode(key_id) + "." + base64url_encode(serial);
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
    // full-date "T" partial-time [frac] time-offset (RFC 3339 §5.6)
    int Y, M, D, h, m, sec;
    if (s.size() < 20 || s.size() > 64) return std::nullopt;
    if (!digits(s, 0, 4, Y) || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
        !digits(s, 8, 2, D) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, m) || s[16] != ':' || !digits(s, 17, 2, sec))
        return std::nullopt;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == start) return std::nullopt;
    }
    int64_t offset = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
            !digits(s, i + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec == 60 ? 59 : sec;
    return static_cast<int64_t>(timegm(&tm)) - offset;
}

std::string format_utc(int64_t t, const char* fmt) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

std::string rfc3339_utc(int64_t t) {
    return format_utc(t, "%Y-%m-%dT%H:%M:%SZ");
}

Result<RenewalWindow> parse_renewal_info(const std::string& body, const std::string& what) {
    auto doc = json::parse(body, what, kMaxRenewalInfoBody);
    if (!doc) return doc.error();
    if (!doc->IsObject()) return Error(what + " is not a JSON object");
    if (!doc->HasMember("suggestedWindow") || !(*doc)["suggestedWindow"].IsObject())
        return Error(what + " has no suggestedWindow object");
    const auto& w = (*doc)["suggestedWindow"];
    auto start_text = json::get_string(w, "start");
    auto end_text = json::get_string(w, "end");
    if (!start_text || !end_text)
        return Error(what + ": suggestedWindow needs string \"start\" and \"end\" times");
    auto start = parse_rfc3339(*start_text);
    auto end = parse_rfc3339(*end_text);
    if (!start || !end)
        return Error(what + ": suggestedWindow start/end are not RFC 3339 times (\"" +
                     log::printable(*start_text, 40) + "\", \"" + log::printable(*end_text, 40) +
                     "\")");
    if (*end <= *start)
        return Error(what + ": the suggested window ends (" + rfc3339_utc(*end) +
                     ") before it starts (" + rfc3339_utc(*start) + "); ignoring it");
    if (*end - *start > kMaxWindowSeconds)
        return Error(what + ": the suggested window is longer than 400 days; ignoring it");
    RenewalWindow out;
    out.start = *start;
    out.end = *end;
    if (auto url = json::get_string(*doc, "explanationURL"))
        if (url->size() <= 2048 && parse_url(*url, true))
            // The scheme is case-insensitive (RFC 3986 §3.1): shown as "https://" whatever its
            // case.
            out.explanation_url = "https" + url->substr(url->find(':'));
    return out;
}

Result<AriAnswer> fetch_renewal_info(HttpClient& http, const std::string& renewal_info_url,
                                     const std::string& cert_id, int64_t now) {
    if (renewal_info_url.empty()) return Error("the CA's directory has no renewalInfo");
    if (cert_id.empty() || !is_base64url(cert_id.substr(0, cert_id.find('.'))))
        return Error("invalid ARI certificate identifier");
    std::string url = renewal_info_url;
    if (url.back() != '/') url += '/';
    url += cert_id;
    auto r = http.send({"GET", url, "", ""});
    if (!r) return r.error().context("renewalInfo " + url);
    if (r->status != 200)
        return Error("renewalInfo " + url + " answered HTTP " + std::to_string(r->status));
    auto window = parse_renewal_info(r->body, "renewalInfo " + url);
    if (!window) return window.error();
    AriAnswer out;
    out.window = std::move(*window);
    auto retry = parse_retry_after(r->header("retry-after"));
    // At least a minute between polls whatever the server says; parse_retry_after caps a day.
    int64_t seconds = retry ? std::max<int64_t>(60, retry->count()) : kDefaultAriRetrySeconds;
    out.retry_after = now + seconds;
    return out;
}

int64_t ari_renewal_time(const RenewalWindow& w, const std::string& cert_id) {
    if (w.end <= w.start) return w.start;
    std::seed_seq seed(cert_id.begin(), cert_id.end());
    std::mt19937_64 rng(seed);
    rng.discard(static_cast<unsigned long long>(w.start % 1000));
    std::uniform_int_distribution<int64_t> dist(w.start, w.end - 1);
    return dist(rng);
}

}  // namespace certbot
