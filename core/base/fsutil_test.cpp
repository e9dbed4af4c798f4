#include "fsutil.h"
#include "temp_dir_test.h"
#include "unprivileged_test.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>

using namespace certbot;
using certbot::test::allow_nobody;
using certbot::test::in_unprivileged_child;
using certbot::test::mode_of;
using certbot::test::TempDir;

namespace {

std::string link_of(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<size_t>(n));
}

struct UmaskGuard {
    mode_t old;
    explicit UmaskGuard(mode_t m) : old(::umask(m)) {}
    ~UmaskGuard() { ::umask(old); }
};

}  // namespace

TEST_CASE("atomic_write sets the exact mode whatever the umask", "[fsutil]") {
    TempDir d;
    {
        UmaskGuard u(0);
        REQUIRE(atomic_write(d / "key.pem", "secret", 0600));
        CHECK(mode_of(d / "key.pem") == 0600);
    }
    {
        UmaskGuard u(077);
        REQUIRE(atomic_write(d / "cert.pem", "public", 0644));
        CHECK(mode_of(d / "cert.pem") == 0644);
        REQUIRE(atomic_write(d / "ro.json", "{}", 0400));
        CHECK(mode_of(d / "ro.json") == 0400);
    }
    CHECK(read_file(d / "key.pem").value() == "secret");
}

TEST_CASE("atomic_write replaces a file and leaves no temp files", "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "f", "one", 0644));
    REQUIRE(atomic_write(d / "f", "two, longer", 0600));
    CHECK(read_file(d / "f").value() == "two, longer");
    CHECK(mode_of(d / "f") == 0600);
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"f"});
    REQUIRE(atomic_write(d / "empty", "", 0644));
    CHECK(read_file(d / "empty").value().empty());
}

// DirSync::kByCaller (a batch of renewal confs, one directory fsync after them): the same
// file, mode and cleanup; only the directory fsync is the caller's.
TEST_CASE("atomic_write leaving the directory fsync to the caller writes the same file",
          "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "a", "old", 0644));
    REQUIRE(atomic_write(d / "a", "new", 0640, std::nullopt, DirSync::kByCaller));
    REQUIRE(atomic_write(d / "b", "second", 0600, std::nullopt, DirSync::kByCaller));
    REQUIRE(fsync_dir(d.path));
    CHECK(read_file(d / "a").value() == "new");
    CHECK(mode_of(d / "a") == 0640);
    CHECK(read_file(d / "b").value() == "second");
    CHECK(mode_of(d / "b") == 0600);
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"a", "b"});
    // A failure still leaves the target alone and no temp file.
    REQUIRE(make_dirs(d / "c", 0755));
    CHECK_FALSE(atomic_write(d / "c", "x", 0644, std::nullopt, DirSync::kByCaller));
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("atomic_write failures name the path and leave the target alone", "[fsutil]") {
    TempDir d;
    Status s = atomic_write(d / "missing/dir/f", "x", 0644);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find(d / "missing/dir/f") != std::string::npos);
    CHECK(s.error().message.find("writable") != std::string::npos);

    REQUIRE(make_dirs(d / "adir/inner", 0755));
    Status s2 = atomic_write(d / "adir", "x", 0644);  // a directory is in the way
    REQUIRE_FALSE(s2);
    CHECK(s2.error().message.find(d / "adir") != std::string::npos);
    CHECK(list_dir(d / "adir").value() == std::vector<std::string>{"inner"});
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"adir"});  // temp file removed

    // A read-only directory: refused, the old file kept. Root ignores directory permissions, so
    // the write is tried as an unprivileged user.
    REQUIRE(make_dirs(d / "ro", 0755));
    REQUIRE(atomic_write(d / "ro/f", "old", 0644));
    allow_nobody(d.path);
    REQUIRE(::chmod((d / "ro").c_str(), 0555) == 0);
    const std::string refused = in_unprivileged_child([&] {
        Status st = atomic_write(d / "ro/f", "new", 0644);
        return st ? std::string("written") : "refused: " + st.error().message;
    });
    CHECK(refused.rfind("refused: ", 0) == 0);
    CHECK(refused.find(d / "ro") != std::string::npos);
    CHECK(read_file(d / "ro/f").value() == "old");
    CHECK(list_dir(d / "ro").value() == std::vector<std::string>{"f"});  // no temp file left
}

