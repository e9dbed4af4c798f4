#include "challenge_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "quiet_thread.h"

namespace standalone {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRequestHead = 8192;  // request line and headers; a validator sends ~300
constexpr size_t kMaxConnections = 64;
constexpr size_t kMaxPerClient = 16;  // connections one address may hold before a request
constexpr auto kConnectionTimeout = std::chrono::seconds(10);
constexpr auto kDrainTimeout = std::chrono::seconds(1);
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
constexpr int kBacklog = 64;
constexpr size_t kMaxLogLines = 1000;
constexpr const char* kThreadName = "cb-standalone";
constexpr const char* kChallengePrefix = "/.well-known/acme-challenge/";
constexpr unsigned char kAcmeTls1[] = {'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};

// Peer data may reach a log line only as printable ASCII, and not much of it.
std::string printable(const std::string& s, size_t max = 200) {
    std::string out;
    for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > max) out += "...";
    return out;
}

std::string lowercase(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string peer_name(const sockaddr_storage& ss, socklen_t len) {
    char host[NI_MAXHOST] = "?";
    char serv[NI_MAXSERV] = "?";
    getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, host, sizeof(host), serv, sizeof(serv),
                NI_NUMERICHOST | NI_NUMERICSERV);
    return ss.ss_family == AF_INET6 ? "[" + std::string(host) + "]:" + serv
                                    : std::string(host) + ":" + serv;
}

std::string bind_error(int err, int port, const std::string& address, const PortFlags& flags) {
    const std::string p = std::to_string(port);
    if (err == EACCES || err == EPERM)
        return "Could not bind TCP port " + p +
               " because you don't have the appropriate permissions (for example, you aren't "
               "running this program as root).";
    if (err == EADDRINUSE)
        return "Could not bind TCP port " + p +
               " because it is already in use by another process on this system (such as a web "
               "server). Please stop the program in question and then try again (or pick another "
               "port with " +
               flags.port_flag + ").";
    std::string where = address.empty() ? std::string() : " on " + printable(address);
    if (err == EADDRNOTAVAIL)
        return "Could not bind TCP port " + p + where + ": " + std::strerror(err) + "; check " +
               flags.address_flag + ".";
    return "Could not bind TCP port " + p + where + ": " + std::strerror(err) + ".";
}

// socket, bind, listen; -1 with *err set on failure.
int bind_one(const sockaddr* sa, socklen_t len, int* err) {
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    // SO_REUSEADDR only skips TIME_WAIT leftovers. No SO_REUSEPORT: a port someone else
    // listens on must be reported as busy, not shared.
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // "::" takes IPv4 too, as certbot's dual-stack servers do.
    if (sa->sa_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    if (::bind(fd, sa, len) != 0 || ::listen(fd, kBacklog) != 0) {
        *err = errno;
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

struct ChallengeServer::Conn {
    enum class State { Handshake, Reading, Writing, Draining };

    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::Reading;
    short want = POLLIN;
    std::string in, out;
    size_t sent = 0;
    Clock::time_point deadline;
    std::string peer;
    std::string address;  // peer without the port: what the per-client cap counts

    bool waiting() const { return state == State::Handshake || state == State::Reading; }
    // A TLS connection whose whole first record (the ClientHello) has arrived but is not read
    // yet: accept_from takes every queued connection before any is served, so a validator that
    // connected in the middle of a flood sits here with its ClientHello unread. It is a client
    // at work, not an idle one; one that stopped mid-record is still idle.
    bool hello_waiting() const {
        if (state != State::Handshake) return false;
        unsigned char h[5];
        int avail = 0;
        return ::recv(fd, h, sizeof h, MSG_PEEK | MSG_DONTWAIT) == 5 &&
               ::ioctl(fd, FIONREAD, &avail) == 0 && avail >= 5 + ((h[3] << 8) | h[4]);
    }

    Conn() = default;
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    ~Conn() {
        if (ssl) SSL_free(ssl);
        if (fd >= 0) ::close(fd);
    }
};

ChallengeServer::ChallengeServer() {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0)
        throw std::runtime_error(std::string("standalone: could not create an eventfd: ") +
                                 std::strerror(errno));
}

ChallengeServer::~ChallengeServer() {
    stop();
    ::close(wake_fd_);
}

int ChallengeServer::listen_http(const std::string& address, int port, const PortFlags& flags) {
    return listen_on(address, port, false, flags);
}

int ChallengeServer::listen_tls(const std::string& address, int port, const PortFlags& flags) {
    if (!tls_ctx_) {
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx) {
            ERR_clear_error();
            throw std::runtime_error("standalone: could not create a TLS context (OpenSSL).");
        }
        // RFC 8737 §4: acme-tls/1 is only negotiated with TLS 1.2 or later.
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_client_hello_cb(ctx, &ChallengeServer::check_client_hello, this);
        SSL_CTX_set_alpn_select_cb(ctx, &ChallengeServer::select_alpn, this);
        SSL_CTX_set_cert_cb(ctx, &ChallengeServer::select_cert, this);
        tls_ctx_ = ctx;
    }
    return listen_on(address, port, true, flags);
}

bool ChallengeServer::has_http() const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::any_of(listeners_.begin(), listeners_.end(),
                       [](const Listener& l) { return !l.tls; });
}

bool ChallengeServer::has_tls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::any_of(listeners_.begin(), listeners_.end(),
                       [](const Listener& l) { return l.tls; });
}

