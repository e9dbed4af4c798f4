// Certificate makers for tests (the certbot_test_support library; only tests link it). The
// general builder they use is core/crypto/cert_builder.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cert_builder.h"
#include "crypto.h"
#include "result.h"

namespace certbot {

// Self-signed end-entity certificate for names (CN = first name), valid from now for `days`, on
// a fresh P-256 key. Returns (certificate PEM, PKCS#8 key PEM).
Result<std::pair<std::string, std::string>> make_self_signed(const std::vector<std::string>& names,
                                                             int days);

}  // namespace certbot
