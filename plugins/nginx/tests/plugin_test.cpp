// nginx.so through the C ABI, against the real nginx binary: an nginx started on free loopback
// ports with its own prefix, driven by a fake host exactly as certbot drives the plugin.
#include "plugin_harness.h"
#include "strict_test.h"

#include <certbot/plugin.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace plugin_test;
using namespace std::string_literals;
namespace fs = std::filesystem;

const char* const kNginx = "/usr/sbin/nginx";

int run(const std::string& command) {
    int rc = std::system(command.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Every file below DIR (relative name -> bytes), lock files left out.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().filename() == ".certbot.lock") continue;
        out[fs::relative(e.path(), dir).string()] = plugin_test::read_file(e.path().string());
    }
    return out;
}

// An nginx of its own: prefix, server root, certbot's config and work dirs, two ports.
class NginxUnderTest {
  public:
    NginxUnderTest() : http_port(free_port()), https_port(free_port()) {
        root = dir / "etc";
        config_dir = dir / "letsencrypt";
        work_dir = dir / "work";
        for (const auto& d : {root + "/sites", config_dir, work_dir, dir / "tmp"})
            fs::create_directories(d);
        std::string t = dir / "tmp";
        write_file(root + "/nginx.conf",
                   "# test nginx\npid " + dir / "nginx.pid" + ";\nerror_log " + dir / "error.log" +
                       ";\nworker_processes 1;\nevents { worker_connections 64; }\n"
                       "http {\n    access_log off;\n    client_body_temp_path " +
                       t + "/body;\n    proxy_temp_path " + t + "/proxy;\n    fastcgi_temp_path " +
                       t + "/fastcgi;\n    uwsgi_temp_path " + t + "/uwsgi;\n    scgi_temp_path " +
                       t + "/scgi;\n    include sites/*.conf;\n}\n");
        // Debian's layout: the included name is a symlink into another directory.
        fs::create_directories(root + "/available");
        fs::create_symlink("../available/a.conf", root + "/sites/a.conf");
        write_file(root + "/available/a.conf",
                   "server {\n    listen 127.0.0.1:" + std::to_string(http_port) +
                       " default_server;\n    server_name a.test www.a.test;\n"
                       "    location / {\n        return 200 \"site a\\n\";\n    }\n}\n");
    }
    ~NginxUnderTest() { stop(); }

