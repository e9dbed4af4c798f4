// The webroot plugin (plugins/webroot), loaded from the built webroot.so and driven through a
// fake host.
#include "plugin_harness.h"

#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace plugin_test;

namespace {

const std::string kChallengeDir = "/.well-known/acme-challenge";

const PluginLibrary& webroot() {
    static PluginLibrary lib(CERTBOT_WEBROOT_PLUGIN);
    return lib;
}

// Sets the umask for one scope: the plugin must not depend on it.
class Umask {
  public:
    explicit Umask(mode_t m) : old_(umask(m)) {}
    ~Umask() { umask(old_); }

  private:
    mode_t old_;
};

}  // namespace

TEST_CASE("webroot: descriptor is static data the host can list", "[webroot]") {
    const cb_plugin& p = webroot().entry();
    CHECK(p.struct_size == sizeof(cb_plugin));
    CHECK(p.abi_major == CB_ABI_MAJOR);
    CHECK(std::string(p.name) == "webroot");
    CHECK(std::string(p.description) == "Place files in webroot directory");
    CHECK(p.version != nullptr);
    CHECK(p.kinds == CB_KIND_AUTHENTICATOR);
    REQUIRE(p.challenge_types != nullptr);
    CHECK(std::string(p.challenge_types[0]) == "http-01");
    CHECK(p.challenge_types[1] == nullptr);
    REQUIRE(p.authenticator != nullptr);
    CHECK(p.authenticator->struct_size == sizeof(cb_authenticator));
    CHECK(p.authenticator->get_chall_pref != nullptr);
    CHECK(p.authenticator->perform != nullptr);
    CHECK(p.authenticator->cleanup != nullptr);
    CHECK(p.installer == nullptr);
    CHECK(p.create != nullptr);
    CHECK(p.destroy != nullptr);

    REQUIRE(p.option_count == 2);
    const cb_option_desc& path = p.options[0];
    CHECK(path.struct_size == sizeof(cb_option_desc));
    CHECK(std::string(path.name) == "path");
    CHECK(std::string(path.short_alias) == "-w");
    CHECK(path.metavar == nullptr);    // --help derives certbot's WEBROOT_PATH
    CHECK(path.type == CB_TYPE_PATH);  // ABI 1.3: the host makes it absolute
    CHECK(path.flags == (CB_OPT_REPEATABLE | CB_OPT_PER_IDENTIFIER));
    CHECK(std::string(path.help).find("public_html / webroot path") == 0);
    CHECK(path.default_value == nullptr);
    const cb_option_desc& map = p.options[1];
    CHECK(std::string(map.name) == "map");
    CHECK(map.short_alias == nullptr);
    CHECK(map.metavar == nullptr);
    CHECK(map.type == CB_TYPE_STRING);
    CHECK(map.flags == CB_OPT_IDENTIFIER_MAP);
    CHECK(std::string(map.help).find("JSON dictionary mapping domains to webroot paths") == 0);
}

TEST_CASE("webroot: prefers http-01 for any name", "[webroot]") {
    FakeHost host;
    Instance inst(webroot(), host);
    CHECK(inst.chall_pref("example.com") == std::vector<std::string>{"http-01"});
}

