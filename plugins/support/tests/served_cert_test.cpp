// served_cert: address mapping, and what a check says when nothing, no TLS, another
// certificate or the right one answers (a TLS server on a loopback thread). The real servers are
// the nginx_reload and apache_reload integration tests.
#include "served_cert.h"
#include "temp_root.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

using namespace plugin_support;

namespace {

// A listening loopback socket and its port.
struct Listener {
    int fd = -1;
    int port = 0;
    Listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd, 4) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~Listener() { ::close(fd); }
};

// A self-signed P-256 certificate for CN, written as PEM to PATH; the key stays in KEY.
X509* make_cert(const std::string& cn, EVP_PKEY** key, const std::string& path) {
    *key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, *key);
    X509_sign(x, *key, EVP_sha256());
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    return x;
}

// Accepts one connection on L and completes a TLS handshake presenting CERT.
void serve_once(const Listener& l, X509* cert, EVP_PKEY* key) {
    sigset_t pipe;  // the client hangs up as soon as it has the certificate
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    int c = ::accept(l.fd, nullptr, nullptr);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) SSL_shutdown(ssl);
    SSL_free(ssl);
    ::close(c);
    SSL_CTX_free(ctx);
}

}  // namespace

TEST_CASE("probe_address maps listen addresses to ones to connect to", "[served_cert]") {
    CHECK(probe_address("") == "127.0.0.1");
    CHECK(probe_address("*") == "127.0.0.1");
    CHECK(probe_address("0.0.0.0") == "127.0.0.1");
    CHECK(probe_address("[::]") == "::1");
    CHECK(probe_address("[::1]") == "::1");
    CHECK(probe_address("127.0.0.9") == "127.0.0.9");
    CHECK(probe_address("www.example.com").empty());
}

TEST_CASE("check_served tells the served certificate from anything else", "[served_cert]") {
    support_test::TempRoot d;
    EVP_PKEY *key_a = nullptr, *key_b = nullptr;
    X509* a = make_cert("a.example", &key_a, d.path + "/a.pem");
    X509* b = make_cert("old.example", &key_b, d.path + "/b.pem");

    ServedCheck c{"127.0.0.1", 0, "a.example", d.path + "/missing.pem"};
    CHECK(check_served(c) == "no certificate to compare in " + c.cert_file);
    c.cert_file = d.path + "/a.pem";

    int closed = 0;
    {
        Listener gone;
        closed = gone.port;
    }
    c.port = closed;
    CHECK(check_served(c).find("connection failed") == 0);
    auto failures = wait_until_served({c}, 0);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].find("a.example on 127.0.0.1:" + std::to_string(closed) + ": connection") ==
          0);

    {
        Listener quiet;  // the kernel accepts; nothing ever answers
        c.port = quiet.port;
        CHECK(check_served(c, 300).find("no TLS handshake") == 0);
    }
    {
        Listener old;
        c.port = old.port;
        std::thread server(serve_once, std::cref(old), b, key_b);
        CHECK(check_served(c) == "presents another certificate than " + c.cert_file);
        server.join();
    }
    {
        Listener right;
        c.port = right.port;
        std::thread server(serve_once, std::cref(right), a, key_a);
        CHECK(check_served(c).empty());
        server.join();
    }
    X509_free(a);
    X509_free(b);
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
}
