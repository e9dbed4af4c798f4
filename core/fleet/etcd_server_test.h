// A real etcd (Debian's etcd-server) started on loopback for one test: its own data directory in
// a temporary directory, ports from tests/integration/lib.sh's free_port (the registry every test
// on this machine shares), killed and removed at the end of the scope. Not a mock: the fleet code
// is tested against the server it will talk to.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "etcd.h"
#include "process.h"
#include "temp_dir_test.h"

namespace certbot::test {

class EtcdServer {
  public:
    EtcdServer() {
        auto ports = run_hook(std::string("bash -c '. \"") + CERTBOT_SOURCE_DIR +
                                  "/tests/integration/lib.sh\" >/dev/null 2>&1; free_port; "
                                  "free_port'",
                              HookOptions{{}, true, 4096});
        REQUIRE(ports.ok());
        REQUIRE(ports->exit_status == 0);
        std::istringstream in(ports->output);
        int client = 0, peer = 0;
        in >> client >> peer;
        REQUIRE(client > 0);
        REQUIRE(peer > 0);
        url_ = "http://127.0.0.1:" + std::to_string(client);
        const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
        std::vector<std::string> args = {"/usr/bin/etcd",
                                         "--name=t",
                                         "--data-dir=" + dir_ / "data",
                                         "--listen-client-urls=" + url_,
                                         "--advertise-client-urls=" + url_,
                                         "--listen-peer-urls=" + peer_url,
                                         "--initial-advertise-peer-urls=" + peer_url,
                                         "--initial-cluster=t=" + peer_url,
                                         "--logger=zap",
                                         "--log-outputs=" + dir_ / "etcd.log"};
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        EtcdOptions options;
        options.endpoints = {url_};
        options.timeout_s = 2;
        auto etcd = make_etcd(options);
        REQUIRE(etcd.ok());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!(*etcd)->get("/probe").ok()) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            int status = 0;
            REQUIRE(::waitpid(pid_, &status, WNOHANG) == 0);  // etcd did not die
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    EtcdServer(const EtcdServer&) = delete;
    EtcdServer& operator=(const EtcdServer&) = delete;
    ~EtcdServer() { stop(); }

    const std::string& url() const { return url_; }
    // Kills the member (SIGKILL: no goodbye to anyone).
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    std::unique_ptr<Etcd> client(std::vector<std::string> extra_endpoints = {}) const {
        EtcdOptions options;
        options.endpoints = std::move(extra_endpoints);
        options.endpoints.push_back(url_);
        options.timeout_s = 3;
        auto etcd = make_etcd(options);
        REQUIRE(etcd.ok());
        return std::move(*etcd);
    }

  private:
    TempDir dir_;
    std::string url_;
    pid_t pid_ = -1;
};

}  // namespace certbot::test
