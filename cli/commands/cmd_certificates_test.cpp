#include "cmd_certificates.h"

#include <catch2/catch.hpp>

using namespace certbot;

// certbot 5.x prints "Identifiers:" (certbot PR #10468; certbot issue #10505 shows 5.2.1's
// listing); Debian's certbot 2.1 "Domains:". DNS-only lineages keep 2.1's line byte for byte.
TEST_CASE("certificates names line: Domains for DNS names, Identifiers with an address",
          "[certificates]") {
    CHECK(certificate_names_line({"a.example", "b.example"}) == "Domains: a.example b.example");
    CHECK(certificate_names_line({"*.example.com", "example.com"}) ==
          "Domains: *.example.com example.com");
    CHECK(certificate_names_line({}) == "Domains: ");  // certbot's " ".join([]) after "Domains: "
    CHECK(certificate_names_line({"127.0.0.1"}) == "Identifiers: 127.0.0.1");
    CHECK(certificate_names_line({"::1"}) == "Identifiers: ::1");
    CHECK(certificate_names_line({"mixed.example", "2001:db8::1"}) ==
          "Identifiers: mixed.example 2001:db8::1");
    // Names that only look numeric are DNS names: no address, no "Identifiers:".
    CHECK(certificate_names_line({"1.2.3.example", "0x7f.example"}) ==
          "Domains: 1.2.3.example 0x7f.example");
}