    // Replaces the server root with a copy of the system's Debian configuration
    // (/etc/nginx), moved into this prefix and onto this test's loopback ports. False when
    // there is none.
    bool use_debian_config() {
        const std::string sys = "/etc/nginx";
        if (!exists(sys + "/nginx.conf") || !exists(sys + "/sites-available/default")) return false;
        fs::remove_all(root);
        fs::copy(sys, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        fs::create_directories(dir / "log");
        auto rewrite = [&](const std::string& file,
                           const std::vector<std::pair<std::string, std::string>>& subs) {
            std::string text = plugin_test::read_file(file);
            for (const auto& [from, to] : subs)
                for (size_t at = text.find(from); at != std::string::npos;
                     at = text.find(from, at + to.size()))
                    text.replace(at, from.size(), to);
            fs::remove(file);
            write_file(file, text);
        };
        rewrite(root + "/nginx.conf", {{"/etc/nginx", root},
                                       {"/run/nginx.pid", dir / "nginx.pid"},
                                       {"/var/log/nginx", dir / "log"}});
        const std::string port = std::to_string(http_port);
        rewrite(root + "/sites-available/default",
                {{"listen 80 default_server", "listen 127.0.0.1:" + port + " default_server"},
                 {"listen [::]:80 default_server", "listen [::1]:" + port + " default_server"}});
        // Debian's link is absolute (into /etc/nginx): point it at the copy.
        fs::remove(root + "/sites-enabled/default");
        fs::create_symlink(root + "/sites-available/default", root + "/sites-enabled/default");
        return true;
    }

    void start() {
        REQUIRE(run(std::string(kNginx) + " -c " + root + "/nginx.conf") == 0);
        running_ = true;
        wait_for(http_port);
    }
    // The test stops whatever nginx runs from this prefix, also one the plugin started.
    void adopt() { running_ = true; }
    void stop() {
        if (!running_) return;
        run(std::string(kNginx) + " -c " + root + "/nginx.conf -s stop 2>/dev/null");
        for (int i = 0; i < 100 && exists(dir / "nginx.pid"); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        running_ = false;
    }
    static void wait_for(int port) {
        for (int i = 0; i < 100; ++i) {
            httplib::Client c("127.0.0.1", port);
            c.set_connection_timeout(0, 100000);
            if (c.Get("/")) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("nginx does not answer on port " << port);
    }

    // GET PATH with Host NAME; status and body (status -1 when nothing answered).
    std::pair<int, std::string> get(int port, const std::string& name, const std::string& path,
                                    std::string* location = nullptr) const {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(2);
        auto r = c.Get(path.c_str(), {{"Host", name}});
        if (!r) return {-1, ""};
        if (location) *location = r->get_header_value("Location");
        return {r->status, r->body};
    }

    void options(FakeHost& host, const std::string& ctl = kNginx) const {
        host.set("server-root", {root});
        host.set("ctl", {ctl});
        host.set("sleep-seconds", {"0.3"});
        host.set("http-01-port", {std::to_string(http_port)});
        host.set("https-port", {std::to_string(https_port)});
    }

    TempDir dir;
    std::string root, config_dir, work_dir;
    int http_port, https_port;

  private:
    bool running_ = false;
};

// One plugin instance over the whole C ABI (authenticator and installer).
class Plugin {
  public:
    // With RELATIVE_DIRS the host passes the config and work dirs relative to the current
    // directory, as --config-dir ./x does.
    Plugin(const PluginLibrary& lib, FakeHost& fake, const NginxUnderTest& n,
           bool relative_dirs = false)
        : lib_(lib),
          host_(*fake.table()),
          config_dir_(relative_dirs ? fs::relative(n.config_dir).string() : n.config_dir),
          work_dir_(relative_dirs ? fs::relative(n.work_dir).string() : n.work_dir) {
        host_.config_dir = config_dir_.c_str();
        host_.work_dir = work_dir_.c_str();
        fake.set_work_dir(work_dir_);
        status = lib_.entry().create(&host_, &self_);
    }
    ~Plugin() {
        if (self_) lib_.entry().destroy(self_);
    }
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    cb_status perform(const std::vector<TestChallenge>& cs) {
        auto raw = raws(cs);
        return lib_.entry().authenticator->perform(self_, raw.data(), raw.size());
    }
    cb_status cleanup(const std::vector<TestChallenge>& cs) {
        auto raw = raws(cs);
        return lib_.entry().authenticator->cleanup(self_, raw.data(), raw.size());
    }
    const cb_installer& inst() const { return *lib_.entry().installer; }
    void* self() const { return self_; }
    cb_status status;

  private:
    static std::vector<cb_challenge> raws(const std::vector<TestChallenge>& cs) {
        std::vector<cb_challenge> out;
        for (const auto& c : cs) out.push_back(c.raw());
        return out;
    }
    const PluginLibrary& lib_;
    cb_host host_;
    std::string config_dir_, work_dir_;
    void* self_ = nullptr;
};

const PluginLibrary& library() {
    static PluginLibrary lib(CERTBOT_NGINX_PLUGIN);
    return lib;
}

void collect(void* ctx, const char* value) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(value);
}

const char* const kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

// A self-signed certificate for NAME (no OCSP URL) in DIR: cert.pem, privkey.pem.
// With OCSP, the certificate names a responder (Authority Information Access).
void make_cert(const std::string& dir, const std::string& name, bool ocsp = false) {
    fs::create_directories(dir);
    std::string aia = ocsp ? " -addext authorityInfoAccess=OCSP\\;URI:http://127.0.0.1:9/" : "";
    REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                "-subj /CN=" +
                name + " -addext subjectAltName=DNS:" + name + aia + " -keyout " + dir +
                "/privkey.pem -out " + dir + "/cert.pem 2>/dev/null") == 0);
}

