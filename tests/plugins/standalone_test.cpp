// The standalone plugin (plugins/standalone), loaded from the built standalone.so and driven
// through a fake host; its server is checked with real HTTP and TLS clients on loopback.
#include "plugin_harness.h"
#include "strict_test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace plugin_test;

namespace {

const std::string kPrefix = "/.well-known/acme-challenge/";

const PluginLibrary& standalone() {
    static PluginLibrary lib(CERTBOT_STANDALONE_PLUGIN);
    return lib;
}

// A host that points the plugin at PORT on loopback.
void listen_on_loopback(FakeHost& host, int port, const char* port_option = "http-01-port") {
    host.set(port_option, {std::to_string(port)});
    host.set("http-01-address", {"127.0.0.1"});
}

std::unique_ptr<httplib::Client> client(const std::string& address, int port) {
    auto c = std::make_unique<httplib::Client>(address, port);
    c->set_connection_timeout(5);
    c->set_read_timeout(5);
    return c;
}

// A connected TCP socket to 127.0.0.1:PORT (or -1), with a 5 second receive timeout.
int connect_tcp(int port, int family = AF_INET) {
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int rc;
    if (family == AF_INET) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(static_cast<uint16_t>(port));
        sa.sin6_addr = in6addr_loopback;
        rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

// A listening socket that holds PORT, bound the way other servers (and cpp-httplib) bind.
class PortBlocker {
  public:
    PortBlocker(int port, in_addr_t address) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(address);
        ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0 && listen(fd_, 4) == 0;
    }
    ~PortBlocker() { close(fd_); }
    bool ok() const { return ok_; }

  private:
    int fd_;
    bool ok_ = false;
};

bool port_is_free(int port) {
    PortBlocker probe(port, INADDR_ANY);
    return probe.ok();
}

// What a tls-alpn-01 validator sees (RFC 8737 §3).
struct TlsView {
    bool handshake = false;
    std::string alpn;
    std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, &X509_free};
};

TlsView tls_connect(int port, const std::string& sni, const std::string& alpn) {
    TlsView view;
    int fd = connect_tcp(port);
    REQUIRE(fd >= 0);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    REQUIRE(ctx);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // self-signed by design
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
    if (!alpn.empty()) {  // a comma-separated list of protocols
        std::string wire, rest = alpn;
        while (!rest.empty()) {
            const std::string proto = rest.substr(0, rest.find(','));
            rest = proto.size() < rest.size() ? rest.substr(proto.size() + 1) : "";
            wire += std::string(1, static_cast<char>(proto.size())) + proto;
        }
        REQUIRE(SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) == 0);
    }
    view.handshake = SSL_connect(ssl) == 1;
    if (view.handshake) {
        const unsigned char* p = nullptr;
        unsigned len = 0;
        SSL_get0_alpn_selected(ssl, &p, &len);
        view.alpn.assign(reinterpret_cast<const char*>(p), len);
        view.cert.reset(SSL_get1_peer_certificate(ssl));
        SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return view;
}

std::vector<std::string> dns_names(X509* cert) {
    std::vector<std::string> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type != GEN_DNS) {
            out.push_back("(not a dNSName)");
            continue;
        }
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                         static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
    }
    GENERAL_NAMES_free(names);
    return out;
}

// The plugin's server threads (named "cb-standalone"): how many, and how many of them block
// SIGINT and SIGTERM.
struct ServerThreads {
    int count = 0;
    int blocking = 0;
};

ServerThreads server_threads() {
    ServerThreads out;
    DIR* d = opendir("/proc/self/task");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        const std::string dir = std::string("/proc/self/task/") + e->d_name;
        std::string comm;
        std::getline(std::ifstream(dir + "/comm"), comm);
        if (comm != "cb-standalone") continue;
        ++out.count;
        std::ifstream status(dir + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("SigBlk:", 0) != 0) continue;
            unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
            if ((mask & (1ull << (SIGINT - 1))) && (mask & (1ull << (SIGTERM - 1)))) ++out.blocking;
        }
    }
    closedir(d);
    return out;
}

}  // namespace