int ChallengeServer::listen_on(const std::string& address, int port, bool tls,
                               const PortFlags& flags) {
    if (port < 0 || port > 65535)
        throw std::runtime_error(std::string(flags.port_flag) + " must be a TCP port number " +
                                 "(0-65535), not " + std::to_string(port) + ".");
    int err = 0;
    int fd = -1;
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    if (address.empty()) {
        // Every interface: IPv6 with IPv4 mapped in, or IPv4 alone where IPv6 is missing.
        v6.sin6_addr = in6addr_any;
        fd = bind_one(reinterpret_cast<sockaddr*>(&v6), sizeof(v6), &err);
        if (fd < 0 && (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)) {
            v4.sin_addr.s_addr = htonl(INADDR_ANY);
            fd = bind_one(reinterpret_cast<sockaddr*>(&v4), sizeof(v4), &err);
        }
    } else {
        std::string host = address;
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1)
            fd = bind_one(reinterpret_cast<sockaddr*>(&v4), sizeof(v4), &err);
        else if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1)
            fd = bind_one(reinterpret_cast<sockaddr*>(&v6), sizeof(v6), &err);
        else
            throw std::runtime_error("The address " + printable(address) + " given with " +
                                     flags.address_flag + " is not an IPv4 or IPv6 address.");
    }
    if (fd < 0) throw std::runtime_error(bind_error(err, port, address, flags));

    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int bound = port;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
        bound = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    {
        std::lock_guard<std::mutex> lock(mu_);
        listeners_.push_back({fd, bound, tls});
    }
    wake();  // a running loop picks the new listener up
    return bound;
}

void ChallengeServer::add_http01(const std::string& token, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    http_[token] = body;
}

namespace {
// The address bytes of an IP text ("" if it is none), IPv4 as 4 bytes.
std::string address_key(const std::string& text) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) return std::string(buf, buf + 4);
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::string(buf, buf + 16);
    return {};
}
// The local address a connection arrived on, as address_key spells it (an IPv4-mapped IPv6
// address of a dual-stack listener as the IPv4 bytes).
std::string local_address_key(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
    if (ss.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr);
        return std::string(a, a + 4);
    }
    if (ss.ss_family != AF_INET6) return {};
    const auto& a6 = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
    const auto* b = reinterpret_cast<const unsigned char*>(&a6);
    if (IN6_IS_ADDR_V4MAPPED(&a6)) return std::string(b + 12, b + 16);
    return std::string(b, b + 16);
}
}  // namespace

void ChallengeServer::add_tls_alpn01(const std::string& sni, AlpnCert cert,
                                     const std::string& ip_address) {
    auto shared = std::make_shared<AlpnCert>(std::move(cert));
    std::lock_guard<std::mutex> lock(mu_);
    if (!ip_address.empty()) {
        std::string key = address_key(ip_address);
        if (!key.empty()) ip_certs_[key] = shared;
    }
    certs_[lowercase(sni)] = std::move(shared);
}

