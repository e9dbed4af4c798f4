// Validation of names that come from the user or the server before they reach a path, a
// config file, a process or a log line.
#pragma once

#include <string>
#include <vector>

#include "result.h"

namespace certbot {

// Normalises (lower-case, strips one trailing dot) and validates a DNS identifier as certbot
// accepts it for -d: LDH labels of 1..63, total <= 253, at least two labels, optional leading
// "*." wildcard label. IP addresses are refused (certbot 2.x does not request IP certs).
Result<std::string> normalize_domain(const std::string& raw);

// Splits -d values ("a.com,b.com" and repeated flags), normalises, de-duplicates keeping order.
Result<std::vector<std::string>> parse_domains(const std::vector<std::string>& raw);

bool is_wildcard(const std::string& domain);

}  // namespace certbot
