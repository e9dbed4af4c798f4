// The JSON reader is strict (RFC 8259): whatever two readers could read differently is an error.
#include <catch2/catch.hpp>

#include "json.h"

using namespace certbot;

namespace {
bool refused(const std::string& text, const std::string& why) {
    auto doc = json::parse(text, "the test body");
    return !doc && doc.error().message.find("the test body") != std::string::npos &&
           doc.error().message.find(why) != std::string::npos;
}
}  // namespace

TEST_CASE("json::parse accepts well-formed JSON with surrounding whitespace", "[json]") {
    auto doc = json::parse(" {\"a\":[1,{\"b\":\"\xc3\xa9\"}],\"c\":{\"a\":1}} \n", "body");
    REQUIRE(doc);
    CHECK((*doc)["a"][1]["b"].GetStringLength() == 2);
    // The same key in different objects is fine.
    CHECK(json::parse(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})", "body"));
}

TEST_CASE("json::parse refuses duplicate keys at any depth", "[json]") {
    CHECK(refused(R"({"status":"pending","status":"valid"})", "\"status\" appears twice"));
    CHECK(refused(R"({"x":[{"a":1,"b":2,"a":3}]})", "\"a\" appears twice"));
    CHECK(refused(R"([[[{"k":{"z":1,"z":1}}]]])", "\"z\" appears twice"));
}

TEST_CASE("json::parse refuses trailing garbage", "[json]") {
    CHECK(refused(R"({"a":1} {"a":2})", "not valid JSON"));
    CHECK(refused(R"({"a":1}x)", "not valid JSON"));
    CHECK(refused(R"({"a":1})" + std::string(1, '\0'), "not valid JSON"));
}

TEST_CASE("json::parse refuses invalid UTF-8", "[json]") {
    CHECK(refused("{\"a\":\"\xff\"}", "not valid JSON"));
    CHECK(refused("{\"a\":\"\xc3\"}", "not valid JSON"));      // truncated sequence
    CHECK(refused("{\"a\":\"\xc0\xaf\"}", "not valid JSON"));  // overlong "/"
    CHECK(refused("{\"\xed\xa0\x80\":1}", "not valid JSON"));  // UTF-16 surrogate
}

TEST_CASE("json::parse bounds size and nesting", "[json]") {
    auto big = json::parse("{\"a\":\"" + std::string(200, 'x') + "\"}", "the test body", 100);
    REQUIRE_FALSE(big);
    CHECK(big.error().message.find("larger than 100") != std::string::npos);
    // Deep nesting is valid JSON: parsed and checked for duplicates without recursion.
    CHECK(json::parse(std::string(200000, '[') + std::string(200000, ']'), "deep"));
    CHECK(refused(std::string(200000, '[') + R"({"a":1,"a":2})" + std::string(200000, ']'),
                  "appears twice"));
}
