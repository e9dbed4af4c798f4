#include "session.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "fsutil.h"
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
