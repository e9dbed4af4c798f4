// The host services plugins get through get_extension (host_services.h), directly and through
// a plugin in a runner process (tests/fixtures/plugins/services_plugin.c).
#include "host_services.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "fsutil.h"
#include "plugin_challenge_test.h"
#include "plugin_host.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

std::string write(const std::string& path, const std::string& content, mode_t mode = 0600) {
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("credentials files are read as certbot reads them, secrets never in a message",
          "[host-services]") {
    auto c = parse_credentials("/etc/cf.ini",
                               "# comment\n"
                               "dns_cf_token = 0123\n"
                               "; another\n"
                               "  dns_cf_email=\"user@example.com\"  \n"
                               "dns_cf_key = 'k#ey' # quoted, then a comment\n"
                               "dns_cf_other = v # inline comment\n"
                               "[section]\n"
                               "dns_cf_later = in a section\n");
    REQUIRE(c);
    CHECK(*c == CredentialPairs{{"dns_cf_token", "0123"},
                                {"dns_cf_email", "user@example.com"},
                                {"dns_cf_key", "k#ey"},
                                {"dns_cf_other", "v"}});
    auto no_eq = parse_credentials("f.ini", "a = 1\nno equals sign\n");
    REQUIRE_FALSE(no_eq);
    CHECK(no_eq.error().message == "Line 2 of f.ini is not \"key = value\".");
    auto trailing = parse_credentials("f.ini", "a = \"secret\" trailing\n");
    REQUIRE_FALSE(trailing);
    CHECK(trailing.error().message.find("after the closing quote of a") != std::string::npos);
    CHECK(trailing.error().message.find("secret") == std::string::npos);

    test::TempDir dir;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    CHECK(read_credentials_file(write(dir / "ok.ini", "k = s3cr3t\n"), warn));
    CHECK(warnings.empty());
    auto open = read_credentials_file(write(dir / "open.ini", "k = s3cr3t\n", 0644), warn);
    REQUIRE(open);
    CHECK(open->at(0).second == "s3cr3t");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("Unsafe permissions on credentials configuration file: " + dir.path +
                           "/open.ini (mode 0644)") == 0);
    CHECK(warnings[0].find("s3cr3t") == std::string::npos);
    CHECK(read_credentials_file(dir / "missing.ini", warn)
              .error()
              .message.find("Cannot read the credentials file " + dir.path + "/missing.ini") == 0);
    CHECK(read_credentials_file(dir.path, warn).error().message.find("not a regular file") !=
          std::string::npos);
    CHECK(read_credentials_file(write(dir / "big.ini", std::string(70 * 1024, '#')), warn)
              .error()
              .message.find("too large") != std::string::npos);
}

TEST_CASE("a plugin's state directory is its own, created 0700", "[host-services]") {
    test::TempDir work;
    auto d = plugin_state_dir(work.path, "dns-foo");
    REQUIRE(d);
    CHECK(*d == work.path + "/plugins/dns-foo");
    CHECK(test::mode_of(*d) == 0700);
    CHECK(plugin_state_dir(work.path, "dns-foo"));  // again: already there
    write(work / "plugins/file", "x");
    CHECK_FALSE(plugin_state_dir(work.path, "file"));
    CHECK_FALSE(plugin_state_dir(work.path + "/missing/deeper", "x"));
}

