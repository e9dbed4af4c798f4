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
