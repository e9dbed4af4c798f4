#include "http.h"

#include <catch2/catch.hpp>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto.h"
#include "fsutil.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;

namespace {

// A loopback server that accepts one connection, sends the first bytes of a status line, then
// trickles one byte every 200 ms without ever finishing the headers.
class TricklingServer {
  public:
    TricklingServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 1) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            const char* head = "HTTP/1.1 200 OK\r\nX-Slow: ";
            (void)!::send(c, head, std::char_traits<char>::length(head), MSG_NOSIGNAL);
            while (!stop_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                if (::send(c, "a", 1, MSG_NOSIGNAL) != 1) break;
            }
            ::close(c);
        });
    }
    ~TricklingServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE("a server that trickles its headers is cut off at the total deadline") {
    TricklingServer server;
    HttpOptions o;
    o.read_timeout_s = 30;  // each byte arrives well within this
    o.total_timeout_s = 1;
    auto client = make_http_client(o);
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/dir";
    const auto start = std::chrono::steady_clock::now();
    auto r = client->send(req);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("took longer than 1 s") != std::string::npos);
    CHECK(r.error().message.find("127.0.0.1") != std::string::npos);
    CHECK(took < std::chrono::seconds(15));  // the read timeout (30 s) would be far later
}

// The watchdog is one thread per client, armed for each request: a request that finished is
// never cut off later, and the next slow one still is.
// A local server answering GET /ok with "fine", serving on a thread until it goes.
struct QuickServer {
    httplib::Server server;
    int port = 0;
    std::thread serving;
    QuickServer() {
        server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("fine", "text/plain");
        });
        port = server.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        serving = std::thread([this] { server.listen_after_bind(); });
    }
    ~QuickServer() {
        server.stop();
        serving.join();
    }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
};

TEST_CASE("one client's watchdog serves request after request") {
    QuickServer quick;
    TricklingServer slow;
    HttpOptions o;
    o.total_timeout_s = 1;
    auto client = make_http_client(o);
    HttpRequest ok, stuck;
    ok.url = quick.origin() + "/ok";
    stuck.url = "http://127.0.0.1:" + std::to_string(slow.port()) + "/dir";

    auto first = client->send(ok);
    REQUIRE(first);
    CHECK(first->body == "fine");
    // Past the first request's deadline: nothing may fire on the kept connection.
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    auto second = client->send(ok);
    REQUIRE(second);
    CHECK(second->status == 200);
    auto cut = client->send(stuck);
    REQUIRE_FALSE(cut);
    CHECK(cut.error().message.find("took longer than 1 s") != std::string::npos);
    auto after = client->send(ok);
    REQUIRE(after);
    CHECK(after->body == "fine");
    client.reset();  // joins the watchdog's thread
}

TEST_CASE("a prepared origin is requested as any other, and its watchdog still cuts it off") {
    QuickServer quick;
    TricklingServer slow;
    HttpOptions o;
    o.total_timeout_s = 1;
    auto client = make_http_client(o);
    const std::string quick_origin = quick.origin();
    const std::string slow_origin = "http://127.0.0.1:" + std::to_string(slow.port());
    client->prepare(quick_origin + "/dir");
    client->prepare(slow_origin + "/dir");
    client->prepare("not a URL");  // nothing to prepare; a request to it fails as before
    HttpRequest ok, stuck, bad;
    ok.url = quick_origin + "/ok";
    stuck.url = slow_origin + "/dir";
    bad.url = "not a URL";
    auto first = client->send(ok);
    REQUIRE(first);
    CHECK(first->body == "fine");
    auto cut = client->send(stuck);
    REQUIRE_FALSE(cut);
    CHECK(cut.error().message.find("took longer than 1 s") != std::string::npos);
    CHECK_FALSE(client->send(bad));
    client.reset();  // joins the watchdogs' threads, prepared ones included
}