TEST_CASE("standalone: descriptor is static data the host can list", "[standalone]") {
    const cb_plugin& p = standalone().entry();
    CHECK(p.struct_size == sizeof(cb_plugin));
    CHECK(p.abi_major == CB_ABI_MAJOR);
    CHECK(std::string(p.name) == "standalone");
    CHECK(std::string(p.description) == "Spin up a temporary webserver");
    CHECK(p.kinds == CB_KIND_AUTHENTICATOR);
    REQUIRE(p.challenge_types != nullptr);
    CHECK(std::string(p.challenge_types[0]) == "http-01");
    CHECK(std::string(p.challenge_types[1]) == "tls-alpn-01");
    CHECK(p.challenge_types[2] == nullptr);
    CHECK(p.option_count == 0);  // it reads the host's global flags instead
    CHECK(p.options == nullptr);
    REQUIRE(p.authenticator != nullptr);
    CHECK(p.authenticator->struct_size == sizeof(cb_authenticator));
    CHECK(p.installer == nullptr);
}

TEST_CASE("standalone: prefers http-01, then tls-alpn-01", "[standalone]") {
    FakeHost host;
    Instance inst(standalone(), host);
    CHECK(inst.chall_pref("example.com") == std::vector<std::string>{"http-01", "tls-alpn-01"});
}

TEST_CASE("standalone: serves http-01 answers on the configured port", "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    const std::vector<TestChallenge> chs = {http01("example.com", "tok_A-1"),
                                            http01("www.example.com", "tokB")};
    Instance inst(standalone(), host);
    REQUIRE(inst.perform(chs) == CB_OK);
    INFO(host.all_logs());
    CHECK(host.queried("http-01-port"));
    CHECK(host.queried("http-01-address"));
    CHECK_FALSE(host.queried("https-port"));  // no tls-alpn-01 asked for

    auto cli = client("127.0.0.1", port);
    for (const auto& ch : chs) {
        auto res = cli->Get((kPrefix + ch.token).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == ch.validation);
        CHECK(res->get_header_value("Content-Type") == "text/plain");
    }
    for (const char* path : {"/", "/.well-known/acme-challenge/other",
                             "/.well-known/acme-challenge/", "/.well-known/acme-challenge/tokB/",
                             "/.well-known/acme-challenge/../acme-challenge/tokB", "/tokB"}) {
        auto res = cli->Get(path);
        REQUIRE(res);
        INFO(path);
        CHECK(res->status == 404);
    }
    auto post = cli->Post((kPrefix + "tokB").c_str(), "x", "text/plain");
    REQUIRE(post);
    CHECK(post->status == 404);

    REQUIRE(inst.cleanup(chs) == CB_OK);
    // Served requests reach the host's log from inside a host call, at debug level.
    CHECK(host.logged("\"GET " + kPrefix + "tok_A-1 HTTP/1.1\" 200", CB_LOG_DEBUG));
    CHECK(host.logged("\"GET / HTTP/1.1\" 404", CB_LOG_DEBUG));
    CHECK(connect_tcp(port) < 0);  // stopped
    CHECK(port_is_free(port));
    CHECK(inst.cleanup(chs) == CB_OK);
    CHECK(inst.cleanup({}) == CB_OK);
    CHECK(host.errors().empty());

    SECTION("and serves again after a new perform") {
        REQUIRE(inst.perform({chs[1]}) == CB_OK);
        auto again = client("127.0.0.1", port)->Get((kPrefix + "tokB").c_str());
        REQUIRE(again);
        CHECK(again->status == 200);
        auto old = client("127.0.0.1", port)->Get((kPrefix + "tok_A-1").c_str());
        REQUIRE(old);
        CHECK(old->status == 404);  // cleanup forgot it
        REQUIRE(inst.cleanup({chs[1]}) == CB_OK);
    }
}

TEST_CASE("standalone: by default it listens on every interface, IPv4 and IPv6", "[standalone]") {
    const int port = free_port();
    FakeHost host;
    host.set("http-01-port", {std::to_string(port)});
    const auto ch = http01("example.com", "tok");
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({ch}) == CB_OK);
    auto v4 = client("127.0.0.1", port)->Get((kPrefix + "tok").c_str());
    REQUIRE(v4);
    CHECK(v4->status == 200);
    // Whether the machine has IPv6 loopback is asked independently of the server under test: a
    // server that never binds IPv6 must fail here, not pass as "no IPv6".
    const bool machine_has_v6 = [] {
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_addr = in6addr_loopback;
        const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
        close(fd);
        return ok;
    }();
    if (!machine_has_v6) {
        REQUIRE(inst.cleanup({ch}) == CB_OK);
        CERTBOT_SKIP("no IPv6 loopback on this machine: the IPv6 half did not run");
    }
    int v6 = connect_tcp(port, AF_INET6);
    REQUIRE(v6 >= 0);
    const std::string req = "GET " + kPrefix + "tok HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(send(v6, req.data(), req.size(), MSG_NOSIGNAL) == ssize_t(req.size()));
    std::string resp = read_all(v6);
    close(v6);
    CHECK(resp.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(resp.substr(resp.size() - ch.validation.size()) == ch.validation);
    REQUIRE(inst.cleanup({ch}) == CB_OK);
}

