// Validation of names that come from the user or the server before they reach a path, a
// config file, a process or a log line.
#pragma once

#include <string>
#include <vector>

#include "result.h"

namespace certbot {

// Normalises (lower-case, strips one trailing dot) and validates a DNS identifier as certbot
// accepts it for -d: LDH labels of 1..63, total <= 253, at least two labels, optional leading
// "*." wildcard label. IP addresses are refused, pointing at --ip-address (certbot 5.3: an IP is
// never a "dns" identifier, RFC 8738 §3).
Result<std::string> normalize_domain(const std::string& raw);

// An IP identifier (RFC 8738 §3) as --ip-address takes it: IPv4 or IPv6, returned in canonical
// text form (ip_address.h: RFC 5952 for IPv6), so "::0001" and "::1" are one identifier.
Result<std::string> normalize_ip_identifier(const std::string& raw);
// --ip-address values (repeated flags, comma-separated lists like -d), canonical, de-duplicated.
Result<std::vector<std::string>> parse_ip_addresses(const std::vector<std::string>& raw);

// Names of either kind (a CSR's, --webroot-map's keys), comma lists split as by parse_domains:
// each an IP (canonical) or a DNS name.
Result<std::vector<std::string>> parse_identifiers(const std::vector<std::string>& raw);

// Identifiers travel through the workflow as strings: a DNS name (normalize_domain) or an IP in
// canonical form (normalize_ip_identifier). The two never overlap, so the type follows from the
// text: "ip" or "dns" (RFC 8555 §9.7.7 identifier types).
bool is_ip_identifier(const std::string& identifier);
const char* identifier_type(const std::string& identifier);
// The identifier as the host part of a URL (RFC 3986 §3.2.2): an IPv6 address in brackets.
std::string url_host(const std::string& identifier);
// certbot 5.3 orders a certificate's identifiers DNS names first, then IP addresses (san.split),
// each group in the order given.
std::vector<std::string> dns_names_then_ips(const std::vector<std::string>& identifiers);

// Splits -d values ("a.com,b.com" and repeated flags), normalises, de-duplicates keeping order.
Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& raw);

bool is_wildcard(const std::string& domain);

}  // namespace certbot
