#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
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

namespace {

// Runs ARGV (ARGV[0] an absolute path) as run_hook and run_program describe; WHAT names it in
// messages ("hook \"cmd\"", "program /usr/sbin/nginx").
Result<HookRun> run_argv(const std::vector<std::string>& args, const HookOptions& options,
                         const std::string& what) {
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
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const bool stdin_tty = isatty(STDIN_FILENO) == 1;
    const int limit = options.time_limit_s < 0 ? hook_time_limit() : options.time_limit_s;
    const auto deadline =
        limit > 0 ? Clock::now() + std::chrono::seconds(limit) : Clock::time_point::max();

    int pipefd[2] = {-1, -1};
    if (options.capture_stdout && pipe2(pipefd, O_CLOEXEC) != 0)
        return Error("cannot create a pipe for " + what + ": " + std::strerror(errno));

    pid_t pid = fork();
    if (pid < 0) {
        if (pipefd[0] >= 0) close(pipefd[0]), close(pipefd[1]);
        return Error("cannot start " + what + ": " + std::strerror(errno));
    }
    if (pid == 0) {
        if (options.own_process_group) setpgid(0, 0);
        if (stdin_tty || options.null_stdin) {
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        }
        if (options.capture_stdout) dup2(pipefd[1], STDOUT_FILENO);
        if (options.capture_stdout && options.merge_stderr) dup2(pipefd[1], STDERR_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    // Also here: the group must exist before we might signal it. Without a group of its own the
    // program is ended alone (and with the caller's group by whoever ends that).
    if (options.own_process_group) setpgid(pid, pid);
    const pid_t target = options.own_process_group ? -pid : pid;
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
        kill(target, SIGTERM);
        if (!reap_until(pid, &status, Clock::now() + std::chrono::seconds(2))) {
            kill(target, SIGKILL);
            reap_until(pid, &status, Clock::time_point::max());
        }
        kill(target, SIGKILL);  // what ignored SIGTERM while the shell obeyed it
        if (options.log_timeout)
            log::error("Hook command \"" + args.back() + "\" was still running after " +
                       std::to_string(limit) +
                       " s and was killed with what it started; make it finish sooner or raise "
                       "--hook-timeout");
    }
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

}  // namespace

Result<HookRun> run_hook(const std::string& command, const HookOptions& options) {
    return run_argv({"/bin/sh", "-c", command}, options, "hook \"" + command + "\"");
}

std::string find_program(const std::string& name) {
    auto runnable = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
    };
    if (name.empty()) return {};
    if (name.find('/') != std::string::npos) return name[0] == '/' && runnable(name) ? name : "";
    const char* env = std::getenv("PATH");
    std::string dirs = std::string(env && *env ? env : "/usr/local/bin:/usr/bin:/bin") +
                       ":/usr/local/sbin:/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= dirs.size()) {
        const size_t colon = std::min(dirs.find(':', start), dirs.size());
        const std::string dir = dirs.substr(start, colon - start);
        if (!dir.empty() && dir[0] == '/' && runnable(dir + "/" + name)) return dir + "/" + name;
        start = colon + 1;
    }
    return {};
}

Result<HookRun> run_program(const std::vector<std::string>& argv, HookOptions options) {
    if (argv.empty()) return Error("no program to run");
    const std::string path = find_program(argv[0]);
    if (path.empty())
        return Error("cannot run " + argv[0] + ": " +
                     (argv[0].find('/') != std::string::npos
                          ? std::string("not an executable file")
                          : "not found in PATH, /usr/sbin or /sbin"));
    std::vector<std::string> args = argv;
    args[0] = path;
    options.log_timeout = false;
    options.null_stdin = true;
    return run_argv(args, options, "program " + path);
}

}  // namespace certbot
