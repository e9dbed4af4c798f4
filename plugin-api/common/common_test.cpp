// The header-only code both sides of the plugin ABI compile in (plugin-api/common/).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "http_body.h"
#include "json_quote.h"

using certbot::common::BodyLimits;
using certbot::common::bound_response_body;
using certbot::common::json_quote;

TEST_CASE("json_quote escapes quotes, backslashes and control characters", "[common]") {
    CHECK(json_quote("") == "\"\"");
    CHECK(json_quote("plain text") == "\"plain text\"");
    CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_quote("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"");
    CHECK(json_quote(std::string("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
    CHECK(json_quote(std::string("nul\0end", 7)) == "\"nul\\u0000end\"");
    // Bytes from 0x20 up, UTF-8 included, pass as they are.
    CHECK(json_quote("caf\xc3\xa9 ~\x7f") == "\"caf\xc3\xa9 ~\x7f\"");
}

namespace {

struct Bounded {
    httplib::Request request;
    std::string body;
    BodyLimits limits;
    Bounded(size_t max_body, int seconds_left) : limits(max_body, seconds_left) {
        bound_response_body(request, body, limits);
    }
    bool announce(const std::string& content_length) {
        httplib::Response r;
        if (!content_length.empty()) r.set_header("Content-Length", content_length);
        return request.response_handler(r);
    }
    bool chunk(const std::string& data) {
        return request.content_receiver(data.data(), data.size(), 0, 0);
    }
};

}  // namespace

TEST_CASE("a response body is read whole within its size and time", "[common]") {
    Bounded b(10, 60);
    CHECK(b.announce("10"));
    CHECK(b.chunk("01234"));
    CHECK(b.chunk("56789"));
    CHECK(b.body == "0123456789");
    CHECK(b.request.get_header_value("Accept-Encoding") == "identity");  // the bound is on bytes
    CHECK_FALSE(b.limits.too_big);
    CHECK_FALSE(b.limits.too_slow);
}

TEST_CASE("an announced oversized body is refused before it is read", "[common]") {
    Bounded b(10, 60);
    CHECK_FALSE(b.announce("11"));
    CHECK(b.limits.too_big);
    Bounded huge(10, 60);
    CHECK_FALSE(huge.announce("99999999999999999"));
    // A Content-Length too long to be a number is not trusted either way: the bytes decide.
    Bounded garbage(10, 60);
    CHECK(garbage.announce("12345678901234567890123"));
    CHECK(garbage.announce(""));
}

TEST_CASE("a body that grows past its size or its deadline is cut off", "[common]") {
    Bounded big(10, 60);
    CHECK(big.announce(""));
    CHECK(big.chunk("0123456789"));
    CHECK_FALSE(big.chunk("x"));
    CHECK(big.limits.too_big);
    CHECK(big.body == "0123456789");

    Bounded late(10, -1);  // the deadline has passed
    CHECK_FALSE(late.chunk("a"));
    CHECK(late.limits.too_slow);
    CHECK(late.body.empty());
}