TEST_CASE("standalone: a port in use fails perform with a message naming the port",
          "[standalone]") {
    const int port = free_port();
    FakeHost host;
    host.set("http-01-port", {std::to_string(port)});
    // Even a holder with SO_REUSEPORT must not let a second server share the port.
    SECTION("held on every interface") {
        PortBlocker blocker(port, INADDR_ANY);
        REQUIRE(blocker.ok());
        Instance inst(standalone(), host);
        REQUIRE(inst.perform({http01("example.com", "tok")}) == CB_ERROR);
        CHECK(inst.cleanup({http01("example.com", "tok")}) == CB_OK);
    }
    SECTION("held on the configured address") {
        host.set("http-01-address", {"127.0.0.1"});
        PortBlocker blocker(port, INADDR_LOOPBACK);
        REQUIRE(blocker.ok());
        Instance inst(standalone(), host);
        REQUIRE(inst.perform({http01("example.com", "tok")}) == CB_ERROR);
        CHECK(inst.cleanup({}) == CB_OK);
    }
    INFO(host.last_error());
    CHECK(host.last_error().rfind("Could not bind TCP port " + std::to_string(port) +
                                      " because it is already in use by another process",
                                  0) == 0);
    CHECK(host.last_error().find("--http-01-port") != std::string::npos);
    CHECK(host.last_error().find('\n') == std::string::npos);
}

TEST_CASE("standalone: a privileged port without privileges says so", "[standalone]") {
    std::ifstream f("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    int unprivileged_start = 1024;
    f >> unprivileged_start;
    if (unprivileged_start <= 1) {
        CERTBOT_SKIP("every port is unprivileged on this machine (ip_unprivileged_port_start)");
        return;
    }
    const PluginLibrary& lib = standalone();
    std::string result = in_unprivileged_child([&] {
        FakeHost host;
        host.set("http-01-port", {"1"});
        host.set("http-01-address", {"127.0.0.1"});
        void* self = nullptr;
        if (lib.entry().create(host.table(), &self) != CB_OK) return std::string("create failed");
        const TestChallenge ch = http01("example.com", "tok");
        cb_challenge c = ch.raw();  // borrows from ch
        cb_status st = lib.entry().authenticator->perform(self, &c, 1);
        cb_status cl = lib.entry().authenticator->cleanup(self, &c, 1);
        lib.entry().destroy(self);
        return std::to_string(st) + std::to_string(cl) + " " + host.last_error();
    });
    INFO(result);
    CHECK(result.rfind("20 Could not bind TCP port 1 because you don't have the appropriate "
                       "permissions",
                       0) == 0);
}

TEST_CASE("standalone: a port that is not a number is refused", "[standalone]") {
    const std::string value = GENERATE(as<std::string>{}, "http", "-1", "65536", "8o", "999999");
    FakeHost host;
    host.set("http-01-port", {value});
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({http01("example.com", "tok")}) == CB_ERROR);
    INFO(host.last_error());
    CHECK(host.last_error().find("--http-01-port") != std::string::npos);
    CHECK(host.last_error().find(value) != std::string::npos);
    CHECK(inst.cleanup({}) == CB_OK);
}

TEST_CASE("standalone: an address that is not an IP address is refused", "[standalone]") {
    FakeHost host;
    host.set("http-01-port", {std::to_string(free_port())});
    host.set("http-01-address", {"example.com"});
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({http01("example.com", "tok")}) == CB_ERROR);
    INFO(host.last_error());
    CHECK(host.last_error().find("--http-01-address") != std::string::npos);
    CHECK(inst.cleanup({}) == CB_OK);
}

