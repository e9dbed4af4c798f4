// Checkpoints (the certbot.checkpoint.v1 service's store): byte-for-byte restores, new files
// removed, order of rollback, crash recovery, the refusal to overwrite a hand edit.
#include "checkpoints.h"

#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "fsutil.h"
#include "temp_dir_test.h"

namespace {

using namespace certbot;
using Dir = certbot::test::TempDir;
using certbot::test::mode_of;

void put(const std::string& path, const std::string& content, unsigned mode = 0644) {
    write_keeping(path, content, mode);
}

std::string slurp(const std::string& path) {
    auto r = read_file(path);
    REQUIRE(r);
    return *r;
}

bool present(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("temporary checkpoint restores bytes and mode and removes new files", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf", made = d / "new.conf";
    static const char kBytes[] = "server {\r\n\tlisten 80;\n}\n\0tail";
    const std::string original(kBytes, sizeof kBytes - 1);
    put(a, original, 0640);
    Checkpoints rev(d / "work");
    rev.add_to_checkpoint({a}, "", true);
    rev.register_new_file(made, true);
    rev.write_file(a, "changed", true);
    rev.add_to_checkpoint({a}, "", true);  // a second change keeps the first copy
    rev.write_file(a, "changed again", true);
    rev.write_file(made, "x", true);
    CHECK(rev.has_temporary());
    rev.revert_temporary();
    CHECK(slurp(a) == original);
    CHECK(mode_of(a) == 0640);
    CHECK_FALSE(present(made));
    CHECK_FALSE(rev.has_temporary());
    rev.revert_temporary();  // idempotent
    CHECK(slurp(a) == original);
}

TEST_CASE("finalised checkpoints roll back newest first", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf";
    put(a, "v1");
    Checkpoints rev(d / "work");
    for (const char* v : {"v2", "v3"}) {
        rev.add_to_checkpoint({a}, std::string("to ") + v, false);
        put(a, v);
        rev.finalize_checkpoint(std::string("Deployed ") + v);
    }
    auto cps = rev.checkpoints();
    REQUIRE(cps.size() == 2);
    CHECK(slurp(cps[1] + "/CHANGES_SINCE") == "-- Deployed v3 --\nto v3\n");
    CHECK(slurp(cps[1] + "/FILEPATHS") == a + "\n");
    rev.rollback_checkpoints(1);
    CHECK(slurp(a) == "v2");
    CHECK_THROWS_WITH(rev.rollback_checkpoints(2), Catch::Contains("only 1"));
    rev.rollback_checkpoints(1);
    CHECK(slurp(a) == "v1");
    CHECK(rev.checkpoints().empty());
}

TEST_CASE("recovery undoes an interrupted change (IN_PROGRESS and temporary)", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf", b = d / "b.conf";
    put(a, "a1");
    put(b, "b1");
    {
        // A run that died after writing: nothing finalised.
        Checkpoints rev(d / "work");
        rev.add_to_checkpoint({a}, "", false);
        rev.write_file(a, "a2", false);
        rev.add_to_checkpoint({b}, "", true);
        rev.write_file(b, "b2", true);
    }
    Checkpoints next(d / "work");
    CHECK(next.has_in_progress());
    next.recovery_routine();
    CHECK(slurp(a) == "a1");
    CHECK(slurp(b) == "b1");
    CHECK_FALSE(next.has_in_progress());
    CHECK_FALSE(next.has_temporary());
}

TEST_CASE("write_keeping writes through a symlink and leaves no temporary file", "[checkpoints]") {
    Dir d;
    put(d / "target", "old");
    REQUIRE(::symlink((d / "target").c_str(), (d / "link").c_str()) == 0);
    put(d / "link", "new");
    CHECK(slurp(d / "target") == "new");
    struct stat st;
    REQUIRE(::lstat((d / "link").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(d.path)) {
        (void)e;
        ++entries;
    }
    CHECK(entries == 2);
}

TEST_CASE("undo commands run newest first before the files are restored", "[checkpoints]") {
    Dir d;
    const std::string log = d / "log";
    Checkpoints rev(d / "work");
    rev.register_undo_command({"/bin/sh", "-c", "echo first >> \"$0\"", log}, false);
    rev.register_undo_command({"/bin/sh", "-c", "echo second, quoted \"x\" >> \"$0\"", log}, false);
    CHECK(slurp(rev.in_progress_dir() + "/COMMANDS") ==
          "/bin/sh,-c,\"echo first >> \"\"$0\"\"\"," + log +
              "\r\n/bin/sh,-c,\"echo second, quoted \"\"x\"\" >> \"\"$0\"\"\"," + log + "\r\n");
    rev.revert_in_progress();
    CHECK(slurp(log) == "second, quoted x\nfirst\n");
    CHECK(rev.undo_failures().empty());
    rev.register_undo_command({"no-such-program-here"}, true);
    rev.revert_temporary();
    REQUIRE(rev.undo_failures().size() == 1);
    CHECK(rev.undo_failures()[0] == "Unable to run undo command: no-such-program-here (not found)");
    CHECK_FALSE(present(rev.temp_dir()));
}

TEST_CASE("parse_csv reads Python csv rows", "[checkpoints]") {
    auto rows = parse_csv("a2dismod,-f,ssl\r\n\"a,b\",\"\"\"q\"\"\",\r\n");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == std::vector<std::string>{"a2dismod", "-f", "ssl"});
    CHECK(rows[1] == std::vector<std::string>{"a,b", "\"q\"", ""});
}

TEST_CASE("rollback refuses to overwrite a file edited after the checkpoint", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf", made = d / "made.conf";
    put(a, "v1");
    Checkpoints rev(d / "work");
    rev.add_to_checkpoint({a}, "", false);
    rev.write_file(a, "v2", false);
    rev.register_new_file(made, false);
    rev.write_file(made, "new", false);
    rev.finalize_checkpoint("Deployed");
    const std::string cp = rev.checkpoints().back();

    put(a, "v2 plus the admin's edit");
    CHECK_THROWS_WITH(rev.rollback_checkpoints(1),
                      Catch::Contains("Not rolling back: " + a + " was edited") &&
                          Catch::Contains("delete " + cp + "/WRITTEN"));
    CHECK(slurp(a) == "v2 plus the admin's edit");
    CHECK(slurp(made) == "new");
    CHECK(rev.checkpoints().size() == 1);

    // A file the checkpoint created and the admin then edited is not deleted either.
    put(a, "v2");
    put(made, "new, edited");
    CHECK_THROWS_WITH(rev.rollback_checkpoints(1), Catch::Contains(made + " was edited"));
    CHECK(slurp(made) == "new, edited");

    // The admin's explicit choice: deleting WRITTEN rolls back anyway.
    REQUIRE(::unlink((cp + "/WRITTEN").c_str()) == 0);
    rev.rollback_checkpoints(1);
    CHECK(slurp(a) == "v1");
    CHECK_FALSE(present(made));
}

TEST_CASE("rolling back two checkpoints checks an edit made between them", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf";
    put(a, "v1");
    Checkpoints rev(d / "work");
    rev.add_to_checkpoint({a}, "", false);
    rev.write_file(a, "v2", false);
    rev.finalize_checkpoint("first");
    put(a, "v2 edited by hand");  // between the two runs
    rev.add_to_checkpoint({a}, "", false);
    rev.write_file(a, "v3", false);
    rev.finalize_checkpoint("second");
    auto cps = rev.checkpoints();
    REQUIRE(cps.size() == 2);
    // Undoing both would restore v1 over the hand edit the second checkpoint saved.
    CHECK_THROWS_WITH(rev.rollback_checkpoints(2),
                      Catch::Contains(a + " was edited") && Catch::Contains(cps[0]));
    CHECK(slurp(a) == "v3");
    CHECK(rev.checkpoints().size() == 2);
    // Undoing only the newest gives the hand edit back.
    rev.rollback_checkpoints(1);
    CHECK(slurp(a) == "v2 edited by hand");
}

TEST_CASE("a link certbot made is unchanged when a later checkpoint edits its target",
          "[checkpoints]") {
    // Apache's sites-enabled link to the -le-ssl.conf it created: deploy makes both, a later
    // enhancement checkpoint edits the file; undoing both must not call the link "edited".
    Dir d;
    const std::string file = d / "a-le-ssl.conf", link = d / "enabled.conf";
    Checkpoints rev(d / "work");
    rev.register_new_file(file, false);
    rev.write_file(file, "v1", false);
    REQUIRE(::symlink(file.c_str(), link.c_str()) == 0);
    rev.register_new_file(link, false);
    rev.finalize_checkpoint("deploy");
    rev.add_to_checkpoint({file}, "", false);
    rev.write_file(file, "v2", false);
    rev.finalize_checkpoint("enhance");
    rev.rollback_checkpoints(2);
    CHECK_FALSE(present(file));
    struct stat st;
    CHECK(::lstat(link.c_str(), &st) != 0);
}

TEST_CASE("recovery of an interrupted change refuses a file edited since", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf", b = d / "b.conf";
    put(a, "a1");
    put(b, "b1");
    {
        Checkpoints rev(d / "work");
        rev.add_to_checkpoint({a}, "", false);
        rev.write_file(a, "a2", false);
        rev.add_to_checkpoint({b}, "", false);  // the run died before writing b
    }
    put(b, "b1 edited");
    Checkpoints next(d / "work");
    CHECK_THROWS_WITH(next.recovery_routine(), Catch::Contains(b + " was edited"));
    CHECK(slurp(a) == "a2");
    CHECK(next.has_in_progress());
    put(b, "b1");  // the admin undid the edit: the original is fine to restore over
    next.recovery_routine();
    CHECK(slurp(a) == "a1");
    CHECK_FALSE(next.has_in_progress());
}

TEST_CASE("a deleted file and certbot's own unrecorded checkpoints", "[checkpoints]") {
    Dir d;
    const std::string a = d / "a.conf";
    put(a, "v1");
    Checkpoints rev(d / "work");
    rev.add_to_checkpoint({a}, "", true);
    rev.write_file(a, "v2", true);
    REQUIRE(::unlink(a.c_str()) == 0);
    CHECK_THROWS_WITH(rev.revert_temporary(), Catch::Contains(a + " was deleted"));
    CHECK(rev.has_temporary());
    // A checkpoint without WRITTEN (Python certbot's layout) is restored as certbot would.
    REQUIRE(::unlink((rev.temp_dir() + "/WRITTEN").c_str()) == 0);
    rev.revert_temporary();
    CHECK(slurp(a) == "v1");
}
