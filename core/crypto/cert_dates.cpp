#include "cert_dates.h"

#include <string>

#include "base64.h"

namespace certbot {

namespace {

struct Tlv {
    unsigned char tag = 0;
    std::string_view content;
};

// One DER TLV at the front of `in`; advances `in` past it. Definite lengths up to 4 bytes only
// (DER has no other kind; a certificate is far below 4 GiB).
std::optional<Tlv> next_tlv(std::string_view& in) {
    if (in.size() < 2) return std::nullopt;
    Tlv t;
    t.tag = static_cast<unsigned char>(in[0]);
    if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers: not in a certificate
    size_t len = static_cast<unsigned char>(in[1]);
    size_t pos = 2;
    if (len & 0x80) {
        const size_t n = len & 0x7f;
        if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
        len = 0;
        for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(in[2 + i]);
        pos += n;
    }
    if (in.size() - pos < len) return std::nullopt;
    t.content = in.substr(pos, len);
    in.remove_prefix(pos + len);
    return t;
}

std::optional<int> digits(std::string_view s, size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> asn1_time(const Tlv& t) {
    const std::string_view s = t.content;
    size_t year_digits;
    if (t.tag == 0x17 && s.size() == 13)
        year_digits = 2;  // UTCTime
    else if (t.tag == 0x18 && s.size() == 15)
        year_digits = 4;  // GeneralizedTime
    else
        return std::nullopt;
    if (s.back() != 'Z') return std::nullopt;
    auto year = digits(s, 0, year_digits);
    const size_t p = year_digits;
    auto mon = digits(s, p, 2), day = digits(s, p + 2, 2), hour = digits(s, p + 4, 2),
         min = digits(s, p + 6, 2), sec = digits(s, p + 8, 2);
    if (!year || !mon || !day || !hour || !min || !sec) return std::nullopt;
    int y = *year;
    if (year_digits == 2) y += y >= 50 ? 1900 : 2000;  // RFC 5280 §4.1.2.5.1
    if (*mon < 1 || *mon > 12 || *day < 1 || *day > 31 || *hour > 23 || *min > 59 || *sec > 60)
        return std::nullopt;
    return days_from_civil(y, static_cast<unsigned>(*mon), static_cast<unsigned>(*day)) * 86400 +
           *hour * 3600 + *min * 60 + *sec;
}

}  // namespace

std::optional<Validity> cert_validity_der(std::string_view der) {
    auto cert = next_tlv(der);
    if (!cert || cert->tag != 0x30) return std::nullopt;
    std::string_view in = cert->content;
    auto tbs = next_tlv(in);
    if (!tbs || tbs->tag != 0x30) return std::nullopt;
    in = tbs->content;
    auto field = next_tlv(in);
    if (field && field->tag == 0xa0) field = next_tlv(in);  // [0] EXPLICIT version
    if (!field || field->tag != 0x02) return std::nullopt;  // serialNumber
    for (int i = 0; i < 2; ++i) {                           // signature, issuer
        field = next_tlv(in);
        if (!field || field->tag != 0x30) return std::nullopt;
    }
    auto validity = next_tlv(in);
    if (!validity || validity->tag != 0x30) return std::nullopt;
    std::string_view v = validity->content;
    auto nb = next_tlv(v), na = next_tlv(v);
    if (!nb || !na || !v.empty()) return std::nullopt;
    auto from = asn1_time(*nb), to = asn1_time(*na);
    if (!from || !to) return std::nullopt;
    return Validity{*from, *to};
}

std::optional<Validity> cert_validity_pem(std::string_view pem) {
    constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
    const size_t b = pem.find(kBegin);
    if (b == std::string_view::npos) return std::nullopt;
    const size_t body = b + kBegin.size();
    const size_t e = pem.find(kEnd, body);
    if (e == std::string_view::npos) return std::nullopt;
    auto der = base64_decode(pem.substr(body, e - body));
    if (!der) return std::nullopt;
    return cert_validity_der(*der);
}

}  // namespace certbot
