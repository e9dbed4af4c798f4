// Fuzz target for what we parse of certificates, chains and CSRs (core/crypto.h,
// core/cert_dates.h): the CA's certificate download, the store's cert/chain/fullchain files and a
// user's --csr file. Any bytes give a result or an error, never a crash; a chain that splits has
// 1..kMaxChainCerts blocks that are each one well-formed DER certificate again (split checks the
// structure only: the full parse may still refuse a block's content, e.g. a public key that does
// not decode, as corpus/pem/undecodable-public-key does; the issuance path parses the leaf and
// verifies the chain after splitting); the DER date walk that `renew` uses agrees
// with the full X.509 parse whenever both succeed. libFuzzer entry point; replay_main.cpp
// replays the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cert_dates.h"
#include "crypto.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certbot;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto chain = split_pem_chain(text)) {
        check(!chain->empty() && chain->size() <= kMaxChainCerts);
        for (const auto& block : *chain) {
            check(block.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
            check(pem_to_der_cert(block).ok());
            check(split_pem_chain(block).ok());
            (void)parse_cert_pem(block);
        }
    }
    auto info = parse_cert_pem(text);
    auto dates = cert_validity_pem(text);
    if (info && dates) {
        check(dates->not_before == info->not_before);
        check(dates->not_after == info->not_after);
    }
    if (auto der = pem_to_der_cert(text)) {
        (void)cert_validity_der(*der);
        if (auto pem = der_to_pem_cert(*der)) check(pem_to_der_cert(*pem).ok());
    }
    (void)cert_validity_der(text);  // the DER walk on raw bytes
    if (auto csr = csr_pem_to_der(text)) (void)parse_csr_der(*csr);
    (void)parse_csr_der(text);
    return 0;
}