void ChallengeServer::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    // Every signal blocked in it: SIGINT/SIGTERM reach the host's threads and a write to a reset
    // TLS peer cannot kill the process with SIGPIPE.
    thread_ = certbot::common::quiet_thread([this] { loop(); });
    // Named from here, not from the thread, so the name is there when start returns.
    pthread_setname_np(thread_.native_handle(), kThreadName);  // ps -L, gdb, /proc
}

void ChallengeServer::stop() {
    if (thread_.joinable()) {
        stopping_ = true;
        wake();
        thread_.join();
    }
    stopping_ = false;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& l : listeners_) ::close(l.fd);
    listeners_.clear();
    http_.clear();
    certs_.clear();
    if (tls_ctx_) {
        SSL_CTX_free(tls_ctx_);
        tls_ctx_ = nullptr;
    }
}

std::vector<std::string> ChallengeServer::take_log() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    out.swap(log_);
    if (log_dropped_ > 0)
        out.push_back("standalone: " + std::to_string(log_dropped_) + " more log lines dropped");
    log_dropped_ = 0;
    return out;
}

void ChallengeServer::log(std::string line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (log_.size() < kMaxLogLines)
        log_.push_back(std::move(line));
    else
        ++log_dropped_;
}

void ChallengeServer::wake() {
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof(one));
    (void)n;  // a full counter already means "wake up"
}

void ChallengeServer::loop() {
    std::vector<std::unique_ptr<Conn>> conns;
    Clock::time_point accept_paused_until{};
    std::vector<pollfd> fds;
    while (!stopping_) {
        std::vector<Listener> listeners;
        {
            std::lock_guard<std::mutex> lock(mu_);
            listeners = listeners_;
        }
        auto now = Clock::now();
        // Always accepting (unless out of descriptors): when full, accept_from makes room by
        // dropping the oldest connection that has not sent its request yet.
        bool accepting = now >= accept_paused_until;
        size_t nl = accepting ? listeners.size() : 0;
        fds.clear();
        fds.push_back({wake_fd_, POLLIN, 0});
        for (size_t i = 0; i < nl; ++i) fds.push_back({listeners[i].fd, POLLIN, 0});
        for (const auto& c : conns) fds.push_back({c->fd, c->want, 0});

        int timeout = -1;
        auto next = Clock::time_point::max();
        for (const auto& c : conns) next = std::min(next, c->deadline);
        if (!accepting && now < accept_paused_until) next = std::min(next, accept_paused_until);
        if (next != Clock::time_point::max()) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
            timeout = static_cast<int>(std::max<long long>(0, ms) + 1);
        }
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            // Only ENOMEM is possible here; let the system breathe and try again.
            std::this_thread::sleep_for(kAcceptBackoff);
            continue;
        }
        if (fds[0].revents & POLLIN) {
            uint64_t v;
            ssize_t n = ::read(wake_fd_, &v, sizeof(v));
            (void)n;
        }
        if (stopping_) break;

        now = Clock::now();
        std::vector<std::unique_ptr<Conn>> alive;
        alive.reserve(conns.size());
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn& c = *conns[i];
            short revents = fds[1 + nl + i].revents;
            bool keep = revents == 0 || service(c, revents);
            if (keep && Clock::now() >= c.deadline) {
                if (c.state != Conn::State::Draining)
                    log("standalone: closed the connection from " + c.peer +
                        ": no complete request within 10 seconds");
                keep = false;
            }
            if (keep) alive.push_back(std::move(conns[i]));
        }
        conns.swap(alive);

        for (size_t i = 0; i < nl; ++i) {
            if (!(fds[1 + i].revents & POLLIN)) continue;
            // Out of descriptors: the listener stays readable, so back off instead of spinning.
            if (!accept_from(listeners[i], conns))
                accept_paused_until = Clock::now() + kAcceptBackoff;
        }
    }
    conns.clear();
}

bool ChallengeServer::accept_from(const Listener& l, std::vector<std::unique_ptr<Conn>>& conns) {
    while (true) {
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        int fd =
            ::accept4(l.fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return !(errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM);
        }
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        c->peer = peer_name(ss, len);
        c->address = c->peer.substr(0, c->peer.rfind(':'));
        c->deadline = Clock::now() + kConnectionTimeout;
        if (l.tls) {
            c->ssl = SSL_new(tls_ctx_);
            if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
                ERR_clear_error();
                continue;
            }
            SSL_set_accept_state(c->ssl);
            c->state = Conn::State::Handshake;
        }
        make_room(conns, *c);
        if (conns.size() >= kMaxConnections) continue;  // all busy answering: this one closes
        conns.push_back(std::move(c));
    }
    return true;
}

