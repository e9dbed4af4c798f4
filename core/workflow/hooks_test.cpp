#include "hooks.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "fsutil.h"
#include "log.h"
#include "process.h"
#include "temp_dir_test.h"

using namespace certbot;
using certbot::test::slurp;
using certbot::test::TempDir;

namespace {

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

void write_script(const std::string& path, const std::string& body, mode_t mode = 0755) {
    {
        std::ofstream out(path);
        out << "#!/bin/sh\n" << body << "\n";
    }
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// A hook command that appends WORD to LOG (the test controls both; no outside data).
std::string append_cmd(const std::string& word, const std::string& log) {
    return "echo " + word + " >> '" + log + "'";
}

HookConfig config_in(const TempDir& d) {
    HookConfig cfg;
    cfg.config_dir = d.path;
    REQUIRE(ensure_hook_dirs(d.path));
    return cfg;
}

}  // namespace

TEST_CASE("ensure_hook_dirs creates renewal-hooks/{pre,deploy,post}", "[hooks]") {
    TempDir d;
    mode_t old = ::umask(022);
    Status st = ensure_hook_dirs(d / "conf");
    ::umask(old);
    REQUIRE(st);
    for (const char* kind : {"pre", "deploy", "post"}) {
        struct stat s;
        REQUIRE(::stat((d / "conf/renewal-hooks/" + kind).c_str(), &s) == 0);
        CHECK(S_ISDIR(s.st_mode));
        CHECK((s.st_mode & 07777) == 0755);
    }
    CHECK(ensure_hook_dirs(d / "conf"));  // idempotent

    // A file in the way is an error naming the path.
    TempDir e;
    std::ofstream(e / "renewal-hooks").put('x');
    Status bad = ensure_hook_dirs(e.path);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("renewal-hooks") != std::string::npos);
}

TEST_CASE("list_hook_dir: executables in name order, no backups or non-executables", "[hooks]") {
    TempDir d;
    REQUIRE(ensure_hook_dirs(d.path));
    const std::string pre = d / "renewal-hooks/pre";
    write_script(pre + "/10-b", "true");
    write_script(pre + "/02-a", "true");
    write_script(pre + "/03-c~", "true");            // editor backup
    write_script(pre + "/04-noexec", "true", 0644);  // not executable
    REQUIRE(::mkdir((pre + "/05-dir").c_str(), 0755) == 0);
    REQUIRE(::symlink((pre + "/02-a").c_str(), (pre + "/06-link").c_str()) == 0);

    auto hooks = list_hook_dir(d.path, "pre");
    CHECK(hooks == std::vector<std::string>{pre + "/02-a", pre + "/06-link", pre + "/10-b"});
    CHECK(list_hook_dir(d.path, "post").empty());
    CHECK(list_hook_dir(d / "missing", "pre").empty());
}

TEST_CASE("list_hook_dir skips the backups Debian's dpkg and ucf leave", "[hooks][hostile]") {
    TempDir d;
    REQUIRE(ensure_hook_dirs(d.path));
    const std::string deploy = d / "renewal-hooks/deploy";
    write_script(deploy + "/reload", "true");
    for (const char* backup : {"reload.dpkg-old", "reload.dpkg-dist", "reload.dpkg-new",
                               "reload.dpkg-tmp", "reload.ucf-old", "reload.ucf-dist", "reload~"})
        write_script(deploy + "/" + backup, "true");
    CHECK(list_hook_dir(d.path, "deploy") == std::vector<std::string>{deploy + "/reload"});
    CHECK_FALSE(is_hook_backup_name("reload.dpkg"));
    CHECK(is_hook_backup_name("x.ucf-new"));
}

