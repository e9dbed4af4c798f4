#include "seal.h"

#include <sys/stat.h>
#include <catch2/catch.hpp>

#include "base64.h"
#include "fsutil.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {
const std::string kKey(32, '\x42');
const std::string kPem = "-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----\n";
}  // namespace

TEST_CASE("seal: a sealed key opens with the same key and associated data only", "[seal]") {
    auto aad = lineage_key_aad("example.com", 3);
    auto sealed = seal(kKey, kPem, aad);
    REQUIRE(sealed.ok());
    CHECK(sealed->rfind("certbot-fleet-sealed-v1:", 0) == 0);
    CHECK(sealed->find("PRIVATE KEY") == std::string::npos);
    auto opened = unseal(kKey, *sealed, aad);
    REQUIRE(opened.ok());
    CHECK(*opened == kPem);

    // A fresh nonce each time: the same key sealed twice differs.
    auto again = seal(kKey, kPem, aad);
    REQUIRE(again.ok());
    CHECK(*again != *sealed);

    auto wrong_key = unseal(std::string(32, '\x43'), *sealed, aad);
    REQUIRE_FALSE(wrong_key.ok());
    CHECK(wrong_key.error().message.find("fleet key differs") != std::string::npos);
    CHECK_FALSE(unseal(kKey, *sealed, lineage_key_aad("example.com", 4)).ok());
    CHECK_FALSE(unseal(kKey, *sealed, lineage_key_aad("example.org", 3)).ok());
}

TEST_CASE("seal: tampered, truncated and foreign values are refused", "[seal]") {
    auto aad = lineage_key_aad("a", 1);
    auto sealed = seal(kKey, kPem, aad);
    REQUIRE(sealed.ok());
    const std::string prefix = "certbot-fleet-sealed-v1:";
    auto raw = base64_decode(sealed->substr(prefix.size()));
    REQUIRE(raw.ok());
    for (size_t at : {size_t{0}, size_t{12}, raw->size() / 2, raw->size() - 1}) {
        std::string flipped = *raw;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
        CHECK_FALSE(unseal(kKey, prefix + base64_encode(flipped), aad).ok());
    }
    CHECK_FALSE(unseal(kKey, prefix + base64_encode(raw->substr(0, 20)), aad).ok());
    CHECK_FALSE(unseal(kKey, prefix + "!!!", aad).ok());
    CHECK_FALSE(unseal(kKey, kPem, aad).ok());
    CHECK_FALSE(unseal(std::string(31, 'k'), *sealed, aad).ok());
    CHECK_FALSE(seal(std::string(33, 'k'), kPem, aad).ok());
    // The empty plaintext round-trips too.
    auto empty = seal(kKey, "", aad);
    REQUIRE(empty.ok());
    auto opened = unseal(kKey, *empty, aad);
    REQUIRE(opened.ok());
    CHECK(opened->empty());
}

TEST_CASE("seal: the fleet key file is raw or base64, private, and 32 bytes", "[seal]") {
    test::TempDir dir;
    REQUIRE(atomic_write(dir / "raw", kKey, 0600).ok());
    auto raw = load_fleet_key(dir / "raw");
    REQUIRE(raw.ok());
    CHECK(*raw == kKey);

    REQUIRE(atomic_write(dir / "b64", base64_encode(kKey) + "\n", 0400).ok());
    auto b64 = load_fleet_key(dir / "b64");
    REQUIRE(b64.ok());
    CHECK(*b64 == kKey);

    REQUIRE(atomic_write(dir / "open", kKey, 0644).ok());
    auto open = load_fleet_key(dir / "open");
    REQUIRE_FALSE(open.ok());
    CHECK(open.error().message.find("chmod 600") != std::string::npos);
    CHECK(open.error().exit_code == kExitUsage);

    REQUIRE(atomic_write(dir / "short", "too short\n", 0600).ok());
    auto short_key = load_fleet_key(dir / "short");
    REQUIRE_FALSE(short_key.ok());
    CHECK(short_key.error().message.find("32 random bytes") != std::string::npos);

    auto missing = load_fleet_key(dir / "none");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("head -c 32 /dev/urandom") != std::string::npos);
    CHECK_FALSE(load_fleet_key(dir.path).ok());
}
