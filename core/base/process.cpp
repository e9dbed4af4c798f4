#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace certbot {

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

    int pipefd[2] = {-1, -1};
    if (options.capture_stdout && pipe2(pipefd, O_CLOEXEC) != 0)
        return Error(std::string("cannot create a pipe for hook: ") + std::strerror(errno));

    pid_t pid = fork();
    if (pid < 0) {
        if (pipefd[0] >= 0) close(pipefd[0]), close(pipefd[1]);
        return Error(std::string("cannot start hook \"") + command + "\": " + std::strerror(errno));
    }
    if (pid == 0) {
        if (options.capture_stdout) dup2(pipefd[1], STDOUT_FILENO);
        signal(SIGPIPE, SIG_DFL);
        execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        _exit(127);
    }
    HookRun run;
    if (options.capture_stdout) {
        close(pipefd[1]);
        char buf[4096];
        while (true) {
            ssize_t n = read(pipefd[0], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            size_t room = options.max_output - std::min(options.max_output, run.output.size());
            run.output.append(buf, std::min(room, static_cast<size_t>(n)));
        }
        close(pipefd[0]);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return Error("lost track of hook \"" + command + "\"");
    }
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

}  // namespace certbot