// Renew's workers share one client: their requests run at once, each on a connection of its
// own, and the connections are kept alive for the requests that follow.
TEST_CASE("requests from several threads run at once and reuse kept-alive connections") {
    constexpr int kThreads = 4;
    std::atomic<int> inside{0}, peak{0};
    std::mutex ports_mu;
    std::set<int> client_ports;  // one per connection
    httplib::Server server;
    server.Get("/slow", [&](const httplib::Request& req, httplib::Response& res) {
        {
            std::lock_guard<std::mutex> l(ports_mu);
            client_ports.insert(req.remote_port);
        }
        const int now = ++inside;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        // Wait (bounded) until all are inside: only possible if none waits for another.
        for (int i = 0; i < 200 && peak.load() < kThreads; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        --inside;
        res.set_content("done", "text/plain");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread serving([&] { server.listen_after_bind(); });
    auto client = make_http_client(HttpOptions{});
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/slow";
    auto round = [&] {
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&] {
                auto r = client->send(req);
                if (r && r->status == 200 && r->body == "done") ++ok;
            });
        for (auto& t : threads) t.join();
        return ok.load();
    };
    CHECK(round() == kThreads);
    CHECK(peak.load() == kThreads);
    auto connections = [&] {
        std::lock_guard<std::mutex> l(ports_mu);
        return client_ports.size();
    };
    CHECK(connections() == kThreads);
    CHECK(round() == kThreads);
    CHECK(connections() == kThreads);  // no new connection: the idle ones were reused
    client.reset();
    server.stop();
    serving.join();
}

TEST_CASE("parse_url refuses what must never reach a request") {
    CHECK_FALSE(parse_url("https://user@host/x", true));
    CHECK_FALSE(parse_url("http://host/x", true));
    CHECK_FALSE(parse_url("https://ho st/x", true));
    CHECK_FALSE(parse_url("https://host:99999/x", true));
    CHECK_FALSE(parse_url("/relative", true));
    auto ok = parse_url("https://[::1]:14000/dir?x=1#frag", true);
    REQUIRE(ok);
    CHECK(ok->host == "::1");
    CHECK(ok->port == 14000);
    CHECK(ok->path == "/dir?x=1");
}

TEST_CASE("the CA bundle from the environment: REQUESTS_CA_BUNDLE first, as Python certbot",
          "[http]") {
    const char* const names[] = {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"};
    std::vector<std::pair<std::string, std::optional<std::string>>> saved;
    for (const char* n : names) {
        const char* v = std::getenv(n);
        saved.emplace_back(n, v ? std::optional<std::string>(v) : std::nullopt);
        unsetenv(n);
    }
    CHECK(env_ca_file().empty());
    setenv("SSL_CERT_FILE", "/ssl.pem", 1);
    CHECK(env_ca_file() == "/ssl.pem");
    setenv("CURL_CA_BUNDLE", "/curl.pem", 1);
    CHECK(env_ca_file() == "/curl.pem");
    setenv("REQUESTS_CA_BUNDLE", "/requests.pem", 1);
    CHECK(env_ca_file() == "/requests.pem");
    setenv("REQUESTS_CA_BUNDLE", "", 1);  // empty counts as unset
    CHECK(env_ca_file() == "/curl.pem");
    for (const auto& [n, v] : saved) {
        if (v)
            setenv(n.c_str(), v->c_str(), 1);
        else
            unsetenv(n.c_str());
    }
}

namespace {

// A TLS server on loopback whose certificate is valid only from NOT_BEFORE to NOT_AFTER, signed by
// a CA whose certificate is written to ca_file (the client trusts it).
class TimedTlsServer {
  public:
    TimedTlsServer(int64_t not_before, int64_t not_after) {
        auto ca_key = PrivateKey::generate(KeySpec{});
        auto leaf_key = PrivateKey::generate(KeySpec{});
        REQUIRE(ca_key.ok());
        REQUIRE(leaf_key.ok());
        CertParams cap;
        cap.common_name = "Clock Test CA";
        cap.is_ca = true;
        auto ca = issue_cert(cap, *ca_key, *ca_key, "");
        REQUIRE(ca.ok());
        CertParams lp;
        lp.dns_names = {"localhost"};
        lp.not_before = not_before;
        lp.not_after = not_after;
        auto leaf = issue_cert(lp, *leaf_key, *ca_key, *ca);
        REQUIRE(leaf.ok());
        auto key_pem = leaf_key->to_pem();
        REQUIRE(key_pem.ok());
        REQUIRE(atomic_write(dir_.path + "/ca.pem", *ca, 0644));
        REQUIRE(atomic_write(dir_.path + "/cert.pem", *leaf, 0644));
        REQUIRE(atomic_write(dir_.path + "/key.pem", *key_pem, 0600));
        server_ = std::make_unique<httplib::SSLServer>((dir_.path + "/cert.pem").c_str(),
                                                       (dir_.path + "/key.pem").c_str());
        REQUIRE(server_->is_valid());
        server_->Get("/dir", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{}", "application/json");
        });
        port_ = server_->bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { server_->listen_after_bind(); });
        while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~TimedTlsServer() {
        server_->stop();
        thread_.join();
    }
    std::string ca_file() const { return dir_.path + "/ca.pem"; }
    std::string url() const { return "https://localhost:" + std::to_string(port_) + "/dir"; }

  private:
    certbot::test::TempDir dir_;
    std::unique_ptr<httplib::SSLServer> server_;
    int port_ = 0;
    std::thread thread_;
};

Result<HttpResponse> get_from(const TimedTlsServer& server, bool trust) {
    HttpOptions o;
    if (trust) o.ca_file = server.ca_file();
    o.connect_timeout_s = 5;
    o.read_timeout_s = 5;
    auto client = make_http_client(o);
    HttpRequest req;
    req.url = server.url();
    return client->send(req);
}

}  // namespace

TEST_CASE("a CA certificate that is not valid yet is blamed on the clock, not the CA bundle",
          "[http][hostile]") {
    const auto now = static_cast<int64_t>(std::time(nullptr));
    SECTION("not valid yet: the clock is behind") {
        TimedTlsServer server(now + 86400, now + 10 * 86400);
        auto r = get_from(server, true);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("not valid yet; this machine's clock says") !=
              std::string::npos);
        CHECK(r.error().message.find("REQUESTS_CA_BUNDLE") == std::string::npos);
    }
    SECTION("expired: the clock may be ahead") {
        TimedTlsServer server(now - 10 * 86400, now - 86400);
        auto r = get_from(server, true);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("has expired, or this machine's clock") != std::string::npos);
    }
    SECTION("valid, trusted: fine; untrusted: the CA bundle advice") {
        TimedTlsServer server(now - 86400, now + 86400);
        auto ok = get_from(server, true);
        REQUIRE(ok);
        CHECK(ok->status == 200);
        auto untrusted = get_from(server, false);
        REQUIRE_FALSE(untrusted);
        CHECK(untrusted.error().message.find("set REQUESTS_CA_BUNDLE or SSL_CERT_FILE") !=
              std::string::npos);
    }
}
