#include "session.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "fsutil.h"
#include "log.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

struct LogDir : certbot::test::TempDir {
    std::string log() const { return path + "/letsencrypt.log"; }
    void write(const std::string& suffix, const std::string& text) const {
        REQUIRE(atomic_write(log() + suffix, text, 0600));
    }
    std::string read(const std::string& suffix) const {
        auto t = read_file(log() + suffix);
        return t ? *t : std::string("<missing>");
    }
};

}  // namespace

TEST_CASE("rotate_log shifts letsencrypt.log to .1, .2 and keeps at most N", "[session]") {
    LogDir d;
    // Four runs with --max-log-backups 2: run k writes "run k".
    for (int run = 1; run <= 4; ++run) {
        rotate_log(d.log(), 2);
        CHECK(access(d.log().c_str(), F_OK) != 0);  // this run starts a fresh file
        d.write("", "run " + std::to_string(run));
    }
    CHECK(d.read("") == "run 4");
    CHECK(d.read(".1") == "run 3");
    CHECK(d.read(".2") == "run 2");
    CHECK(d.read(".3") == "<missing>");
}

TEST_CASE("rotate_log with 0 backups leaves the log to be appended to", "[session]") {
    LogDir d;
    d.write("", "old");
    rotate_log(d.log(), 0);
    CHECK(d.read("") == "old");
    CHECK(d.read(".1") == "<missing>");
}

TEST_CASE("rotate_log with no log yet creates nothing", "[session]") {
    LogDir d;
    rotate_log(d.log(), 1000);
    CHECK(access(d.log().c_str(), F_OK) != 0);
    CHECK(access((d.log() + ".1").c_str(), F_OK) != 0);
}

TEST_CASE("rotate_log with 1 backup keeps only the previous run", "[session]") {
    LogDir d;
    d.write("", "a");
    rotate_log(d.log(), 1);
    d.write("", "b");
    rotate_log(d.log(), 1);
    CHECK(d.read(".1") == "b");
    CHECK(d.read(".2") == "<missing>");
}

TEST_CASE("a config dir others can write is warned about, refused under --strict-permissions",
          "[session][hostile]") {
    certbot::test::TempDir d;
    Config cfg;
    cfg.config_dir = d.path + "/etc";
    cfg.work_dir = d.path + "/work";
    cfg.logs_dir = d.path + "/logs";
    REQUIRE(make_dirs(cfg.config_dir, 0755));
    REQUIRE(::chmod(cfg.config_dir.c_str(), 0777) == 0);
    {
        auto s = Session::open(cfg, Session::Recovery::kNone);
        REQUIRE(s.ok());
        log::close_file();
        auto text = read_file(cfg.logs_dir + "/letsencrypt.log");
        REQUIRE(text.ok());
        CHECK(text->find("The config directory " + cfg.config_dir + " is not safe: " +
                         cfg.config_dir + " is writable by group or others") != std::string::npos);
    }
    cfg.strict_permissions = true;
    auto strict = Session::open(cfg, Session::Recovery::kNone);
    REQUIRE_FALSE(strict.ok());
    CHECK(strict.error().message.find("--strict-permissions: " + cfg.config_dir) !=
          std::string::npos);
    // A safe one: no warning.
    cfg.strict_permissions = false;
    REQUIRE(::chmod(cfg.config_dir.c_str(), 0755) == 0);
    REQUIRE(remove_tree(cfg.logs_dir));
    {
        auto s = Session::open(cfg, Session::Recovery::kNone);
        REQUIRE(s.ok());
        log::close_file();
        auto text = read_file(cfg.logs_dir + "/letsencrypt.log");
        REQUIRE(text.ok());
        CHECK(text->find("is not safe") == std::string::npos);
    }
}
