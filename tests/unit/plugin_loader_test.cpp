// The plugin loader against good and deliberately broken plugin files.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "plugin_challenge_test.h"
#include "plugin_host.h"

using namespace certbot;

namespace {
using test::http01_challenge;
const std::string kDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins";

std::string reason_for(const PluginRegistry& reg, const std::string& file) {
    for (const auto& s : reg.skipped())
        if (s.path == kDir + "/" + file) return s.reason;
    return "(not skipped)";
}

}  // namespace

TEST_CASE("the loader skips every broken file with a reason and keeps the good ones", "[plugins]") {
    auto reg = PluginRegistry::discover({kDir});
    REQUIRE(reg.find("good-c") != nullptr);
    REQUIRE(reg.find("throws") != nullptr);
    REQUIRE(reg.find("create-fails") != nullptr);
    CHECK(reg.find("wrong-abi") == nullptr);
    CHECK(reason_for(reg, "not_an_elf.so") == "not an ELF shared object");
    CHECK(reason_for(reg, "no_entry.so").find("no certbot_plugin_entry symbol") !=
          std::string::npos);
    auto abi = reason_for(reg, "wrong_abi.so");
    CHECK(abi.find("ABI 99.") != std::string::npos);
    CHECK(abi.find("speaks ABI 1.") != std::string::npos);
}

TEST_CASE("a plugin built for another ABI major is refused by name, with both versions",
          "[plugins]") {
    auto reg = PluginRegistry::discover({kDir});
    REQUIRE(reg.find("wrong-abi") == nullptr);
    const SkippedPlugin* skipped = nullptr;
    for (const auto& s : reg.skipped())
        if (s.path == kDir + "/wrong_abi.so") skipped = &s;
    REQUIRE(skipped);
    CHECK(skipped->name == "wrong-abi");  // read from the part of the entry every major keeps
    const std::string why = reg.missing("wrong-abi");
    INFO(why);
    const std::string versions = "was built for plugin ABI 99." + std::to_string(CB_ABI_MINOR) +
                                 "; this certbot speaks ABI " + std::to_string(CB_ABI_MAJOR) +
                                 ".0 to " + std::to_string(CB_ABI_MAJOR) + "." +
                                 std::to_string(CB_ABI_MINOR);
    CHECK(why.find("The requested wrong-abi plugin (" + kDir +
                   "/wrong_abi.so) cannot be used: it " + versions) == 0);
    CHECK(why.find('\n') == std::string::npos);
    // A file that could not be read far enough to name a plugin leaves "not installed".
    CHECK(reg.missing("no-such-plugin").find("does not appear to be installed") !=
          std::string::npos);
    for (const auto& s : reg.skipped())
        if (s.path == kDir + "/not_an_elf.so") CHECK(s.name.empty());
}

TEST_CASE("a missing directory yields no plugins and no crash", "[plugins]") {
    auto reg = PluginRegistry::discover({kDir + "/does-not-exist"});
    CHECK(reg.plugins().empty());
}

TEST_CASE("descriptor data is read without running plugin code", "[plugins]") {
    auto p = load_plugin(kDir + "/good_c.so");
    REQUIRE(p);
    CHECK(p->name() == "good-c");
    CHECK(p->is_authenticator());
    CHECK_FALSE(p->is_installer());
    CHECK(p->challenge_types() == std::vector<std::string>{"http-01", "dns-01"});
    REQUIRE(p->entry->option_count == 5);
    CHECK(std::string(p->entry->options[0].name) == "greeting");
    // The typed fields (ABI 1.3) cross as declared.
    const cb_option_desc* o = p->entry->options;
    CHECK(o[0].type == CB_TYPE_STRING);
    CHECK((o[1].type == CB_TYPE_INT && o[1].min_value == 1 && o[1].max_value == 3));
    REQUIRE(o[2].type == CB_TYPE_CHOICE);
    REQUIRE(o[2].choices);
    CHECK(std::string(o[2].choices[0]) == "polite");
    CHECK(std::string(o[2].choices[1]) == "brief");
    CHECK(o[2].choices[2] == nullptr);
    CHECK((o[3].type == CB_TYPE_PATH && (o[3].flags & CB_OPT_REQUIRED)));
    CHECK(o[4].type == CB_TYPE_BOOL);
}

TEST_CASE("a C plugin is driven through the host table", "[plugins]") {
    auto p = load_plugin(kDir + "/good_c.so");
    REQUIRE(p);
    PluginOptionValues v;
    v.values["greeting"] = {"hi"};
    auto inst = PluginInstance::create(*p, v, false, false, "/tmp", "/tmp", "/tmp");
    REQUIRE(inst);
    auto pref = (*inst)->chall_pref("example.com");
    REQUIRE(pref);
    CHECK(*pref == std::vector<std::string>{"dns-01", "http-01"});
    auto declined = (*inst)->chall_pref("decline.example.com");
    REQUIRE(declined);
    CHECK(declined->empty());
    CHECK((*inst)->perform({http01_challenge("ok.example")}));
    auto failed = (*inst)->perform({http01_challenge("fail.example")});
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.find("cannot answer for fail.example") != std::string::npos);
    CHECK((*inst)->cleanup({http01_challenge("ok.example")}));
    auto not_inst = (*inst)->get_all_names();
    REQUIRE_FALSE(not_inst);
    CHECK(not_inst.error().message.find("not an installer") != std::string::npos);
}