TEST_CASE("hooks others could change are refused with a clear error", "[hooks][hostile]") {
    TempDir d;
    auto cfg = config_in(d);
    const std::string pre = d / "renewal-hooks/pre", log = d / "log";
    write_script(pre + "/ok", append_cmd("ok", log));
    SECTION("a group-writable hook file") {
        write_script(pre + "/bad", append_cmd("bad", log), 0775);
        std::vector<std::string> refused;
        CHECK(list_hook_dir(d.path, "pre", &refused) == std::vector<std::string>{pre + "/ok"});
        REQUIRE(refused.size() == 1);
        CHECK(refused[0].find(pre + "/bad") != std::string::npos);
        CHECK(refused[0].find("writable by group or others") != std::string::npos);
        HookRunner runner(cfg);
        auto st = runner.run_pre_hooks();
        REQUIRE_FALSE(st);  // the refusal counts as a failed hook; the trusted one still ran
        CHECK(st.error().message.find("Refusing") != std::string::npos);
        CHECK(slurp(log) == "ok\n");
    }
    SECTION("a hook directory writable by others") {
        REQUIRE(::chmod(pre.c_str(), 0777) == 0);
        std::vector<std::string> refused;
        CHECK(list_hook_dir(d.path, "pre", &refused).empty());
        REQUIRE(refused.size() == 1);
        CHECK(refused[0].find("every pre hook in " + pre) != std::string::npos);
    }
    SECTION("a sticky directory is fine for the directory, not for the file") {
        const std::string sticky = d / "sticky";
        REQUIRE(::mkdir(sticky.c_str(), 0755) == 0);
        REQUIRE(::chmod(sticky.c_str(), 01777) == 0);
        write_script(sticky + "/hook", "true");
        CHECK(check_hook_trust(sticky + "/hook"));
        REQUIRE(::chmod((sticky + "/hook").c_str(), 0757) == 0);
        CHECK_FALSE(check_hook_trust(sticky + "/hook"));
    }
    SECTION("a --pre-hook naming a world-writable program") {
        const std::string prog = d / "prog";
        write_script(prog, append_cmd("prog", log), 0777);
        cfg.pre_hooks = {prog + " --flag"};
        HookRunner runner(cfg);
        auto st = runner.run_pre_hooks();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find(prog) != std::string::npos);
        CHECK(slurp(log) == "ok\n");  // the directory hook ran, the program did not
    }
    SECTION("owned by another user") {
        if (::geteuid() != 0) {
            WARN("not root: cannot chown to another user, owner check not exercised");
            return;
        }
        write_script(pre + "/theirs", "true");
        REQUIRE(::chown((pre + "/theirs").c_str(), 65534, 65534) == 0);
        auto why = others_can_change(pre + "/theirs", false);
        CHECK(why.find("owned by another user") != std::string::npos);
    }
}

TEST_CASE("pre hooks run once per command", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    const std::string cmd = append_cmd("pre", log);
    cfg.pre_hooks = {cmd, cmd};

    HookRunner runner(cfg);
    CHECK_FALSE(runner.pre_hooks_ran());
    REQUIRE(runner.run_pre_hooks());
    CHECK(runner.pre_hooks_ran());
    REQUIRE(runner.run_pre_hooks());
    // Another lineage's conf naming the same command: still once; a new one runs.
    REQUIRE(runner.run_pre_hooks({cmd, append_cmd("other", log)}));
    REQUIRE(runner.run_pre_hooks({append_cmd("other", log)}));
    CHECK(slurp(log) == "pre\nother\n");
}

TEST_CASE("directory pre hooks run in name order before the commands", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string pre = d / "renewal-hooks/pre";
    const std::string log = d / "log";
    write_script(pre + "/20-second", append_cmd("second", log));
    write_script(pre + "/10-first", append_cmd("first", log));
    write_script(pre + "/15-backup~", append_cmd("backup", log));
    write_script(pre + "/12-noexec", append_cmd("noexec", log), 0644);
    // A name the shell would parse if it were pasted unquoted into the command line.
    write_script(pre + "/30-it's a $(name)", append_cmd("odd", log));
    // --pre-hook naming a directory hook: not run twice.
    cfg.pre_hooks = {pre + "/10-first", append_cmd("cli", log)};

    HookRunner runner(cfg);
    REQUIRE(runner.run_pre_hooks());
    REQUIRE(runner.run_pre_hooks());
    CHECK(slurp(log) == "first\nsecond\nodd\ncli\n");
}

