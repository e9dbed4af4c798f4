// -m/--email parsing: what reaches the CA's contact list and what is refused.
#include <catch2/catch.hpp>

#include "account.h"

using namespace certbot;

TEST_CASE("-m takes a comma-separated list of addresses", "[account]") {
    auto one = parse_emails("admin@example.com");
    REQUIRE(one);
    CHECK(*one == std::vector<std::string>{"admin@example.com"});
    auto several = parse_emails(" a@example.com, b@example.org ,,");
    REQUIRE(several);
    CHECK(*several == std::vector<std::string>{"a@example.com", "b@example.org"});
    auto none = parse_emails("");
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("an address that is no address is a usage error naming -m", "[account]") {
    for (const char* bad : {"admin", "@example.com", "admin@", "a b@example.com",
                            "a@example.com\nX-Injected: 1", "<a@example.com>", "a@ex\x01.com"}) {
        auto r = parse_emails(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code == kExitUsage);
        CHECK(r.error().message.find("-m/--email") != std::string::npos);
        CHECK(r.error().message.find('\n') == std::string::npos);
    }
}
