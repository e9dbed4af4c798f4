// Describing plugins from their files (plugin_elf.h) against describing them by loading them in
// a runner: the same answer, no plugin code run, and no crash on a damaged file.
#include "plugin_elf.h"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <elf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>

#include "fsutil.h"
#include "plugin_challenge_test.h"
#include "plugin_host.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

const std::string kFixtures = CERTBOT_TEST_FIXTURE_DIR;

std::vector<std::string> so_files(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        const std::string n = e->d_name;
        if (n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) out.push_back(dir + "/" + n);
    }
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::string bytes_of(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_bytes(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << data;
}

}  // namespace

TEST_CASE("a plugin file's entry reads the same from the file as from a runner that loads it",
          "[plugins][elf]") {
    std::vector<std::string> files = so_files(kFixtures + "/plugins");
    for (const auto& f : so_files(kFixtures + "/misbehaving"))
        if (f.find("misbehave_ctor") == std::string::npos) files.push_back(f);
    // The in-tree plugins, when the build made them (the whole build does).
    for (const auto& f : so_files(kFixtures + "/../../plugins")) files.push_back(f);
    REQUIRE(files.size() >= 10);
    const auto loaded = describe_plugins_by_loading(files);
    REQUIRE(loaded.size() == files.size());
    size_t from_file = 0;
    for (size_t i = 0; i < files.size(); ++i) {
        INFO(files[i]);
        auto d = describe_plugin_file(files[i]);
        if (!d) continue;
        ++from_file;
        CHECK(*d == loaded[i]);
    }
    // Every plugin written as static data, C and C++ (the helper's entry()), 1.1, 1.2 and a
    // grown "future" header, and the broken ones the loader refuses, is read from its file.
    for (const char* f : {"good_c", "create_fails", "throws", "previous_plugin", "future_plugin",
                          "wrong_abi", "not_an_elf"}) {
        INFO(f);
        CHECK(describe_plugin_file(kFixtures + "/plugins/" + f + ".so").has_value());
    }
    CHECK(from_file + 2 == files.size());  // all but runtime_entry and no_entry
}

TEST_CASE("a plugin refused from its file data names itself and both ABI versions",
          "[plugins][elf]") {
    auto d = describe_plugin_file(kFixtures + "/plugins/wrong_abi.so");
    REQUIRE(d);
    REQUIRE(d->size() == 4);
    CHECK((*d)[1] == "skip");
    CHECK((*d)[2].find("was built for plugin ABI 99.") == 0);
    CHECK((*d)[3] == "wrong-abi");
}

TEST_CASE("an entry filled in at load time is described by loading it", "[plugins][elf]") {
    const std::string file = kFixtures + "/plugins/runtime_entry.so";
    CHECK_FALSE(describe_plugin_file(file).has_value());
    auto reg = PluginRegistry::discover({kFixtures + "/plugins"});
    const LoadedPlugin* p = reg.find("runtime-entry");
    REQUIRE(p);
    CHECK(std::string(p->entry->description) == "Entry filled in at load time");
    // A file without the entry symbol of its own is also left to the loader, which names it.
    CHECK_FALSE(describe_plugin_file(kFixtures + "/plugins/no_entry.so").has_value());
}

TEST_CASE("a plugin whose constructor crashes is described, and fails only when used",
          "[plugins][elf][faults]") {
    const std::string file = kFixtures + "/misbehaving/misbehave_ctor.so";
    auto d = describe_plugin_file(file);
    REQUIRE(d);
    REQUIRE(d->size() > 3);
    CHECK((*d)[1] == "ok");
    CHECK((*d)[2] == "ctor-crash");
    auto p = load_plugin(file);
    REQUIRE(p);
    test::TempDir work;
    auto inst = PluginInstance::create(*p, {}, false, false, work.path, work.path, work.path);
    REQUIRE_FALSE(inst);
    INFO(inst.error().message);
    CHECK(inst.error().message.find("ctor-crash") != std::string::npos);
    CHECK(inst.error().message.find("SIGSEGV") != std::string::npos);
}

TEST_CASE("a damaged plugin file is never misread: refused, or left to the loader",
          "[plugins][elf]") {
    test::TempDir dir;
    const std::string good = bytes_of(kFixtures + "/plugins/good_c.so");
    REQUIRE(good.size() > sizeof(Elf64_Ehdr));
    const std::string path = dir / "damaged.so";
    const auto expected = describe_plugin_file(kFixtures + "/plugins/good_c.so");
    REQUIRE(expected);

    SECTION("another machine or class is left to the loader") {
        std::string other = good;
        Elf64_Ehdr eh;
        std::memcpy(&eh, other.data(), sizeof eh);
        eh.e_machine = EM_RISCV;
        std::memcpy(other.data(), &eh, sizeof eh);
        write_bytes(path, other);
        CHECK_FALSE(describe_plugin_file(path).has_value());
        other = good;
        other[EI_CLASS] = ELFCLASS32;
        write_bytes(path, other);
        CHECK_FALSE(describe_plugin_file(path).has_value());
    }
    SECTION("a file cut short anywhere") {
        for (size_t len = 0; len < good.size(); len += std::max<size_t>(1, good.size() / 97)) {
            write_bytes(path, good.substr(0, len));
            auto d = describe_plugin_file(path);
            if (d && (*d)[1] == "ok") CHECK(*d == *expected);
        }
    }
    SECTION("bytes changed at random") {
        std::mt19937 rng(20261205);
        for (int round = 0; round < 300; ++round) {
            std::string bad = good;
            for (int k = 0; k < 8; ++k)
                bad[std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng)] =
                    static_cast<char>(rng());
            write_bytes(path, bad);
            // No crash, no hang, bounded reads; an answer is a well-formed one.
            if (auto d = describe_plugin_file(path)) {
                REQUIRE(d->size() >= 3);
                CHECK((*d)[0] == "desc");
                CHECK(((*d)[1] == "ok" || (*d)[1] == "skip"));
            }
        }
    }
    SECTION("a directory or a missing file named .so") {
        REQUIRE(::mkdir((dir / "dir.so").c_str(), 0700) == 0);
        auto d = describe_plugin_file(dir / "dir.so");
        REQUIRE(d);
        CHECK((*d)[2] == "not an ELF shared object");
        CHECK_FALSE(describe_plugin_file(dir / "missing.so").has_value());
    }
}
