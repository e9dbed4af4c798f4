#include "ip_address.h"

#include <arpa/inet.h>

#include <cstdio>

namespace certbot {

std::optional<IpAddress> parse_ip_address(const std::string& text) {
    // inet_pton refuses leading zeros in IPv4 octets, zone indexes and surrounding whitespace.
    if (text.empty() || text.size() > 45) return std::nullopt;
    IpAddress ip;
    if (inet_pton(AF_INET, text.c_str(), ip.bytes) == 1) return ip;
    ip.v6 = true;
    if (inet_pton(AF_INET6, text.c_str(), ip.bytes) == 1) return ip;
    return std::nullopt;
}

std::optional<IpAddress> ip_from_bytes(const unsigned char* data, size_t len) {
    if (data == nullptr || (len != 4 && len != 16)) return std::nullopt;
    IpAddress ip;
    ip.v6 = len == 16;
    for (size_t i = 0; i < len; ++i) ip.bytes[i] = data[i];
    return ip;
}

std::string format_ip_address(const IpAddress& ip) {
    char buf[64];
    if (!ip.v6) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip.bytes[0], ip.bytes[1], ip.bytes[2],
                      ip.bytes[3]);
        return buf;
    }
    unsigned fields[8];
    for (int i = 0; i < 8; ++i) fields[i] = (ip.bytes[2 * i] << 8u) | ip.bytes[2 * i + 1];
    // RFC 5952 §5: an IPv4-mapped address (::ffff:0:0/96) shows its IPv4 part dotted.
    bool mapped = fields[5] == 0xffff;
    for (int i = 0; i < 5; ++i) mapped = mapped && fields[i] == 0;
    if (mapped) {
        std::snprintf(buf, sizeof buf, "::ffff:%u.%u.%u.%u", ip.bytes[12], ip.bytes[13],
                      ip.bytes[14], ip.bytes[15]);
        return buf;
    }
    // RFC 5952 §4.2: the longest run of zero fields (at least two; the first on a tie) is "::".
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (fields[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && fields[j] == 0) ++j;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) best = -1;
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", fields[i]);  // §4.3: lowercase, §4.1: no leading 0
        out += buf;
    }
    return out;
}

bool is_ip_address(const std::string& text) {
    return parse_ip_address(text).has_value();
}

std::string ip_reverse_name(const IpAddress& ip) {
    std::string out;
    char buf[8];
    if (!ip.v6) {
        for (int i = 3; i >= 0; --i) {
            std::snprintf(buf, sizeof buf, "%u.", ip.bytes[i]);
            out += buf;
        }
        return out + "in-addr.arpa";
    }
    static const char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        out += kHex[ip.bytes[i] & 0xf];
        out += '.';
        out += kHex[ip.bytes[i] >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

}  // namespace certbot
