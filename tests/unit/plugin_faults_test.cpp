// Fault containment: plugins that crash, exit, abort or hang (tests/fixtures/plugins/
// misbehave.c) fail only the call that ran them, with a message naming the plugin, the call
// and the signal or the timeout; the host goes on, and cleanup runs in a fresh process.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "plugin_challenge_test.h"
#include "plugin_host.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {
using test::http01_challenge;
const std::string kDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/misbehaving";

std::unique_ptr<PluginInstance> instance(const std::string& file, const std::string& work) {
    auto p = load_plugin(kDir + "/" + file);
    REQUIRE(p);
    auto inst = PluginInstance::create(*p, {}, false, false, work, work, work);
    REQUIRE(inst);
    return std::move(*inst);
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// Restores the call time limit after a test changed it.
struct TimeoutGuard {
    std::chrono::seconds saved = plugin_timeout();
    ~TimeoutGuard() { set_plugin_timeout(saved); }
};
}  // namespace

TEST_CASE("a crash, exit or abort in perform fails that call, naming plugin, call and cause",
          "[plugins][faults]") {
    struct Case {
        const char* file;
        const char* name;
        const char* cause;
    };
    for (const Case& c : {Case{"misbehave_segv.so", "crash-segv", "SIGSEGV"},
                          Case{"misbehave_exit.so", "crash-exit", "exited with status 3"},
                          Case{"misbehave_abort.so", "crash-abort", "SIGABRT"}}) {
        test::TempDir work;
        auto inst = instance(c.file, work.path);
        auto st = inst->perform({http01_challenge("a.example")});
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find(c.name) != std::string::npos);
        CHECK(st.error().message.find("perform") != std::string::npos);
        CHECK(st.error().message.find(c.cause) != std::string::npos);
        // The host is still here; cleanup runs in a fresh runner process.
        CHECK(inst->cleanup({http01_challenge("a.example")}));
        CHECK(slurp(work.path + "/misbehave-cleanup.log") ==
              std::string("cleanup ") + c.name + " a.example\n");
    }
}

TEST_CASE("a plugin call that hangs is stopped at the time limit", "[plugins][faults]") {
    TimeoutGuard restore;
    set_plugin_timeout(std::chrono::seconds(1));
    test::TempDir work;
    auto inst = instance("misbehave_hang.so", work.path);
    const auto t0 = std::chrono::steady_clock::now();
    auto st = inst->perform({http01_challenge("h.example")});
    const auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("hang plugin") != std::string::npos);
    CHECK(st.error().message.find("did not answer within 1 s") != std::string::npos);
    CHECK(st.error().message.find("perform") != std::string::npos);
    CHECK(took < std::chrono::seconds(5));
    CHECK(inst->cleanup({http01_challenge("h.example")}));
    CHECK(slurp(work.path + "/misbehave-cleanup.log") == "cleanup hang h.example\n");
}

