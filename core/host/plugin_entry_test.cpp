// Negotiation (plugin.h, "Negotiation"): which of the entries a plugin offers the host uses, on
// hand-made heads and on the fixtures tests/fixtures/plugins/negotiate.c builds (read from the
// file and by loading it).
#include "plugin_entry.h"

#include <catch2/catch.hpp>

#include "plugin_challenge_test.h"
#include "plugin_elf.h"
#include "plugin_host.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

const std::string kDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins";

cb_plugin_head head(uint32_t major, uint32_t minor, const char* name = "multi") {
    return cb_plugin_head{sizeof(cb_plugin_head), major, minor, name};
}

const std::string kHostSpeaks = "this certbot speaks ABI " + std::to_string(CB_ABI_MAJOR) +
                                ".0 to " + std::to_string(CB_ABI_MAJOR) + "." +
                                std::to_string(CB_ABI_MINOR);

}  // namespace

TEST_CASE("negotiation picks the entry of the highest major the host speaks", "[plugins][abi]") {
    const cb_plugin_head v1 = head(1, 3), v2 = head(2, 0), v99 = head(99, 4);
    SECTION("only certbot_plugin_entry: it is the one, whatever its major") {
        CHECK(plugin_choose_entry({&v2}).problem.empty());
        CHECK(plugin_choose_entry({&v2}).index == 0);
    }
    SECTION("the list holds the major this host speaks") {
        auto c = plugin_choose_entry({&v2, &v2, &v1});
        CHECK(c.problem.empty());
        CHECK(c.index == 2);
        c = plugin_choose_entry({&v1, &v99, &v2});
        CHECK(c.problem.empty());
        CHECK(c.index == 0);
    }
    SECTION("no major this host speaks: refused, naming every version on both sides") {
        auto c = plugin_choose_entry({&v2, &v99, &v2});
        CHECK(c.problem == "offers only plugin ABI 2.0 and 99.4; " + kHostSpeaks);
        const cb_plugin_head v3 = head(3, 1);
        CHECK(plugin_choose_entry({&v99, &v2, &v3}).problem ==
              "offers only plugin ABI 2.0, 3.1 and 99.4; " + kHostSpeaks);
    }
}

TEST_CASE("negotiation refuses a list that is malformed or names another plugin",
          "[plugins][abi]") {
    const cb_plugin_head v1 = head(1, 3), v2 = head(2, 0);
    cb_plugin_head shorter = v1;
    shorter.struct_size = offsetof(cb_plugin_head, name);
    CHECK(plugin_choose_entry({&v2, &shorter}).problem ==
          "has a malformed entry #0 in certbot_plugin_entries");
    CHECK(plugin_choose_entry({&v2, &v1, nullptr}).problem ==
          "has a malformed entry #1 in certbot_plugin_entries");
    const cb_plugin_head other = head(1, 3, "someone-else");
    CHECK(plugin_choose_entry({&v2, &other}).problem.find("names another plugin") == 0);
    const cb_plugin_head bad_name = head(1, 3, "Not Valid");
    CHECK(plugin_choose_entry({&v2, &bad_name}).problem.find("names another plugin") == 0);
    std::vector<const cb_plugin_head*> many(CB_MAX_ENTRIES + 2, &v1);
    CHECK(plugin_choose_entry(many).problem ==
          "lists more than 16 entries in certbot_plugin_entries");
}

TEST_CASE("a plugin offering ABI majors 2 and 1 loads as 1 and runs", "[plugins][abi]") {
    const std::string file = kDir + "/negotiate_one_two.so";
    // From the file, without loading it, and by loading it: the same 1.x entry.
    auto d = describe_plugin_file(file);
    REQUIRE(d);
    REQUIRE(d->size() > 3);
    CHECK((*d)[1] == "ok");
    CHECK((*d)[2] == "speaks-1-2");
    CHECK(describe_plugins_by_loading({file}).at(0) == *d);

    auto reg = PluginRegistry::discover({kDir});
    const LoadedPlugin* p = reg.find("speaks-1-2");
    REQUIRE(p);
    CHECK(p->entry->abi_major == 1u);
    CHECK(std::string(p->entry->description) == "Offers plugin ABI 2 and 1");
    REQUIRE(p->entry->option_count == 1);
    CHECK(std::string(p->entry->options[0].name) == "speaking");
    // The runner creates the instance through the same entry (its create checks the major).
    test::TempDir work;
    auto inst = PluginInstance::create(*p, {}, false, false, work.path, work.path, work.path);
    REQUIRE(inst);
    CHECK((*inst)->perform({test::http01_challenge("ok.example")}));
    CHECK((*inst)->cleanup({test::http01_challenge("ok.example")}));
}

TEST_CASE("a plugin offering only ABI majors this host does not speak is refused in one line",
          "[plugins][abi]") {
    const std::string file = kDir + "/negotiate_future_only.so";
    const std::string why = "offers only plugin ABI 2.0 and 99.4; " + kHostSpeaks;
    auto d = describe_plugin_file(file);
    REQUIRE(d);
    CHECK(*d == wire::Message{"desc", "skip", why, "speaks-2-99"});
    CHECK(describe_plugins_by_loading({file}).at(0) == *d);

    auto reg = PluginRegistry::discover({kDir});
    CHECK(reg.find("speaks-2-99") == nullptr);
    const std::string missing = reg.missing("speaks-2-99");
    INFO(missing);
    CHECK(missing == "The requested speaks-2-99 plugin (" + file + ") cannot be used: it " + why +
                         " (install a build of the plugin for this certbot)");
    auto loaded = load_plugin(file);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().message == why);
}
