#include "store_repair.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "fsutil.h"
#include "store_fixture_test.h"

using namespace certbot;
using namespace certbot::test;

namespace {

// What a run killed mid-update leaves: the marker of `name`, and (version > 0) all four archive
// files of `version`, written but never linked.
void interrupted(const TempDir& d, const std::string& name, int version) {
    REQUIRE(make_dirs(d / "config/renewal/.updating", 0755).ok());
    put(d / ("config/renewal/.updating/" + name), name + "\n");
    if (version <= 0) return;
    const std::string a = d / ("config/archive/" + name) + "/";
    const std::string v = std::to_string(version);
    REQUIRE(make_dirs(dir_name(a + "x"), 0755).ok());
    put(a + "privkey" + v + ".pem", kKey, 0600);
    put(a + "cert" + v + ".pem", pem("cert", version));
    put(a + "chain" + v + ".pem", pem("chain", version));
    put(a + "fullchain" + v + ".pem", pem("cert", version) + pem("chain", version));
}

}  // namespace

TEST_CASE("repair_live_links finishes an interrupted switch", "[storage]") {
    TempDir d;
    Lineage l = make_lineage(d);
    // Crash after writing version 2 and moving only cert.pem; a partial version 3 (cert only);
    // a leftover of Python certbot's own link switching.
    for (const char* kind : kLineageKinds) {
        REQUIRE(atomic_write(l.archive_path(kind, 2), pem(kind, 2), 0644));
    }
    REQUIRE(atomic_write(l.archive_path("cert", 3), pem("cert", 3), 0644));
    REQUIRE(atomic_symlink("../../archive/a.example/cert2.pem", l.cert_path));
    REQUIRE(::symlink("../../archive/a.example/cert1.pem",
                      (dir_name(l.cert_path) + "/previous_cert.pem").c_str()) == 0);
    CHECK(l.current_version("cert") == 2);
    CHECK(l.current_version("chain") == 1);

    REQUIRE(repair_live_links(l));
    for (const char* kind : kLineageKinds) {
        CHECK(l.current_version(kind) == 2);
        CHECK(link_of(l.link_path(kind)) ==
              std::string("../../archive/a.example/") + kind + "2.pem");
    }
    CHECK_FALSE(exists(dir_name(l.cert_path) + "/previous_cert.pem"));
    // The next version is numbered after the partial one.
    CHECK(l.next_free_version() == 4);

    // A missing link is recreated too.
    ::unlink(l.chain_path.c_str());
    REQUIRE(repair_live_links(l));
    CHECK(link_of(l.chain_path) == "../../archive/a.example/chain2.pem");
}

TEST_CASE("a finished update leaves no marker and nothing to clean up", "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    REQUIRE(save_new_version(l, pem("cert", 2), pem("chain", 2), "", "").ok());
    CHECK_FALSE(exists(d / "config/renewal/.updating/a.example"));
    CHECK(finish_unfinished_updates(d / "config").empty());
}

TEST_CASE("finish_unfinished_updates removes temp files and an incomplete version only",
          "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    const std::string archive = d / "config/archive/a.example";
    const std::string live = d / "config/live/a.example";
    // What a kill during save_new_version of version 2 leaves: the marker, the new key, a temp
    // file of the certificate, a temp link, a temp renewal conf.
    interrupted(d, "a.example", 0);
    put(archive + "/privkey2.pem", kKey, 0600);
    put(archive + "/.cert2.pem.tmp.abc123", "partial");
    REQUIRE(::symlink("../../archive/a.example/cert2.pem", (live + "/.cert.pem.tmp.x1").c_str()) ==
            0);
    put(d / "config/renewal/.a.example.conf.tmp.zz", "partial");
    put(d / "config/renewal/.b.example.conf.tmp.zz", "not ours to touch");

    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 2);
    CHECK(report[0].find("renewal conf") != std::string::npos);
    CHECK(report[1].find("a.example") != std::string::npos);
    CHECK_FALSE(exists(archive + "/privkey2.pem"));
    CHECK_FALSE(exists(archive + "/.cert2.pem.tmp.abc123"));
    CHECK_FALSE(exists(live + "/.cert.pem.tmp.x1"));
    CHECK_FALSE(exists(d / "config/renewal/.a.example.conf.tmp.zz"));
    // Under the lock no run is writing a conf: another lineage's leftover is dead too.
    CHECK_FALSE(exists(d / "config/renewal/.b.example.conf.tmp.zz"));
    CHECK_FALSE(exists(d / "config/renewal/.updating/a.example"));
    // Version 1 is complete and untouched; the links still point at it.
    for (const char* kind : kLineageKinds)
        CHECK(exists(archive + "/" + std::string(kind) + "1.pem"));
    CHECK(read_link_text(live + "/cert.pem") == "../../archive/a.example/cert1.pem");
    CHECK(load_lineage(d / "config", "a.example").ok());
}

