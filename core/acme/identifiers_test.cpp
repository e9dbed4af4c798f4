#include <catch2/catch.hpp>

#include "http.h"
#include "identifiers.h"

using namespace certbot;

TEST_CASE("domains are normalised and validated like certbot's -d", "[identifiers]") {
    CHECK(*normalize_domain("Example.COM.") == "example.com");
    CHECK(*normalize_domain("*.example.com") == "*.example.com");
    CHECK(*normalize_domain("xn--bcher-kva.example") == "xn--bcher-kva.example");
    for (const char* bad : {"", "localhost", "a..b", "-a.com", "a-.com", "a.*.com", "*a.com",
                            "a b.com", "a/b.com", "../etc", "192.0.2.1", "::1", "a_b.com"}) {
        INFO(bad);
        auto r = normalize_domain(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code == kExitUsage);
        CHECK(r.error().message.find("-d") != std::string::npos);
    }
    CHECK_FALSE(normalize_domain(std::string(64, 'a') + ".com"));
    CHECK_FALSE(normalize_domain(std::string(250, 'a') + ".com"));
}

TEST_CASE("A-labels must be valid punycode (RFC 5891 §4.4)", "[identifiers][hostile]") {
    for (const char* ok : {"xn--bcher-kva.example", "www.xn--mnchen-3ya.de", "xn--80akhbyknj4f.com",
                           "*.xn--ls8h.example"}) {
        CAPTURE(ok);
        CHECK(normalize_domain(ok).ok());
    }
    for (const char* bad :
         {"xn--.example", "xn--a-.example", "xn--zzzzzzzzz.example", "xn--99999999999.example",
          "xn--abc.example", "ab--cd.example", "xn--a--.example"}) {
        CAPTURE(bad);
        auto d = normalize_domain(bad);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().exit_code == kExitUsage);
        CHECK(d.error().message.find("punycode") != std::string::npos);
    }
}

TEST_CASE("comma lists and repeats are split and de-duplicated in order", "[identifiers]") {
    auto d = parse_domains({"b.com, a.com", "b.com", "c.com"});
    REQUIRE(d);
    CHECK(*d == std::vector<std::string>{"b.com", "a.com", "c.com"});
    CHECK_FALSE(parse_domains({",a.com"}));
    CHECK_FALSE(parse_domains({"a.com,,b.com"}));
}

TEST_CASE("URLs from the server are parsed strictly", "[http]") {
    auto u = parse_url("https://ca.test:14000/dir?x=1#frag", true);
    REQUIRE(u);
    CHECK(u->host == "ca.test");
    CHECK(u->port == 14000);
    CHECK(u->path == "/dir?x=1");
    CHECK(parse_url("https://[::1]:8443/a", true)->host == "::1");
    CHECK(parse_url("https://ca.test", true)->path == "/");
    for (const char* bad : {"http://ca.test/", "ftp://x/", "https://user@ca.test/", "https:///x",
                            "https://ca.test:99999/", "https://ca.test/a b", "ca.test/dir",
                            "https://ca.test:12ab/"}) {
        INFO(bad);
        CHECK_FALSE(parse_url(bad, true));
    }
    CHECK_FALSE(parse_url("https://ca.test/" + std::string(3000, 'a'), true));
}

TEST_CASE("IP addresses for --ip-address are canonical, de-duplicated, never DNS names",
          "[identifiers]") {
    auto ips = parse_ip_addresses({"192.0.2.1,2001:DB8::0:1", "::0001", "192.0.2.1"});
    REQUIRE(ips);
    CHECK(*ips == std::vector<std::string>{"192.0.2.1", "2001:db8::1", "::1"});
    for (const char* bad : {"", "example.com", "[::1]", "1.2.3.4:443", "999.1.1.1", "a,1.2.3.4"}) {
        CAPTURE(bad);
        auto r = parse_ip_addresses({bad});
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code == kExitUsage);
        CHECK(r.error().message.find("--ip-address") != std::string::npos);
    }
    CHECK(std::string(identifier_type("192.0.2.1")) == "ip");
    CHECK(std::string(identifier_type("::1")) == "ip");
    CHECK(std::string(identifier_type("example.com")) == "dns");
    CHECK(dns_names_then_ips({"::1", "a.example", "192.0.2.1", "b.example"}) ==
          std::vector<std::string>{"a.example", "b.example", "::1", "192.0.2.1"});
}

TEST_CASE("an IP given to -d points at --ip-address", "[identifiers]") {
    for (const char* ip : {"192.0.2.1", "2001:db8::1"}) {
        CAPTURE(ip);
        auto r = normalize_domain(ip);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("--ip-address " + std::string(ip)) != std::string::npos);
        CHECK(r.error().message.find('\n') == std::string::npos);
    }
}
