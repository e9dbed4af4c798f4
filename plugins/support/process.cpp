#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <sstream>

namespace plugin_support {

namespace {

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

void drain(int fd, std::string& out) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return;  // 0 (closed) or EAGAIN
    }
}

}  // namespace

std::string find_executable(const std::string& name) {
    if (name.empty()) return std::string();
    if (name.find('/') != std::string::npos) return executable_file(name) ? name : std::string();
    const char* env = std::getenv("PATH");
    std::string path = std::string(env ? env : "") + ":/usr/local/sbin:/usr/sbin:/sbin";
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty() || dir[0] != '/') continue;  // never a relative directory
        std::string candidate = dir + "/" + name;
        if (executable_file(candidate)) return candidate;
    }
    return std::string();
}

RunResult run_program(const std::vector<std::string>& argv, int timeout_seconds) {
    RunResult r;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        r.output = "cannot create a pipe";
        return r;
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        r.output = "cannot fork";
        return r;
    }
    if (pid == 0) {
        // The server may daemonize from here: it gets no descriptor of ours but 0-2, no blocked or
        // ignored signal, and stays running after we exit.
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        long max = ::sysconf(_SC_OPEN_MAX);
        for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); ++fd) ::close(fd);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    int status = 0;
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        ::poll(&p, 1, 50);
        drain(fds[0], r.output);
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            r.output += "\n(killed after " + std::to_string(timeout_seconds) + " s)";
            break;
        }
    }
    drain(fds[0], r.output);
    ::close(fds[0]);
    if (WIFEXITED(status))
        r.status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.status = 128 + WTERMSIG(status);
    return r;
}

std::string one_line(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        if (!out.empty()) out += " | ";
        out += line;
    }
    return out;
}

}  // namespace plugin_support