TEST_CASE("webroot: writes each answer under its own webroot and cleanup removes it all",
          "[webroot]") {
    TempDir tmp;
    const std::string a = tmp / "a", b = tmp / "b";
    REQUIRE(mkdir(a.c_str(), 0755) == 0);
    REQUIRE(mkdir(b.c_str(), 0755) == 0);
    FakeHost host;
    host.set_for("path", "a.example", a);
    host.set_for("path", "www.a.example", a + "/");  // the same root spelled differently
    host.set_for("path", "b.example", b);
    const std::vector<TestChallenge> chs = {http01("a.example", "tokA_-1"),
                                            http01("www.a.example", "tokA2"),
                                            http01("b.example", "tokB")};
    Instance inst(webroot(), host);
    {
        Umask strict(077);  // the web server is another user: modes must not follow the umask
        REQUIRE(inst.perform(chs) == CB_OK);
    }
    INFO(host.all_logs());
    CHECK(host.errors().empty());
    CHECK(host.queried("path", "a.example"));
    CHECK(host.queried("path", "b.example"));

    CHECK(read_file(a + kChallengeDir + "/tokA_-1") == chs[0].validation);
    CHECK(read_file(a + kChallengeDir + "/tokA2") == chs[1].validation);
    CHECK(read_file(b + kChallengeDir + "/tokB") == chs[2].validation);
    CHECK(mode_of(a + kChallengeDir + "/tokA_-1") == 0644);
    CHECK(mode_of(b + kChallengeDir + "/tokB") == 0644);
    CHECK(mode_of(a + "/.well-known") == 0755);
    CHECK(mode_of(a + kChallengeDir) == 0755);
    CHECK(mode_of(b + kChallengeDir) == 0755);
    CHECK_FALSE(exists(a + kChallengeDir + "/tokB"));  // each name in its own root

    REQUIRE(inst.cleanup(chs) == CB_OK);
    CHECK_FALSE(exists(a + "/.well-known"));
    CHECK_FALSE(exists(b + "/.well-known"));
    CHECK(is_dir(a));
    CHECK(is_dir(b));
    CHECK(list_dir(tmp.path()) == std::vector<std::string>{"a", "b"});

    SECTION("cleanup is idempotent") {
        CHECK(inst.cleanup(chs) == CB_OK);
        CHECK(inst.cleanup({}) == CB_OK);
        CHECK(host.errors().empty());
    }
    SECTION("the instance can perform again after cleanup") {
        REQUIRE(inst.perform({chs[2]}) == CB_OK);
        CHECK(read_file(b + kChallengeDir + "/tokB") == chs[2].validation);
        REQUIRE(inst.cleanup({chs[2]}) == CB_OK);
        CHECK_FALSE(exists(b + "/.well-known"));
    }
}

TEST_CASE("webroot: cleanup leaves directories and files it did not create", "[webroot]") {
    TempDir tmp;
    const std::string root = tmp.path();
    FakeHost host;
    host.set_for("path", "example.com", root);
    const auto ch = http01("example.com", "token1");

    SECTION(".well-known existed") {
        REQUIRE(mkdir((root + "/.well-known").c_str(), 0755) == 0);
        write_file(root + "/.well-known/security.txt", "Contact: mailto:x@example.com\n");
        Instance inst(webroot(), host);
        REQUIRE(inst.perform({ch}) == CB_OK);
        REQUIRE(inst.cleanup({ch}) == CB_OK);
        CHECK(is_dir(root + "/.well-known"));
        CHECK_FALSE(exists(root + kChallengeDir));
        CHECK(list_dir(root + "/.well-known") == std::vector<std::string>{"security.txt"});
    }
    SECTION("acme-challenge existed with a file in it") {
        REQUIRE(mkdir((root + "/.well-known").c_str(), 0700) == 0);
        REQUIRE(mkdir((root + kChallengeDir).c_str(), 0700) == 0);
        write_file(root + kChallengeDir + "/other", "x");
        Instance inst(webroot(), host);
        REQUIRE(inst.perform({ch}) == CB_OK);
        CHECK(mode_of(root + kChallengeDir) == 0700);  // not ours: not touched
        REQUIRE(inst.cleanup({ch}) == CB_OK);
        CHECK(list_dir(root + kChallengeDir) == std::vector<std::string>{"other"});
    }
    SECTION("someone else put a file in a directory the plugin created") {
        Instance inst(webroot(), host);
        REQUIRE(inst.perform({ch}) == CB_OK);
        write_file(root + kChallengeDir + "/theirs", "x");
        REQUIRE(inst.cleanup({ch}) == CB_OK);
        CHECK(list_dir(root + kChallengeDir) == std::vector<std::string>{"theirs"});
        CHECK(host.logged("was not empty", CB_LOG_INFO));
        CHECK(inst.cleanup({ch}) == CB_OK);  // and it does not try again
        CHECK(host.errors().empty());
    }
}

TEST_CASE("webroot: a token outside base64url is refused before any file is made", "[webroot]") {
    auto bad = GENERATE(as<std::string>{}, "../evil", "..", ".", "a/b", "", "tok en", "tok\nen",
                        "tok%2F", std::string(300, 'a'));
    TempDir tmp;
    const std::string root = tmp / "www";
    REQUIRE(mkdir(root.c_str(), 0755) == 0);
    FakeHost host;
    host.set_for("path", "example.com", root);
    host.set_for("path", "ok.example", root);
    Instance inst(webroot(), host);
    // A good challenge first: the bad one must stop everything, not just itself.
    REQUIRE(inst.perform({http01("ok.example", "good"), http01("example.com", bad)}) == CB_ERROR);
    INFO(host.last_error());
    CHECK(host.last_error().find("example.com") != std::string::npos);
    CHECK(host.last_error().find("base64url") != std::string::npos);
    CHECK(list_dir(root).empty());
    CHECK(list_dir(tmp.path()) == std::vector<std::string>{"www"});
    CHECK(inst.cleanup({}) == CB_OK);
}

