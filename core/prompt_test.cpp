#include "prompt.h"

#include <catch2/catch.hpp>

using namespace certbot;
using V = std::vector<size_t>;

TEST_CASE("parse_numbers: one choice from a menu", "[prompt]") {
    CHECK(parse_numbers("2", 3, false) == V{1});
    CHECK(parse_numbers(" 1 ", 3, false) == V{0});
    CHECK(parse_numbers("", 3, false).empty());
    CHECK(parse_numbers("0", 3, false).empty());
    CHECK(parse_numbers("4", 3, false).empty());
    CHECK(parse_numbers("1 2", 3, false).empty());
    CHECK(parse_numbers("x", 3, false).empty());
    CHECK(parse_numbers("-1", 3, false).empty());
    CHECK(parse_numbers("99999999999999999999", 3, false).empty());
}

TEST_CASE("parse_numbers: a checklist takes several, blank means all", "[prompt]") {
    CHECK(parse_numbers("3, 1", 3, true) == V{0, 2});
    CHECK(parse_numbers("2 2", 3, true) == V{1});
    CHECK(parse_numbers("", 3, true) == V{0, 1, 2});
    CHECK(parse_numbers("1,4", 3, true).empty());
    CHECK(parse_numbers("1;2", 3, true).empty());
}
