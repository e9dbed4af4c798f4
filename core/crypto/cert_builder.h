// The general X.509 certificate builder: the one make_tls_alpn_cert (crypto.h) builds with, and
// what the tests' certificate makers (tests/support/test_certs.h) issue fake CAs, chains,
// expired, must-staple and OCSP certificates with. Production code outside core/crypto has no
// use for it: a real certificate comes from the CA.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto.h"
#include "result.h"

namespace certbot {

struct CertParams {
    std::vector<std::string> dns_names;  // SAN entries; may be empty for CAs
    std::string common_name;             // "" = first dns name when <= 64 chars
    int64_t not_before = 0;              // unix seconds; 0 = now
    int64_t not_after = 0;               // 0 = not_before + 90 days
    bool is_ca = false;                  // basicConstraints CA:TRUE + keyCertSign
    bool must_staple = false;
    std::vector<std::string> ocsp_urls;
    std::string serial_hex;  // "" = random 128-bit serial
};
// Issues a certificate for subject_key signed by signer_key. With issuer_cert_pem empty the
// certificate is self-issued (signer_key should then be subject_key).
Result<std::string> issue_cert(const CertParams& params, const PrivateKey& subject_key,
                               const PrivateKey& signer_key, std::string_view issuer_cert_pem);

}  // namespace certbot