TEST_CASE("webroot: a missing webroot is named in the error", "[webroot]") {
    TempDir tmp;
    FakeHost host;
    const auto ch = http01("example.com", "token1");
    Instance inst(webroot(), host);

    SECTION("does not exist") {
        const std::string missing = tmp / "no-such-dir";
        host.set_for("path", "example.com", missing);
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find(missing) != std::string::npos);
        CHECK(host.last_error().find("does not exist or is not a directory") != std::string::npos);
        CHECK_FALSE(exists(missing));
    }
    SECTION("is a file") {
        const std::string file = tmp / "file";
        write_file(file, "x");
        host.set_for("path", "example.com", file);
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find(file) != std::string::npos);
    }
    SECTION("no webroot configured for the name") {
        host.set_for("path", "other.example", tmp.path());
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("example.com") != std::string::npos);
        CHECK(host.last_error().find("--webroot-path") != std::string::npos);
        CHECK(host.last_error().find("-w") != std::string::npos);
        CHECK(list_dir(tmp.path()).empty());
    }
    CHECK(inst.cleanup({ch}) == CB_OK);
}

TEST_CASE("webroot: a symlink planted at the challenge file is not followed", "[webroot]") {
    TempDir tmp;
    const std::string root = tmp / "www", outside = tmp / "outside";
    REQUIRE(mkdir(root.c_str(), 0755) == 0);
    REQUIRE(mkdir(outside.c_str(), 0755) == 0);
    REQUIRE(mkdir((root + "/.well-known").c_str(), 0755) == 0);
    REQUIRE(mkdir((root + kChallengeDir).c_str(), 0755) == 0);
    const std::string link = root + kChallengeDir + "/token1";
    FakeHost host;
    host.set_for("path", "example.com", root);
    const auto ch = http01("example.com", "token1");
    Instance inst(webroot(), host);

    SECTION("to a file that exists") {
        write_file(outside + "/precious", "precious");
        REQUIRE(symlink((outside + "/precious").c_str(), link.c_str()) == 0);
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(read_file(outside + "/precious") == "precious");
    }
    SECTION("dangling") {
        REQUIRE(symlink((outside + "/created").c_str(), link.c_str()) == 0);
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK_FALSE(exists(outside + "/created"));
    }
    CHECK(host.last_error().find(link) != std::string::npos);
    REQUIRE(inst.cleanup({ch}) == CB_OK);
    CHECK(exists(link));  // not ours: left alone
}

TEST_CASE("webroot: a planted .well-known or acme-challenge symlink is never followed",
          "[webroot][hostile]") {
    // The webroot often belongs to an unprivileged user; we run as root. A symlink at either
    // level would make us create the token file wherever it points.
    TempDir tmp;
    const std::string root = tmp / "www", outside = tmp / "root-only";
    REQUIRE(mkdir(root.c_str(), 0755) == 0);
    REQUIRE(mkdir(outside.c_str(), 0700) == 0);
    std::string link;
    SECTION(".well-known") {
        link = root + "/.well-known";
        REQUIRE(mkdir((outside + "/acme-challenge").c_str(), 0755) == 0);
        REQUIRE(symlink(outside.c_str(), link.c_str()) == 0);
    }
    SECTION("acme-challenge") {
        REQUIRE(mkdir((root + "/.well-known").c_str(), 0755) == 0);
        link = root + kChallengeDir;
        REQUIRE(symlink(outside.c_str(), link.c_str()) == 0);
    }
    FakeHost host;
    host.set_for("path", "example.com", root);
    const auto ch = http01("example.com", "token1");
    Instance inst(webroot(), host);
    REQUIRE(inst.perform({ch}) == CB_ERROR);
    CHECK(host.last_error().find(link) != std::string::npos);
    CHECK(host.last_error().find("symbolic link") != std::string::npos);
    CHECK_FALSE(exists(outside + "/token1"));
    CHECK_FALSE(exists(outside + "/acme-challenge/token1"));
    REQUIRE(inst.cleanup({ch}) == CB_OK);
    struct stat st {};
    REQUIRE(lstat(link.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));  // not ours: left alone
}

