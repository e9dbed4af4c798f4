#include "test_certs.h"

#include <cstdint>
#include <ctime>

namespace certbot {

Result<std::pair<std::string, std::string>> make_self_signed(const std::vector<std::string>& names,
                                                             int days) {
    if (days <= 0) return Error("self-signed certificate: days must be positive");
    auto key = PrivateKey::generate(KeySpec{});
    if (!key) return key.error().context("self-signed certificate");
    CertParams params;
    params.dns_names = names;
    params.not_before = static_cast<int64_t>(std::time(nullptr));
    params.not_after = params.not_before + static_cast<int64_t>(days) * 86400;
    auto cert = issue_cert(params, *key, *key, "");
    if (!cert) return cert.error();
    auto key_pem = key->to_pem();
    if (!key_pem) return key_pem.error();
    return std::make_pair(std::move(*cert), std::move(*key_pem));
}

}  // namespace certbot
