#include "test_certs.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

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

Result<std::string> issue_for_csr(std::string_view csr_der, const PrivateKey& ca_key,
                                  std::string_view ca_pem) {
    auto csr = parse_csr_der(csr_der);
    if (!csr) return csr.error();
    BIO* bio =
        BIO_new_mem_buf(csr->public_key_pem.data(), static_cast<int>(csr->public_key_pem.size()));
    if (bio == nullptr) return Error("test CA: out of memory");
    PrivateKey subject(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));  // public part only
    BIO_free(bio);
    if (!subject) return Error("test CA: the CSR's public key does not parse");
    CertParams params;
    params.dns_names = csr->dns_names;
    return issue_cert(params, subject, ca_key, ca_pem);
}

}  // namespace certbot
