#include "cert_dates.h"

#include <catch2/catch.hpp>

#include <string>

#include "base64.h"
#include "crypto.h"
#include "test_certs.h"

using namespace certbot;

namespace {

std::string pem_for(int64_t not_before, int64_t not_after) {
    CertParams p;
    p.dns_names = {"dates.example"};
    p.not_before = not_before;
    p.not_after = not_after;
    auto key = PrivateKey::generate(KeySpec{KeySpec::Type::Ecdsa, 2048, "secp256r1"});
    REQUIRE(key.ok());
    auto pem = issue_cert(p, *key, *key, "");
    REQUIRE(pem.ok());
    return *pem;
}

}  // namespace

TEST_CASE("cert_validity_pem agrees with parse_cert_pem", "[cert_dates]") {
    // UTCTime (before 2050), GeneralizedTime (2050 on), and a leap day.
    const std::pair<int64_t, int64_t> cases[] = {
        {1764460800, 1772236800},  // 2025-11-30 .. 2026-02-28
        {1709164800, 1709251199},  // 2024-02-29 00:00:00 .. 23:59:59
        {1764460800, 2556143999},  // .. 2050-12-31 23:59:59 (GeneralizedTime)
        {946684800, 4102444800},   // 2000-01-01 .. 2100-01-01
    };
    for (const auto& c : cases) {
        const std::string pem = pem_for(c.first, c.second);
        auto light = cert_validity_pem(pem);
        auto full = parse_cert_pem(pem);
        REQUIRE(light);
        REQUIRE(full.ok());
        CHECK(light->not_before == full->not_before);
        CHECK(light->not_after == full->not_after);
        CHECK(light->not_after == c.second);
    }
}

TEST_CASE("cert_validity rejects what is not a certificate", "[cert_dates]") {
    const std::string pem = pem_for(1764460800, 1772236800);
    CHECK_FALSE(cert_validity_pem(""));
    CHECK_FALSE(cert_validity_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"));
    CHECK_FALSE(cert_validity_pem(pem.substr(0, pem.size() / 2)));  // no END line
    auto der = base64_decode(pem.substr(27, pem.find("-----END") - 27));
    REQUIRE(der.ok());
    // Every truncation fails cleanly (no read past the end).
    for (size_t n = 0; n < 200 && n < der->size(); ++n)
        CHECK_FALSE(cert_validity_der(std::string_view(*der).substr(0, n)));
    CHECK(cert_validity_der(*der));
    std::string bad = *der;
    bad[0] = 0x31;  // SET, not SEQUENCE
    CHECK_FALSE(cert_validity_der(bad));
    std::string huge_len = "\x30\x84\xff\xff\xff\xff";
    CHECK_FALSE(cert_validity_der(huge_len));
    CHECK_FALSE(cert_validity_der(std::string("\x30\x80\x00\x00", 4)));  // indefinite length
}
