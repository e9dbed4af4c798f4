// The plugins' programs run through the host's certbot.run.v1 (programs.h): output, exit status,
// time limit, a program that cannot start, and a host without the service.
#include "programs.h"
#include "temp_root.h"
#include "test_runner.h"

#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

using namespace plugin_support;
using support_test::run_host;
using support_test::test_runner;

TEST_CASE("a program runs through the host service without a shell", "[programs]") {
    auto run = test_runner();
    auto r = run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.status == 3);
    CHECK(r.output == "out\nerr\n");
    // No shell between: the ';' and '$' reach the program as they are.
    auto echo = run({"echo", "a; echo b", "$HOME"});
    CHECK(echo.status == 0);
    CHECK(echo.output == "a; echo b $HOME\n");
}

TEST_CASE("a program past its time limit is stopped and named", "[programs]") {
    auto run = test_runner(1);
    const auto start = std::chrono::steady_clock::now();
    auto r = run({"/bin/sh", "-c", "echo started; exec sleep 30"});
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(r.status != 0);
    CHECK(r.output.find("started") == 0);
    CHECK(r.output.find("(/bin/sh did not finish within 1 s and was stopped)") !=
          std::string::npos);
}

TEST_CASE("a program that cannot start fails with the host's reason", "[programs]") {
    auto r = test_runner()({"certbot-no-such-program-here"});
    CHECK(r.status == -1);
    CHECK(r.output.find("cannot run certbot-no-such-program-here: not found") != std::string::npos);
    CHECK(one_line(r.output) == r.output.substr(1));  // the reason is one line of its own
}

TEST_CASE("a host without certbot.run.v1 is refused by name", "[programs]") {
    CHECK_THROWS_WITH(host_runner(run_host(false)),
                      "this certbot does not offer the host service certbot.run.v1; upgrade "
                      "certbot");
}

TEST_CASE("find_executable looks in PATH and the sbin directories", "[programs]") {
    CHECK(find_executable("sh").find("/sh") != std::string::npos);
    CHECK(find_executable("/bin/sh") == "/bin/sh");
    CHECK(find_executable("certbot-no-such-program-here").empty());
    CHECK(find_executable("").empty());
    support_test::TempRoot d;
    d.write("bin/tool", "#!/bin/sh\n");
    CHECK(find_executable(d / "bin/tool").empty());  // not executable
    REQUIRE(::chmod((d / "bin/tool").c_str(), 0755) == 0);
    CHECK(find_executable(d / "bin/tool") == d / "bin/tool");
    CHECK(find_executable(d / "bin").empty());  // a directory
}

TEST_CASE("one_line joins the non-empty lines", "[programs]") {
    CHECK(one_line("a\n\nb\n") == "a | b");
    CHECK(one_line("") == "");
}
