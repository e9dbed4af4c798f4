// Pieces of `certbot certificates` that tests check on their own.
#pragma once

#include <string>
#include <vector>

namespace certbot {

// The listing's line of a certificate's names, without its indentation. certbot 5.x prints
// "Identifiers: ..." for every lineage (certbot PR #10468, in 5.2.1: certbot issue #10505);
// certbot up to 5.2.0, Debian's 2.1 among them, prints "Domains: ...". A lineage with an IP
// address exists only since certbot 5.3, so it gets 5.x's "Identifiers:"; a DNS-only lineage
// keeps "Domains:", byte for byte what Debian's certbot prints and what scripts parse
// (docs/user-guide.md, "IP address certificates").
std::string certificate_names_line(const std::vector<std::string>& names);

}  // namespace certbot
