#include "crypto.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <ctime>

#include "base64.h"
#include "test_certs.h"

using namespace certbot;

namespace {

// RFC 7515 §A.3.1: the ES256 example key, and the JWS signed with it (§A.3.1, Figure 27).
constexpr const char* kRfc7515EcJwk =
    R"({"kty":"EC","crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr const char* kRfc7515SigningInput =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr const char* kRfc7515Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// An RSA account key written by Debian's Python certbot 2.1 / josepy 1.13 (JWKRSA.json_dumps()),
// with the account id and thumbprint Python computed for it. Test-only key.
constexpr const char* kJosepyRsaJwk =
    "{\"n\": \"i2YLsOPnCwfNQ3JnR7NDOffvA4YfxFaHJ_OBRetRd-GFxo8a_hnzUrGdSSKx_f87h-hLze_h4XOEZM47a"
    "Ffr28bedPKk1MnaKI7SfE_AilG2uw38vF4Jwp7dQE5JA2H_Eur8aQc4OIZ_iKv5-Q9PWvMljxtyczlejaUTR5aDU"
    "3a9kSPPpoo582XeTSSjNL9CoCGWtc9D8-Nk0CRYlpKiRbynqLE645PHuW-64kkIFCkhM2Fd9OClQryW9ru4BYboo"
    "TtbNeISiTtIlQKmgKnN6wLffZSrz4A9oWNRWZD7xy2qdAwlQu31cwRLRX_2av8PIaQ3Gw5J4EnKLdLvK8wSlw\", "
    "\"e\": \"AQAB\", \"d\": "
    "\"DalvpeOAJlWaaWzR8HYCNbE17Jt9i4mLb3_vAIJClsQ0jzRBSfwTG9yqdJuA5Erac8Rxg"
    "XpsIeNna1XG_r_3Lq_752xMeUpbJjRxLpvGXAgMJ6METRXOUROuzXmesEUvcZQ0Lrr1aJzN7QAl3KICfgBsgu0Gt"
    "4I84Rb3n8GBl3FbtLQr-KEZodik31RywD9TZVz26JPjHXG15Bfzb6nlvlxA6PxSwlzwljIAPqVgg-ObycRDo132y"
    "dT8pYwNj8mF0fDmu3dGb9tRojsadxUGxokJPztnhZE37BUF5aL2Et7DFrGZmCvHgj73fcrAKxLqmcPHFhD4IwTeY"
    "aNVZGaz4Q\", \"p\": \"v2oHeY9JMEVKSJZHvFOld9MjnL2OrbZ6sjc2qiW7XnAx0mIR2gWWKoQCySwQGoJPFo-frx"
    "bx2AH1s8nOS-x4oSMJhu0TfrTwL966La57ty1TBkCMfyS-beQOnqQJoHzcCdgdbNHEE0-ThdCIKf0LJo4hoIEn_7"
    "d5RANp9ayWJEc\", \"q\": \"um8EZTRYvf6HFviIuJ4jaXFtPuZ7_Fb20EI02C-padjj8SqDpfOQsAQFBSLY3eU6Ji"
    "puNPW0C_SzBQhPn_9srP1ZTOqLnzkZ0GPUdgYNz36Z5WyD5lIqdLHasoX8OmpKYAXiWngLPwsmFxfaWJKoUC04-p"
    "FyngS-c_iFT8HtVzE\", \"dp\": \"RvVgdgDXKezV39jOGRONKMF91zIyPVWDYKO1QRghwJ2o6ovugDtH8tTjT35lL"
    "d6WwQ9XLAo-d0wqsI6kSmMMSPf7JSin7HXZAHX54MtpE3va5ltxegS-D3DWtpqq8vK2g3O5XMjafiomzxmCEMa8p"
    "ntUHfMjR9nVO5BkbG2hbys\", \"dq\": \"ek-jXpI9Nkjqb9OWPyjgqqjTt1SXOzICsxb8fGioiNzWjr4JqLJm1lOM"
    "x5XZGZrtz2Q-8VfRS5a6bC7Lrnhw3_1GvQOTnl5j5SfZl6TZIqw4YyASWOTHHdAhXsYweFKLgPvbSOdA2ZeC4duw"
    "UDPHYPKKUzlhLPKH0KXXMEBWacE\", \"qi\": \"BiNZFY6Ek1Nl5fYPqhEXivGc-81fcZGZAjmkpLdwrOWcZZO7Eu8"
    "cDfyV8y7iDYl7f0EkGgUqLJG-AdECnICCSoh6GW68pnm4zi9F8oxfEW2rzOoN3TlH9saNyqLpE0088Cx-xrbkyGB"
    "hdN0Ja8PBt4OdHBRqPMCXqv3QP7a-Q4o\", \"kty\": \"RSA\"}";
constexpr const char* kJosepyRsaAccountId = "eb1bdbcc879fbca6b41a880bda41f755";
constexpr const char* kJosepyRsaThumbprint = "sQ136V82-uaI5mWTUBOb4zjn8CcKD3_hcCR9Wzeg_4Y";

// `openssl ecparam -genkey` output: SEC1 key preceded by an EC PARAMETERS block.
constexpr const char* kSec1EcPem = R"(-----BEGIN EC PARAMETERS-----
BggqhkjOPQMBBw==
-----END EC PARAMETERS-----
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIK1I3/7fwOfsGzdypxCM8iAl4tZxbmr7kFezZeNpn9zpoAoGCCqGSM49
AwEHoUQDQgAEhQMCnBjQzbpZ2GMNiRPbme6TXAtzWyq2cxJsDNxBV40gwWfdV3Ri
UCmX34F+ix74xN795i5MkdOvrplTQMxJRQ==
-----END EC PRIVATE KEY-----
)";

