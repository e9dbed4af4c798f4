#include "base64.h"

#include <catch2/catch.hpp>

using namespace certbot;

TEST_CASE("base64url encodes without padding (RFC 4648 §10 vectors)", "[base64]") {
    CHECK(base64url_encode("") == "");
    CHECK(base64url_encode("f") == "Zg");
    CHECK(base64url_encode("fo") == "Zm8");
    CHECK(base64url_encode("foo") == "Zm9v");
    CHECK(base64url_encode("foob") == "Zm9vYg");
    CHECK(base64url_encode("fooba") == "Zm9vYmE");
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    // The URL alphabet: 0xfb 0xff -> "-_8" (standard would be "+/8=").
    CHECK(base64url_encode(std::string("\xfb\xff", 2)) == "-_8");
    // RFC 7515 §A.1: the protected header {"typ":"JWT",\r\n "alg":"HS256"}.
    CHECK(base64url_encode("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}") ==
          "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
}

TEST_CASE("base64url round trips every byte value and length", "[base64]") {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (size_t len = 0; len <= all.size(); ++len) {
        std::string in = all.substr(all.size() - len);
        std::string enc = base64url_encode(in);
        CHECK(enc.find('=') == std::string::npos);
        if (!in.empty()) CHECK(is_base64url(enc));
        auto dec = base64url_decode(enc);
        REQUIRE(dec.ok());
        CHECK(*dec == in);
    }
}

TEST_CASE("base64url_decode rejects padding, other alphabets and bad lengths", "[base64]") {
    CHECK(base64url_decode("").ok());
    CHECK(!base64url_decode("Zg==").ok());
    CHECK(!base64url_decode("Zm8=").ok());
    CHECK(!base64url_decode("+/8").ok());      // standard alphabet
    CHECK(!base64url_decode("Zm9v Yg").ok());  // whitespace
    CHECK(!base64url_decode("Zm9v\nYg").ok());
    CHECK(!base64url_decode("Z").ok());  // 4n+1 characters cannot be produced
    CHECK(!base64url_decode("Zm9vY").ok());
    CHECK(!base64url_decode("Zh").ok());  // non-zero trailing bits ("Zg" is canonical)
    CHECK(!base64url_decode(std::string("Zg\0", 3)).ok());
    auto err = base64url_decode("ab$d");
    REQUIRE(!err.ok());
    CHECK(err.error().message.find("base64url") != std::string::npos);
}

TEST_CASE("is_base64url checks the token alphabet", "[base64]") {
    CHECK(is_base64url("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"));
    CHECK(is_base64url("a"));
    CHECK(!is_base64url(""));
    CHECK(!is_base64url("abc="));
    CHECK(!is_base64url("../etc/passwd"));
    CHECK(!is_base64url("a b"));
    CHECK(!is_base64url("a+b"));
    CHECK(!is_base64url("a/b"));
    CHECK(!is_base64url(std::string("ab\0", 3)));
}

TEST_CASE("standard base64 encodes with padding and decodes PEM bodies", "[base64]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xfb\xff", 2)) == "+/8=");

    auto d = base64_decode("Zm9v\nYmFy\r\n");
    REQUIRE(d.ok());
    CHECK(*d == "foobar");
    auto p = base64_decode("Zm8=");
    REQUIRE(p.ok());
    CHECK(*p == "fo");
    auto unpadded = base64_decode("Zm8");
    REQUIRE(unpadded.ok());
    CHECK(*unpadded == "fo");
    auto bin = base64_decode("+/8=");
    REQUIRE(bin.ok());
    CHECK(*bin == std::string("\xfb\xff", 2));
}

TEST_CASE("base64_decode rejects garbage", "[base64]") {
    CHECK(!base64_decode("Zm9v!").ok());
    CHECK(!base64_decode("Zg=x").ok());   // data after padding
    CHECK(!base64_decode("Zg===").ok());  // too much padding
    CHECK(!base64_decode("Zm8==").ok());  // padding does not complete a quantum
    CHECK(!base64_decode("Z").ok());
    CHECK(!base64_decode("-_8").ok());  // url alphabet
}

TEST_CASE("hex_encode is lowercase two digits per byte", "[base64]") {
    CHECK(hex_encode("") == "");
    CHECK(hex_encode(std::string("\x00\x0f\xab\xff", 4)) == "000fabff");
}