TEST_CASE("the hook directories are ignored with --no-directory-hooks", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    for (const char* kind : {"pre", "deploy", "post"}) {
        write_script(d / "renewal-hooks/" + kind + "/hook", append_cmd(kind, log));
    }
    cfg.directory_hooks = false;
    HookRunner runner(cfg);
    REQUIRE(runner.run_pre_hooks());
    REQUIRE(runner.run_deploy_hooks({}, d / "live/a", {"a.example"}));
    REQUIRE(runner.run_post_hooks({"a.example"}, {}));
    CHECK_FALSE(exists(log));
}

TEST_CASE("deploy hooks get RENEWED_LINEAGE and RENEWED_DOMAINS", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string out = d / "env";
    const std::string dir_out = d / "dir-env";
    write_script(
        d / "renewal-hooks/deploy/00-dir",
        "printf '%s|%s\\n' \"$RENEWED_LINEAGE\" \"$RENEWED_DOMAINS\" >> '" + dir_out + "'");
    HookRunner runner(cfg);
    const std::string cmd =
        "printf '%s|%s\\n' \"$RENEWED_LINEAGE\" \"$RENEWED_DOMAINS\" >> '" + out + "'";
    REQUIRE(
        runner.run_deploy_hooks({cmd, cmd}, d / "live/a.example", {"a.example", "www.a.example"}));
    CHECK(slurp(out) == d / "live/a.example|a.example www.a.example\n");
    CHECK(slurp(dir_out) == d / "live/a.example|a.example www.a.example\n");

    // Deploy hooks run for every lineage (no cross-lineage dedup).
    REQUIRE(runner.run_deploy_hooks({cmd}, d / "live/b.example", {"b.example"}));
    CHECK(slurp(out) ==
          d / "live/a.example|a.example www.a.example\n" + d / "live/b.example|b.example\n");

    // A deploy hook naming a directory hook runs once.
    const std::string once = d / "renewal-hooks/deploy/00-dir";
    REQUIRE(runner.run_deploy_hooks({once}, d / "live/c", {"c.example"}));
    CHECK(slurp(dir_out) == d / "live/a.example|a.example www.a.example\n" +
                                d / "live/b.example|b.example\n" + d / "live/c|c.example\n");
}

TEST_CASE("hook data with shell metacharacters reaches the hook verbatim", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    // A marker name no other run shares; the hostile values would create it if evaluated.
    const std::string pwned = d.path + "-pwned";
    const std::string hostile = "$(touch " + pwned + ");x.example";
    const std::string hostile_lineage = d / "live/'; touch " + pwned + "; '`touch " + pwned + "`";
    const std::string out = d / "env";
    write_script(d / "renewal-hooks/deploy/hook",
                 "printf '%s\\n' \"$RENEWED_DOMAINS\" >> '" + out + "'");
    const std::string cmd =
        "printf '%s\\n%s\\n' \"$RENEWED_LINEAGE\" \"$RENEWED_DOMAINS\" >> '" + out + "'";

    HookRunner runner(cfg);
    REQUIRE(runner.run_deploy_hooks({cmd}, hostile_lineage, {hostile, "ok.example"}));
    REQUIRE(runner.run_pre_hooks());
    REQUIRE(runner.run_post_hooks({hostile}, {hostile}));
    CHECK(slurp(out) ==
          hostile + " ok.example\n" + hostile_lineage + "\n" + hostile + " ok.example\n");
    CHECK_FALSE(exists(pwned));
    ::unlink(pwned.c_str());
}