// A self-signed certificate for NAME deployed and saved, as certbot's install does; with
// REDIRECT the redirect too, then config_test and restart. Returns the certificate path.
std::string install(Plugin& p, const NginxUnderTest& n, const std::string& name, bool redirect) {
    const std::string live = n.dir / ("live/" + name);
    make_cert(live, name);
    const std::string cert = live + "/cert.pem", key = live + "/privkey.pem";
    const auto& in = p.inst();
    REQUIRE(in.deploy_cert(p.self(), name.c_str(), cert.c_str(), key.c_str(), cert.c_str(),
                           cert.c_str()) == CB_OK);
    REQUIRE(in.save(p.self(), "Deployed ACME Certificate", 0) == CB_OK);
    if (!redirect) return cert;
    REQUIRE(in.enhance(p.self(), name.c_str(), "redirect", nullptr) == CB_OK);
    REQUIRE(in.save(p.self(), "Add enhancement redirect", 0) == CB_OK);
    REQUIRE(in.config_test(p.self()) == CB_OK);
    REQUIRE(in.restart(p.self()) == CB_OK);
    return cert;
}
}  // namespace

TEST_CASE("nginx plugin: describes itself as authenticator and installer for http-01", "[nginx]") {
    const cb_plugin& p = library().entry();
    CHECK(std::string(p.name) == "nginx");
    CHECK(p.kinds == (CB_KIND_AUTHENTICATOR | CB_KIND_INSTALLER));
    CHECK(std::string(p.challenge_types[0]) == "http-01");
    CHECK(p.challenge_types[1] == nullptr);
    REQUIRE(p.option_count == 3);
    CHECK(std::string(p.options[0].name) == "server-root");
    CHECK(std::string(p.options[0].default_value) == "/etc/nginx");
    CHECK(std::string(p.options[1].name) == "ctl");
    CHECK(std::string(p.options[2].name) == "sleep-seconds");
}

TEST_CASE("nginx plugin: http-01 is served by the running nginx and removed byte for byte",
          "[nginx]") {
    NginxUnderTest n;
    n.start();
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    auto c = http01("a.test", kToken);
    REQUIRE(p.perform({c}) == CB_OK);
    INFO(fake.all_logs() << fake.last_error());
    CHECK(n.get(n.http_port, "a.test", c.validation_name) ==
          std::make_pair(200, c.key_authorization));
    CHECK(snapshot(n.root) != before);
    CHECK(fs::is_symlink(n.root + "/sites/a.conf"));  // written through, not replaced
    REQUIRE(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == before);
    CHECK(fs::is_symlink(n.root + "/sites/a.conf"));
    CHECK(n.get(n.http_port, "a.test", c.validation_name) == std::make_pair(200, "site a\n"s));
    CHECK_FALSE(exists(n.work_dir + "/temp_checkpoint"));
    CHECK(p.cleanup({c}) == CB_OK);  // idempotent
}

TEST_CASE("nginx plugin: http-01 on a port no server block uses gets its own block", "[nginx]") {
    NginxUnderTest n;
    n.start();
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    int other = free_port();
    fake.set("http-01-port", {std::to_string(other)});
    Plugin p(library(), fake, n, /*relative_dirs=*/true);  // the include must still be absolute
    REQUIRE(p.status == CB_OK);
    auto c = http01("b.test", kToken);
    REQUIRE(p.perform({c}) == CB_OK);
    INFO(fake.all_logs() << fake.last_error());
    CHECK(n.get(other, "b.test", c.validation_name) == std::make_pair(200, c.key_authorization));
    CHECK(exists(n.work_dir + "/le_http_01_cert_challenge.conf"));
    REQUIRE(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == before);
    CHECK_FALSE(exists(n.work_dir + "/le_http_01_cert_challenge.conf"));
    CHECK(n.get(other, "b.test", c.validation_name).first == -1);  // the port is closed again
}