// `openssl genrsa -traditional 1024`: PKCS#1.
constexpr const char* kPkcs1RsaPem = R"(-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQC+NfdT1RVBc+fRxAvxg66xr4A7mv9dWI3frJSmsDkty702ozwD
VxZP0slTtLt3hJlbBDdOLiX2zII0eKHYxFPdLKKkeSdy12F7838ycBrxy/VOcko/
46qMdvS2aTGDGRkCOp5g9wzrsRNamm64HrkDUd7Hc1FqzQHY06b/ogcyowIDAQAB
AoGANcQRZlv8ByVZKN0utxUO42EFcVPNzTgD2m7xEfEMKJrHoFMh2pvaTbP6frO+
rfkIVEbrzyiSSKHkSCq1LQ3J2mUYC2l6S0H8P4cPi3xw0B2ZjbAYlpYE9a5SJF2Y
qeupgXg4ydYBQVxdCwNuzJ6Pv6zfOvTTAtx9vfgjsFJfTiECQQDpo/kULY2QyHWP
tPNqoVFnDVqz/ySvwmZ/coUGcTAt8JHn9XsDyr+pxYDmOESTI5/7taqLlwilOYHg
PbwGQ5bRAkEA0Gn+9yxTTNK9koaCym99SaxN/MCPSgYVsqLktPJ+f+3fD0KYHBfF
DatN4AWkLwgR61b7KHUcv6WXh4eax2V3MwJBAJOET4j49hA7MVcJ9kMWFdKOMP3D
E8PRZ2wCv5EAuF3ZLhaZ/RC42+jyZd92GX4ZmTKRUlwOgYvo0mLmN6hw1nECQHr2
/vrAyUkbUcRA3qwnyYkNQ1osFp67JlQmbcAhDufV5fSv+uUgVSAygRj62xrwrPno
cPk218ZvIg9Rv82DnScCQQC4QQogUF3g7mO7R973N61111uoIgnD2hmo0b1+IsZh
UEvDLrZBw2pGWHNZGmCW6mecWE92uZn7A5O1zmAE5rBy
-----END RSA PRIVATE KEY-----
)";

// A secp256k1 key: valid PKCS#8, but not a curve ACME/certbot signs with.
constexpr const char* kSecp256k1Pem = R"(-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgPSHU5pw7/XxqqshF1UmS
4FlKdLs8ynfIdmkHrYRNfimhRANCAAQv9TzAsPNuP3qxf1EuOusJjWGP+6iNM27C
y4mVft37bCD1xYcOstUxXJWORrAywfdRPvKmKzXMX/jp6RBD8TBK
-----END PRIVATE KEY-----
)";

PrivateKey make_key(KeySpec::Type type, const std::string& curve = "secp256r1") {
    KeySpec spec;
    spec.type = type;
    spec.curve = curve;
    auto key = PrivateKey::generate(spec);
    REQUIRE(key.ok());
    return std::move(key).value();
}

PrivateKey ec_key() {
    return make_key(KeySpec::Type::Ecdsa);
}

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool mentions(const Error& e, std::string_view what) {
    return e.message.find(what) != std::string::npos;
}

// A three-level PKI: root CA -> intermediate CA -> leaf.
struct TestPki {
    PrivateKey root_key = ec_key();
    PrivateKey inter_key = make_key(KeySpec::Type::Rsa);
    PrivateKey leaf_key = ec_key();
    std::string root, inter, leaf;

