#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "log.h"

extern char** environ;

namespace certbot {

namespace {

std::atomic<int> g_time_limit{kDefaultHookTimeLimit};

using Clock = std::chrono::steady_clock;

// Waits for PID without blocking past DEADLINE (Clock::time_point::max(): no deadline). True
// when it was reaped (*status set).
bool reap_until(pid_t pid, int* status, Clock::time_point deadline) {
    while (true) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) return true;  // not ours any more: nothing to wait for
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

void set_hook_time_limit(int seconds) {
    g_time_limit = seconds < 0 ? 0 : seconds;
}

int hook_time_limit() {
    return g_time_limit;
}

Result<HookRun> run_hook(const std::string& command, const HookOptions& options) {
    // Build the environment before fork: no allocation in the child.
    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        std::string name = entry.substr(0, entry.find('='));
        bool overridden = false;
        for (const auto& kv : options.env) overridden = overridden || kv.first == name;
        if (!overridden) env_strings.push_back(std::move(entry));
    }
    for (const auto& kv : options.env) env_strings.push_back(kv.first + "=" + kv.second);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    const bool stdin_tty = isatty(STDIN_FILENO) == 1;
    const int limit = options.time_limit_s < 0 ? hook_time_limit() : options.time_limit_s;
    const auto deadline =
        limit > 0 ? Clock::now() + std::chrono::seconds(limit) : Clock::time_point::max();

    int pipefd[2] = {-1, -1};
    if (options.capture_stdout && pipe2(pipefd, O_CLOEXEC) != 0)
        return Error(std::string("cannot create a pipe for hook: ") + std::strerror(errno));

    pid_t pid = fork();
    if (pid < 0) {
        if (pipefd[0] >= 0) close(pipefd[0]), close(pipefd[1]);
        return Error(std::string("cannot start hook \"") + command + "\": " + std::strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        if (stdin_tty) {
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        }
        if (options.capture_stdout) dup2(pipefd[1], STDOUT_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        _exit(127);
    }
    setpgid(pid, pid);  // also here: the group must exist before we might signal it
    HookRun run;
    int status = 0;
    bool reaped = false;
    if (options.capture_stdout) {
        close(pipefd[1]);
        char buf[4096];
        // Read until EOF, the deadline, or shortly after the shell exited: a daemon the hook
        // started may keep the pipe open forever, and its output is not the hook's.
        auto read_until = deadline;
        while (Clock::now() < read_until) {
            if (!reaped && reap_until(pid, &status, Clock::now())) {
                reaped = true;
                read_until = std::min(read_until, Clock::now() + std::chrono::seconds(1));
            }
            pollfd p{pipefd[0], POLLIN, 0};
            int r = poll(&p, 1, 50);
            if (r < 0 && errno != EINTR) break;
            if (r <= 0) continue;
            ssize_t n = read(pipefd[0], buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) break;
            size_t room = options.max_output - std::min(options.max_output, run.output.size());
            run.output.append(buf, std::min(room, static_cast<size_t>(n)));
        }
        close(pipefd[0]);
    }
    if (!reaped && !reap_until(pid, &status, deadline)) {
        // Past its time limit: end the hook and everything it started, politely first.
        run.timed_out = true;
        kill(-pid, SIGTERM);
        if (!reap_until(pid, &status, Clock::now() + std::chrono::seconds(2))) {
            kill(-pid, SIGKILL);
            reap_until(pid, &status, Clock::time_point::max());
        }
        kill(-pid, SIGKILL);  // what ignored SIGTERM while the shell obeyed it
        log::error("Hook command \"" + command + "\" was still running after " +
                   std::to_string(limit) +
                   " s and was killed with what it started; make it finish sooner or raise "
                   "--hook-timeout");
    }
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

}  // namespace certbot