TEST_CASE("an interrupt stops a blocked plugin call at once and cleanup still runs",
          "[plugins][faults]") {
    test::TempDir work;
    auto inst = instance("misbehave_hang.so", work.path);
    static std::atomic<bool> interrupted{false};
    set_plugin_stop_flag(&interrupted);
    std::thread stopper([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        interrupted = true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto st = inst->perform({http01_challenge("i.example")});
    stopper.join();
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("interrupted") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    CHECK(inst->cleanup({http01_challenge("i.example")}));
    set_plugin_stop_flag(nullptr);
    CHECK(slurp(work.path + "/misbehave-cleanup.log") == "cleanup hang i.example\n");
}

TEST_CASE("a plugin whose constructor crashes is listed without running it, beside the others",
          "[plugins][faults]") {
    test::TempDir cache;
    const std::string cache_file = cache.path + "/plugins.cache";
    for (int pass = 0; pass < 2; ++pass) {  // the second pass answers from the cache
        auto reg = PluginRegistry::discover({kDir}, cache_file);
        // Described from its file: its constructor never ran (it would have crashed).
        const LoadedPlugin* p = reg.find("ctor-crash");
        REQUIRE(p);
        CHECK(std::string(p->entry->description) == "Misbehaves on purpose (a test fixture)");
        CHECK(reg.skipped().empty());
        for (const char* n : {"crash-segv", "crash-exit", "crash-abort", "hang"})
            CHECK(reg.find(n) != nullptr);
    }
}

namespace {
// The path of a plugin only loading can describe (an entry filled in at run time) when its
// constructor crashes: that file is skipped and the runner started again for the others.
void check_crashing_load_skipped() {
    auto d =
        describe_plugins_by_loading({kDir + "/misbehave_ctor.so", kDir + "/misbehave_segv.so"});
    REQUIRE(d.size() == 2);
    REQUIRE(d[0].size() >= 3);
    CHECK(d[0][1] == "skip");
    CHECK(d[0][2].find("crashed while loading") != std::string::npos);
    CHECK(d[0][2].find("SIGSEGV") != std::string::npos);
    REQUIRE(d[1].size() >= 3);
    CHECK(d[1][1] == "ok");
    CHECK(d[1][2] == "crash-segv");
}
}  // namespace

TEST_CASE("a file whose loading crashes is skipped by the runner that describes it",
          "[plugins][faults]") {
    check_crashing_load_skipped();
}

namespace {
// The child processes this thread started that have not been reaped (zombies included): the
// runners, in these tests (a child's command line may still be its parent's just after the
// spawn, so it is not looked at).
std::set<pid_t> runner_children() {
    std::set<pid_t> out;
    std::ifstream children("/proc/self/task/" + std::to_string(gettid()) + "/children");
    pid_t pid = 0;
    while (children >> pid) out.insert(pid);
    return out;
}

// Starts a runner ahead from a clean slate (no spare, no kept runner): BEFORE is the children
// without it, the result its pid.
pid_t start_spare(std::set<pid_t>& before) {
    release_plugin_runners();
    before = runner_children();
    prestart_plugin_runner();
    prestart_plugin_runner();  // one at most waits
    const auto started = runner_children();
    REQUIRE(started.size() == before.size() + 1);
    for (pid_t pid : started)
        if (!before.count(pid)) return pid;
    return 0;
}
}  // namespace

TEST_CASE("a runner started ahead is the next instance's, and is reaped when it goes",
          "[plugins][faults]") {
    test::TempDir work;
    auto p = load_plugin(kDir + "/misbehave_segv.so");
    REQUIRE(p);
    std::set<pid_t> before;
    start_spare(before);
    const auto started = runner_children();
    {
        auto inst = PluginInstance::create(*p, {}, false, false, work.path, work.path, work.path);
        REQUIRE(inst);
        CHECK(runner_children() == started);  // no other process was started for it
        // Its crash fails the call it was in; cleanup runs in a fresh process.
        auto st = (*inst)->perform({http01_challenge("s.example")});
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("SIGSEGV") != std::string::npos);
        CHECK(runner_children() == before);  // the crashed one was reaped
        CHECK((*inst)->cleanup({http01_challenge("s.example")}));
    }
    // The cleanup's runner answered "destroy" and is kept for the next instance; told to go,
    // it ends and is waited for: no zombie is left.
    CHECK(runner_children().size() == before.size() + 1);
    release_plugin_runners();
    CHECK(runner_children() == before);
    CHECK(slurp(work.path + "/misbehave-cleanup.log") == "cleanup crash-segv s.example\n");
}

TEST_CASE(
    "the next instance of a plugin reuses the runner a clean destroy left, never a crashed one",
    "[plugins][faults]") {
    release_plugin_runners();
    test::TempDir work;
    auto hang = load_plugin(kDir + "/misbehave_hang.so");
    auto segv = load_plugin(kDir + "/misbehave_segv.so");
    REQUIRE(hang);
    REQUIRE(segv);
    auto create = [&](const LoadedPlugin& p) {
        auto inst = PluginInstance::create(p, {}, false, false, work.path, work.path, work.path);
        REQUIRE(inst);
        return std::move(*inst);
    };
    const auto before = runner_children();
    CHECK(create(*hang)->cleanup({http01_challenge("r1.example")}));
    const auto kept = runner_children();
    REQUIRE(kept.size() == before.size() + 1);
    {
        auto again = create(*hang);  // the same process serves it
        CHECK(runner_children() == kept);
        CHECK(again->cleanup({http01_challenge("r2.example")}));
    }
    CHECK(slurp(work.path + "/misbehave-cleanup.log") ==
          "cleanup hang r1.example\ncleanup hang r2.example\n");
    {
        auto other = create(*segv);  // another plugin file: a process of its own
        CHECK(runner_children().size() == kept.size() + 1);
        REQUIRE_FALSE(other->perform({http01_challenge("r3.example")}));
        CHECK(runner_children() == kept);  // the crashed one is gone, not kept
        CHECK(other->cleanup({http01_challenge("r3.example")}));  // in a fresh one
    }
    CHECK(runner_children().size() == kept.size() + 1);  // that one was destroyed cleanly
    release_plugin_runners();
    CHECK(runner_children() == before);
}

TEST_CASE("a plugin whose constructor crashes in a runner started ahead fails only its instance",
          "[plugins][faults]") {
    test::TempDir work;
    auto ctor = load_plugin(kDir + "/misbehave_ctor.so");
    auto hang = load_plugin(kDir + "/misbehave_hang.so");
    REQUIRE(ctor);
    REQUIRE(hang);
    prestart_plugin_runner();
    auto bad = PluginInstance::create(*ctor, {}, false, false, work.path, work.path, work.path);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("could not start") != std::string::npos);
    CHECK(bad.error().message.find("SIGSEGV") != std::string::npos);
    // The next instance gets a runner of its own and works.
    auto good = PluginInstance::create(*hang, {}, false, false, work.path, work.path, work.path);
    REQUIRE(good);
    CHECK((*good)->cleanup({http01_challenge("c.example")}));
}