TEST_CASE("a plugin whose create fails reports its message", "[plugins]") {
    auto p = load_plugin(kDir + "/create_fails.so");
    REQUIRE(p);
    auto inst = PluginInstance::create(*p, {}, false, false, "/tmp", "/tmp", "/tmp");
    REQUIRE_FALSE(inst);
    CHECK(inst.error().message.find("not installed") != std::string::npos);
    CHECK(inst.error().message.find("create-fails") != std::string::npos);
}

TEST_CASE("an exception thrown in a C++ plugin becomes an error, never crosses", "[plugins]") {
    auto p = load_plugin(kDir + "/throws.so");
    REQUIRE(p);
    auto inst = PluginInstance::create(*p, {}, false, false, "/tmp", "/tmp", "/tmp");
    REQUIRE(inst);
    auto st = (*inst)->perform({http01_challenge("boom.example")});
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("perform exploded for boom.example") != std::string::npos);
    // Declined from cleanup is not a failure message of its own.
    auto c = (*inst)->cleanup({http01_challenge("boom.example")});
    REQUIRE_FALSE(c);
    CHECK(c.error().message.find("declined") != std::string::npos);
}

TEST_CASE("plugins built against the previous released header and a future header load and run",
          "[plugins]") {
    auto prev = load_plugin(kDir + "/previous_plugin.so");
    REQUIRE(prev);
    CHECK(prev->name() == "previous");
    CHECK(prev->entry->abi_minor == 1u);  // built with the frozen 1.1 header
    CHECK(prev->entry->exclusive == 0u);
    REQUIRE(prev->entry->option_count == 1);
    CHECK(std::string(prev->entry->options[0].name) == "path");
    auto future = load_plugin(kDir + "/future_plugin.so");
    REQUIRE(future);
    CHECK(future->name() == "future");
    // Its options are larger than this host's cb_option_desc: both must read right.
    REQUIRE(future->entry->option_count == 2);
    CHECK(std::string(future->entry->options[0].name) == "first");
    CHECK(std::string(future->entry->options[0].default_value) == "one");
    CHECK(std::string(future->entry->options[1].name) == "second");
    CHECK(future->entry->options[1].flags == CB_OPT_FLAG);
    REQUIRE(future->entry->options[0].type == CB_TYPE_CHOICE);
    CHECK(std::string(future->entry->options[0].choices[1]) == "two");
    // A 1.1 plugin's options have no typed fields: strings.
    CHECK(prev->entry->options[0].type == CB_TYPE_STRING);
    CHECK(prev->entry->options[0].choices == nullptr);
    for (const auto* p : {&*prev, &*future}) {
        auto inst = PluginInstance::create(*p, {}, false, false, "/tmp", "/tmp", "/tmp");
        REQUIRE(inst);
        CHECK((*inst)->perform({http01_challenge("ok.example")}));
        CHECK((*inst)->cleanup({http01_challenge("ok.example")}));
    }
}

TEST_CASE("plugins others could change, or from a relative path, are not loaded",
          "[plugins][hostile]") {
    char tmpl[] = "/tmp/plugin_trust.XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string dir = tmpl;
    const std::string so = dir + "/good_c.so";
    {
        std::ifstream in(kDir + "/good_c.so", std::ios::binary);
        std::ofstream out(so, std::ios::binary);
        out << in.rdbuf();
    }
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    REQUIRE(::chmod(so.c_str(), 0644) == 0);
    auto reason = [](const PluginRegistry& reg, const std::string& path) {
        for (const auto& s : reg.skipped())
            if (s.path == path) return s.reason;
        return std::string("(not skipped)");
    };
    // Trusted: loaded (the control for every case below).
    CHECK(PluginRegistry::discover({dir}).find("good-c") != nullptr);

    // A directory others may write (even a sticky one: anyone can add a .so to /tmp).
    for (mode_t mode : {0775, 0757, 01777}) {
        REQUIRE(::chmod(dir.c_str(), mode) == 0);
        auto reg = PluginRegistry::discover({dir});
        CHECK(reg.find("good-c") == nullptr);
        CHECK(reason(reg, dir).find("writable by group or others") != std::string::npos);
    }
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);

    // A plugin file others may write.
    REQUIRE(::chmod(so.c_str(), 0666) == 0);
    auto writable = PluginRegistry::discover({dir});
    CHECK(writable.find("good-c") == nullptr);
    CHECK(reason(writable, so).find("chmod go-w " + so) != std::string::npos);
    REQUIRE(::chmod(so.c_str(), 0644) == 0);

    // A plugin file owned by another user (only root can hand a file to someone else).
    if (::geteuid() == 0) {
        REQUIRE(::chown(so.c_str(), 65534, 65534) == 0);
        auto foreign = PluginRegistry::discover({dir});
        CHECK(foreign.find("good-c") == nullptr);
        CHECK(reason(foreign, so).find("owned by another user (uid 65534)") != std::string::npos);
        REQUIRE(::chown(so.c_str(), 0, 0) == 0);
    }

    // A relative directory, even one that is fine.
    char cwd[4096];
    REQUIRE(::getcwd(cwd, sizeof cwd));
    REQUIRE(::chdir("/tmp") == 0);
    const std::string relative = dir.substr(std::string("/tmp/").size());
    auto rel = PluginRegistry::discover({relative});
    REQUIRE(::chdir(cwd) == 0);
    CHECK(rel.find("good-c") == nullptr);
    CHECK(reason(rel, relative).find("absolute path") != std::string::npos);

    std::remove(so.c_str());
    ::rmdir(dir.c_str());
}
