#include "identifiers.h"

#include <arpa/inet.h>
#include <algorithm>

namespace certbot {
namespace {
bool ldh_label(const std::string& l) {
    if (l.empty() || l.size() > 63) return false;
    if (l.front() == '-' || l.back() == '-') return false;
    return std::all_of(l.begin(), l.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}
// RFC 3492 §6.2: decodes the Punycode after "xn--". False for anything that does not decode
// to a sequence of valid, non-ASCII-only Unicode scalar values (RFC 5891 §4.4: an A-label must be
// the encoding of a U-label).
bool punycode_decodes(const std::string& in) {
    constexpr unsigned long kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
    auto adapt = [&](unsigned long delta, unsigned long points, bool first) {
        delta = first ? delta / kDamp : delta / 2;
        delta += delta / points;
        unsigned long k = 0;
        while (delta > ((kBase - kTmin) * kTmax) / 2) {
            delta /= kBase - kTmin;
            k += kBase;
        }
        return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
    };
    const size_t dash = in.rfind('-');
    const size_t basic = dash == std::string::npos ? 0 : dash;
    unsigned long n = 128, i = 0, bias = 72, out_len = basic;
    bool non_ascii = false;
    for (size_t pos = basic == 0 ? 0 : basic + 1; pos < in.size();) {
        const unsigned long old_i = i;
        unsigned long w = 1;
        for (unsigned long k = kBase;; k += kBase) {
            if (pos >= in.size()) return false;
            const char c = in[pos++];
            unsigned long digit;
            if (c >= 'a' && c <= 'z')
                digit = static_cast<unsigned long>(c - 'a');
            else if (c >= '0' && c <= '9')
                digit = static_cast<unsigned long>(c - '0') + 26;
            else
                return false;
            if (digit > (0x7fffffffUL - i) / w) return false;
            i += digit * w;
            const unsigned long t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
            if (digit < t) break;
            if (w > 0x7fffffffUL / (kBase - t)) return false;
            w *= kBase - t;
        }
        ++out_len;
        bias = adapt(i - old_i, out_len, old_i == 0);
        if (i / out_len > 0x10ffffUL - n) return false;
        n += i / out_len;
        i %= out_len;
        // Not a scalar value, or a C1 control (never part of a U-label).
        if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) || (n >= 0x80 && n < 0xa0)) return false;
        non_ascii = non_ascii || n >= 128;
        ++i;
    }
    return non_ascii;
}

}  // namespace

bool is_wildcard(const std::string& domain) {
    return domain.rfind("*.", 0) == 0;
}

Result<std::string> normalize_domain(const std::string& raw) {
    std::string d = raw;
    std::transform(d.begin(), d.end(), d.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!d.empty() && d.back() == '.') d.pop_back();
    auto bad = [&](const std::string& why) {
        return Error("Requested domain \"" + raw.substr(0, 80) + "\" is not a valid domain name: " +
                         why + ". Check the -d/--domains value.",
                     kExitUsage);
    };
    if (d.empty()) return bad("it is empty");
    if (d.size() > 253) return bad("it is longer than 253 characters");
    unsigned char buf[16];
    if (inet_pton(AF_INET, d.c_str(), buf) == 1 || inet_pton(AF_INET6, d.c_str(), buf) == 1)
        return bad("IP addresses are not supported");
    std::string rest = d;
    if (is_wildcard(d)) rest = d.substr(2);
    if (rest.find('*') != std::string::npos)
        return bad("a wildcard is only allowed as the whole leftmost label (*.example.com)");
    size_t labels = 0, start = 0;
    while (true) {
        size_t dot = rest.find('.', start);
        std::string label = rest.substr(start, dot == std::string::npos ? dot : dot - start);
        if (!ldh_label(label))
            return bad("label \"" + label.substr(0, 63) +
                       "\" must be 1-63 letters, digits or hyphens (use punycode for IDNs)");
        // RFC 5890 §2.3.1: "??--" labels are reserved; "xn--" must be a valid A-label.
        if (label.size() >= 4 && label.compare(2, 2, "--") == 0 &&
            (label.compare(0, 2, "xn") != 0 || !punycode_decodes(label.substr(4))))
            return bad("label \"" + label +
                       "\" is not valid punycode (an A-label must encode a "
                       "Unicode name: RFC 5891 §4.4)");
        ++labels;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return bad("it needs at least two labels, like example.com");
    return d;
}

Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (const auto& value : raw) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            std::string part =
                value.substr(start, comma == std::string::npos ? comma : comma - start);
            part.erase(0, part.find_first_not_of(" \t"));
            part.erase(part.find_last_not_of(" \t") + 1);
            // certbot: an empty entry ("a.com,,b.com", ",a.com") is an error, not skipped.
            auto d = normalize_domain(part);
            if (!d) return d.error();
            if (std::find(out.begin(), out.end(), *d) == out.end()) out.push_back(*d);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

}  // namespace certbot