TEST_CASE("atomic_write with a group keeps the group or drops group bits", "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "k", "x", 0640, ::getegid()));
    struct stat st;
    REQUIRE(::stat((d / "k").c_str(), &st) == 0);
    CHECK(st.st_gid == ::getegid());
    CHECK((st.st_mode & 07777) == 0640);
}

// The batch the archive of a lineage version is written with: each file as atomic_write writes
// it (mode whatever the umask, group, replace), no temp file left, across directories too.
TEST_CASE("atomic_write_files writes each file as atomic_write does", "[fsutil]") {
    TempDir d;
    const UmaskGuard umask(077);
    REQUIRE(make_dirs(d / "sub", 0755));
    REQUIRE(atomic_write(d / "cert", "old", 0644));
    const std::string big(200000, 'x');  // more than one page of writeback
    REQUIRE(atomic_write_files({{d / "key", "secret", 0600, std::nullopt},
                                {d / "cert", "new cert", 0644, std::nullopt},
                                {d / "grp", big, 0640, ::getegid()},
                                {d / "sub/empty", "", 0644, std::nullopt}}));
    CHECK(read_file(d / "key").value() == "secret");
    CHECK(mode_of(d / "key") == 0600);
    CHECK(read_file(d / "cert").value() == "new cert");
    CHECK(mode_of(d / "cert") == 0644);
    CHECK(read_file(d / "grp").value() == big);
    CHECK(mode_of(d / "grp") == 0640);
    CHECK(read_file(d / "sub/empty").value().empty());
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"cert", "grp", "key", "sub"});
    CHECK(list_dir(d / "sub").value() == std::vector<std::string>{"empty"});
    // Without the directory fsync (the caller's): the same files.
    REQUIRE(atomic_write_files({{d / "key", "again", 0600, std::nullopt}}, DirSync::kByCaller));
    CHECK(read_file(d / "key").value() == "again");
    CHECK(atomic_write_files({}));  // nothing to write is no error
}

// A file that cannot be made fails the batch before any rename: nothing changes, no temp file
// of any of its files is left, and the error names the file.
TEST_CASE("atomic_write_files changes nothing when one file cannot be written", "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "a", "old a", 0644));
    Status s = atomic_write_files({{d / "a", "new a", 0644, std::nullopt},
                                   {d / "b", "new b", 0600, std::nullopt},
                                   {d / "missing/c", "c", 0644, std::nullopt}});
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find(d / "missing/c") != std::string::npos);
    CHECK(read_file(d / "a").value() == "old a");
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"a"});
    // A directory in the way of the last rename: the files before it are in place, no temp file.
    REQUIRE(make_dirs(d / "dir/inner", 0755));
    Status s2 = atomic_write_files(
        {{d / "a", "newer a", 0644, std::nullopt}, {d / "dir", "x", 0644, std::nullopt}});
    REQUIRE_FALSE(s2);
    CHECK(s2.error().message.find(d / "dir") != std::string::npos);
    CHECK(read_file(d / "a").value() == "newer a");
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"a", "dir"});
}

TEST_CASE("read_file reads, bounds and reports", "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "f", std::string(1000, 'x'), 0644));
    CHECK(read_file(d / "f").value().size() == 1000);
    auto big = read_file(d / "f", 999);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("larger than 999 bytes") != std::string::npos);
    auto missing = read_file(d / "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find(d / "nope") != std::string::npos);
    CHECK_FALSE(read_file(d.path).ok());  // a directory
}