TEST_CASE("a plugin in its runner uses the host's services through get_extension",
          "[host-services][plugins]") {
    auto p = load_plugin(std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins/services_plugin.so");
    REQUIRE(p);
    test::TempDir work;
    const std::string creds = write(work / "creds.ini", "dns_services_token = s3cr3t\n", 0644);
    PluginOptionValues v;
    v.values["credentials"] = {creds};
    auto inst = PluginInstance::create(*p, v, false, false, work.path, work.path, work.path);
    REQUIRE(inst);
    // perform: state dir, a program (no shell: the ';' is an argument), the credentials file.
    REQUIRE((*inst)->perform({test::http01_challenge("svc.example")}));
    const std::string report = slurp(work.path + "/plugins/services/report");
    CHECK(report == "state " + work.path +
                        "/plugins/services\n"
                        "run 0 svc.example; echo injected|\n"
                        "cred dns_services_token\n");
    CHECK(report.find("s3cr3t") == std::string::npos);
    // Failures come back as one line naming the program or the file.
    PluginOptionValues bad;
    bad.values["credentials"] = {work.path + "/missing.ini"};
    bad.values["program"] = {"certbot-no-such-program"};
    auto inst2 = PluginInstance::create(*p, bad, false, false, work.path, work.path, work.path);
    REQUIRE(inst2);
    auto st = (*inst2)->perform({test::http01_challenge("svc.example")});
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("cannot run certbot-no-such-program: not found in PATH") !=
          std::string::npos);
    CHECK((*inst2)
              ->cleanup({test::http01_challenge("svc.example")})
              .error()
              .message.find("Cannot read the credentials file " + work.path + "/missing.ini") !=
          std::string::npos);
}

TEST_CASE("a C installer keeps its checkpoints with the host's certbot.checkpoint.v1",
          "[host-services][plugins][checkpoints]") {
    auto p = load_plugin(std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins/checkpoint_plugin.so");
    REQUIRE(p);
    test::TempDir dir;
    const std::string work = dir / "work", site = write(dir / "site.conf", "original\n", 0640);
    PluginOptionValues v;
    v.values["site"] = {site};
    auto inst = PluginInstance::create(*p, v, false, false, work, work, work);
    REQUIRE(inst);
    // A permanent change: certbot's reverter layout in the host's work directory, finalised.
    REQUIRE((*inst)->deploy_cert("a.example", "/c", "/k", "", "/f"));
    CHECK(slurp(site) == "server a.example cert /c key /k\n");
    CHECK(slurp(site + ".certbot") == "a.example");
    CHECK(test::mode_of(site + ".certbot") == 0600);
    CHECK(slurp(work + "/backups/IN_PROGRESS/FILEPATHS") == site + "\n");
    CHECK(slurp(work + "/backups/IN_PROGRESS/NEW_FILES") == site + ".certbot\n");
    CHECK(slurp(work + "/backups/IN_PROGRESS/site.conf_0") == "original\n");
    REQUIRE((*inst)->save("Deployed a.example", false));
    auto finalised = list_dir(work + "/backups");
    REQUIRE(finalised);
    REQUIRE(finalised->size() == 1);
    CHECK(slurp(work + "/backups/" + finalised->front() + "/CHANGES_SINCE") ==
          "-- Deployed a.example --\nDeployed a certificate\n");
    // A hand edit since is never overwritten: the rollback is refused, naming the file.
    write(site, "edited by hand\n", 0640);
    auto refused = (*inst)->rollback_checkpoints(1);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("Not rolling back: " + site + " was edited") !=
          std::string::npos);
    CHECK(slurp(site) == "edited by hand\n");
    // Undone, the rollback restores the bytes and mode and deletes the file it created.
    write(site, "server a.example cert /c key /k\n", 0640);
    REQUIRE((*inst)->rollback_checkpoints(1));
    CHECK(slurp(site) == "original\n");
    CHECK(test::mode_of(site) == 0640);
    CHECK_FALSE(exists(site + ".certbot"));
    REQUIRE_FALSE((*inst)->rollback_checkpoints(1));  // nothing left to roll back
    // A temporary change, undone by recovery_routine.
    REQUIRE((*inst)->deploy_cert("temp.example", "/c", "/k", "", "/f"));
    CHECK(slurp(work + "/temp_checkpoint/FILEPATHS") == site + "\n");
    REQUIRE((*inst)->recovery_routine());
    CHECK(slurp(site) == "original\n");
    CHECK_FALSE(exists(work + "/temp_checkpoint"));
}