// Idle or slow connections (slowloris) must not crowd out a validator: one address holds at most
// kMaxPerClient connections that have not sent a request, and when the server is full the oldest
// such connection is dropped for the new one.
void ChallengeServer::make_room(std::vector<std::unique_ptr<Conn>>& conns, const Conn& fresh) {
    auto drop_oldest = [&](bool same_address, const char* why) {
        auto oldest = conns.end();
        for (auto it = conns.begin(); it != conns.end(); ++it) {
            if (!(*it)->waiting() || (*it)->hello_waiting() ||
                (same_address && (*it)->address != fresh.address))
                continue;
            if (oldest == conns.end() || (*it)->deadline < (*oldest)->deadline) oldest = it;
        }
        if (oldest == conns.end()) return;
        log("standalone: closed the connection from " + (*oldest)->peer + ", which sent no " +
            "request yet: " + why);
        conns.erase(oldest);
    };
    size_t from_address = 0;
    for (const auto& c : conns) from_address += c->waiting() && c->address == fresh.address;
    if (from_address >= kMaxPerClient) drop_oldest(true, "too many idle connections from it");
    if (conns.size() >= kMaxConnections) drop_oldest(false, "the server is full");
}

bool ChallengeServer::service(Conn& c, short revents) {
    if (revents & (POLLERR | POLLNVAL)) return false;
    switch (c.state) {
        case Conn::State::Handshake:
            return finish_handshake(c);
        case Conn::State::Reading:
            return read_request(c);
        case Conn::State::Writing:
            break;
        case Conn::State::Draining: {
            // The answer is out; read what the peer still sends so that closing does not reset
            // the connection under the answer, until it closes or the short deadline passes.
            char buf[4096];
            for (int i = 0; i < 16; ++i) {
                ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
                if (n > 0) continue;
                if (n < 0 && errno == EINTR) continue;
                return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
            }
            return true;
        }
    }
    // Writing.
    while (c.sent < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c.want = POLLOUT;
            return true;
        }
        return false;
    }
    ::shutdown(c.fd, SHUT_WR);
    c.state = Conn::State::Draining;
    c.want = POLLIN;
    c.deadline = std::min(c.deadline, Clock::now() + kDrainTimeout);
    return true;
}

bool ChallengeServer::read_request(Conn& c) {
    char buf[2048];
    for (;;) {
        size_t room = std::min(sizeof(buf), kMaxRequestHead + 1 - c.in.size());
        ssize_t n = ::recv(c.fd, buf, room, 0);
        if (n == 0) return false;  // closed before a whole request
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        c.in.append(buf, static_cast<size_t>(n));
        size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) end = c.in.find("\n\n");
        if (end != std::string::npos) {
            answer(c, c.in.substr(0, end));
            break;
        }
        if (c.in.size() > kMaxRequestHead) {
            answer(c, std::string());
            break;
        }
    }
    c.state = Conn::State::Writing;
    return service(c, POLLOUT);
}

void ChallengeServer::answer(Conn& c, const std::string& head) {
    const std::string line = head.substr(0, head.find_first_of("\r\n"));
    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    bool well_formed = sp2 != std::string::npos && line.compare(sp2 + 1, 7, "HTTP/1.") == 0;

    int status = 400;
    std::string reason = "Bad Request";
    std::string body = "Bad request\n";
    bool with_body = true;
    if (head.empty()) {
        status = 431;
        reason = "Request Header Fields Too Large";
        body = "Request too large\n";
    } else if (well_formed) {
        const std::string method = line.substr(0, sp1);
        const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        status = 404;
        reason = "Not Found";
        body = "Not found\n";
        with_body = method != "HEAD";
        const size_t prefix = std::strlen(kChallengePrefix);
        if ((method == "GET" || method == "HEAD") &&
            target.compare(0, prefix, kChallengePrefix) == 0) {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = http_.find(target.substr(prefix));
            if (it != http_.end()) {
                status = 200;
                reason = "OK";
                body = it->second;
            }
        }
    }
    // Logged before the answer leaves, so the line is queued by the time the peer has it.
    log("standalone: " + c.peer + " \"" + printable(line) + "\" " + std::to_string(status));
    c.out = "HTTP/1.1 " + std::to_string(status) + " " + reason +
            "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\nServer: certbot-standalone\r\n\r\n";
    if (with_body) c.out += body;
    c.sent = 0;
}