TEST_CASE("a runner started ahead that died meanwhile is replaced, not used", "[plugins][faults]") {
    test::TempDir work;
    auto p = load_plugin(kDir + "/misbehave_hang.so");
    REQUIRE(p);
    std::set<pid_t> before;
    const pid_t spare = start_spare(before);
    REQUIRE(spare > 0);
    REQUIRE(::kill(spare, SIGKILL) == 0);
    // Dead but not reaped: the instance must notice and start another.
    for (int i = 0; i < 200; ++i) {
        std::ifstream stat("/proc/" + std::to_string(spare) + "/stat");
        std::string pid_field, comm, state;
        stat >> pid_field >> comm >> state;
        if (state == "Z") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto inst = PluginInstance::create(*p, {}, false, false, work.path, work.path, work.path);
    REQUIRE(inst);
    CHECK(runner_children().count(spare) == 0);
    CHECK((*inst)->cleanup({http01_challenge("d.example")}));
}

namespace {
// Makes PATH the runner program for one scope, then restores the default search.
struct RunnerGuard {
    explicit RunnerGuard(const std::string& path) {
        release_plugin_runners();
        set_plugin_runner(path);
    }
    ~RunnerGuard() {
        release_plugin_runners();
        set_plugin_runner("");
    }
};

std::string exe_of(pid_t pid) {
    char buf[4096];
    const ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}
}  // namespace

TEST_CASE("plugins run in the lean plugin-runner program, and a crash there fails only its call",
          "[plugins][faults]") {
    const std::string lean = CERTBOT_PLUGIN_RUNNER_PROGRAM;
    RunnerGuard guard(lean);
    REQUIRE(plugin_runner_program() == lean);
    test::TempDir work;
    const auto before = runner_children();
    {
        auto inst = instance("misbehave_segv.so", work.path);
        const auto during = runner_children();
        REQUIRE(during.size() == before.size() + 1);
        for (pid_t pid : during)
            if (!before.count(pid)) CHECK(exe_of(pid) == lean);
        auto st = inst->perform({http01_challenge("l.example")});
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("SIGSEGV") != std::string::npos);
        CHECK(inst->cleanup({http01_challenge("l.example")}));
    }
    CHECK(slurp(work.path + "/misbehave-cleanup.log") == "cleanup crash-segv l.example\n");
    // Loading a file whose constructor crashes, to describe it, is contained there too.
    check_crashing_load_skipped();
}

TEST_CASE("a runner program that is missing, relative or changeable by others is not run",
          "[plugins][faults]") {
    test::TempDir dir;
    const std::string copy = dir / "plugin-runner";
    std::filesystem::copy_file(CERTBOT_PLUGIN_RUNNER_PROGRAM, copy);
    REQUIRE(::chmod(copy.c_str(), 0755) == 0);
    REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
    {
        RunnerGuard guard(copy);
        CHECK(plugin_runner_program() == copy);
    }
    for (const std::string& refused : {dir / "missing", std::string("plugin-runner")}) {
        RunnerGuard guard(refused);
        CHECK(plugin_runner_program() == "/proc/self/exe");
    }
    {
        REQUIRE(::chmod(copy.c_str(), 0775) == 0);  // a group can write it
        RunnerGuard guard(copy);
        CHECK(plugin_runner_program() == "/proc/self/exe");
        // The fallback still runs plugins: this test binary answers the runner flag (main.cpp).
        test::TempDir work;
        auto inst = instance("misbehave_segv.so", work.path);
        CHECK(inst->cleanup({http01_challenge("f.example")}));
    }
    {
        REQUIRE(::chmod(copy.c_str(), 0755) == 0);
        REQUIRE(::chmod(dir.path.c_str(), 0777) == 0);  // anyone can replace it
        RunnerGuard guard(copy);
        CHECK(plugin_runner_program() == "/proc/self/exe");
    }
    {
        REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
        REQUIRE(::chmod(copy.c_str(), 0644) == 0);  // not executable
        RunnerGuard guard(copy);
        CHECK(plugin_runner_program() == "/proc/self/exe");
    }
}