TEST_CASE("standalone: requests are bounded and one slow client does not block others",
          "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    const auto ch = http01("example.com", "tok");
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({ch}) == CB_OK);

    int idle = connect_tcp(port);  // connects and says nothing
    REQUIRE(idle >= 0);
    auto res = client("127.0.0.1", port)->Get((kPrefix + "tok").c_str());
    REQUIRE(res);
    CHECK(res->status == 200);

    int big = connect_tcp(port);
    REQUIRE(big >= 0);
    const std::string huge = "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n";
    send(big, huge.data(), huge.size(), MSG_NOSIGNAL);  // may be cut short by the server
    std::string resp = read_all(big);
    close(big);
    CHECK(resp.rfind("HTTP/1.1 431 ", 0) == 0);

    int junk = connect_tcp(port);
    REQUIRE(junk >= 0);
    const std::string garbage = "\x16\x03\x01 not http\r\n\r\n";
    send(junk, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    resp = read_all(junk);
    close(junk);
    CHECK(resp.rfind("HTTP/1.1 400 ", 0) == 0);

    res = client("127.0.0.1", port)->Get((kPrefix + "tok").c_str());
    REQUIRE(res);
    CHECK(res->status == 200);
    close(idle);
    REQUIRE(inst.cleanup({ch}) == CB_OK);
}

TEST_CASE("standalone: idle connections piling up do not crowd out a validator",
          "[standalone][hostile]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    const auto ch = http01("example.com", "tok");
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({ch}) == CB_OK);

    // 100 connections that say nothing (more than the server holds), then a real request.
    std::vector<int> idle;
    for (int i = 0; i < 100; ++i) {
        int fd = connect_tcp(port);
        REQUIRE(fd >= 0);
        idle.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all accepted by now
    const auto start = std::chrono::steady_clock::now();
    auto c = client("127.0.0.1", port);
    c->set_connection_timeout(3, 0);
    c->set_read_timeout(3, 0);
    auto res = c->Get((kPrefix + "tok").c_str());
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(took < std::chrono::seconds(2));  // not after the idle ones' 10 s deadline
    for (int fd : idle) close(fd);
    REQUIRE(inst.cleanup({ch}) == CB_OK);
    CHECK(host.logged("sent no request yet: too many idle connections from it", CB_LOG_DEBUG));
}

TEST_CASE("standalone: idle and stalled TLS handshakes do not crowd out a tls-alpn-01 validator",
          "[standalone][hostile]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port, "https-port");
    const auto ch = tls_alpn01("alpn.example.com", "tokT");
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({ch}) == CB_OK);

    // 60 connections that say nothing and 40 that stall mid-ClientHello (a record header and a
    // few bytes), more than the server holds, then a real validator from the same address.
    std::vector<int> idle;
    const unsigned char partial_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01};
    for (int i = 0; i < 100; ++i) {
        int fd = connect_tcp(port);
        REQUIRE(fd >= 0);
        if (i >= 60) REQUIRE(::send(fd, partial_hello, sizeof partial_hello, MSG_NOSIGNAL) > 0);
        idle.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all accepted by now
    const auto start = std::chrono::steady_clock::now();
    TlsView view = tls_connect(port, "alpn.example.com", "acme-tls/1");
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(view.handshake);
    CHECK(took < std::chrono::seconds(2));  // not after the idle ones' 10 s deadline
    // Connections this address still holds open: at most the per-address cap of 16.
    int open = 0;
    for (int fd : idle) {
        char b;
        ssize_t n = ::recv(fd, &b, 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++open;
    }
    CHECK(open <= 16);
    for (int fd : idle) close(fd);
    // The server logs the certificate it presented when its side of the handshake ends, which
    // can be just after the client's: wait for that line (bounded) before stopping the server.
    const std::string presented = "presented the tls-alpn-01 certificate for alpn.example.com";
    for (int i = 0; i < 300 && !host.logged(presented, CB_LOG_DEBUG); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(inst.cleanup({ch}) == CB_OK);
    CHECK(host.logged("sent no request yet: too many idle connections from it", CB_LOG_DEBUG));
    CHECK(host.logged(presented, CB_LOG_DEBUG));
}

TEST_CASE("standalone: the server thread leaves signals to the host", "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    Instance inst(standalone(), host);
    REQUIRE(server_threads().count == 0);
    REQUIRE(inst.perform({http01("example.com", "tok")}) == CB_OK);
    ServerThreads running = server_threads();
    CHECK(running.count == 1);
    CHECK(running.blocking == 1);
    REQUIRE(inst.cleanup({}) == CB_OK);
    CHECK(server_threads().count == 0);  // joined
}

TEST_CASE("standalone: destroy without cleanup still releases the port", "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    auto inst = std::make_unique<Instance>(standalone(), host);
    REQUIRE(inst->perform({http01("example.com", "tok")}) == CB_OK);
    CHECK_FALSE(port_is_free(port));
    inst.reset();
    CHECK(port_is_free(port));
}

TEST_CASE("standalone: refuses challenges it cannot answer", "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port);
    Instance inst(standalone(), host);
    SECTION("token outside base64url") {
        REQUIRE(inst.perform({http01("example.com", "../evil")}) == CB_ERROR);
        CHECK(host.last_error().find("base64url") != std::string::npos);
    }
    SECTION("wildcard") {
        auto ch = http01("example.com", "tok");
        ch.is_wildcard = true;
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("*.example.com") != std::string::npos);
    }
    SECTION("dns-01") {
        auto ch = http01("example.com", "tok");
        ch.type = "dns-01";
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("dns-01") != std::string::npos);
    }
    SECTION("tls-alpn-01 whose validation disagrees with the key authorization") {
        auto ch = tls_alpn01("example.com", "tok");
        ch.validation = std::string(64, '0');
        REQUIRE(inst.perform({ch}) == CB_ERROR);
        CHECK(host.last_error().find("example.com") != std::string::npos);
    }
    CHECK(port_is_free(port));  // checked before anything was bound
    CHECK(inst.cleanup({}) == CB_OK);
}