TEST_CASE("post hooks run once at the end with RENEWED_DOMAINS and FAILED_DOMAINS", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    const std::string envcmd =
        "printf 'renewed=%s failed=%s\\n' \"$RENEWED_DOMAINS\" \"$FAILED_DOMAINS\" >> '" + log +
        "'";
    write_script(d / "renewal-hooks/post/50-dir", append_cmd("dir", log));
    cfg.post_hooks = {append_cmd("cli", log)};

    HookRunner runner(cfg);
    REQUIRE(runner.run_pre_hooks());
    runner.add_post_hook(envcmd);
    runner.add_post_hook(append_cmd("cli", log));  // same as --post-hook: once
    runner.add_post_hook(envcmd);
    REQUIRE(runner.run_post_hooks({"a.example", "b.example"}, {"c.example"}));
    REQUIRE(runner.run_post_hooks({"x"}, {"y"}));  // second call: nothing
    CHECK(slurp(log) == "dir\ncli\nrenewed=a.example b.example failed=c.example\n");
}

TEST_CASE("post hooks do not run when no renewal was attempted", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    write_script(d / "renewal-hooks/post/hook", append_cmd("dir", log));
    cfg.post_hooks = {append_cmd("cli", log)};
    HookRunner runner(cfg);
    REQUIRE(runner.run_post_hooks({}, {}));
    CHECK_FALSE(exists(log));

    // add_post_hook alone (a lineage whose renewal was attempted) is an attempt.
    HookRunner runner2(cfg);
    runner2.add_post_hook(append_cmd("conf", log));
    REQUIRE(runner2.run_post_hooks({}, {"a.example"}));
    CHECK(slurp(log) == "dir\ncli\nconf\n");
}

TEST_CASE("dry run skips deploy hooks but runs pre and post hooks", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    write_script(d / "renewal-hooks/deploy/hook", append_cmd("dir-deploy", log));
    cfg.pre_hooks = {append_cmd("pre", log)};
    cfg.post_hooks = {append_cmd("post", log)};
    cfg.dry_run = true;
    HookRunner runner(cfg);
    REQUIRE(runner.run_pre_hooks());
    REQUIRE(runner.run_deploy_hooks({append_cmd("deploy", log)}, d / "live/a", {"a.example"}));
    REQUIRE(runner.run_post_hooks({"a.example"}, {}));
    CHECK(slurp(log) == "pre\npost\n");
}

TEST_CASE("validate_hook", "[hooks]") {
    CHECK(validate_hook("true", "--pre-hook"));
    CHECK(validate_hook("  true --with args", "--post-hook"));
    CHECK(validate_hook("/bin/true", "--deploy-hook"));
    CHECK(validate_hook("", "--pre-hook"));

    Status missing = validate_hook("nonexistent-cmd-xyz --flag", "--pre-hook");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().exit_code == kExitUsage);
    const std::string& m = missing.error().message;
    CHECK(m.find("--pre-hook") != std::string::npos);
    CHECK(m.find("nonexistent-cmd-xyz") != std::string::npos);
    CHECK(m.find("--disable-hook-validation") != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);

    // certbot's short hook names are accepted.
    Status short_name = validate_hook("nonexistent-cmd-xyz", "post");
    REQUIRE_FALSE(short_name);
    CHECK(short_name.error().message.find("--post-hook") != std::string::npos);

    TempDir d;
    write_script(d / "script", "true", 0644);
    Status noexec = validate_hook(d / "script arg", "--deploy-hook");
    REQUIRE_FALSE(noexec);
    CHECK(noexec.error().message.find("not executable") != std::string::npos);
    CHECK(noexec.error().message.find("--deploy-hook") != std::string::npos);
    REQUIRE(::chmod((d / "script").c_str(), 0755) == 0);
    CHECK(validate_hook(d / "script arg", "--deploy-hook"));

    // Shell constructs fail validation (certbot's check is this simple too).
    CHECK_FALSE(validate_hook("FOO=1 true", "--pre-hook"));
}

