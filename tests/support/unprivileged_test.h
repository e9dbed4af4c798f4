// Test support: run part of a test as an unprivileged user. Root ignores file permissions, so a
// check that "a read-only directory is refused" proves nothing when the suite runs as root (as
// CI does). Such checks run in a forked child that, when started as root, becomes nobody
// (uid/gid 65534) first; as an ordinary user the child keeps its user, whose permissions apply.
#pragma once

#include <catch2/catch.hpp>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

namespace certbot::test {

constexpr uid_t kNobody = 65534;

// Runs FN in a child process without root's privileges and returns what FN returned. FN must not
// use Catch2 macros (they do not cross the fork): return a description of what happened and
// check it in the parent. Whatever FN touches must be reachable by nobody (see allow_nobody).
inline std::string in_unprivileged_child(const std::function<std::string()>& fn) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0))
            ::_exit(3);
        std::string out;
        try {
            out = fn();
        } catch (...) {
            ::_exit(5);
        }
        ssize_t n = ::write(p[1], out.data(), out.size());
        ::_exit(n == static_cast<ssize_t>(out.size()) ? 0 : 4);
    }
    ::close(p[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

// Gives PATH and everything below it to the user the unprivileged child runs as (nobody when the
// test runs as root), so that the permission bits the test sets, not ownership by root, decide
// what the child may do. Links are changed themselves, never followed.
inline void allow_nobody(const std::string& path) {
    if (::geteuid() != 0) return;
    REQUIRE(::lchown(path.c_str(), kNobody, kNobody) == 0);
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(path, ec))) return;
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        REQUIRE(::lchown(it->path().c_str(), kNobody, kNobody) == 0);
    REQUIRE_FALSE(ec);
}

}  // namespace certbot::test