TEST_CASE("standalone: answers tls-alpn-01 with the acmeIdentifier certificate (RFC 8737)",
          "[standalone]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port, "https-port");
    const auto ch = tls_alpn01("Alpn.Example.com", "tokT");
    const auto other = tls_alpn01("second.example.com", "tokU");
    Instance inst(standalone(), host);
    REQUIRE(inst.perform({ch, other}) == CB_OK);
    INFO(host.all_logs());
    CHECK(host.queried("https-port"));
    CHECK_FALSE(host.queried("http-01-port"));

    TlsView view = tls_connect(port, "alpn.example.com", "acme-tls/1");
    REQUIRE(view.handshake);
    CHECK(view.alpn == "acme-tls/1");
    REQUIRE(view.cert);
    X509* cert = view.cert.get();
    CHECK(X509_verify(cert, X509_get0_pubkey(cert)) == 1);  // self-signed
    CHECK(dns_names(cert) == std::vector<std::string>{"Alpn.Example.com"});

    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
        OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), &ASN1_OBJECT_free);
    int idx = X509_get_ext_by_OBJ(cert, oid.get(), -1);
    REQUIRE(idx >= 0);
    CHECK(X509_get_ext_by_OBJ(cert, oid.get(), idx) < 0);  // exactly one
    X509_EXTENSION* ext = X509_get_ext(cert, idx);
    CHECK(X509_EXTENSION_get_critical(ext) == 1);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      static_cast<size_t>(ASN1_STRING_length(data)));
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(ch.key_authorization.data()),
           ch.key_authorization.size(), digest);
    // DER of Authorization ::= OCTET STRING (SIZE (32))
    CHECK(value == std::string("\x04\x20", 2) +
                       std::string(reinterpret_cast<const char*>(digest), sizeof(digest)));

    TlsView second = tls_connect(port, "second.example.com", "acme-tls/1");
    REQUIRE(second.handshake);
    CHECK(dns_names(second.cert.get()) == std::vector<std::string>{"second.example.com"});

    CHECK_FALSE(tls_connect(port, "unknown.example.com", "acme-tls/1").handshake);
    CHECK_FALSE(tls_connect(port, "", "acme-tls/1").handshake);
    CHECK_FALSE(tls_connect(port, "alpn.example.com", "http/1.1").handshake);
    // RFC 8737 §3: exactly acme-tls/1; the right SNI without it gets no certificate.
    CHECK_FALSE(tls_connect(port, "alpn.example.com", "").handshake);
    CHECK_FALSE(tls_connect(port, "alpn.example.com", "h2,acme-tls/1").handshake);
    CHECK_FALSE(tls_connect(port, "alpn.example.com", "acme-tls/1,http/1.1").handshake);
    CHECK(tls_connect(port, "alpn.example.com", "acme-tls/1").handshake);  // still answering

    REQUIRE(inst.cleanup({ch, other}) == CB_OK);
    CHECK(host.logged("presented the tls-alpn-01 certificate for alpn.example.com", CB_LOG_DEBUG));
    CHECK(host.logged("did not offer exactly the acme-tls/1 protocol (no ALPN)", CB_LOG_DEBUG));
    CHECK(port_is_free(port));
    CHECK(inst.cleanup({ch, other}) == CB_OK);
}

