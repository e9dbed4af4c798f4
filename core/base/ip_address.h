// IP addresses as ACME identifiers (RFC 8738): parsing, the canonical text form and the reverse
// DNS name. Pure functions, shared by the CSR code (iPAddress SANs), the ACME client ("ip"
// identifiers) and the command line (--ip-address).
#pragma once

#include <optional>
#include <string>

namespace certbot {

struct IpAddress {
    bool v6 = false;
    unsigned char bytes[16] = {};  // network order; the first 4 for IPv4
    size_t size() const { return v6 ? 16 : 4; }
};

// Parses dotted-quad IPv4 (no leading zeros, no shorthand) or IPv6 text (RFC 4291 §2.2,
// including an embedded IPv4 tail). No zone index ("%eth0"), no brackets, no prefix length.
std::optional<IpAddress> parse_ip_address(const std::string& text);
// From the raw bytes of an X.509 iPAddress GeneralName (RFC 5280 §4.2.1.6): 4 or 16 octets.
std::optional<IpAddress> ip_from_bytes(const unsigned char* data, size_t len);

// The canonical text form: dotted decimal for IPv4; RFC 5952 §4 for IPv6 (lowercase hex, no
// leading zeros, the longest run of two or more zero fields shortened to "::", the first such run
// on a tie, IPv4-mapped addresses as ::ffff:a.b.c.d per §5).
std::string format_ip_address(const IpAddress& ip);

// True when the text parses as an IPv4 or IPv6 address (a DNS identifier never does: RFC 8738 §3
// and certbot both refuse IPs as "dns" identifiers).
bool is_ip_address(const std::string& text);

// The reverse-mapping name of RFC 1034 §3.5 (IPv4: "1.2.0.192.in-addr.arpa") and RFC 3596 §2.5
// (IPv6: 32 nibbles, least significant first, ".ip6.arpa"). RFC 8738 §6: the name a tls-alpn-01
// validation server sends as SNI for an IP identifier.
std::string ip_reverse_name(const IpAddress& ip);

}  // namespace certbot