TEST_CASE("webroot: cleanup after a partial perform removes what the first root got", "[webroot]") {
    TempDir tmp;
    const std::string first = tmp / "first", missing = tmp / "missing";
    REQUIRE(mkdir(first.c_str(), 0755) == 0);
    FakeHost host;
    host.set_for("path", "one.example", first);
    host.set_for("path", "two.example", missing);
    const std::vector<TestChallenge> chs = {http01("one.example", "tok1"),
                                            http01("two.example", "tok2")};
    Instance inst(webroot(), host);
    REQUIRE(inst.perform(chs) == CB_ERROR);
    CHECK(host.last_error().find(missing) != std::string::npos);
    // The first root was done before the second failed: that is what cleanup must undo.
    CHECK(exists(first + kChallengeDir + "/tok1"));

    REQUIRE(inst.cleanup(chs) == CB_OK);
    CHECK(list_dir(first).empty());
    CHECK(inst.cleanup(chs) == CB_OK);

    SECTION("destroy without cleanup also removes everything") {
        REQUIRE(inst.perform({chs[0]}) == CB_OK);
        CHECK(exists(first + kChallengeDir + "/tok1"));
        inst.destroy();
        CHECK(list_dir(first).empty());
    }
}

TEST_CASE("webroot: challenges it cannot answer are errors", "[webroot]") {
    TempDir tmp;
    FakeHost host;
    host.set_for("path", "example.com", tmp.path());
    Instance inst(webroot(), host);

    SECTION("wildcard") {
        auto ch = http01("example.com", "tok");
        ch.is_wildcard = true;
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("*.example.com") != std::string::npos);
    }
    SECTION("another challenge type") {
        auto ch = http01("example.com", "tok");
        ch.type = "dns-01";
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("dns-01") != std::string::npos);
    }
    CHECK(list_dir(tmp.path()).empty());
    CHECK(inst.cleanup({}) == CB_OK);
}

TEST_CASE("webroot: a webroot the user cannot write is named in the error", "[webroot]") {
    TempDir tmp;
    const std::string root = tmp / "www";
    REQUIRE(mkdir(root.c_str(), 0555) == 0);
    REQUIRE(chmod(root.c_str(), 0555) == 0);
    REQUIRE(chmod(tmp.path().c_str(), 0755) == 0);  // the child (maybe nobody) must get in
    const PluginLibrary& lib = webroot();
    std::string result = in_unprivileged_child([&] {
        FakeHost host;
        host.set_for("path", "example.com", root);
        void* self = nullptr;
        if (lib.entry().create(host.table(), &self) != CB_OK) return std::string("create failed");
        const TestChallenge ch = http01("example.com", "tok");
        cb_challenge c = ch.raw();  // borrows from ch
        cb_status st = lib.entry().authenticator->perform(self, &c, 1);
        cb_status cl = lib.entry().authenticator->cleanup(self, &c, 1);
        lib.entry().destroy(self);
        return std::to_string(st) + std::to_string(cl) + " " + host.last_error();
    });
    INFO(result);
    CHECK(result.rfind("20 ", 0) == 0);  // perform CB_ERROR, cleanup CB_OK
    CHECK(result.find(root + "/.well-known") != std::string::npos);
    CHECK(result.find("Permission denied") != std::string::npos);
    CHECK(result.find("Make " + root + " writable") != std::string::npos);
    CHECK(list_dir(root).empty());
}

// Parallel renewal of lineages sharing one webroot: another lineage's cleanup can remove
// .well-known/acme-challenge after this instance opened it and before its next file is in it.
TEST_CASE("webroot: a challenge directory removed by another run's cleanup is made again",
          "[webroot]") {
    TempDir tmp;
    const std::string root = tmp.path();
    FakeHost host;
    host.set_for("path", "a.example", root);
    host.set_for("path", "b.example", root);
    const auto first = http01("a.example", "tokenFirst");
    const auto second = http01("b.example", "tokenSecond");
    Instance inst(webroot(), host);
    REQUIRE(inst.perform({first}) == CB_OK);
    // What the other run's cleanup does: its file gone, then the directories it made.
    REQUIRE(unlink((root + kChallengeDir + "/tokenFirst").c_str()) == 0);
    REQUIRE(rmdir((root + kChallengeDir).c_str()) == 0);
    REQUIRE(rmdir((root + "/.well-known").c_str()) == 0);

    REQUIRE(inst.perform({second}) == CB_OK);
    INFO(host.all_logs());
    CHECK(host.errors().empty());
    CHECK(read_file(root + kChallengeDir + "/tokenSecond") == second.validation);
    CHECK(mode_of(root + kChallengeDir) == 0755);
    REQUIRE(inst.cleanup({first, second}) == CB_OK);
    CHECK_FALSE(exists(root + "/.well-known"));  // made again by this instance: removed by it
}

