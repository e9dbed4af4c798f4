#include "ari.h"

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

#include "fake_http_test.h"
#include "test_cert_test.h"

using namespace certbot;
using certbot::test::cert_with;

namespace {

const std::string kRfcKeyId(
    "\x69\x88\x5B\x6B\x87\x46\x40\x41\xE1\xB3\x7B\x84\x7B\xA0\xAE\x2C\xDE\x01\xC8\xD4", 20);

}  // namespace

TEST_CASE("the ARI CertID of RFC 9773's example (§4.1)", "[ari]") {
    // keyIdentifier 69:88:5B:...:D4, serial 0x87654321: DER octets 00 87 65 43 21.
    auto id = ari_cert_id(cert_with(kRfcKeyId, "87654321"));
    REQUIRE(id.ok());
    CHECK(*id == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST_CASE("the ARI CertID keeps a serial without a sign byte as it is", "[ari]") {
    auto id = ari_cert_id(cert_with(kRfcKeyId, "1234"));
    REQUIRE(id.ok());
    CHECK(id->substr(id->find('.') + 1) == "EjQ");
}

TEST_CASE("no CertID without an authority key identifier, or without a certificate", "[ari]") {
    CHECK_FALSE(ari_cert_id(cert_with("", "01", false)).ok());
    CHECK_FALSE(ari_cert_id("not a certificate").ok());
}

TEST_CASE("RFC 3339 times", "[ari]") {
    CHECK(parse_rfc3339("2025-01-02T04:00:00Z") == 1735790400);
    CHECK(parse_rfc3339("2025-01-02T05:30:00+01:30") == 1735790400);
    CHECK(parse_rfc3339("2025-01-02T04:00:00.123456Z") == 1735790400);
    CHECK(parse_rfc3339("2025-01-02t04:00:00z") == 1735790400);
    CHECK_FALSE(parse_rfc3339("2025-01-02T04:00:00"));  // no offset
    CHECK_FALSE(parse_rfc3339("2025-13-02T04:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2025-01-02 04:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2025-01-02T04:00:00Zjunk"));
    CHECK_FALSE(parse_rfc3339(""));
    CHECK(rfc3339_utc(1735790400) == "2025-01-02T04:00:00Z");
}

TEST_CASE("RFC 9773 §4.2's example renewalInfo response parses", "[ari]") {
    auto w = parse_renewal_info(R"({
      "suggestedWindow": {
        "start": "2025-01-02T04:00:00Z",
        "end": "2025-01-03T04:00:00Z"
      },
      "explanationURL": "https://acme.example.com/docs/ari"
    })",
                                "test");
    REQUIRE(w.ok());
    CHECK(w->start == 1735790400);
    CHECK(w->end == 1735790400 + 86400);
    CHECK(w->explanation_url == "https://acme.example.com/docs/ari");
}

TEST_CASE("malformed renewalInfo answers are rejected", "[ari]") {
    for (const char* body : {
             R"({"suggestedWindow":{"start":"2025-01-03T04:00:00Z","end":"2025-01-02T04:00:00Z"}})",
             R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-02T04:00:00Z"}})",
             R"({"suggestedWindow":{"start":"yesterday","end":"2025-01-02T04:00:00Z"}})",
             R"({"suggestedWindow":{"start":1,"end":2}})",
             R"({"suggestedWindow":"soon"})",
             R"({})",
             R"([])",
             R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z")",
             R"({"suggestedWindow":{"start":"2020-01-02T04:00:00Z","end":"2025-01-02T04:00:00Z"}})",
         }) {
        INFO(body);
        CHECK_FALSE(parse_renewal_info(body, "test").ok());
    }
    // An explanationURL that is not https is dropped, the window kept.
    auto w = parse_renewal_info(
        R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"},)"
        R"x("explanationURL":"javascript:alert(1)"})x",
        "test");
    REQUIRE(w.ok());
    CHECK(w->explanation_url.empty());
    // The scheme's case does not matter and is shown in lower case (found by the fuzz target).
    auto upper = parse_renewal_info(
        R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"},)"
        R"x("explanationURL":"HttpS://ca.example/docs"})x",
        "test");
    REQUIRE(upper.ok());
    CHECK(upper->explanation_url == "https://ca.example/docs");
}

TEST_CASE("renewalInfo is an unauthenticated GET of <renewalInfo>/<certID>", "[ari]") {
    test::FakeHttp http;
    http.reply(
        200, R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"}})",
        {{"retry-after", "21600"}});
    auto a = fetch_renewal_info(http, "https://ca.example/renewalInfo", "aYhb.AIdl", 1000);
    REQUIRE(a.ok());
    REQUIRE(http.seen.size() == 1);
    CHECK(http.seen[0].method == "GET");
    CHECK(http.seen[0].url == "https://ca.example/renewalInfo/aYhb.AIdl");
    CHECK(http.seen[0].body.empty());
    CHECK(a->retry_after == 1000 + 21600);
    CHECK(a->window.start == 1735790400);
}

TEST_CASE("renewalInfo failures are errors, and no Retry-After means the default", "[ari]") {
    test::FakeHttp http;
    http.reply(404, R"({"type":"urn:ietf:params:acme:error:malformed"})");
    CHECK_FALSE(fetch_renewal_info(http, "https://ca.example/ri/", "a.b", 0).ok());
    CHECK(http.seen[0].url == "https://ca.example/ri/a.b");
    http.reply(200, "<html>");
    CHECK_FALSE(fetch_renewal_info(http, "https://ca.example/ri", "a.b", 0).ok());
    CHECK_FALSE(fetch_renewal_info(http, "", "a.b", 0).ok());
    http.reply(
        200, R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"}})",
        {{"retry-after", "garbage"}});
    auto a = fetch_renewal_info(http, "https://ca.example/ri", "a.b", 50);
    REQUIRE(a.ok());
    CHECK(a->retry_after == 50 + kDefaultAriRetrySeconds);
}

TEST_CASE("the ARI renewal time is inside the window and stable for a certificate", "[ari]") {
    RenewalWindow w{1000, 2000, {}};
    std::set<int64_t> seen;
    for (int i = 0; i < 50; ++i) {
        std::string id = "cert" + std::to_string(i);
        int64_t t = ari_renewal_time(w, id);
        CHECK(t >= 1000);
        CHECK(t < 2000);
        CHECK(ari_renewal_time(w, id) == t);
        seen.insert(t);
    }
    CHECK(seen.size() > 40);  // spread, not one point
}