    TestPki() {
        CertParams root_params;
        root_params.common_name = "Test Root X1";
        root_params.is_ca = true;
        auto r = issue_cert(root_params, root_key, root_key, "");
        REQUIRE(r.ok());
        root = *r;

        CertParams inter_params;
        inter_params.common_name = "Test Intermediate R9";
        inter_params.is_ca = true;
        auto i = issue_cert(inter_params, inter_key, root_key, root);
        REQUIRE(i.ok());
        inter = *i;

        CertParams leaf_params;
        leaf_params.dns_names = {"example.com", "www.example.com"};
        leaf_params.ocsp_urls = {"http://ocsp.example.test/"};
        leaf_params.serial_hex = "00ab12";
        leaf_params.not_before = std::time(nullptr) - 3600;
        leaf_params.not_after = leaf_params.not_before + 90 * 86400;
        auto l = issue_cert(leaf_params, leaf_key, inter_key, inter);
        REQUIRE(l.ok());
        leaf = *l;
    }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Keys

TEST_CASE("generated keys report their algorithm and spec", "[crypto]") {
    struct Case {
        const char* curve;
        const char* alg;
    };
    for (auto c :
         {Case{"secp256r1", "ES256"}, Case{"secp384r1", "ES384"}, Case{"secp521r1", "ES512"}}) {
        PrivateKey key = make_key(KeySpec::Type::Ecdsa, c.curve);
        CHECK(key.is_ec());
        CHECK_FALSE(key.is_rsa());
        CHECK(key.jws_alg() == c.alg);
        CHECK(key.spec().type == KeySpec::Type::Ecdsa);
        CHECK(key.spec().curve == c.curve);
    }
    // The names users and JWKs give curves are accepted too, and normalized.
    CHECK(make_key(KeySpec::Type::Ecdsa, "P-384").spec().curve == "secp384r1");
    CHECK(make_key(KeySpec::Type::Ecdsa, "prime256v1").jws_alg() == "ES256");

    PrivateKey rsa = make_key(KeySpec::Type::Rsa);
    CHECK(rsa.is_rsa());
    CHECK_FALSE(rsa.is_ec());
    CHECK(rsa.jws_alg() == "RS256");
    CHECK(rsa.spec().type == KeySpec::Type::Rsa);
    CHECK(rsa.spec().rsa_bits == 2048);
}

TEST_CASE("generate refuses unsupported specs", "[crypto]") {
    KeySpec curve;
    curve.curve = "secp256k1";
    auto a = PrivateKey::generate(curve);
    REQUIRE_FALSE(a.ok());
    CHECK(mentions(a.error(), "secp256k1"));
    CHECK(a.error().exit_code == kExitUsage);

    KeySpec small;
    small.type = KeySpec::Type::Rsa;
    small.rsa_bits = 1024;
    auto b = PrivateKey::generate(small);
    REQUIRE_FALSE(b.ok());
    CHECK(mentions(b.error(), "1024"));
}

TEST_CASE("private keys round trip through PKCS#8 PEM", "[crypto]") {
    for (auto type : {KeySpec::Type::Ecdsa, KeySpec::Type::Rsa}) {
        PrivateKey key = make_key(type);
        auto pem = key.to_pem();
        REQUIRE(pem.ok());
        CHECK(starts_with(*pem, "-----BEGIN PRIVATE KEY-----\n"));
        CHECK(ends_with(*pem, "-----END PRIVATE KEY-----\n"));
        auto back = PrivateKey::from_pem(*pem);
        REQUIRE(back.ok());
        CHECK(back->public_pem() == key.public_pem());
        CHECK(back->jws_alg() == key.jws_alg());
        auto again = back->to_pem();
        REQUIRE(again.ok());
        CHECK(*again == *pem);

        std::string pub = key.public_pem();
        CHECK(starts_with(pub, "-----BEGIN PUBLIC KEY-----\n"));
        CHECK(ends_with(pub, "-----END PUBLIC KEY-----\n"));
    }
}

TEST_CASE("from_pem reads SEC1 and PKCS#1 keys", "[crypto]") {
    auto ec = PrivateKey::from_pem(kSec1EcPem);
    REQUIRE(ec.ok());
    CHECK(ec->jws_alg() == "ES256");
    auto ec_pkcs8 = ec->to_pem();
    REQUIRE(ec_pkcs8.ok());
    CHECK(starts_with(*ec_pkcs8, "-----BEGIN PRIVATE KEY-----"));

    auto rsa = PrivateKey::from_pem(kPkcs1RsaPem);
    REQUIRE(rsa.ok());
    CHECK(rsa->is_rsa());
    CHECK(rsa->spec().rsa_bits == 1024);
    auto sig = sign_raw(*rsa, "data");
    REQUIRE(sig.ok());
    CHECK(verify_raw(*rsa, "data", *sig));
}

TEST_CASE("from_pem rejects what is not a usable private key", "[crypto]") {
    CHECK_FALSE(PrivateKey::from_pem("").ok());
    CHECK_FALSE(PrivateKey::from_pem("not a key").ok());
    // Truncated body.
    std::string truncated = kSec1EcPem;
    truncated.erase(truncated.size() - 60, 20);
    CHECK_FALSE(PrivateKey::from_pem(truncated).ok());
    // A public key or a certificate is not a private key.
    PrivateKey key = ec_key();
    CHECK_FALSE(PrivateKey::from_pem(key.public_pem()).ok());
    auto self = make_self_signed({"example.com"}, 1);
    REQUIRE(self.ok());
    CHECK_FALSE(PrivateKey::from_pem(self->first).ok());
    // Encrypted keys are refused instead of prompting for a pass phrase.
    auto enc = PrivateKey::from_pem(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
    REQUIRE_FALSE(enc.ok());
    CHECK(mentions(enc.error(), "encrypted"));
    // Curves we cannot sign JWS with.
    auto k1 = PrivateKey::from_pem(kSecp256k1Pem);
    REQUIRE_FALSE(k1.ok());
    CHECK(mentions(k1.error(), "curve"));
}

TEST_CASE("PrivateKey is a move-only owner", "[crypto]") {
    static_assert(!std::is_copy_constructible_v<PrivateKey>);
    static_assert(std::is_nothrow_move_constructible_v<PrivateKey>);
    PrivateKey a = ec_key();
    EVP_PKEY* raw = a.get();
    PrivateKey b = std::move(a);
    CHECK(b.get() == raw);
    CHECK(a.get() == nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
    CHECK_FALSE(static_cast<bool>(a));
    CHECK_FALSE(sign_raw(a, "x").ok());
    CHECK(jwk_public_json(a).empty());
    CHECK_FALSE(jwk_private_json_certbot(a).ok());
}

// ---------------------------------------------------------------------------------------------
// JWK and thumbprints

TEST_CASE("RFC 7638 §3.1 thumbprint vector", "[crypto]") {
    const std::string canonical =
        R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4)"
        R"(cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXA)"
        R"(rwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5)"
        R"(hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44)"
        R"(-csFCur-kEgU8awapJzKnqDKgw"})";
    CHECK(jwk_thumbprint_of_json(canonical) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST_CASE("jwk_public_json is canonical for EC keys (RFC 7515 §A.3 key)", "[crypto]") {
    auto key = private_key_from_jwk_json(kRfc7515EcJwk);
    REQUIRE(key.ok());
    CHECK(jwk_public_json(*key) ==
          R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
          R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
    // Python josepy's thumbprint of the same key.
    CHECK(jwk_thumbprint(*key) == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
}

TEST_CASE("EC JWK coordinates are fixed length for every curve", "[crypto]") {
    struct Case {
        const char* curve;
        size_t bytes;
    };
    for (auto c : {Case{"secp256r1", 32}, Case{"secp384r1", 48}, Case{"secp521r1", 66}}) {
        PrivateKey key = make_key(KeySpec::Type::Ecdsa, c.curve);
        rapidjson::Document doc;
        std::string json = jwk_public_json(key);
        doc.Parse(json.c_str());
        REQUIRE(doc.IsObject());
        for (const char* m : {"x", "y"}) {
            auto bytes = base64url_decode(doc[m].GetString());
            REQUIRE(bytes.ok());
            CHECK(bytes->size() == c.bytes);
        }
        CHECK(json.find(' ') == std::string::npos);
        CHECK(jwk_thumbprint(key).size() == 43);  // 32 bytes of SHA-256, base64url
    }
}

TEST_CASE("a Python certbot account key reads back byte for byte", "[crypto]") {
    auto key = private_key_from_jwk_json(kJosepyRsaJwk);
    REQUIRE(key.ok());
    CHECK(key->is_rsa());
    CHECK(key->spec().rsa_bits == 2048);
    auto json = jwk_private_json_certbot(*key);
    REQUIRE(json.ok());
    CHECK(*json == kJosepyRsaJwk);
    CHECK(certbot_account_id(*key) == kJosepyRsaAccountId);
    CHECK(jwk_thumbprint(*key) == kJosepyRsaThumbprint);
    const std::string pub = jwk_public_json(*key);
    CHECK(starts_with(pub, R"({"e":"AQAB","kty":"RSA","n":"i2YLsOPn)"));
}

TEST_CASE("jwk_private_json_certbot uses josepy order and json.dumps separators", "[crypto]") {
    auto ec = private_key_from_jwk_json(kRfc7515EcJwk);
    REQUIRE(ec.ok());
    auto ec_json = jwk_private_json_certbot(*ec);
    REQUIRE(ec_json.ok());
    // Exactly what josepy 1.13 writes for this key.
    CHECK(*ec_json ==
          R"({"d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI", )"
          R"("x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", )"
          R"("y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "crv": "P-256", "kty": "EC"})");

    PrivateKey rsa = make_key(KeySpec::Type::Rsa);
    auto rsa_json = jwk_private_json_certbot(rsa);
    REQUIRE(rsa_json.ok());
    CHECK(starts_with(*rsa_json, R"({"n": ")"));
    CHECK(ends_with(*rsa_json, R"(", "kty": "RSA"})"));
    size_t last = 0;
    for (const char* m :
         {R"("n": )", R"(, "e": "AQAB", )", R"(, "d": )", R"(, "p": )", R"(, "q": )", R"(, "dp": )",
          R"(, "dq": )", R"(, "qi": )", R"(, "kty": )"}) {
        size_t at = rsa_json->find(m);
        REQUIRE(at != std::string::npos);
        CHECK(at >= last);
        last = at;
    }
    auto back = private_key_from_jwk_json(*rsa_json);
    REQUIRE(back.ok());
    CHECK(back->public_pem() == rsa.public_pem());
    auto again = jwk_private_json_certbot(*back);
    REQUIRE(again.ok());
    CHECK(*again == *rsa_json);
}

TEST_CASE("private JWKs round trip for every curve, in any order and layout", "[crypto]") {
    for (const char* curve : {"secp256r1", "secp384r1", "secp521r1"}) {
        PrivateKey key = make_key(KeySpec::Type::Ecdsa, curve);
        auto json = jwk_private_json_certbot(key);
        REQUIRE(json.ok());
        auto back = private_key_from_jwk_json(*json);
        REQUIRE(back.ok());
        CHECK(back->public_pem() == key.public_pem());
        CHECK(back->jws_alg() == key.jws_alg());
    }
    // Reordered members, newlines, extra members (alg, kid) are all fine.
    auto key = private_key_from_jwk_json(
        "{\n  \"d\" : \"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\",\n"
        "  \"kid\": \"x\", \"alg\": \"ES256\",\n"
        "  \"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\t\"kty\":\"EC\",\n"
        "  \"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\", \"crv\":\"P-256\"\n}\n");
    REQUIRE(key.ok());
    CHECK(certbot_account_id(*key) == "b69acad1073b2bf71a4fb9294dc47990");
}

TEST_CASE("private_key_from_jwk_json rejects bad JWKs", "[crypto]") {
    auto fails = [](std::string_view json, std::string_view why) {
        auto r = private_key_from_jwk_json(json);
        INFO(json);
        REQUIRE_FALSE(r.ok());
        INFO(r.error().message);
        CHECK(mentions(r.error(), why));
    };
    fails("", "JSON");
    fails("{", "JSON");
    fails("[]", "object");
    fails(R"({"crv":"P-256"})", "kty");
    fails(R"({"kty":"oct","k":"AAAA"})", "oct");
    fails(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"})", "OKP");
    const std::string x = R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")";
    const std::string y = R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")";
    const std::string d = R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")";
    // Public only: no "d".
    fails(R"({"kty":"EC","crv":"P-256",)" + x + "," + y + "}", "\"d\"");
    fails(R"({"kty":"EC","crv":"P-192",)" + x + "," + y + "," + d + "}", "P-192");
    fails(R"({"kty":"EC",)" + x + "," + y + "," + d + "}", "crv");
    fails(R"({"kty":"EC","crv":"P-256","x":"f83O+J3D2",)" + y + "," + d + "}", "base64url");
    fails(R"({"kty":"EC","crv":"P-256","x":42,)" + y + "," + d + "}", "string");
    // A d that belongs to another point.
    fails(R"({"kty":"EC","crv":"P-256",)" + x + "," + y +
              R"(,"d":"jpsQnnGQmL-YBIffH1136cLnT8EgfH3cTzP9kGkoFtM"})",
          "does not match");
    // A point that is not on the curve.
    fails(R"({"kty":"EC","crv":"P-256",)" + x +
              R"(,"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1",)" + d + "}",
          "JWK");
    // RSA without CRT parameters, and with a tampered one.
    fails(R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4","e":"AQAB",)"
          R"("d":"AQAB"})",
          "\"p\"");
    std::string tampered = kJosepyRsaJwk;
    size_t qi = tampered.find("\"qi\": \"") + 7;
    tampered[qi] = tampered[qi] == 'A' ? 'B' : 'A';
    fails(tampered, "inconsistent");
}

// ---------------------------------------------------------------------------------------------
// JWS

TEST_CASE("the RFC 7515 §A.3 ES256 signature verifies", "[crypto]") {
    auto key = private_key_from_jwk_json(kRfc7515EcJwk);
    REQUIRE(key.ok());
    auto sig = base64url_decode(kRfc7515Signature);
    REQUIRE(sig.ok());
    CHECK(sig->size() == 64);
    CHECK(verify_raw(*key, kRfc7515SigningInput, *sig));
    CHECK(verify_raw_public_pem(key->public_pem(), kRfc7515SigningInput, *sig));
    std::string flipped = *sig;
    flipped.back() = static_cast<char>(flipped.back() ^ 1);
    CHECK_FALSE(verify_raw(*key, kRfc7515SigningInput, flipped));
    CHECK_FALSE(verify_raw(*key, std::string(kRfc7515SigningInput) + "x", *sig));
    CHECK_FALSE(verify_raw(*key, kRfc7515SigningInput, sig->substr(1)));
}

TEST_CASE("jws_sign produces flattened JSON that verifies", "[crypto]") {
    struct Case {
        KeySpec::Type type;
        const char* curve;
        const char* alg;
        size_t sig_len;
    };
    for (auto c : {Case{KeySpec::Type::Ecdsa, "secp256r1", "ES256", 64},
                   Case{KeySpec::Type::Ecdsa, "secp384r1", "ES384", 96},
                   Case{KeySpec::Type::Ecdsa, "secp521r1", "ES512", 132},
                   Case{KeySpec::Type::Rsa, "", "RS256", 256}}) {
        INFO(c.alg);
        PrivateKey key = make_key(c.type, c.type == KeySpec::Type::Rsa ? "secp256r1" : c.curve);
        const std::string header = std::string(R"({"alg":")") + c.alg +
                                   R"(","nonce":"abc","url":"https://acme.test/new-order","jwk":)" +
                                   jwk_public_json(key) + "}";
        for (std::string payload : {std::string(R"({"identifiers":[]})"), std::string()}) {
            auto body = jws_sign(key, header, payload);
            REQUIRE(body.ok());
            rapidjson::Document doc;
            doc.Parse(body->c_str());
            REQUIRE(doc.IsObject());
            REQUIRE(doc.MemberCount() == 3);
            const std::string prot = doc["protected"].GetString();
            const std::string pay = doc["payload"].GetString();
            const std::string sig64 = doc["signature"].GetString();
            CHECK(*base64url_decode(prot) == header);
            CHECK(*base64url_decode(pay) == payload);
            if (payload.empty()) CHECK(pay.empty());  // POST-as-GET (RFC 8555 §6.3)
            auto sig = base64url_decode(sig64);
            REQUIRE(sig.ok());
            CHECK(sig->size() == c.sig_len);
            CHECK(verify_raw(key, prot + "." + pay, *sig));
            CHECK(verify_raw_public_pem(key.public_pem(), prot + "." + pay, *sig));
            CHECK_FALSE(verify_raw(key, prot + "." + pay + "x", *sig));
        }
    }
}

TEST_CASE("jws_sign refuses a header that does not fit the key", "[crypto]") {
    PrivateKey key = ec_key();
    auto wrong = jws_sign(key, R"({"alg":"RS256"})", "");
    REQUIRE_FALSE(wrong.ok());
    CHECK(mentions(wrong.error(), "ES256"));
    CHECK_FALSE(jws_sign(key, R"({"nonce":"x"})", "").ok());
    CHECK_FALSE(jws_sign(key, "not json", "").ok());
    CHECK_FALSE(jws_sign(key, R"(["alg"])", "").ok());
    CHECK(jws_sign(key, R"({"alg":"ES256"})", "").ok());
}

TEST_CASE("a signature from one key does not verify with another", "[crypto]") {
    PrivateKey a = ec_key();
    PrivateKey b = ec_key();
    auto sig = sign_raw(a, "message");
    REQUIRE(sig.ok());
    CHECK(verify_raw(a, "message", *sig));
    CHECK_FALSE(verify_raw(b, "message", *sig));
    CHECK_FALSE(verify_raw_public_pem("garbage", "message", *sig));
}

TEST_CASE("HMAC matches RFC 4231 test case 2", "[crypto]") {
    const std::string data = "what do ya want for nothing?";
    CHECK(hex_encode(hmac("HS256", "Jefe", data)) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex_encode(hmac("HS384", "Jefe", data)) ==
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
          "8e2240ca5e69e2c78b3239ecfab21649");
    CHECK(hex_encode(hmac("HS512", "Jefe", data)) ==
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    CHECK(hmac("HS1", "Jefe", data).empty());
    CHECK(is_hmac_alg("HS256"));
    CHECK_FALSE(is_hmac_alg("RS256"));
}

TEST_CASE("digests", "[crypto]") {
    CHECK(hex_encode(sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("certbot_account_id is md5 of the public key PEM, 32 hex chars and stable", "[crypto]") {
    auto key = private_key_from_jwk_json(kRfc7515EcJwk);
    REQUIRE(key.ok());
    // The PEM Python's cryptography writes for this key, and the id Python certbot derives.
    CHECK(key->public_pem() ==
          "-----BEGIN PUBLIC KEY-----\n"
          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
          "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
          "-----END PUBLIC KEY-----\n");
    CHECK(certbot_account_id(*key) == "b69acad1073b2bf71a4fb9294dc47990");

    PrivateKey fresh = ec_key();
    std::string id = certbot_account_id(fresh);
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(certbot_account_id(fresh) == id);
    auto pem = fresh.to_pem();
    REQUIRE(pem.ok());
    auto reloaded = PrivateKey::from_pem(*pem);
    REQUIRE(reloaded.ok());
    CHECK(certbot_account_id(*reloaded) == id);
    CHECK(certbot_account_id(ec_key()) != id);
}

// ---------------------------------------------------------------------------------------------
// CSRs

TEST_CASE("make_csr_der puts every name in the SAN and the first in the CN", "[crypto]") {
    for (auto type : {KeySpec::Type::Ecdsa, KeySpec::Type::Rsa}) {
        PrivateKey key = make_key(type);
        auto der = make_csr_der(key, {"example.com", "www.example.com", "*.example.org"}, false);
        REQUIRE(der.ok());
        auto info = parse_csr_der(*der);
        REQUIRE(info.ok());
        CHECK(info->dns_names ==
              std::vector<std::string>{"example.com", "www.example.com", "*.example.org"});
        CHECK(info->common_name == "example.com");
        CHECK_FALSE(info->must_staple);
        CHECK(info->public_key_pem == key.public_pem());

        auto pem = csr_der_to_pem(*der);
        REQUIRE(pem.ok());
        CHECK(starts_with(*pem, "-----BEGIN CERTIFICATE REQUEST-----\n"));
        auto der_again = csr_pem_to_der(*pem);
        REQUIRE(der_again.ok());
        CHECK(*der_again == *der);
    }
}

TEST_CASE("make_csr_der adds must-staple and omits an overlong CN", "[crypto]") {
    PrivateKey key = ec_key();
    const std::string long_name = std::string(60, 'a') + ".example.com";  // 72 characters
    auto der = make_csr_der(key, {long_name, "b.example.com"}, true);
    REQUIRE(der.ok());
    auto info = parse_csr_der(*der);
    REQUIRE(info.ok());
    CHECK(info->must_staple);
    CHECK(info->common_name.empty());
    CHECK(info->dns_names == std::vector<std::string>{long_name, "b.example.com"});
    // The TLS feature extension is DER SEQUENCE { INTEGER 5 } (RFC 7633 §6).
    CHECK(der->find(std::string("\x30\x03\x02\x01\x05", 5)) != std::string::npos);
}

TEST_CASE("make_csr_der and parse_csr_der reject bad input", "[crypto]") {
    PrivateKey key = ec_key();
    CHECK_FALSE(make_csr_der(key, {}, false).ok());
    CHECK_FALSE(make_csr_der(key, {""}, false).ok());
    CHECK_FALSE(make_csr_der(key, {"exa mple.com"}, false).ok());
    CHECK_FALSE(make_csr_der(key, {"b\xc3\xa4r.example"}, false).ok());
    CHECK_FALSE(make_csr_der(PrivateKey(), {"example.com"}, false).ok());

    CHECK_FALSE(parse_csr_der("").ok());
    CHECK_FALSE(parse_csr_der("garbage").ok());
    auto der = make_csr_der(key, {"example.com"}, false);
    REQUIRE(der.ok());
    CHECK_FALSE(parse_csr_der(*der + "x").ok());
    // A flipped bit in the signature is caught by the self-signature check.
    std::string bad = *der;
    bad[bad.size() - 3] = static_cast<char>(bad[bad.size() - 3] ^ 1);
    CHECK_FALSE(parse_csr_der(bad).ok());
}

// ---------------------------------------------------------------------------------------------
// Certificates

TEST_CASE("parse_cert_pem reads a self-signed certificate", "[crypto]") {
    auto made = make_self_signed({"example.org", "www.example.org"}, 30);
    REQUIRE(made.ok());
    const auto& [cert, key_pem] = *made;
    auto info = parse_cert_pem(cert);
    REQUIRE(info.ok());
    CHECK(info->dns_names == std::vector<std::string>{"example.org", "www.example.org"});
    CHECK(info->subject_cn == "example.org");
    CHECK(info->issuer_cn == "example.org");
    CHECK(info->subject == "CN=example.org");
    CHECK(info->issuer == info->subject);
    CHECK(info->key_type == "ECDSA");
    CHECK(info->not_after - info->not_before == 30 * 86400);
    CHECK(std::abs(info->not_before - static_cast<int64_t>(std::time(nullptr))) < 300);
    CHECK_FALSE(info->serial_hex.empty());
    CHECK(info->serial_hex[0] != '0');
    CHECK(info->serial_hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(info->ocsp_urls.empty());

    auto key = PrivateKey::from_pem(key_pem);
    REQUIRE(key.ok());
    CHECK(info->public_key_pem == key->public_pem());
    CHECK(cert_matches_key(cert, *key));
    CHECK_FALSE(cert_matches_key(cert, ec_key()));
    CHECK(verify_chain(cert, "", cert).ok());
}

TEST_CASE("parse_cert_pem reads an issued certificate", "[crypto]") {
    TestPki pki;
    auto info = parse_cert_pem(pki.leaf);
    REQUIRE(info.ok());
    CHECK(info->serial_hex == "ab12");
    CHECK(info->issuer_cn == "Test Intermediate R9");
    CHECK(info->ocsp_urls == std::vector<std::string>{"http://ocsp.example.test/"});
    CHECK(info->not_after - info->not_before == 90 * 86400);
    CHECK(cert_matches_key(pki.leaf, pki.leaf_key));
    auto inter = parse_cert_pem(pki.inter);
    REQUIRE(inter.ok());
    CHECK(inter->key_type == "RSA");
    CHECK(inter->dns_names.empty());

    // Times far from now round trip exactly (GeneralizedTime after 2049 too).
    PrivateKey key = ec_key();
    CertParams params;
    params.dns_names = {"time.example"};
    params.not_before = 946684800;  // 2000-01-01T00:00:00Z
    params.not_after = 4102444800;  // 2100-01-01T00:00:00Z
    auto cert = issue_cert(params, key, key, "");
    REQUIRE(cert.ok());
    auto t = parse_cert_pem(*cert);
    REQUIRE(t.ok());
    CHECK(t->not_before == 946684800);
    CHECK(t->not_after == 4102444800);
}

TEST_CASE("verify_chain follows leaf -> intermediate -> root", "[crypto]") {
    TestPki pki;
    CHECK(verify_chain(pki.leaf, pki.inter, pki.root).ok());
    CHECK(verify_chain(pki.leaf, pki.inter + "\n" + pki.root, pki.root).ok());

    auto missing = verify_chain(pki.leaf, "", pki.root);
    REQUIRE_FALSE(missing.ok());
    CHECK(mentions(missing.error(), "does not verify"));

    TestPki other;
    CHECK_FALSE(verify_chain(pki.leaf, pki.inter, other.root).ok());
    CHECK_FALSE(verify_chain(pki.leaf, other.inter, pki.root).ok());
    CHECK_FALSE(verify_chain("garbage", pki.inter, pki.root).ok());
    CHECK_FALSE(verify_chain(pki.leaf, pki.inter, "").ok());

    // An expired leaf.
    CertParams old;
    old.dns_names = {"old.example.com"};
    old.not_before = 946684800;
    old.not_after = 946684800 + 86400;
    auto expired = issue_cert(old, pki.leaf_key, pki.inter_key, pki.inter);
    REQUIRE(expired.ok());
    auto r = verify_chain(*expired, pki.inter, pki.root);
    REQUIRE_FALSE(r.ok());
    CHECK(mentions(r.error(), "expired"));
}

TEST_CASE("split_pem_chain normalizes and bounds a PEM bundle", "[crypto]") {
    TestPki pki;
    // CRLF line ends and extra blank lines are whitespace; the output is re-encoded.
    std::string crlf;
    for (char c : pki.inter) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    const std::string bundle = "\n" + pki.leaf + "\n\n" + crlf + "  \n" + pki.root;
    auto certs = split_pem_chain(bundle);
    REQUIRE(certs.ok());
    REQUIRE(certs->size() == 3);
    CHECK((*certs)[0] == pki.leaf);
    CHECK((*certs)[1] == pki.inter);
    CHECK((*certs)[2] == pki.root);
    for (const auto& c : *certs) {
        CHECK(starts_with(c, "-----BEGIN CERTIFICATE-----\n"));
        CHECK(ends_with(c, "\n-----END CERTIFICATE-----\n"));
    }
    // No trailing newline after the last END line is fine.
    std::string no_newline = pki.leaf;
    no_newline.pop_back();
    auto single = split_pem_chain(no_newline);
    REQUIRE(single.ok());
    CHECK(single->size() == 1);

    std::string ten;
    for (int i = 0; i < 10; ++i) ten += pki.leaf;
    CHECK(split_pem_chain(ten).ok());
    auto eleven = split_pem_chain(ten + pki.leaf);
    REQUIRE_FALSE(eleven.ok());
    CHECK(mentions(eleven.error(), "more than 10"));
}

TEST_CASE("split_pem_chain rejects anything but certificates and whitespace", "[crypto]") {
    TestPki pki;
    auto rejects = [](const std::string& text) {
        auto r = split_pem_chain(text);
        INFO(text.substr(0, 80));
        CHECK_FALSE(r.ok());
    };
    rejects("");
    rejects(" \n\t");
    rejects("garbage");
    rejects("explanatory text\n" + pki.leaf);
    rejects(pki.leaf + "explanatory text\n" + pki.inter);
    rejects(pki.leaf + "trailing");
    auto key_pem = pki.leaf_key.to_pem();
    REQUIRE(key_pem.ok());
    rejects(pki.leaf + *key_pem);
    // No END line.
    rejects(pki.leaf.substr(0, pki.leaf.size() - 30));
    // A header or bad base64 inside a block, or a block that is not a certificate.
    rejects("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n-----END CERTIFICATE-----\n");
    rejects("-----BEGIN CERTIFICATE-----\nMII$$$\n-----END CERTIFICATE-----\n");
    rejects("-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n");
    rejects("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
}

TEST_CASE("certificate DER and PEM conversions", "[crypto]") {
    auto made = make_self_signed({"der.example"}, 1);
    REQUIRE(made.ok());
    auto der = pem_to_der_cert(made->first);
    REQUIRE(der.ok());
    CHECK(static_cast<unsigned char>((*der)[0]) == 0x30);
    auto pem = der_to_pem_cert(*der);
    REQUIRE(pem.ok());
    CHECK(*pem == made->first);
    CHECK_FALSE(der_to_pem_cert(*der + "x").ok());
    CHECK_FALSE(der_to_pem_cert("").ok());
    CHECK_FALSE(der_to_pem_cert(der->substr(0, der->size() - 1)).ok());
    CHECK_FALSE(pem_to_der_cert("garbage").ok());
}

TEST_CASE("parse_cert_pem and cert_matches_key reject non-certificates", "[crypto]") {
    CHECK_FALSE(parse_cert_pem("").ok());
    CHECK_FALSE(parse_cert_pem("garbage").ok());
    PrivateKey key = ec_key();
    CHECK_FALSE(parse_cert_pem(key.public_pem()).ok());
    auto bad = parse_cert_pem(
        "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIgIIxxxx\n-----END CERTIFICATE-----\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(mentions(bad.error(), "certificate"));
    CHECK_FALSE(cert_matches_key("garbage", key));
}

TEST_CASE("make_tls_alpn_cert carries a critical acmeIdentifier (RFC 8737 §3)", "[crypto]") {
    const std::string key_authz = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumbprint";
    auto made = make_tls_alpn_cert("example.com", key_authz);
    REQUIRE(made.ok());
    const auto& [cert, key_pem] = *made;
    auto ext = find_cert_extension(cert, "1.3.6.1.5.5.7.1.31");
    REQUIRE(ext.ok());
    REQUIRE(ext->has_value());
    CHECK((*ext)->critical);
    CHECK((*ext)->value == std::string("\x04\x20", 2) + sha256(key_authz));

    auto info = parse_cert_pem(cert);
    REQUIRE(info.ok());
    CHECK(info->dns_names == std::vector<std::string>{"example.com"});
    auto key = PrivateKey::from_pem(key_pem);
    REQUIRE(key.ok());
    CHECK(cert_matches_key(cert, *key));
    // OpenSSL does not know acmeIdentifier, and being critical it must refuse the certificate.
    auto verified = verify_chain(cert, "", cert);
    REQUIRE_FALSE(verified.ok());
    CHECK(mentions(verified.error(), "critical extension"));

    // SAN is not critical here, and absent extensions are reported as absent.
    auto san = find_cert_extension(cert, "2.5.29.17");
    REQUIRE(san.ok());
    REQUIRE(san->has_value());
    CHECK_FALSE((*san)->critical);
    auto none = find_cert_extension(cert, "1.3.6.1.5.5.7.1.24");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    CHECK_FALSE(find_cert_extension(cert, "not an oid").ok());
    CHECK_FALSE(make_tls_alpn_cert("bad name", key_authz).ok());
}

TEST_CASE("issue_cert adds must-staple and validates its inputs", "[crypto]") {
    PrivateKey key = ec_key();
    CertParams params;
    params.dns_names = {"staple.example"};
    params.must_staple = true;
    auto cert = issue_cert(params, key, key, "");
    REQUIRE(cert.ok());
    auto ext = find_cert_extension(*cert, "1.3.6.1.5.5.7.1.24");
    REQUIRE(ext.ok());
    REQUIRE(ext->has_value());
    CHECK((*ext)->value == std::string("\x30\x03\x02\x01\x05", 5));

    CertParams bad_serial = params;
    bad_serial.serial_hex = "xyz";
    CHECK_FALSE(issue_cert(bad_serial, key, key, "").ok());
    CertParams bad_url = params;
    bad_url.ocsp_urls = {"http://a,b/"};
    CHECK_FALSE(issue_cert(bad_url, key, key, "").ok());
    CHECK_FALSE(issue_cert(params, key, key, "not a certificate").ok());
    CHECK_FALSE(make_self_signed({"x.example"}, 0).ok());
}

TEST_CASE("verify_issued_chain: names, key, validity and chain of a freshly issued certificate",
          "[crypto][hostile]") {
    TestPki pki;
    const int64_t now = std::time(nullptr);
    const std::vector<std::string> names = {"www.example.com", "EXAMPLE.com"};
    CHECK(verify_issued_chain({pki.leaf, pki.inter}, pki.leaf_key, names, now).ok());
    CHECK(verify_issued_chain({pki.leaf, pki.inter, pki.root}, pki.leaf_key, names, now).ok());
    CHECK(verify_issued_chain({pki.leaf}, pki.leaf_key, names, now).ok());

    auto refused = [&](const std::vector<std::string>& chain, const PrivateKey& key,
                       const std::vector<std::string>& want, const char* why) {
        auto st = verify_issued_chain(chain, key, want, now);
        CAPTURE(why);
        REQUIRE_FALSE(st.ok());
        CHECK(mentions(st.error(), why));
    };
    // Another name, an extra name, a missing name.
    refused({pki.leaf, pki.inter}, pki.leaf_key, {"example.com", "other.example.com"}, "names");
    refused({pki.leaf, pki.inter}, pki.leaf_key, {"example.com"}, "www.example.com");
    refused({pki.leaf, pki.inter}, pki.leaf_key,
            {"example.com", "www.example.com", "mail.example.com"}, "mail.example.com");
    // Not the CSR's key.
    refused({pki.leaf, pki.inter}, pki.inter_key, names, "key");
    // Expired, and not yet valid.
    CertParams old;
    old.dns_names = {"example.com", "www.example.com"};
    old.not_before = now - 10 * 86400;
    old.not_after = now - 86400;
    auto expired = issue_cert(old, pki.leaf_key, pki.inter_key, pki.inter);
    REQUIRE(expired.ok());
    refused({*expired, pki.inter}, pki.leaf_key, names, "expired");
    CertParams future = old;
    future.not_before = now + 86400;
    future.not_after = now + 90 * 86400;
    auto later = issue_cert(future, pki.leaf_key, pki.inter_key, pki.inter);
    REQUIRE(later.ok());
    refused({*later, pki.inter}, pki.leaf_key, names, "not valid until");
    // A chain that does not link up: another CA's intermediate, or the order swapped.
    TestPki other;
    refused({pki.leaf, other.inter}, pki.leaf_key, names, "does not link up");
    refused({pki.leaf, pki.root}, pki.leaf_key, names, "does not link up");
    refused({}, pki.leaf_key, names, "no certificate");
}

TEST_CASE("IP identifiers become iPAddress SANs and read back canonical (RFC 8738 §7)",
          "[crypto][ip]") {
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    auto der = make_csr_der(*key, {"a.example", "192.0.2.1", "2001:db8::1"}, false);
    REQUIRE(der);
    auto info = parse_csr_der(*der);
    REQUIRE(info);
    CHECK(info->dns_names == std::vector<std::string>{"a.example", "192.0.2.1", "2001:db8::1"});
    CHECK(info->common_name == "a.example");
    // An address first: no commonName, the address only in the SAN.
    auto only_ip = parse_csr_der(*make_csr_der(*key, {"::1"}, false));
    REQUIRE(only_ip);
    CHECK(only_ip->common_name.empty());
    CHECK(only_ip->dns_names == std::vector<std::string>{"::1"});
    auto pem = csr_der_to_pem(*der);
    REQUIRE(pem);
    CHECK(pem->find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
}
