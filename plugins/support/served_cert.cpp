#include "served_cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

namespace plugin_support {

namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// The DER of the first certificate in PEM file PATH ("" when there is none).
std::string first_cert_der(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "r"), &std::fclose);
    if (!f) return std::string();
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr),
                                                &X509_free);
    if (!cert) return std::string();
    unsigned char* der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    if (len <= 0) return std::string();
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
}

// A connected TCP socket to HOST:PORT within TIMEOUT_MS, or -1 with WHY set.
int connect_to(const std::string& host, int port, int timeout_ms, std::string& why) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v6;
    } else {
        why = "not an address";
        return -1;
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        why = std::strerror(errno);
        return -1;
    }
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = ::poll(&p, 1, timeout_ms);
        if (rc == 0) {
            why = "no connection within " + std::to_string(timeout_ms / 1000) + " s";
            ::close(fd);
            return -1;
        }
        int err = 0;
        socklen_t el = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        rc = err == 0 ? 0 : -1;
        errno = err;
    }
    if (rc != 0) {
        why = std::string("connection failed: ") + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    // Blocking from here, with the same bound on every read and write of the handshake.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

// SIGPIPE blocked in this thread for its life (a peer that closes mid-handshake must not kill
// the process); one raised meanwhile is consumed.
class NoSigpipe {
  public:
    NoSigpipe() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~NoSigpipe() {
        sigset_t pending;
        sigpending(&pending);
        if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
            timespec zero{0, 0};
            sigtimedwait(&pipe_, nullptr, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    NoSigpipe(const NoSigpipe&) = delete;
    NoSigpipe& operator=(const NoSigpipe&) = delete;

  private:
    sigset_t pipe_, old_;
    bool was_pending_ = false;
};

std::string where(const ServedCheck& c) {
    bool v6 = c.host.find(':') != std::string::npos;
    return c.name + " on " + (v6 ? "[" + c.host + "]" : c.host) + ":" + std::to_string(c.port);
}

}  // namespace

std::string probe_address(const std::string& listen_address) {
    std::string a = listen_address;
    if (a.empty() || a == "*" || a == "0.0.0.0") return "127.0.0.1";
    if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    if (a == "::") return "::1";
    in6_addr buf6;
    in_addr buf4;
    if (::inet_pton(AF_INET, a.c_str(), &buf4) == 1 || ::inet_pton(AF_INET6, a.c_str(), &buf6) == 1)
        return a;
    return std::string();
}

std::string check_served(const ServedCheck& c, int timeout_ms) {
    const std::string want = first_cert_der(c.cert_file);
    if (want.empty()) return "no certificate to compare in " + c.cert_file;
    NoSigpipe no_sigpipe;
    std::string why;
    Fd sock{connect_to(c.host, c.port, timeout_ms, why)};
    if (sock.fd < 0) return why;
    std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()),
                                                     &SSL_CTX_free);
    if (!ctx) return "cannot set up TLS";
    // Only the certificate's identity matters here: the comparison below, not a chain check.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), &SSL_free);
    if (!ssl) return "cannot set up TLS";
    SSL_set_fd(ssl.get(), sock.fd);
    SSL_set_tlsext_host_name(ssl.get(), c.name.c_str());
    if (SSL_connect(ssl.get()) != 1) {
        ERR_clear_error();
        return "no TLS handshake (another program on that port, or the server not listening "
               "there)";
    }
    std::unique_ptr<X509, void (*)(X509*)> peer(SSL_get1_peer_certificate(ssl.get()), &X509_free);
    if (!peer) return "no certificate presented";
    unsigned char* der = nullptr;
    int len = i2d_X509(peer.get(), &der);
    std::string got = len > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len))
                              : std::string();
    OPENSSL_free(der);
    if (got != want) return "presents another certificate than " + c.cert_file;
    return std::string();
}

std::vector<std::string> wait_until_served(const std::vector<ServedCheck>& checks,
                                           int deadline_ms) {
    const auto end = Clock::now() + std::chrono::milliseconds(deadline_ms);
    std::vector<std::string> failures;
    for (;;) {
        failures.clear();
        for (const auto& c : checks) {
            std::string why = check_served(c, 2000);
            if (!why.empty()) failures.push_back(where(c) + ": " + why);
        }
        if (failures.empty() || Clock::now() >= end) return failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace plugin_support