bool ChallengeServer::finish_handshake(Conn& c) {
    ERR_clear_error();
    int r = SSL_accept(c.ssl);
    if (r == 1) {
        const char* sni = SSL_get_servername(c.ssl, TLSEXT_NAMETYPE_host_name);
        const unsigned char* proto = nullptr;
        unsigned int proto_len = 0;
        SSL_get0_alpn_selected(c.ssl, &proto, &proto_len);
        log("standalone: presented the tls-alpn-01 certificate for " + printable(sni ? sni : "") +
            " to " + c.peer + (proto_len ? " (ALPN acme-tls/1)" : " (no ALPN)"));
        // RFC 8737 §3: the validator closes after the handshake; nothing else is spoken.
        SSL_shutdown(c.ssl);
        ERR_clear_error();
        ::shutdown(c.fd, SHUT_WR);
        c.state = Conn::State::Draining;
        c.want = POLLIN;
        c.deadline = std::min(c.deadline, Clock::now() + kDrainTimeout);
        return true;
    }
    int e = SSL_get_error(c.ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        c.want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return true;
    }
    char buf[256] = "connection closed";
    unsigned long code = ERR_peek_error();
    if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
    ERR_clear_error();
    log("standalone: TLS handshake with " + c.peer + " failed: " + buf);
    return false;
}

// RFC 8737 §3: the validator offers exactly one protocol, acme-tls/1. Any other ClientHello (no
// ALPN, or acme-tls/1 among others) ends the handshake before a certificate is chosen, so a
// browser or a scanner with the right SNI never gets a validation certificate.
int ChallengeServer::check_client_hello(SSL* ssl, int* alert, void* arg) {
    // The extension's data: a 2-byte list length, then one 1-byte length and the name.
    static const unsigned char kOnlyAcmeTls1[] = {
        0x00, 1 + sizeof(kAcmeTls1), sizeof(kAcmeTls1), 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/',
        '1'};
    const unsigned char* ext = nullptr;
    size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
                                  &len) == 1 &&
        len == sizeof(kOnlyAcmeTls1) && std::memcmp(ext, kOnlyAcmeTls1, len) == 0)
        return SSL_CLIENT_HELLO_SUCCESS;
    static_cast<ChallengeServer*>(arg)->log(
        std::string("standalone: refused a TLS handshake that did not offer exactly the "
                    "acme-tls/1 protocol (") +
        (ext ? "other ALPN protocols" : "no ALPN") + ")");
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
}

// ALPN: only "acme-tls/1" (RFC 8737 §3); any other protocol list ends the handshake.
int ChallengeServer::select_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                                 const unsigned char* in, unsigned int inlen, void*) {
    for (unsigned int i = 0; i < inlen;) {
        unsigned int len = in[i];
        if (i + 1 + len > inlen) break;
        if (len == sizeof(kAcmeTls1) && std::memcmp(in + i + 1, kAcmeTls1, len) == 0) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// Certificate by SNI: the acmeIdentifier certificate of that name, or no handshake.
int ChallengeServer::select_cert(SSL* ssl, void* arg) {
    auto* self = static_cast<ChallengeServer*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::shared_ptr<AlpnCert> cert;
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        // No SNI: only an IP identifier's certificate, chosen by the address dialled.
        const auto& certs = name ? self->certs_ : self->ip_certs_;
        auto it = certs.find(name ? lowercase(name) : local_address_key(SSL_get_fd(ssl)));
        if (it != certs.end()) cert = it->second;
    }
    if (!cert) {
        self->log(name ? "standalone: no tls-alpn-01 certificate for the name " + printable(name)
                       : std::string("standalone: no SNI and no tls-alpn-01 certificate for the "
                                     "address dialled"));
        return 0;
    }
    return SSL_use_certificate(ssl, cert->cert.get()) == 1 &&
           SSL_use_PrivateKey(ssl, cert->key.get()) == 1;
}

}  // namespace standalone
