// Typed plugin options (plugin_options.h, ABI 1.3): each type's check and canonical form, the
// required bit, the metavar, and how the host reads an older plugin's options (as strings).
#include "plugin_options.h"

#include <catch2/catch.hpp>

#include <certbot/plugin.hpp>

#include <unistd.h>

#include <climits>
#include <cstring>

#include "plugin_entry.h"
#include "plugin_host.h"

using namespace certbot;

namespace {

const std::string kDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins";

cb_option_desc typed(const char* name, uint32_t type, int64_t min = 0, int64_t max = 0) {
    cb_option_desc o = certbot::plugin::option(name, nullptr, nullptr, CB_OPT_VALUE, type);
    o.min_value = min;
    o.max_value = max;
    return o;
}

std::string value_or_error(const cb_option_desc& od, const std::string& v) {
    auto r = plugin_option_value("demo", od, v);
    return r ? *r : "error: " + r.error().message;
}

std::string cwd() {
    char buf[PATH_MAX];
    return getcwd(buf, sizeof buf) ? buf : "";
}

}  // namespace

TEST_CASE("an int option takes a whole number in its range and hands it over canonical",
          "[plugins][options]") {
    const auto seconds = typed("seconds", CB_TYPE_INT, 0, 86400);
    CHECK(value_or_error(seconds, "10") == "10");
    CHECK(value_or_error(seconds, "+7") == "7");
    CHECK(value_or_error(seconds, "007") == "7");
    CHECK(value_or_error(seconds, "86400") == "86400");
    for (const char* bad : {"abc", "", "5x", " 5", "1.5", "0x10", "99999999999999999999"}) {
        INFO(bad);
        const std::string e = value_or_error(seconds, bad);
        CHECK(e == "error: The demo plugin's --demo-seconds takes a whole number, not \"" +
                       std::string(bad) + "\"");
    }
    CHECK(value_or_error(seconds, "-1") ==
          "error: The demo plugin's --demo-seconds must be from 0 to 86400, not \"-1\"");
    CHECK(value_or_error(seconds, "86401").find("must be from 0 to 86400") != std::string::npos);
    // Both bounds 0: any 64-bit value.
    CHECK(value_or_error(typed("n", CB_TYPE_INT), "-9000000000") == "-9000000000");
    auto r = plugin_option_value("demo", seconds, "abc");
    REQUIRE_FALSE(r);
    CHECK(r.error().exit_code == kExitUsage);
}

TEST_CASE("bool, path and choice options are checked and made canonical", "[plugins][options]") {
    const auto b = typed("verify", CB_TYPE_BOOL);
    for (const char* yes : {"True", "true", "YES", "on", "1"})
        CHECK(value_or_error(b, yes) == "True");
    for (const char* no : {"False", "false", "No", "OFF", "0"})
        CHECK(value_or_error(b, no) == "False");
    CHECK(value_or_error(b, "maybe") ==
          "error: The demo plugin's --demo-verify takes True or False, not \"maybe\"");

    const auto p = typed("dir", CB_TYPE_PATH);
    CHECK(value_or_error(p, "/var/www/./site/") == "/var/www/site");
    CHECK(value_or_error(p, "www/../html") == cwd() + "/html");  // os.path.abspath
    CHECK(value_or_error(p, "") ==
          "error: The demo plugin's --demo-dir takes a path, not an empty value");

    static const char* const kModes[] = {"reload", "restart", nullptr};
    auto c = typed("mode", CB_TYPE_CHOICE);
    c.choices = kModes;
    CHECK(value_or_error(c, "restart") == "restart");
    CHECK(value_or_error(c, "Restart") ==
          "error: The demo plugin's --demo-mode must be one of reload, restart, not \"Restart\"");

    // A string, and a type of a later minor this host does not know, pass unchanged.
    CHECK(value_or_error(typed("s", CB_TYPE_STRING), " any thing ") == " any thing ");
    CHECK(value_or_error(plugin_option_typed(typed("later", 99)), "x") == "x");
}