TEST_CASE("nginx plugin: deploy_cert and redirect, then rollback restores every byte", "[nginx]") {
    NginxUnderTest n;
    n.start();
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    const auto& in = p.inst();
    INFO(fake.all_logs() << fake.last_error());
    install(p, n, "a.test", true);
    CHECK(exists(n.config_dir + "/options-ssl-nginx.conf"));
    CHECK(exists(n.config_dir + "/ssl-dhparams.pem"));

    std::string location;
    CHECK(n.get(n.http_port, "a.test", "/x?y=1", &location).first == 301);
    CHECK(location == "https://a.test:" + std::to_string(n.https_port) + "/x?y=1");
    // The Host header never makes it into the target.
    CHECK(n.get(n.http_port, "evil.test", "/x", &location).first != 301);
    httplib::SSLClient tls("127.0.0.1", n.https_port);
    tls.enable_server_certificate_verification(false);
    auto r = tls.Get("/", {{"Host", "a.test"}});
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "site a\n");

    // Renewal: the challenge is answered despite the redirect (rewrite ... break first).
    const auto deployed = snapshot(n.root);
    auto c = http01("a.test", kToken);
    REQUIRE(p.perform({c}) == CB_OK);
    CHECK(n.get(n.http_port, "a.test", c.validation_name) ==
          std::make_pair(200, c.key_authorization));
    REQUIRE(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == deployed);

    // Two checkpoints (deploy, redirect); asking for 5 rolls back both and warns, as certbot.
    REQUIRE(in.rollback_checkpoints(p.self(), 5) == CB_OK);
    CHECK(fake.logged("Unable to rollback 5 checkpoints, only 2 exist", CB_LOG_WARNING));
    CHECK(snapshot(n.root) == before);
    REQUIRE(in.restart(p.self()) == CB_OK);
    CHECK(n.get(n.http_port, "a.test", "/x").first == 200);
    // Nothing left: a warning, no error.
    REQUIRE(in.rollback_checkpoints(p.self(), 1) == CB_OK);
    CHECK(fake.logged("rollback isn't available", CB_LOG_WARNING));
    CHECK(snapshot(n.root) == before);
}

TEST_CASE("nginx plugin: a change nginx -t rejects is rolled back and nginx keeps serving",
          "[nginx][negative]") {
    NginxUnderTest n;
    n.start();
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    const auto& in = p.inst();
    const std::string missing = n.dir / "no/such/key.pem";
    REQUIRE(in.deploy_cert(p.self(), "a.test", missing.c_str(), missing.c_str(), nullptr,
                           missing.c_str()) == CB_OK);
    CHECK(in.save(p.self(), "Deployed ACME Certificate", 0) == CB_ERROR);
    CHECK(fake.last_error().find("rolled back") != std::string::npos);
    CHECK(snapshot(n.root) == before);
    CHECK_FALSE(exists(n.work_dir + "/backups/IN_PROGRESS"));
    CHECK(n.get(n.http_port, "a.test", "/").first == 200);
}

TEST_CASE("nginx plugin: an include it cannot parse is refused with file:line, nothing changed",
          "[nginx][negative]") {
    NginxUnderTest n;
    write_file(n.root + "/sites/broken.conf",
               "server {\n    listen 127.0.0.1:1;\n    return 200 \"oops;\n}\n");
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    auto c = http01("a.test", kToken);
    CHECK(p.perform({c}) == CB_ERROR);
    CHECK(fake.last_error().find("broken.conf:3: unterminated quoted string") != std::string::npos);
    CHECK(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == before);
}

TEST_CASE("nginx plugin: a missing nginx binary fails create with a clear message",
          "[nginx][negative]") {
    NginxUnderTest n;
    FakeHost fake;
    n.options(fake, "/nonexistent");
    Plugin p(library(), fake, n);
    CHECK(p.status == CB_ERROR);
    CHECK(fake.last_error().find("/nonexistent") != std::string::npos);
    CHECK(fake.last_error().find("--nginx-ctl") != std::string::npos);
}

