// The identity certbot and its plugin runner exchange first (plugin_runner.h): the runner of this
// build says it and ends on another; certbot uses no runner that is of another build, speaks
// garbage, ends or stays silent, and runs plugins in its own binary instead, saying so once.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "fsutil.h"
#include "log.h"
#include "plugin_challenge_test.h"
#include "plugin_host.h"
#include "plugin_runner.h"
#include "plugin_wire.h"
#include "temp_dir_test.h"

extern char** environ;

using namespace certbot;

namespace {

const std::string kFixtures = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/misbehaving";
const std::string kAnotherBuild = "certbot-native 0.0.1 0123456789abcdef";

// The lean runner of this build, started as certbot starts it, its stderr to ERR_FILE.
struct LeanRunner {
    pid_t pid = -1;
    int fd = -1;
    std::string buf;

    explicit LeanRunner(const std::string& err_file) {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
        posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        const std::string program = CERTBOT_PLUGIN_RUNNER_PROGRAM;
        const std::string ppid = std::to_string(getpid());
        char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(kPluginRunnerFlag),
                        const_cast<char*>(ppid.c_str()), nullptr};
        REQUIRE(posix_spawn(&pid, program.c_str(), &fa, nullptr, argv, environ) == 0);
        posix_spawn_file_actions_destroy(&fa);
        close(sv[1]);
        fd = sv[0];
    }
    ~LeanRunner() {
        if (fd >= 0) close(fd);
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
    wire::ReadStatus read(wire::Message& m) {
        return wire::receive(fd, buf, m,
                             std::chrono::steady_clock::now() + std::chrono::seconds(30), nullptr);
    }
    // Its exit status once it has ended (-1 when killed by a signal).
    int status() {
        int st = 0;
        REQUIRE(waitpid(pid, &st, 0) == pid);
        pid = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
};

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Makes PATH the runner program and the log go to LOG_FILE for one scope.
struct RunnerScope {
    std::chrono::seconds saved_timeout = plugin_timeout();
    RunnerScope(const std::string& path, const std::string& log_file) {
        release_plugin_runners();
        set_plugin_runner(path);
        REQUIRE(log::open_file(log_file));
    }
    ~RunnerScope() {
        log::close_file();
        release_plugin_runners();
        set_plugin_runner("");
        set_plugin_timeout(saved_timeout);
    }
};

// The executables of the child processes this thread started.
std::multiset<std::string> children_exes() {
    std::multiset<std::string> out;
    std::ifstream children("/proc/self/task/" + std::to_string(gettid()) + "/children");
    pid_t pid = 0;
    char buf[4096];
    while (children >> pid) {
        const ssize_t n =
            readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf);
        if (n > 0) out.insert(std::string(buf, static_cast<size_t>(n)));
    }
    return out;
}

std::string self_exe() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf);
    REQUIRE(n > 0);
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("the runner answers with this build's identity and ends on a certbot of another build",
          "[plugins][runner]") {
    const std::string ours = plugin_runner_identity();
    CHECK(ours.rfind("certbot-native ", 0) == 0);
    CHECK(ours.size() > std::string("certbot-native  0123456789abcdef").size());
    test::TempDir dir;
    {
        LeanRunner r(dir / "err");
        REQUIRE(wire::send(r.fd, {"hello", kAnotherBuild}));
        REQUIRE(wire::send(r.fd, {"describe", kFixtures + "/misbehave_segv.so"}));
        wire::Message m;
        REQUIRE(r.read(m) == wire::ReadStatus::kOk);
        CHECK(m == wire::Message{"hello", ours});       // certbot says which build it met
        CHECK(r.read(m) == wire::ReadStatus::kClosed);  // nothing described: it ended
        CHECK(r.status() == 0);
        CHECK(slurp(dir / "err").empty());  // certbot tells the user, not this process
    }
    {
        // A certbot older than the identity: its first message is a request.
        LeanRunner r(dir / "err");
        REQUIRE(wire::send(r.fd, {"describe", kFixtures + "/misbehave_segv.so"}));
        wire::Message m;
        CHECK(r.read(m) == wire::ReadStatus::kClosed);  // not even its identity
        CHECK(r.status() == 64);
        const std::string err = slurp(dir / "err");
        CHECK(err.find("did not say which build it is") != std::string::npos);
        CHECK(err.find(ours) != std::string::npos);
    }
    {
        // The same build: it goes on to the request.
        LeanRunner r(dir / "err");
        REQUIRE(wire::send(r.fd, {"hello", ours}));
        REQUIRE(wire::send(r.fd, {"describe", kFixtures + "/misbehave_segv.so"}));
        wire::Message m;
        REQUIRE(r.read(m) == wire::ReadStatus::kOk);
        CHECK(m == wire::Message{"hello", ours});
        REQUIRE(r.read(m) == wire::ReadStatus::kOk);
        REQUIRE(m.size() >= 3);
        CHECK(m[0] == "desc");
        CHECK(m[2] == "crash-segv");
    }
}

