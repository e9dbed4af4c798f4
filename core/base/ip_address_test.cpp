#include <catch2/catch.hpp>

#include "ip_address.h"

using namespace certbot;

namespace {
std::string canonical(const std::string& text) {
    auto ip = parse_ip_address(text);
    REQUIRE(ip);
    return format_ip_address(*ip);
}
}  // namespace

TEST_CASE("IPv6 text is canonical as RFC 5952 says", "[ip]") {
    // §4.1 leading zeros, §4.2.1 shorten as much as possible, §4.3 lowercase.
    CHECK(canonical("2001:0DB8:0000:0000:0000:0000:0000:0001") == "2001:db8::1");
    CHECK(canonical("2001:db8:0:0:0:0:2:1") == "2001:db8::2:1");
    // §4.2.2: a single 16-bit zero field is never "::".
    CHECK(canonical("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
    // §4.2.3: the longest run; on a tie the first.
    CHECK(canonical("2001:0:0:1:0:0:0:1") == "2001:0:0:1::1");
    CHECK(canonical("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");
    CHECK(canonical("0:0:0:0:0:0:0:1") == "::1");
    CHECK(canonical("::") == "::");
    CHECK(canonical("1::") == "1::");
    CHECK(canonical("fe80::") == "fe80::");
    // §5: IPv4-mapped addresses keep the dotted tail.
    CHECK(canonical("::FFFF:192.0.2.1") == "::ffff:192.0.2.1");
    CHECK(canonical("::ffff:c000:0201") == "::ffff:192.0.2.1");
    CHECK(canonical("192.0.2.1") == "192.0.2.1");
    CHECK(canonical("0.0.0.0") == "0.0.0.0");
}

TEST_CASE("malformed addresses are refused", "[ip][hostile]") {
    for (const char* bad :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "[::1]",
          "::1%lo", "fe80::1%eth0", "1.2.3.4/32", "1:2:3:4:5:6:7:8:9", "1:::2", "g::1",
          "1.2.3.4:80", "example.com", "::ffff:1.2.3", "12345::1", "0x7f.0.0.1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_ip_address(bad));
        CHECK_FALSE(is_ip_address(bad));
    }
    CHECK_FALSE(parse_ip_address(std::string(46, '1')));
}

TEST_CASE("reverse names follow RFC 1034 §3.5 and RFC 3596 §2.5", "[ip]") {
    CHECK(ip_reverse_name(*parse_ip_address("192.0.2.1")) == "1.2.0.192.in-addr.arpa");
    CHECK(ip_reverse_name(*parse_ip_address("127.0.0.1")) == "1.0.0.127.in-addr.arpa");
    // RFC 3596 §2.5's own example: 4321:0:1:2:3:4:567:89ab.
    CHECK(ip_reverse_name(*parse_ip_address("4321:0:1:2:3:4:567:89ab")) ==
          "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
    CHECK(ip_reverse_name(*parse_ip_address("::1")) ==
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST_CASE("iPAddress SAN bytes round trip", "[ip]") {
    const unsigned char v4[] = {192, 0, 2, 1};
    CHECK(format_ip_address(*ip_from_bytes(v4, 4)) == "192.0.2.1");
    auto v6 = parse_ip_address("2001:db8::1");
    REQUIRE(v6);
    CHECK(format_ip_address(*ip_from_bytes(v6->bytes, 16)) == "2001:db8::1");
    CHECK_FALSE(ip_from_bytes(v4, 3));
    CHECK_FALSE(ip_from_bytes(v4, 8));  // an address + mask is for name constraints, not SANs
    CHECK_FALSE(ip_from_bytes(nullptr, 4));
}