TEST_CASE("nginx plugin: another process holding the server root lock is refused",
          "[nginx][negative]") {
    NginxUnderTest n;
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        FakeHost child_host;
        n.options(child_host);
        Plugin q(library(), child_host, n);
        std::string e = q.status == CB_OK ? "created" : child_host.last_error();
        (void)!::write(fds[1], e.data(), e.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string got;
    char buf[512];
    for (ssize_t k; (k = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, k);
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    CHECK(got.find("Another instance of Certbot is already running") != std::string::npos);
}

TEST_CASE("nginx plugin: a run killed mid-challenge is recovered by the next one", "[nginx]") {
    NginxUnderTest n;
    n.start();
    const auto before = snapshot(n.root);
    pid_t pid = ::fork();
    if (pid == 0) {
        FakeHost fake;
        n.options(fake);
        Plugin p(library(), fake, n);
        p.perform({http01("a.test", kToken)});
        ::_exit(0);  // no cleanup, no destroy: a crash
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(snapshot(n.root) != before);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    CHECK(fake.logged("interrupted run", CB_LOG_WARNING));
    CHECK(snapshot(n.root) == before);
    CHECK(p.inst().recovery_routine(p.self()) == CB_OK);
    CHECK(snapshot(n.root) == before);
}

TEST_CASE("nginx plugin: staple-ocsp warns and changes nothing without an OCSP URL", "[nginx]") {
    NginxUnderTest n;
    n.start();
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    const auto& in = p.inst();
    install(p, n, "a.test", false);
    const auto deployed = snapshot(n.root);
    CHECK(in.enhance(p.self(), "a.test", "staple-ocsp", nullptr) == CB_OK);
    CHECK(fake.logged("OCSP", CB_LOG_WARNING));
    CHECK(in.save(p.self(), "Add SSL/TLS enhancement", 0) == CB_OK);
    CHECK(snapshot(n.root) == deployed);
    CHECK(in.enhance(p.self(), "a.test", "ensure-http-header", "Strict-Transport-Security") ==
          CB_OK);
    CHECK(in.enhance(p.self(), "a.test", "no-such-thing", nullptr) == CB_DECLINED);
    CHECK(in.save(p.self(), "Add SSL/TLS enhancement", 0) == CB_OK);

    // A certificate with a responder gets stapling, and nginx accepts it.
    const std::string live2 = n.dir / "live/a.test-0001";
    make_cert(live2, "a.test", true);
    const std::string cert2 = live2 + "/cert.pem", key2 = live2 + "/privkey.pem";
    REQUIRE(in.deploy_cert(p.self(), "a.test", cert2.c_str(), key2.c_str(), cert2.c_str(),
                           cert2.c_str()) == CB_OK);
    REQUIRE(in.enhance(p.self(), "a.test", "staple-ocsp", cert2.c_str()) == CB_OK);
    REQUIRE(in.save(p.self(), "Add SSL/TLS enhancement", 0) == CB_OK);
    const std::string site = plugin_test::read_file(n.root + "/available/a.conf");
    CHECK(site.find("ssl_stapling on;") != std::string::npos);
    CHECK(site.find("ssl_trusted_certificate " + cert2 + ";") != std::string::npos);
    CHECK(in.config_test(p.self()) == CB_OK);

    std::vector<std::string> names;
    REQUIRE(in.get_all_names(p.self(), &collect, &names) == CB_OK);
    CHECK(names == std::vector<std::string>{"a.test", "www.a.test"});
}

TEST_CASE("nginx plugin: Debian's default configuration, a new name gets its own server block",
          "[nginx]") {
    NginxUnderTest n;
    if (!n.use_debian_config()) {
        CERTBOT_SKIP("no /etc/nginx/nginx.conf (Debian: nginx)");
        return;
    }
    n.start();
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    INFO(fake.all_logs() << fake.last_error());

    // http-01: nobody has the name, so the default server answers it.
    auto c = http01("example.test", kToken);
    REQUIRE(p.perform({c}) == CB_OK);
    CHECK(n.get(n.http_port, "example.test", c.validation_name) ==
          std::make_pair(200, c.key_authorization));
    REQUIRE(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == before);

    const auto& in = p.inst();
    install(p, n, "example.test", true);
    CHECK(fs::is_symlink(n.root + "/sites-enabled/default"));

    std::string location;
    CHECK(n.get(n.http_port, "example.test", "/a", &location).first == 301);
    CHECK(location == "https://example.test:" + std::to_string(n.https_port) + "/a");
    // Other names still reach the untouched default site.
    CHECK(n.get(n.http_port, "other.test", "/").first != 301);
    httplib::SSLClient tls("127.0.0.1", n.https_port);
    tls.enable_server_certificate_verification(false);
    auto r = tls.Get("/", {{"Host", "example.test"}});
    REQUIRE(r);
    CHECK(r->status != 301);

    REQUIRE(in.rollback_checkpoints(p.self(), 2) == CB_OK);
    CHECK(snapshot(n.root) == before);
    REQUIRE(in.restart(p.self()) == CB_OK);
}

TEST_CASE("nginx plugin: a failed reload rolls the change back and reloads the old files",
          "[nginx][negative]") {
    NginxUnderTest n;
    n.start();
    // An nginx whose next two signal/start calls fail (the reload, then the start attempt).
    const std::string ctl = n.dir / "nginx-flaky", budget = n.dir / "failures";
    write_file(budget, "2");
    write_file(ctl, "#!/bin/sh\ncase \" $* \" in *\" -t \"*) exec " + std::string(kNginx) +
                        " \"$@\";; esac\nleft=$(cat " + budget +
                        ")\nif [ \"$left\" -gt 0 ]; then echo $((left - 1)) > " + budget +
                        "; echo 'nginx: [error] simulated failure' >&2; exit 1; fi\nexec " +
                        kNginx + " \"$@\"\n");
    fs::permissions(ctl, fs::perms::owner_all);
    FakeHost fake;
    n.options(fake);
    {
        Plugin good(library(), fake, n);
        REQUIRE(good.status == CB_OK);
        install(good, n, "a.test", false);  // checkpoint 1
        REQUIRE(good.inst().restart(good.self()) == CB_OK);
    }
    const auto deployed = snapshot(n.root);

    FakeHost flaky_host;
    n.options(flaky_host, ctl);
    Plugin p(library(), flaky_host, n);
    REQUIRE(p.status == CB_OK);
    const auto& in = p.inst();
    REQUIRE(in.enhance(p.self(), "a.test", "redirect", nullptr) == CB_OK);
    REQUIRE(in.save(p.self(), "Add enhancement redirect", 0) == CB_OK);
    CHECK(snapshot(n.root) != deployed);
    CHECK(in.restart(p.self()) == CB_ERROR);
    CHECK(flaky_host.last_error().find("rolled back") != std::string::npos);
    CHECK(snapshot(n.root) == deployed);
    // certbot's host then rolls back the checkpoint it saved: already done, so the earlier
    // (deploy) checkpoint must survive.
    CHECK(in.rollback_checkpoints(p.self(), 1) == CB_OK);
    CHECK(snapshot(n.root) == deployed);
    CHECK(in.restart(p.self()) == CB_OK);
    CHECK(n.get(n.http_port, "a.test", "/").first == 200);
}

TEST_CASE("nginx plugin: starts nginx when it is not running", "[nginx]") {
    NginxUnderTest n;
    n.adopt();  // stopped at the end: the plugin starts it
    const auto before = snapshot(n.root);
    FakeHost fake;
    n.options(fake);
    Plugin p(library(), fake, n);
    REQUIRE(p.status == CB_OK);
    auto c = http01("a.test", kToken);
    REQUIRE(p.perform({c}) == CB_OK);
    INFO(fake.all_logs() << fake.last_error());
    NginxUnderTest::wait_for(n.http_port);
    CHECK(n.get(n.http_port, "a.test", c.validation_name) ==
          std::make_pair(200, c.key_authorization));
    REQUIRE(p.cleanup({c}) == CB_OK);
    CHECK(snapshot(n.root) == before);
    CHECK(exists(n.dir / "nginx.pid"));
}