TEST_CASE("a runner program that is not of this build is not used: certbot runs its own binary",
          "[plugins][runner]") {
    struct Case {
        const char* what;
        std::string script;  // the runner program's body (sh); ANSWER is a file beside it
        const char* logged;  // in the one debug line saying why
        int timeout = 600;   // --plugin-timeout: the identity's wait is min(10 s, this)
    };
    const Case cases[] = {
        {"another build", "cat \"$ANSWER\" >&3\nhead -c 1 <&3 >/dev/null\n",
         "is from another build: it is \"certbot-native 0.0.1 0123456789abcdef\""},
        {"garbage", "printf 'this is not a frame of the runner protocol' >&3\nexec sleep 30\n",
         "did not identify itself as a plugin runner (a malformed message)"},
        {"a well-formed message that is not the identity",
         "printf '\\011\\000\\000\\000\\001\\000\\000\\000\\001\\000\\000\\000x' >&3\n"
         "exec sleep 30\n",
         "did not identify itself as a plugin runner (its first message was \"x\")"},
        // An earlier build's runner: it reads a request first and ends on one it does not know.
        {"the runner of a certbot older than the identity", "head -c 1 <&3 >/dev/null\nexit 64\n",
         "ended before identifying itself as a plugin runner: its process exited with status 64"},
        {"silence", "exec sleep 30\n", "did not identify itself as a plugin runner within 3 s", 3},
    };
    auto hang = load_plugin(kFixtures + "/misbehave_hang.so");
    REQUIRE(hang);
    for (const Case& c : cases) {
        INFO(c.what);
        test::TempDir dir;
        REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
        const std::string program = dir / "plugin-runner";
        REQUIRE(atomic_write(dir / "answer", wire::encode({"hello", kAnotherBuild}), 0644));
        REQUIRE(atomic_write(program, "#!/bin/sh\nANSWER='" + dir.path + "/answer'\n" + c.script,
                             0755));
        RunnerScope scope(program, dir / "log");
        set_plugin_timeout(std::chrono::seconds(c.timeout));
        REQUIRE(plugin_runner_program() == program);
        const auto started = std::chrono::steady_clock::now();
        prestart_plugin_runner();  // started ahead, as certonly does: refused when taken
        {
            auto inst =
                PluginInstance::create(*hang, {}, false, false, dir.path, dir.path, dir.path);
            REQUIRE(inst);
            CHECK(plugin_runner_program() == "/proc/self/exe");
            CHECK(children_exes() == std::multiset<std::string>{self_exe()});
            CHECK((*inst)->cleanup({test::http01_challenge("i.example")}));
        }
        // Told apart at once, or when the wait ends: never the call's whole time limit.
        CHECK(std::chrono::steady_clock::now() - started <
              std::chrono::seconds(c.timeout < 600 ? c.timeout + 10 : 10));
        // Describing by loading falls back the same way (and is not told again).
        auto d = describe_plugins_by_loading({kFixtures + "/misbehave_segv.so"});
        REQUIRE(d.size() == 1);
        REQUIRE(d[0].size() >= 3);
        CHECK(d[0][1] == "ok");
        log::close_file();
        const std::string logged = slurp(dir / "log");
        CHECK(count_of(logged, "Plugin runner: " + program) == 1);
        CHECK(count_of(logged, "Plugin runner: certbot's own binary (/proc/self/exe); " + program +
                                   " ") == 1);
        CHECK(logged.find(c.logged) != std::string::npos);
    }
}

TEST_CASE("the runner of this build is used, with no fallback", "[plugins][runner]") {
    test::TempDir dir;
    RunnerScope scope(CERTBOT_PLUGIN_RUNNER_PROGRAM, dir / "log");
    auto hang = load_plugin(kFixtures + "/misbehave_hang.so");
    REQUIRE(hang);
    auto inst = PluginInstance::create(*hang, {}, false, false, dir.path, dir.path, dir.path);
    REQUIRE(inst);
    CHECK(plugin_runner_program() == CERTBOT_PLUGIN_RUNNER_PROGRAM);
    CHECK(children_exes() == std::multiset<std::string>{CERTBOT_PLUGIN_RUNNER_PROGRAM});
    log::close_file();
    CHECK(count_of(slurp(dir / "log"), "certbot's own binary") == 0);
}