TEST_CASE("certbot.checkpoint.v1 refuses what it cannot do, naming it",
          "[host-services][checkpoints]") {
    test::TempDir dir;
    const LocalHost host(dir / "work");
    const auto* c = static_cast<const cb_checkpoint_v1*>(
        host.table()->get_extension(host.table()->ctx, CB_CHECKPOINT_V1));
    REQUIRE(c);
    CHECK(c->struct_size == sizeof(cb_checkpoint_v1));
    std::string error;
    auto sink = [](void* ctx, const char* v) { *static_cast<std::string*>(ctx) += v; };
    const char* missing[] = {"/nonexistent/file.conf", nullptr};
    CHECK(c->add_files(host.table()->ctx, CB_CHECKPOINT_TEMPORARY, missing, nullptr, sink,
                       &error) == CB_ERROR);
    CHECK(error.find("/nonexistent/file.conf") != std::string::npos);
    error.clear();
    CHECK(c->add_new_file(host.table()->ctx, 7, "/x", sink, &error) == CB_ERROR);
    CHECK(error.find("CB_CHECKPOINT_TEMPORARY or CB_CHECKPOINT_IN_PROGRESS") != std::string::npos);
    error.clear();
    CHECK(c->rollback(host.table()->ctx, 1, nullptr, nullptr, sink, &error) == CB_ERROR);
    CHECK(error.find("Cannot roll back 1 checkpoint(s): only 0") != std::string::npos);
    error.clear();
    const char* empty[] = {nullptr};
    CHECK(c->add_undo_command(host.table()->ctx, CB_CHECKPOINT_IN_PROGRESS, empty, sink, &error) ==
          CB_ERROR);
    CHECK(error == "an empty undo command");
    uint32_t pending = 99;
    CHECK(c->list(host.table()->ctx, nullptr, nullptr, &pending, sink, &error) == CB_OK);
    CHECK(pending == 0);
}

TEST_CASE("certbot.wait.v1 waits in the host and ends early on a signal or before the time limit",
          "[host-services][plugins]") {
    using namespace std::chrono;
    auto p = load_plugin(std::string(CERTBOT_TEST_FIXTURE_DIR) + "/plugins/services_plugin.so");
    REQUIRE(p);
    test::TempDir work;
    const std::string creds = write(work / "creds.ini", "k = v\n");
    auto start_waiting = [&](const std::string& seconds) {
        PluginOptionValues v;
        v.values["credentials"] = {creds};
        v.values["wait"] = {seconds};
        auto inst = PluginInstance::create(*p, v, false, false, work.path, work.path, work.path);
        REQUIRE(inst);
        return std::move(*inst);
    };
    const auto start = steady_clock::now();
    SECTION("the whole time passes: the call goes on") {
        auto inst = start_waiting("1");
        CHECK(inst->perform({test::http01_challenge("svc.example")}));
        CHECK(steady_clock::now() - start >= seconds(1));
    }
    SECTION("SIGINT/SIGTERM cancels it and the plugin still returns its own error") {
        auto inst = start_waiting("30");
        std::atomic<bool> stop{false};
        set_plugin_stop_flag(&stop);
        std::thread signal([&] {
            std::this_thread::sleep_for(milliseconds(700));
            stop = true;
        });
        auto st = inst->perform({test::http01_challenge("svc.example")});
        signal.join();
        inst.reset();  // destroy, still under the stop flag
        set_plugin_stop_flag(nullptr);
        REQUIRE_FALSE(st);
        INFO(st.error().message);
        // The plugin answered (not killed): its message is the wait's.
        CHECK(st.error().message ==
              "services plugin: preparing challenges: cancelled: certbot is stopping "
              "(SIGINT/SIGTERM)");
        CHECK(steady_clock::now() - start < seconds(10));
    }
    SECTION("a wait longer than the call's time limit ends before it, and says so") {
        set_plugin_timeout(seconds(3));
        auto inst = start_waiting("30");
        auto st = inst->perform({test::http01_challenge("svc.example")});
        set_plugin_timeout(seconds(600));
        REQUIRE_FALSE(st);
        INFO(st.error().message);
        CHECK(st.error().message.find("cancelled: the call's time limit (--plugin-timeout 3 s) "
                                      "ends before 30 s would have passed") != std::string::npos);
        CHECK(st.error().message.find("did not answer") == std::string::npos);  // not killed
        CHECK(steady_clock::now() - start < seconds(8));
    }
}
