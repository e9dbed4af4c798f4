// Prompt over string streams: what is asked, how answers are read, end of input.
#include <catch2/catch.hpp>

#include <sstream>

#include "prompt.h"

using namespace certbot;

TEST_CASE("a line is asked on the output and read trimmed", "[prompt]") {
    std::istringstream in("  me@example.com \r\n");
    std::ostringstream out;
    Prompt p(in, out);
    auto a = p.line("Email: ");
    REQUIRE(a);
    CHECK(*a == "me@example.com");
    CHECK(out.str() == "Email: ");
    CHECK_FALSE(p.line("again: "));  // end of input
}

TEST_CASE("yes_no shows certbot's labels and re-asks until it understands", "[prompt]") {
    std::istringstream in("maybe\n\nA\n");
    std::ostringstream out;
    Prompt p(in, out);
    auto a = p.yes_no("Do you agree?", "Agree", "Cancel");
    REQUIRE(a);
    CHECK(*a);
    CHECK(out.str() == "Do you agree?\n(A)gree/(C)ancel: (A)gree/(C)ancel: (A)gree/(C)ancel: ");
}

TEST_CASE("yes_no: labels' letters, y/n aliases, defaults and end of input", "[prompt]") {
    auto ask = [](const std::string& input, std::optional<bool> def = std::nullopt) {
        std::istringstream in(input);
        std::ostringstream out;
        return Prompt(in, out).yes_no("Q?", "Deactivate", "Abort", def);
    };
    CHECK(ask("d\n") == std::optional<bool>(true));
    CHECK(ask("abort\n") == std::optional<bool>(false));
    CHECK(ask("Y\n") == std::optional<bool>(true));
    CHECK(ask("no\n") == std::optional<bool>(false));
    CHECK(ask("\n", true) == std::optional<bool>(true));
    CHECK(ask("\n", false) == std::optional<bool>(false));
    CHECK_FALSE(ask("\n").has_value());  // no default: asks again, then end of input
    CHECK_FALSE(ask("").has_value());
}

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

TEST_CASE("numbers: certbot's menu on the prompt's streams, re-asked, cancelled", "[prompt]") {
    const std::vector<std::string> names = {"a.example", "b.example"};
    std::istringstream in("x\n2\n");
    std::ostringstream out;
    Prompt p(in, out);
    CHECK(p.numbers("Which names?", names, false) == V{1});
    const std::string text = out.str();
    CHECK(text.find("Which names?\n") != std::string::npos);
    CHECK(text.find("1: a.example\n2: b.example\n") != std::string::npos);
    CHECK(text.find("Select the appropriate number [1-2] then [enter] (press 'c' to cancel): ") !=
          std::string::npos);
    CHECK(text.find("** Invalid input **") != std::string::npos);  // "x", then asked again

    std::istringstream all("\n");
    std::ostringstream out2;
    Prompt checklist(all, out2);
    CHECK(checklist.numbers("Which?", names, true) == V{0, 1});  // blank: all

    std::istringstream cancel("c\n"), eof(""), bad("9\n0\nz\n2\n");
    std::ostringstream sink;
    CHECK(Prompt(cancel, sink).numbers("Which?", names, false).empty());
    CHECK(Prompt(eof, sink).numbers("Which?", names, false).empty());
    CHECK(Prompt(bad, sink).numbers("Which?", names, false).empty());  // 3 invalid answers
}