TEST_CASE("a renewal conf temp file left without a marker is removed at start",
          "[storage][recovery][hostile]") {
    // renew rewrites the conf outside a marked update; a kill at its rename left this behind
    // and no later run removed it.
    TempDir d;
    Lineage l = make_lineage(d);
    put(d / "config/renewal/.a.example.conf.tmp.k1ll3d", "partial");
    put(d / "config/renewal/notes.txt", "the user's");
    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 1);
    CHECK_FALSE(exists(d / "config/renewal/.a.example.conf.tmp.k1ll3d"));
    CHECK(exists(d / "config/renewal/notes.txt"));
    CHECK(exists(l.renewal_conf_path));
}

TEST_CASE("a live link into another lineage or out of the store is reported, never repaired",
          "[storage][hostile]") {
    TempDir d;
    Lineage a = make_lineage(d, "a.example");
    Lineage b = make_lineage(d, "b.example");
    SECTION("into another lineage") {
        REQUIRE(atomic_symlink("../../archive/b.example/cert1.pem", a.cert_path));
        auto l = load_lineage(d / "config", "a.example");
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().message.find("outside the archive") != std::string::npos);
        CHECK(l.error().message.find("another part of the store") != std::string::npos);
    }
    SECTION("out of the config dir") {
        put(d / "elsewhere.pem", "x");
        REQUIRE(atomic_symlink(d / "elsewhere.pem", a.cert_path));
        auto l = load_lineage(d / "config", "a.example");
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().message.find("outside the config dir") != std::string::npos);
    }
    const std::string before = read_link_text(a.cert_path);
    (void)finish_unfinished_updates(d / "config");
    CHECK(read_link_text(a.cert_path) == before);  // not "repaired"
}

TEST_CASE("finish_unfinished_updates finishes a complete version the links never reached",
          "[storage][recovery]") {
    TempDir d;
    Lineage l = make_lineage(d);
    const std::string archive = d / "config/archive/a.example";
    // Killed after all four version-2 files were written, before the links moved.
    interrupted(d, "a.example", 2);
    REQUIRE(finish_unfinished_updates(d / "config").size() == 1);
    for (const char* kind : kLineageKinds)
        CHECK(read_link_text(d / ("config/live/a.example/" + std::string(kind) + ".pem")) ==
              "../../archive/a.example/" + std::string(kind) + "2.pem");
    CHECK(exists(archive + "/cert1.pem"));  // the previous version stays
}

TEST_CASE("finish_unfinished_updates removes a new lineage that never got a complete version",
          "[storage][recovery]") {
    TempDir d;
    make_lineage(d, "other.example");
    const std::string archive = d / "config/archive/new.example";
    const std::string live = d / "config/live/new.example";
    REQUIRE(make_dirs(archive, 0755).ok());
    REQUIRE(make_dirs(live, 0755).ok());
    interrupted(d, "new.example", 0);
    put(archive + "/privkey1.pem", kKey, 0600);
    put(archive + "/.cert1.pem.tmp.q", "partial");
    REQUIRE(finish_unfinished_updates(d / "config").size() == 1);
    CHECK_FALSE(exists(archive));
    CHECK_FALSE(exists(live));
    CHECK(load_lineage(d / "config", "other.example").ok());
    // The name is free again.
    auto name = choose_lineage_name(d / "config", "new.example");
    REQUIRE(name.ok());
    CHECK(*name == "new.example");
}

TEST_CASE("finish_unfinished_updates keeps a complete new lineage without a conf",
          "[storage][recovery]") {
    TempDir d;
    const std::string archive = d / "config/archive/new.example";
    interrupted(d, "new.example", 1);
    auto report = finish_unfinished_updates(d / "config");
    REQUIRE(report.size() == 1);
    CHECK(report[0].find("never written") != std::string::npos);
    CHECK(exists(archive + "/privkey1.pem"));
    CHECK(exists(archive + "/cert1.pem"));
}
