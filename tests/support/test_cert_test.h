// Self-signed test certificates with a chosen authorityKeyIdentifier, serial and validity
// period (for ARI's certID and the renewal decision).
#pragma once

#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>

namespace certbot::test {

// not_before/not_after: unix times (0, 0: now and a day later). aki "" with with_aki false:
// no authorityKeyIdentifier at all.
inline std::string cert_with(const std::string& aki, const char* serial_hex, bool with_aki = true,
                             int64_t not_before = 0, int64_t not_after = 0) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    REQUIRE(key);
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    BIGNUM* bn = nullptr;
    REQUIRE(BN_hex2bn(&bn, serial_hex) > 0);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
    if (not_before == 0) not_before = std::time(nullptr);
    if (not_after == 0) not_after = not_before + 86400;
    ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before));
    ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after));
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ari.example"), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    X509_set_pubkey(x.get(), key.get());
    if (with_aki) {
        AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
        akid->keyid = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(akid->keyid, reinterpret_cast<const unsigned char*>(aki.data()),
                              static_cast<int>(aki.size()));
        X509_add1_ext_i2d(x.get(), NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT);
        AUTHORITY_KEYID_free(akid);
    }
    REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), x.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

}  // namespace certbot::test
