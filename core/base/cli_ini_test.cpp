#include "cli_ini.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace certbot;

namespace {

CliIniEntry one(const std::string& line) {
    auto ini = parse_cli_ini(line + "\n", "t.ini");
    INFO(line);
    REQUIRE(ini);
    REQUIRE(ini->entries.size() == 1);
    return ini->entries[0];
}

std::string value_of(const std::string& line) {
    auto e = one(line);
    REQUIRE(e.values.size() == 1);
    REQUIRE_FALSE(e.list);
    return e.values[0];
}

// A fake command line: what certbot's parser knows about some keys.
OptionInfo lookup(const std::string& key) {
    static const std::map<std::string, OptionInfo> known = {
        {"rsa-key-size", {OptionKind::kValue, "rsa-key-size", ""}},
        {"domains", {OptionKind::kValues, "domains", ""}},
        {"domain", {OptionKind::kValues, "domains", ""}},
        {"webroot-path", {OptionKind::kValues, "webroot-path", ""}},
        {"agree-tos", {OptionKind::kFlag, "agree-tos", ""}},
        {"redirect", {OptionKind::kFlag, "redirect", ""}},
        {"no-redirect", {OptionKind::kFlag, "redirect", ""}},
        {"verbose", {OptionKind::kCount, "verbose", ""}},
    };
    auto it = known.find(key);
    if (it != known.end()) return it->second;
    return {OptionKind::kUnknown, "", key == "rsa-key-sise" ? " (did you mean rsa-key-size?)" : ""};
}

CliIni ini(const std::string& text, const std::string& path) {
    auto r = parse_cli_ini(text, path);
    REQUIRE(r);
    return *r;
}

std::vector<std::string> tokens(const std::vector<CliIniArg>& args) {
    std::vector<std::string> out;
    for (const auto& a : args) out.insert(out.end(), a.tokens.begin(), a.tokens.end());
    return out;
}

}  // namespace

TEST_CASE("cli.ini values resolve like ConfigArgParse's parser", "[cli_ini]") {
    // Expected values are what ConfigArgParse 1.5.3 (Debian 12's certbot) returns for each line.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"rsa-key-size = 4096", "4096"},
        {"rsa-key-size=4096", "4096"},
        {"rsa-key-size: 4096", "4096"},
        {"rsa-key-size 4096", "4096"},
        {"rsa-key-size   =   4096   ", "4096"},
        {"agree-tos", "true"},
        {"agree-tos = True", "True"},
        {"key =", ""},
        {"key:", ""},
        {"key = # c", "# c"},
        {"key #c", "#c"},
        {"key ;c", ";c"},
        {"key = a #c", "a"},
        {"key = a;c", "a;c"},
        {"key = a ; c", "a"},
        {"key = \"a # b\"", "a # b"},
        {"key = \"a\" b \"c\"", "a\" b \"c"},
        {"key = 'x'", "x"},
        {"key = \"x", "\"x"},
        {"key = \"\"", ""},
        {"key = \"\" # c", ""},
        {"key \"\"", "true"},
        {"key '' #c", "true"},
        {"key\t\"\"", ""},
        {"key = a = b", "a = b"},
        {"key : a : b", "a : b"},
        {"key\t=\ttab", "tab"},
        {"email = \"x@example.com\"  # quotes", "x@example.com"},
        {"key = a  #  c  ", "a"},
        {"key == b", "= b"},
        {"key = \"a\"#b", "\"a\"#b"},
        {"key = \"a\" #b", "a"},
        {"key = 'a\"", "'a\""},
        {"webroot-map = {\"a.example\": \"/var/www\"}", "{\"a.example\": \"/var/www\"}"},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        CHECK(value_of(c.first) == c.second);
    }
    CHECK(one("agree-tos").bare);
    CHECK(one("--key-type ecdsa").key == "key-type");
}

TEST_CASE("cli.ini lists", "[cli_ini]") {
    auto e = one("domains = [a.example, b.example]");
    CHECK(e.list);
    CHECK(e.values == std::vector<std::string>{"a.example", "b.example"});
    CHECK(one("key = [\"a,b\", \"c\"]").values == std::vector<std::string>{"a,b", "c"});
    CHECK(one("key = []").values.empty());
    CHECK(one("key = [a]").values == std::vector<std::string>{"a"});
    CHECK(one("key = [1, 2]").values == std::vector<std::string>{"1", "2"});
    // Not a list: certbot's -d splits this comma list itself.
    CHECK(value_of("domains = a.example, b.example") == "a.example, b.example");
}

TEST_CASE("cli.ini comments, sections, line endings and repeated keys", "[cli_ini]") {
    auto r =
        ini("# comment\n; comment\n[section]\n---\n\n   \nemail = a@example.com\r\n"
            "rsa-key-size = 2048\rrsa-key-size = 4096\n",
            "x.ini");
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[0].key == "email");
    CHECK(r.entries[0].line == 7);
    CHECK(r.entries[1].key == "rsa-key-size");
    CHECK(r.entries[1].values[0] == "4096");  // the last one wins
    CHECK(r.entries[1].line == 9);
}

