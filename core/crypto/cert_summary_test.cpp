// cert_summary_pem (the DER walk `certificates` lists with) against OpenSSL's full parse
// (parse_cert_pem) and OpenSSL's own accessors, on every kind of certificate the store holds.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "base64.h"
#include "cert_builder.h"
#include "cert_dates.h"
#include "crypto.h"
#include "test_cert_test.h"
#include "test_certs.h"

using namespace certbot;

namespace {

PrivateKey key_of(KeySpec spec) {
    auto key = PrivateKey::generate(spec);
    REQUIRE(key.ok());
    return std::move(*key);
}

// A leaf issued by a small CA (so it carries an authorityKeyIdentifier), as a CA issues it.
std::string leaf(const CertParams& p, const PrivateKey& subject) {
    static const PrivateKey ca_key = key_of(KeySpec{});
    static const std::string ca_pem = [] {
        CertParams ca;
        ca.common_name = "Summary Test CA";
        ca.is_ca = true;
        auto pem = issue_cert(ca, ca_key, ca_key, "");
        REQUIRE(pem.ok());
        return *pem;
    }();
    auto pem = issue_cert(p, subject, ca_key, ca_pem);
    REQUIRE(pem.ok());
    return *pem;
}

std::string der_of(const std::string& pem) {
    const size_t b = pem.find('\n') + 1, e = pem.find("-----END");
    auto der = base64_decode(pem.substr(b, e - b));
    REQUIRE(der.ok());
    return *der;
}

// The keyIdentifier and serial content octets through OpenSSL.
std::pair<std::string, std::string> openssl_aki_and_serial(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> x(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    REQUIRE(x);
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(x.get());
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get());
    return {aki ? std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                              static_cast<size_t>(ASN1_STRING_length(aki)))
                : std::string(),
            std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                        static_cast<size_t>(ASN1_STRING_length(serial)))};
}

void check_agrees(const std::string& pem) {
    auto fast = cert_summary_pem(pem);
    auto full = parse_cert_pem(pem);
    REQUIRE(full.ok());
    REQUIRE(fast);
    CHECK(fast->names == full->dns_names);
    CHECK(fast->serial_hex == full->serial_hex);
    CHECK(fast->key_type == full->key_type);
    CHECK(fast->validity.not_before == full->not_before);
    CHECK(fast->validity.not_after == full->not_after);
    // cert_info_walked (current_cert's and the listing's read) gives the same fields.
    auto walked = cert_info_walked(pem);
    REQUIRE(walked.ok());
    CHECK(walked->dns_names == full->dns_names);
    CHECK(walked->serial_hex == full->serial_hex);
    CHECK(walked->key_type == full->key_type);
    CHECK(walked->not_before == full->not_before);
    CHECK(walked->not_after == full->not_after);
    auto [aki, serial] = openssl_aki_and_serial(pem);
    CHECK(fast->authority_key_id == aki);
    // OpenSSL keeps the magnitude; DER adds a 0x00 in front of a high bit.
    CHECK((fast->serial == serial || fast->serial == std::string(1, '\0') + serial));
}

}  // namespace

TEST_CASE("cert_summary agrees with parse_cert_pem on ECDSA, RSA, IP and many names",
          "[cert_dates][summary]") {
    CertParams p;
    p.dns_names = {"a.example", "b.example"};
    check_agrees(leaf(p, key_of(KeySpec{})));
    check_agrees(leaf(p, key_of(KeySpec{KeySpec::Type::Ecdsa, 2048, "secp384r1"})));
    check_agrees(leaf(p, key_of(KeySpec{KeySpec::Type::Rsa, 2048, ""})));
    p.dns_names = {"192.0.2.1", "2001:db8::1", "c.example"};
    check_agrees(leaf(p, key_of(KeySpec{})));
    p.dns_names.clear();
    for (int i = 0; i < 100; ++i) p.dns_names.push_back("n" + std::to_string(i) + ".example");
    check_agrees(leaf(p, key_of(KeySpec{})));
    // A serial with its high bit set (a leading 0x00 in DER) and one with leading zero bits.
    p.dns_names = {"serial.example"};
    p.serial_hex = "ff00000000000000000000000000000001";
    check_agrees(leaf(p, key_of(KeySpec{})));
    p.serial_hex = "01";
    check_agrees(leaf(p, key_of(KeySpec{})));
    // A chosen authorityKeyIdentifier (ARI's certID is built from it and the serial).
    const std::string aki("\x01\x02\x03\x04", 4);
    const std::string with_aki = test::cert_with(aki, "0A");
    check_agrees(with_aki);
    auto s = cert_summary_pem(with_aki);
    REQUIRE(s);
    CHECK(s->authority_key_id == aki);
    CHECK(s->serial == "\x0a");
    // Self-issued, no names, no authorityKeyIdentifier.
    CertParams bare;
    bare.common_name = "bare";
    const PrivateKey k = key_of(KeySpec{});
    auto self = issue_cert(bare, k, k, "");
    REQUIRE(self.ok());
    check_agrees(*self);
}

TEST_CASE("cert_summary leaves other key types to OpenSSL", "[cert_dates][summary]") {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
    REQUIRE(key);
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
    X509_set_pubkey(x.get(), key.get());
    REQUIRE(X509_sign(x.get(), key.get(), nullptr) > 0);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), x.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    const std::string pem(data, static_cast<size_t>(n));
    CHECK_FALSE(cert_summary_pem(pem));
    CHECK(cert_validity_pem(pem));  // the renewal decision still reads it
    auto full = parse_cert_pem(pem);
    REQUIRE(full.ok());
    CHECK(full->key_type == "ED25519");
    auto walked = cert_info_walked(pem);  // falls back to the full parse
    REQUIRE(walked.ok());
    CHECK(walked->key_type == "ED25519");
    CHECK(walked->serial_hex == full->serial_hex);
    CHECK_FALSE(cert_info_walked("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

TEST_CASE("cert_summary refuses what is not a whole certificate", "[cert_dates][summary]") {
    CertParams p;
    p.dns_names = {"a.example"};
    const std::string pem = leaf(p, key_of(KeySpec{}));
    const std::string der = der_of(pem);
    REQUIRE(cert_summary_der(der));
    // Every truncation fails cleanly (no read past the end), also inside the extensions.
    for (size_t n = 0; n < der.size(); ++n)
        CHECK_FALSE(cert_summary_der(std::string_view(der).substr(0, n)));
    // Bytes after the signature, inside the outer SEQUENCE: not a certificate.
    REQUIRE(static_cast<unsigned char>(der[1]) == 0x82);  // a two-byte length
    const size_t len = (static_cast<size_t>(static_cast<unsigned char>(der[2])) << 8 |
                        static_cast<unsigned char>(der[3])) +
                       2;
    std::string longer = der;
    longer[2] = static_cast<char>(len >> 8);
    longer[3] = static_cast<char>(len & 0xff);
    longer += std::string("\x05\x00", 2);
    CHECK_FALSE(cert_summary_der(longer));
    CHECK_FALSE(cert_summary_pem(""));
    CHECK_FALSE(cert_summary_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"));
    // Flipping any single byte never crashes, and an answer still has the shape asked for.
    for (size_t i = 0; i < der.size(); ++i) {
        std::string bad = der;
        bad[i] = static_cast<char>(~static_cast<unsigned char>(bad[i]));
        if (auto s = cert_summary_der(bad)) CHECK((s->key_type == "ECDSA" || s->key_type == "RSA"));
    }
}
