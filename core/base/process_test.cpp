#include "process.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "temp_dir_test.h"

using namespace certbot;
using certbot::test::TempDir;

namespace {

// True once PID no longer runs (gone, or a zombie waiting for its new parent to reap it).
bool ended(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(stat, line)) return true;
        const size_t paren = line.rfind(')');
        if (paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z')
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace

TEST_CASE("a hook past its time limit is killed with everything it started", "[process]") {
    TempDir d;
    const std::string pidfile = d.path + "/child.pid";
    HookOptions opts;
    opts.time_limit_s = 1;
    opts.capture_stdout = true;
    const auto started = std::chrono::steady_clock::now();
    // The shell starts a grandchild that ignores SIGTERM and holds the output pipe open.
    auto run = run_hook(
        "echo started; (trap '' TERM; exec sleep 60) & echo $! > '" + pidfile + "'; wait", opts);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(run.ok());
    CHECK(run->timed_out);
    CHECK(run->exit_status != 0);
    CHECK(run->output == "started\n");
    CHECK(took < std::chrono::seconds(30));  // not the grandchild's 60 s
    std::ifstream in(pidfile);
    pid_t grandchild = 0;
    REQUIRE(in >> grandchild);
    CHECK(ended(grandchild));
}

TEST_CASE("a hook within its time limit runs to the end", "[process]") {
    HookOptions opts;
    opts.time_limit_s = 5;
    opts.capture_stdout = true;
    auto run = run_hook("sleep 0.2; echo done; exit 3", opts);
    REQUIRE(run.ok());
    CHECK_FALSE(run->timed_out);
    CHECK(run->exit_status == 3);
    CHECK(run->output == "done\n");
}

TEST_CASE("the process-wide hook time limit applies when a hook sets none", "[process]") {
    const int saved = hook_time_limit();
    set_hook_time_limit(1);
    auto run = run_hook("exec sleep 30", HookOptions{});  // stdout not captured
    set_hook_time_limit(saved);
    REQUIRE(run.ok());
    CHECK(run->timed_out);
    CHECK(run->exit_status == 128 + SIGTERM);
}

TEST_CASE("a daemon a hook leaves behind holding its output does not hold the run", "[process]") {
    TempDir d;
    const std::string pidfile = d.path + "/daemon.pid";
    HookOptions opts;
    opts.time_limit_s = 30;
    opts.capture_stdout = true;
    const auto started = std::chrono::steady_clock::now();
    auto run = run_hook("sleep 20 & echo $! > '" + pidfile + "'; echo ok", opts);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(run.ok());
    CHECK_FALSE(run->timed_out);
    CHECK(run->exit_status == 0);
    CHECK(run->output == "ok\n");
    CHECK(took < std::chrono::seconds(15));  // not the background sleep's 20 s
    std::ifstream in(pidfile);
    pid_t daemon = 0;
    REQUIRE(in >> daemon);
    ::kill(daemon, SIGKILL);
}