// The same race one step earlier: another run's cleanup removes .well-known (by name, empty)
// between this instance making or opening it and making acme-challenge in it, before any file
// of ours is there (renew_semantics under the sanitizer: "Could not create
// .well-known/acme-challenge ...: No such file or directory"). The log line after the mkdir is
// where the other run strikes here, the first `limit` times.
namespace {

struct VanishingWellKnown {
    TempDir tmp;
    const std::string root = tmp.path();
    const std::string well_known = root + "/.well-known";
    FakeHost host;
    int removals = 0;
    explicit VanishingWellKnown(int limit) {
        host.set_for("path", "a.example", root);
        host.on_log([this, limit](int, const std::string& line) {
            if (line == "Created challenge directory " + well_known && removals < limit)
                removals += rmdir(well_known.c_str()) == 0;
        });
    }
};

}  // namespace

TEST_CASE("webroot: .well-known removed before acme-challenge is made in it is made again",
          "[webroot]") {
    VanishingWellKnown w(3);
    const auto ch = http01("a.example", "tokenA");
    Instance inst(webroot(), w.host);
    REQUIRE(inst.perform({ch}) == CB_OK);
    INFO(w.host.all_logs());
    CHECK(w.removals == 3);
    CHECK(w.host.errors().empty());
    CHECK(w.host.logged("was removed by another run's cleanup; making it again"));
    CHECK(read_file(w.root + kChallengeDir + "/tokenA") == ch.validation);
    CHECK(mode_of(w.root + kChallengeDir) == 0755);
    REQUIRE(inst.cleanup({ch}) == CB_OK);
    CHECK_FALSE(exists(w.well_known));  // made by this instance: removed by it
}

// Something that keeps removing the directory: a bounded number of attempts, then an error
// naming it (never a loop without end).
TEST_CASE("webroot: a challenge directory removed at every attempt fails naming it", "[webroot]") {
    VanishingWellKnown w(1000);
    const auto ch = http01("a.example", "tokenA");
    Instance inst(webroot(), w.host);
    CHECK(inst.perform({ch}) == CB_ERROR);
    INFO(w.host.all_logs());
    CHECK(w.removals > 1);
    CHECK(w.removals < 100);
    CHECK(w.host.last_error().find("Could not create " + w.well_known + " for the a.example") !=
          std::string::npos);
    CHECK(w.host.last_error().find("removed again") != std::string::npos);
    CHECK(inst.cleanup({ch}) == CB_OK);
    CHECK(list_dir(w.root).empty());
}

// Real concurrency, as renew's workers run it: instances sharing one webroot perform and clean
// up over and over at the same time; every perform succeeds and leaves its file readable.
TEST_CASE("webroot: instances sharing a webroot perform and clean up concurrently", "[webroot]") {
    TempDir tmp;
    const std::string root = tmp.path();
    constexpr int kThreads = 4, kRounds = 300;
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            const std::string name = "n" + std::to_string(t) + ".example";
            FakeHost host;
            host.set_for("path", name, root);
            for (int i = 0; i < kRounds && failures[t].empty(); ++i) {
                const auto ch = http01(name, "tok" + std::to_string(t) + "x" + std::to_string(i));
                Instance inst(webroot(), host);
                if (inst.perform({ch}) != CB_OK)
                    failures[t] = "perform: " + host.last_error();
                else if (read_file(root + kChallengeDir + "/" + ch.token) != ch.validation)
                    failures[t] = "no answer in " + root + kChallengeDir;
                if (inst.cleanup({ch}) != CB_OK && failures[t].empty())
                    failures[t] = "cleanup: " + host.last_error();
            }
        });
    for (auto& th : threads) th.join();
    for (const auto& f : failures) CHECK(f == "");
    // Every answer removed (empty directories another instance made may stay, as with certbot).
    CHECK((!exists(root + kChallengeDir) || list_dir(root + kChallengeDir).empty()));
}
