// Certificate makers for tests (the certbot_test_support library; only tests link it). The
// general builder they use is core/crypto/cert_builder.h.
#pragma once

#include <string>
#include <string_view>
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

// A test CA's answer to finalize (RFC 8555 §7.4): a certificate for the public key and the
// names of the DER CSR, signed by ca_key as the CA of ca_pem.
Result<std::string> issue_for_csr(std::string_view csr_der, const PrivateKey& ca_key,
                                  std::string_view ca_pem);

}  // namespace certbot
