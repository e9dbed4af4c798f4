#include "cert_dates.h"

#include <string>

#include "base64.h"
#include "ip_address.h"

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

// The DER of the first "-----BEGIN CERTIFICATE-----" block of a PEM text.
std::optional<std::string> first_cert_der(std::string_view pem) {
    constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
    const size_t b = pem.find(kBegin);
    if (b == std::string_view::npos) return std::nullopt;
    const size_t body = b + kBegin.size();
    const size_t e = pem.find(kEnd, body);
    if (e == std::string_view::npos) return std::nullopt;
    auto der = base64_decode(pem.substr(body, e - body));
    if (!der) return std::nullopt;
    return std::move(*der);
}

// The fields of a certificate up to subjectPublicKeyInfo, and what follows them in the
// tbsCertificate (the unique IDs and extensions).
struct TbsFields {
    std::string_view serial;  // INTEGER content
    Validity validity;
    std::string_view spki;  // SubjectPublicKeyInfo content
    std::string_view rest;
};

// full: also check the outer Certificate (signatureAlgorithm, signatureValue, nothing after)
// and read on to subjectPublicKeyInfo; otherwise stop at validity (the renewal decision).
std::optional<TbsFields> walk_tbs(std::string_view der, bool full) {
    auto cert = next_tlv(der);
    if (!cert || cert->tag != 0x30) return std::nullopt;
    std::string_view in = cert->content;
    auto tbs = next_tlv(in);
    if (!tbs || tbs->tag != 0x30) return std::nullopt;
    if (full) {
        auto alg = next_tlv(in), sig = next_tlv(in);
        if (!alg || alg->tag != 0x30 || !sig || sig->tag != 0x03 || !in.empty())
            return std::nullopt;
    }
    TbsFields out;
    in = tbs->content;
    auto field = next_tlv(in);
    if (field && field->tag == 0xa0) field = next_tlv(in);  // [0] EXPLICIT version
    if (!field || field->tag != 0x02 || field->content.empty()) return std::nullopt;
    out.serial = field->content;
    for (int i = 0; i < 2; ++i) {  // signature, issuer
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
    out.validity = Validity{*from, *to};
    if (!full) return out;
    auto subject = next_tlv(in), spki = next_tlv(in);
    if (!subject || subject->tag != 0x30 || !spki || spki->tag != 0x30) return std::nullopt;
    out.spki = spki->content;
    out.rest = in;
    return out;
}

// "ECDSA" or "RSA" from the SubjectPublicKeyInfo's algorithm (as parse_cert_pem names them);
// nullopt for any other algorithm.
std::optional<std::string> key_type_of(std::string_view spki) {
    constexpr std::string_view kEcPublicKey("\x2a\x86\x48\xce\x3d\x02\x01", 7);
    constexpr std::string_view kRsaEncryption("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
    auto alg = next_tlv(spki);
    if (!alg || alg->tag != 0x30) return std::nullopt;
    std::string_view a = alg->content;
    auto oid = next_tlv(a);
    if (!oid || oid->tag != 0x06) return std::nullopt;
    if (oid->content == kEcPublicKey) return "ECDSA";
    if (oid->content == kRsaEncryption) return "RSA";
    return std::nullopt;
}

// The serial as parse_cert_pem prints it: lowercase hex without leading zeros. Negative
// serials (which RFC 5280 forbids) are left to OpenSSL.
std::optional<std::string> serial_hex_of(std::string_view content) {
    if (static_cast<unsigned char>(content[0]) & 0x80) return std::nullopt;
    const std::string hex = hex_encode(content);
    const size_t first = hex.find_first_not_of('0');
    return first == std::string::npos ? "0" : hex.substr(first);
}

// subjectAltName (RFC 5280 §4.2.1.6): dNSName and iPAddress entries, in order, as
// parse_cert_pem lists them; other kinds are skipped. nullopt if it is malformed.
std::optional<std::vector<std::string>> san_names(std::string_view value) {
    auto seq = next_tlv(value);
    if (!seq || seq->tag != 0x30 || !value.empty()) return std::nullopt;
    std::vector<std::string> out;
    for (std::string_view in = seq->content; !in.empty();) {
        auto name = next_tlv(in);
        if (!name) return std::nullopt;
        if (name->tag == 0x82) {  // [2] IMPLICIT IA5String dNSName
            out.emplace_back(name->content);
        } else if (name->tag == 0x87) {  // [7] IMPLICIT OCTET STRING iPAddress
            auto ip = ip_from_bytes(reinterpret_cast<const unsigned char*>(name->content.data()),
                                    name->content.size());
            if (ip) out.push_back(format_ip_address(*ip));
        }
    }
    return out;
}

// authorityKeyIdentifier (RFC 5280 §4.2.1.1): the keyIdentifier, "" if absent.
std::optional<std::string> aki_key_id(std::string_view value) {
    auto seq = next_tlv(value);
    if (!seq || seq->tag != 0x30 || !value.empty()) return std::nullopt;
    std::string_view in = seq->content;
    auto first = next_tlv(in);
    if (first && first->tag == 0x80) return std::string(first->content);
    return std::string();
}

}  // namespace

std::optional<Validity> cert_validity_der(std::string_view der) {
    auto tbs = walk_tbs(der, false);
    if (!tbs) return std::nullopt;
    return tbs->validity;
}

std::optional<Validity> cert_validity_pem(std::string_view pem) {
    auto der = first_cert_der(pem);
    if (!der) return std::nullopt;
    return cert_validity_der(*der);
}

std::optional<CertSummary> cert_summary_der(std::string_view der) {
    auto tbs = walk_tbs(der, true);
    if (!tbs) return std::nullopt;
    CertSummary out;
    out.validity = tbs->validity;
    out.serial = std::string(tbs->serial);
    auto serial = serial_hex_of(tbs->serial);
    auto key_type = key_type_of(tbs->spki);
    if (!serial || !key_type) return std::nullopt;
    out.serial_hex = std::move(*serial);
    out.key_type = std::move(*key_type);
    std::string_view in = tbs->rest;
    auto field = next_tlv(in);
    // [1] issuerUniqueID, [2] subjectUniqueID (RFC 5280 §4.1.2.8)
    while (field &&
           (field->tag == 0x81 || field->tag == 0xa1 || field->tag == 0x82 || field->tag == 0xa2))
        field = next_tlv(in);
    if (!in.empty()) return std::nullopt;
    if (!field) return out;
    if (field->tag != 0xa3) return std::nullopt;  // [3] EXPLICIT extensions
    std::string_view wrapper = field->content;
    auto exts = next_tlv(wrapper);
    if (!exts || exts->tag != 0x30 || !wrapper.empty()) return std::nullopt;
    constexpr std::string_view kSan("\x55\x1d\x11", 3);
    constexpr std::string_view kAki("\x55\x1d\x23", 3);
    bool seen_san = false, seen_aki = false;
    for (std::string_view e = exts->content; !e.empty();) {
        auto ext = next_tlv(e);
        if (!ext || ext->tag != 0x30) return std::nullopt;
        std::string_view x = ext->content;
        auto oid = next_tlv(x);
        auto value = next_tlv(x);
        if (value && value->tag == 0x01) value = next_tlv(x);  // critical
        if (!oid || oid->tag != 0x06 || !value || value->tag != 0x04 || !x.empty())
            return std::nullopt;
        // A repeated extension is refused by OpenSSL's lookup; leave such oddities to it.
        if (oid->content == kSan) {
            auto names = san_names(value->content);
            if (seen_san || !names) return std::nullopt;
            seen_san = true;
            out.names = std::move(*names);
        } else if (oid->content == kAki) {
            auto id = aki_key_id(value->content);
            if (seen_aki || !id) return std::nullopt;
            seen_aki = true;
            out.authority_key_id = std::move(*id);
        }
    }
    return out;
}

std::optional<CertSummary> cert_summary_pem(std::string_view pem) {
    auto der = first_cert_der(pem);
    if (!der) return std::nullopt;
    return cert_summary_der(*der);
}

}  // namespace certbot
