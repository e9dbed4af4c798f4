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