TEST_CASE("the metavar is the descriptor's, the choices, or the flag in capitals",
          "[plugins][options]") {
    auto o = typed("propagation-seconds", CB_TYPE_INT);
    CHECK(plugin_option_metavar("dns-x", o) == "DNS_X_PROPAGATION_SECONDS");
    o.metavar = "SECONDS";
    CHECK(plugin_option_metavar("dns-x", o) == "SECONDS");
    static const char* const kModes[] = {"a", "b", nullptr};
    auto c = typed("mode", CB_TYPE_CHOICE);
    c.choices = kModes;
    CHECK(plugin_option_metavar("x", c) == "{a,b}");
    c.flags |= CB_OPT_REQUIRED;
    c.default_value = "a";
    CHECK(plugin_option_summary(c) == "one of a|b, required, default a");
    CHECK(plugin_option_summary(typed("n", CB_TYPE_INT, 1, 5)) == "int 1 to 5");
}

TEST_CASE("an option of a plugin built before 1.3 reads as a string, whatever follows it",
          "[plugins][options]") {
    // A 1.2 element: 56 bytes, then (here) garbage where 1.3 put the typed fields.
    cb_option_desc old{};
    std::memset(&old, 0xA5, sizeof old);
    old.struct_size = 56;
    old.name = "path";
    old.flags = CB_OPT_VALUE;
    const cb_option_desc t = plugin_option_typed(old);
    CHECK(t.type == CB_TYPE_STRING);
    CHECK(t.choices == nullptr);
    CHECK(t.min_value == 0);
    CHECK(value_or_error(t, "relative/dir") == "relative/dir");
}

TEST_CASE("typed fields a plugin gets wrong refuse the plugin, naming the option",
          "[plugins][options]") {
    auto c = typed("mode", CB_TYPE_CHOICE);
    CHECK(plugin_option_problem(c) == "option mode as a choice without choices");
    auto n = typed("n", CB_TYPE_INT, 5, 1);
    CHECK(plugin_option_problem(n) == "option n with no value allowed (min_value above max_value)");
    auto d = typed("n", CB_TYPE_INT, 1, 5);
    d.default_value = "9";
    CHECK(plugin_option_problem(d) == "option n with a default its own type refuses (\"9\")");
    d.default_value = "5";
    CHECK(plugin_option_problem(d).empty());
}

TEST_CASE("the host checks a plugin's values before it sees them, and its required options",
          "[plugins][options]") {
    auto p = load_plugin(kDir + "/good_c.so");  // tests/fixtures/plugins/c_plugin.c
    REQUIRE(p);
    PluginOptionValues v;
    v.values["times"] = {"1"};
    auto missing = check_plugin_values(*p, v);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message ==
          "The good-c plugin needs --good-c-out FILE (see certbot --help good-c)");
    CHECK(missing.error().exit_code == kExitFailure);  // certbot: MissingCommandlineFlag

    v.values["out"] = {"relative.txt"};
    v.values["times"] = {"03"};
    v.values["loud"] = {"yes"};
    v.values["tone"] = {"brief"};
    REQUIRE(check_plugin_values(*p, v));
    CHECK(v.values["out"] == std::vector<std::string>{cwd() + "/relative.txt"});
    CHECK(v.values["times"] == std::vector<std::string>{"3"});
    CHECK(v.values["loud"] == std::vector<std::string>{"True"});

    v.values["times"] = {"4"};
    auto range = check_plugin_values(*p, v);
    REQUIRE_FALSE(range);
    CHECK(range.error().message ==
          "The good-c plugin's --good-c-times must be from 1 to 3, not \"4\"");
    v.values["times"] = {"2"};
    v.values["tone"] = {"rude"};
    auto choice = check_plugin_values(*p, v);
    REQUIRE_FALSE(choice);
    CHECK(choice.error().message.find("--good-c-tone must be one of polite, brief") !=
          std::string::npos);
}