TEST_CASE("a failing hook is reported and the next hooks still run", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    cfg.pre_hooks = {"exit 3", append_cmd("after", log)};
    HookRunner runner(cfg);
    Status st = runner.run_pre_hooks();
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("error code 3") != std::string::npos);
    CHECK(st.error().message.find("pre-hook") != std::string::npos);
    CHECK(slurp(log) == "after\n");
    // A failed pre hook counts as run: it is not retried for the next lineage.
    CHECK(runner.run_pre_hooks());

    Status deploy = runner.run_deploy_hooks({"exit 4", "exit 5", append_cmd("deploy", log)},
                                            d / "live/a", {"a.example"});
    REQUIRE_FALSE(deploy);
    CHECK(deploy.error().message.find("2 hooks failed") != std::string::npos);
    CHECK(deploy.error().message.find("error code 4") != std::string::npos);
    CHECK(slurp(log) == "after\ndeploy\n");

    runner.add_post_hook("kill -9 $$");
    runner.add_post_hook(append_cmd("post", log));
    Status post = runner.run_post_hooks({"a.example"}, {});
    REQUIRE_FALSE(post);
    CHECK(post.error().message.find("137") != std::string::npos);
    CHECK(slurp(log) == "after\ndeploy\npost\n");
}

TEST_CASE("a hung hook is killed after --hook-timeout, named, and the next hooks run",
          "[hooks][hostile]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    write_script(d / "renewal-hooks/pre/hang", "exec sleep 60");
    cfg.pre_hooks = {append_cmd("after", log)};
    const int saved = hook_time_limit();
    set_hook_time_limit(1);
    HookRunner runner(cfg);
    const auto started = std::chrono::steady_clock::now();
    Status st = runner.run_pre_hooks();
    const auto took = std::chrono::steady_clock::now() - started;
    Status deploy = runner.run_deploy_hooks({"sleep 60"}, d / "live/a", {"a.example"});
    set_hook_time_limit(saved);
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("Hook 'pre-hook' command \"" + (d / "renewal-hooks/pre/hang") +
                                  "\" did not finish within 1 s") != std::string::npos);
    CHECK(st.error().message.find("--hook-timeout") != std::string::npos);
    CHECK(took < std::chrono::seconds(30));  // not the hook's 60 s
    CHECK(slurp(log) == "after\n");
    REQUIRE_FALSE(deploy);
    CHECK(deploy.error().message.find("Hook 'deploy-hook' command \"sleep 60\" did not finish") !=
          std::string::npos);
}

TEST_CASE("hook stdout is captured, not passed through", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    cfg.pre_hooks = {"echo hello from hook; printf '\\033[31mred'"};
    HookRunner runner(cfg);
    // Point our stdout at a file while the hook runs (console logging quiet, so only a hook
    // writing to the inherited stdout could put anything there).
    const int saved_level = log::console_level();
    log::set_console_level(log::kError);
    std::fflush(stdout);
    const int saved_fd = ::dup(STDOUT_FILENO);
    REQUIRE(saved_fd >= 0);
    const int fd = ::open((d / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    ::dup2(fd, STDOUT_FILENO);
    ::close(fd);
    Status st = runner.run_pre_hooks();
    std::fflush(stdout);
    ::dup2(saved_fd, STDOUT_FILENO);
    ::close(saved_fd);
    log::set_console_level(saved_level);
    CHECK(st);
    CHECK(slurp(d / "stdout").empty());
}

TEST_CASE("deploy hooks from several threads run one at a time", "[hooks]") {
    TempDir d;
    HookConfig cfg = config_in(d);
    const std::string log = d / "log";
    const std::string busy = d / "busy";
    // mkdir is atomic: if two hooks overlapped, one would find the directory and say so.
    const std::string cmd = "mkdir '" + busy + "' || echo overlap >> '" + log +
                            "'; sleep 0.05; printf '%s\\n' \"$RENEWED_DOMAINS\" >> '" + log +
                            "'; rmdir '" + busy + "'";
    HookRunner runner(cfg);
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            const std::string name = "t" + std::to_string(i) + ".example";
            ok[i] = runner.run_deploy_hooks({cmd, cmd}, d / "live/" + name, {name}) ? 1 : 0;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == std::vector<int>{1, 1, 1, 1});
    const std::string text = slurp(log);
    CHECK(text.find("overlap") == std::string::npos);
    for (int i = 0; i < 4; ++i) {
        CHECK(text.find("t" + std::to_string(i) + ".example\n") != std::string::npos);
    }
    CHECK(std::count(text.begin(), text.end(), '\n') == 4);
}