TEST_CASE("cli.ini syntax errors name the file and line", "[cli_ini]") {
    for (const char* bad : {"=foo", ":foo", "key#x", "key;x"}) {
        auto r = parse_cli_ini(std::string("ok = 1\n") + bad + "\n", "/etc/x.ini");
        INFO(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.rfind("/etc/x.ini:2: ", 0) == 0);
        CHECK(r.error().exit_code == kExitUsage);
    }
    auto nul = parse_cli_ini(std::string("key = a\0b\n", 10), "n.ini");
    REQUIRE_FALSE(nul);
    CHECK(nul.error().message.find("n.ini:1: control character") == 0);
    auto long_line = parse_cli_ini("key = " + std::string(10000, 'a'), "l.ini");
    REQUIRE_FALSE(long_line);
    CHECK(long_line.error().message.find("l.ini:1: line longer") == 0);
}

TEST_CASE("parse_ini_bool", "[cli_ini]") {
    CHECK(parse_ini_bool("True") == true);
    CHECK(parse_ini_bool("YES") == true);
    CHECK(parse_ini_bool("1") == true);
    CHECK(parse_ini_bool("false") == false);
    CHECK(parse_ini_bool("No") == false);
    CHECK(parse_ini_bool("0") == false);
    CHECK_FALSE(parse_ini_bool("maybe"));
    CHECK_FALSE(parse_ini_bool(""));
}

TEST_CASE("cli.ini arguments: precedence and conversion", "[cli_ini]") {
    CliIni user = ini("rsa-key-size = 4096\nagree-tos = false\nverbose = 2\n", "user.ini");
    CliIni sys =
        ini("rsa-key-size = 3072\nagree-tos\ndomain = [a.example, b.example]\nno-redirect = yes\n",
            "sys.ini");
    SECTION("a higher layer wins, also with false; lists repeat the flag") {
        auto args = cli_ini_arguments({user, sys}, {}, lookup);
        REQUIRE(args);
        // lowest priority first: the system file's survivors, then the user file
        CHECK(tokens(*args) == std::vector<std::string>{"--domain=a.example", "--domain=b.example",
                                                        "--no-redirect", "--rsa-key-size=4096",
                                                        "--verbose", "--verbose"});
        CHECK(args->front().origin == "sys.ini:3");
    }
    SECTION("the command line wins over every file, aliases included") {
        auto args = cli_ini_arguments({user, sys}, {"rsa-key-size", "domains", "redirect"}, lookup);
        REQUIRE(args);
        CHECK(tokens(*args) == std::vector<std::string>{"--verbose", "--verbose"});
    }
    SECTION("unknown key: file, line, key and the hint") {
        auto args = cli_ini_arguments({ini("\nrsa-key-sise = 4096\n", "/x/cli.ini")}, {}, lookup);
        REQUIRE_FALSE(args);
        CHECK(args.error().message ==
              "/x/cli.ini:2: unknown option \"rsa-key-sise\" (did you mean rsa-key-size?); fix or "
              "remove this line");
        CHECK(args.error().exit_code == kExitUsage);
    }
    SECTION("bad flag value") {
        auto args = cli_ini_arguments({ini("agree-tos = maybe\n", "a.ini")}, {}, lookup);
        REQUIRE_FALSE(args);
        CHECK(args.error().message.find("a.ini:1: agree-tos = maybe: expected true or false") == 0);
    }
    SECTION("a list for a one-value option") {
        auto args = cli_ini_arguments({ini("rsa-key-size = [1, 2]\n", "a.ini")}, {}, lookup);
        REQUIRE_FALSE(args);
        CHECK(args.error().message == "a.ini:1: rsa-key-size takes one value, not a [list]");
    }
    SECTION("an unknown key is an error even where the command line overrides it") {
        auto args = cli_ini_arguments({ini("bogus = 1\n", "a.ini")}, {"bogus"}, lookup);
        CHECK_FALSE(args);
    }
}

TEST_CASE("default cli.ini locations", "[cli_ini]") {
    const char* old_sys = std::getenv("CERTBOT_SYSTEM_CLI_INI");
    const char* old_xdg = std::getenv("XDG_CONFIG_HOME");
    const char* old_home = std::getenv("HOME");
    std::string saved_sys = old_sys ? old_sys : "", saved_xdg = old_xdg ? old_xdg : "",
                saved_home = old_home ? old_home : "";
    unsetenv("CERTBOT_SYSTEM_CLI_INI");
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    CHECK(default_cli_ini_paths() ==
          std::vector<std::string>{"/etc/letsencrypt/cli.ini", "/xdg/letsencrypt/cli.ini"});
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/u", 1);
    setenv("CERTBOT_SYSTEM_CLI_INI", "", 1);
    CHECK(default_cli_ini_paths() ==
          std::vector<std::string>{"/home/u/.config/letsencrypt/cli.ini"});
    setenv("CERTBOT_SYSTEM_CLI_INI", "/t/sys.ini", 1);
    CHECK(default_cli_ini_paths().front() == "/t/sys.ini");
    auto restore = [](const char* name, const char* old, const std::string& v) {
        if (old)
            setenv(name, v.c_str(), 1);
        else
            unsetenv(name);
    };
    restore("CERTBOT_SYSTEM_CLI_INI", old_sys, saved_sys);
    restore("XDG_CONFIG_HOME", old_xdg, saved_xdg);
    restore("HOME", old_home, saved_home);
}