TEST_CASE("make_dirs is mkdir -p", "[fsutil]") {
    TempDir d;
    UmaskGuard u(022);
    REQUIRE(make_dirs(d / "a/b/c", 0700));
    CHECK(mode_of(d / "a") == 0700);
    CHECK(mode_of(d / "a/b/c") == 0700);
    REQUIRE(make_dirs(d / "a/b/c", 0700));  // existing is fine
    REQUIRE(make_dirs(d / "a//b/./c/", 0700));
    REQUIRE(atomic_write(d / "file", "x", 0644));
    Status s = make_dirs(d / "file/sub", 0755);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("not a directory") != std::string::npos);
    REQUIRE(::symlink((d / "a").c_str(), (d / "link").c_str()) == 0);
    CHECK(make_dirs(d / "link/b/d", 0755));  // through a symlink to a directory
}

TEST_CASE("atomic_symlink creates and switches links", "[fsutil]") {
    TempDir d;
    REQUIRE(atomic_write(d / "one", "1", 0644));
    REQUIRE(atomic_write(d / "two", "2", 0644));
    REQUIRE(atomic_symlink("one", d / "cur"));
    CHECK(link_of(d / "cur") == "one");
    CHECK(read_file(d / "cur").value() == "1");
    REQUIRE(atomic_symlink("two", d / "cur"));
    CHECK(link_of(d / "cur") == "two");
    CHECK(read_file(d / "cur").value() == "2");
    REQUIRE(atomic_symlink("dangling", d / "cur"));  // targets need not exist
    CHECK(link_of(d / "cur") == "dangling");
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"cur", "one", "two"});

    REQUIRE(make_dirs(d / "dir/x", 0755));
    Status s = atomic_symlink("one", d / "dir");
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find(d / "dir") != std::string::npos);
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"cur", "dir", "one", "two"});
}

TEST_CASE("atomic_symlinks switches several links and makes nothing when one cannot be made",
          "[fsutil]") {
    TempDir d;
    REQUIRE(::symlink("old1", (d / "a").c_str()) == 0);
    REQUIRE(::symlink("old2", (d / "b").c_str()) == 0);
    REQUIRE(atomic_symlinks({{"new1", d / "a"}, {"new2", d / "b"}}).ok());
    CHECK(link_of(d / "a") == "new1");
    CHECK(link_of(d / "b") == "new2");
    CHECK_FALSE(atomic_symlinks({{"x", d / "a"}, {"y", d / "missing-dir/b"}}).ok());
    CHECK(link_of(d / "a") == "new1");  // untouched
    auto names = list_dir(d.path);
    REQUIRE(names.ok());
    for (const auto& n : *names) CHECK_FALSE(is_temp_name(n));
}

TEST_CASE("relative_path matches os.path.relpath", "[fsutil]") {
    CHECK(relative_path("/etc/le/archive/a/cert1.pem", "/etc/le/live/a") ==
          "../../archive/a/cert1.pem");
    CHECK(relative_path("/a/b", "/a/b") == ".");
    CHECK(relative_path("/a/b", "/a/b/c") == "..");
    CHECK(relative_path("/a/b/c", "/a") == "b/c");
    CHECK(relative_path("/x/y", "/a/b") == "../../x/y");
    CHECK(relative_path("/a/./b/../c", "/a/") == "c");
    CHECK(relative_path("/", "/a/b") == "../..");
    char cwd[4096];
    REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
    CHECK(relative_path("sub/f", std::string(cwd)) == "sub/f");
    CHECK(normalize_path("/a/../../b/./c//") == "/b/c");
    CHECK(dir_name("/a/b/c") == "/a/b");
    CHECK(dir_name("/c") == "/");
    CHECK(dir_name("c") == ".");
    CHECK(base_name("/a/b/c") == "c");
}