TEST_CASE("standalone: tls-alpn-01 for an IP address (RFC 8738 §6)", "[standalone][ip]") {
    const int port = free_port();
    FakeHost host;
    listen_on_loopback(host, port, "https-port");
    const auto ch = tls_alpn01_ip("127.0.0.1", "1.0.0.127.in-addr.arpa", "tokIP");
    Instance inst(standalone(), host);
    CHECK(inst.chall_pref("127.0.0.1") == std::vector<std::string>{"http-01", "tls-alpn-01"});
    REQUIRE(inst.perform({ch}) == CB_OK);
    INFO(host.all_logs());
    // The validator asks for the reverse name, or sends no SNI at all (RFC 6066 has no place for
    // an address); either way the certificate's one SAN is the address, as an iPAddress.
    for (const char* sni : {"1.0.0.127.in-addr.arpa", ""}) {
        CAPTURE(sni);
        TlsView view = tls_connect(port, sni, "acme-tls/1");
        REQUIRE(view.handshake);
        REQUIRE(view.cert);
        auto* names = static_cast<GENERAL_NAMES*>(
            X509_get_ext_d2i(view.cert.get(), NID_subject_alt_name, nullptr, nullptr));
        REQUIRE(names);
        REQUIRE(sk_GENERAL_NAME_num(names) == 1);
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, 0);
        CHECK(n->type == GEN_IPADD);
        CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.iPAddress)),
                          static_cast<size_t>(ASN1_STRING_length(n->d.iPAddress))) ==
              std::string("\x7f\x00\x00\x01", 4));
        GENERAL_NAMES_free(names);
        // No commonName: an address is not a host name.
        CHECK(X509_NAME_entry_count(X509_get_subject_name(view.cert.get())) == 0);
    }
    // The address itself is never a valid SNI, and other names get nothing.
    CHECK_FALSE(tls_connect(port, "127.0.0.1", "acme-tls/1").handshake);
    CHECK_FALSE(tls_connect(port, "2.0.0.127.in-addr.arpa", "acme-tls/1").handshake);
    REQUIRE(inst.cleanup({ch}) == CB_OK);

    // A challenge marked "ip" whose identifier is no address is refused.
    auto bad = tls_alpn01_ip("example.com", "x.in-addr.arpa", "tokBad");
    Instance other(standalone(), host);
    CHECK(other.perform({bad}) == CB_ERROR);
    CHECK(other.cleanup({bad}) == CB_OK);
}

TEST_CASE("standalone: http-01 and tls-alpn-01 at once use both ports", "[standalone]") {
    const int http_port = free_port();
    int tls_port = free_port();
    while (tls_port == http_port) tls_port = free_port();
    FakeHost host;
    host.set("http-01-port", {std::to_string(http_port)});
    host.set("https-port", {std::to_string(tls_port)});
    host.set("http-01-address", {"127.0.0.1"});
    const auto h = http01("a.example", "tokH");
    const auto t = tls_alpn01("b.example", "tokT");
    Instance inst(standalone(), host);
    SECTION("both bind") {
        REQUIRE(inst.perform({h, t}) == CB_OK);
        auto res = client("127.0.0.1", http_port)->Get((kPrefix + "tokH").c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(tls_connect(tls_port, "b.example", "acme-tls/1").handshake);
        REQUIRE(inst.cleanup({h, t}) == CB_OK);
    }
    SECTION("the second port is busy: cleanup releases the first") {
        PortBlocker blocker(tls_port, INADDR_LOOPBACK);
        REQUIRE(blocker.ok());
        REQUIRE(inst.perform({h, t}) == CB_ERROR);
        CHECK(host.last_error().find("port " + std::to_string(tls_port)) != std::string::npos);
        CHECK(host.last_error().find("--https-port") != std::string::npos);
        REQUIRE(inst.cleanup({h, t}) == CB_OK);
    }
    CHECK(port_is_free(http_port));
}
