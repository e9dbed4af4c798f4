#include "http.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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
    CHECK(took < std::chrono::seconds(5));
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