TEST_CASE("remove_tree removes trees and never follows symlinks", "[fsutil]") {
    TempDir d;
    REQUIRE(make_dirs(d / "keep", 0755));
    REQUIRE(atomic_write(d / "keep/precious", "x", 0644));
    REQUIRE(make_dirs(d / "t/a/b", 0755));
    REQUIRE(atomic_write(d / "t/a/b/f", "x", 0644));
    REQUIRE(::symlink((d / "keep").c_str(), (d / "t/a/link").c_str()) == 0);
    REQUIRE(remove_tree(d / "t"));
    CHECK(list_dir(d.path).value() == std::vector<std::string>{"keep"});
    CHECK(read_file(d / "keep/precious").value() == "x");
    REQUIRE(remove_tree(d / "does-not-exist"));
}

namespace {

// Runs `child` in a forked process; returns the byte it writes to the pipe (or -1).
int run_child(const std::function<char()>& child) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        char c = child();
        (void)!::write(fds[1], &c, 1);
        ::_exit(0);
    }
    ::close(fds[1]);
    char c = 0;
    ssize_t n = ::read(fds[0], &c, 1);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return n == 1 ? c : -1;
}

}  // namespace

TEST_CASE("FileLock excludes other processes like certbot's lock", "[fsutil]") {
    TempDir d;
    const std::string lockfile = d / ".certbot.lock";
    {
        auto lock = FileLock::acquire(d.path);
        REQUIRE(lock.ok());
        CHECK(lock->held());
        CHECK(lock->path() == lockfile);
        CHECK(mode_of(lockfile) == 0600);

        // Another process cannot take it.
        int got = run_child([&]() -> char {
            auto other = FileLock::acquire(d.path);
            if (other) return 'L';
            if (other.error().exit_code != kExitLocked) return 'E';
            return other.error().message == "Another instance of Certbot is already running." ? 'B'
                                                                                              : 'M';
        });
        CHECK(got == 'B');

        // The same process can (e.g. --config-dir and --work-dir are one directory).
        auto again = FileLock::acquire(d.path);
        REQUIRE(again.ok());
        again->release();
        CHECK(::access(lockfile.c_str(), F_OK) == 0);  // still held by `lock`
        CHECK(run_child([&]() -> char { return FileLock::acquire(d.path) ? 'L' : 'B'; }) == 'B');
    }
    // Released: the file is gone (certbot unlinks it) and others can lock.
    CHECK(::access(lockfile.c_str(), F_OK) != 0);
    CHECK(run_child([&]() -> char { return FileLock::acquire(d.path) ? 'L' : 'B'; }) == 'L');
}

TEST_CASE("a lock held by a killed process is no lock", "[fsutil]") {
    TempDir d;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(ready[0]);
        auto lock = FileLock::acquire(d.path);
        char c = lock ? 'L' : 'B';
        (void)!::write(ready[1], &c, 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    REQUIRE(c == 'L');

    auto blocked = FileLock::acquire(d.path);
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().exit_code == kExitLocked);

    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // The dead process left its lock file behind; it is locked by nobody now.
    auto lock = FileLock::acquire(d.path);
    REQUIRE(lock.ok());
    CHECK(lock->held());
}

TEST_CASE("FileLock conflicts with a classic lockf lock (Python certbot's)", "[fsutil]") {
    TempDir d;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // What certbot's _UnixLockMechanism does: open 0600, fcntl.lockf(LOCK_EX | LOCK_NB).
        ::close(ready[0]);
        int fd = ::open((d / ".certbot.lock").c_str(), O_CREAT | O_WRONLY, 0600);
        char c = (fd >= 0 && ::lockf(fd, F_TLOCK, 0) == 0) ? 'L' : 'B';
        (void)!::write(ready[1], &c, 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    REQUIRE(c == 'L');
    auto blocked = FileLock::acquire(d.path);
    CHECK_FALSE(blocked.ok());
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(FileLock::acquire(d.path).ok());
}

TEST_CASE("FileLock reports a missing directory", "[fsutil]") {
    TempDir d;
    auto lock = FileLock::acquire(d / "nope");
    REQUIRE_FALSE(lock.ok());
    CHECK(lock.error().message.find(d / "nope/.certbot.lock") != std::string::npos);
    CHECK(lock.error().exit_code != kExitLocked);
}
