// A small, bounded validation server for the standalone plugin: http-01 (RFC 8555 §8.3) on
// plain TCP and tls-alpn-01 (RFC 8737) on TLS, multiplexed with poll() on one thread.
//
// It answers nothing but the challenges registered with it: GET/HEAD of
// /.well-known/acme-challenge/<token> gets the validation text, every other request a 404, a
// TLS handshake gets the acmeIdentifier certificate for its SNI name only with ALPN
// "acme-tls/1". Every connection is bounded in size (8 KiB of request head), in time
// (10 seconds) and in number (64 at once), and is closed after one answer.
//
// Thread contract: the owning thread calls every public member; the server thread only reads the
// registered answers (under a mutex) and queues log lines, which the owner fetches with
// take_log() from inside a host call (the host's log may only be called from there).
#ifndef CERTBOT_PLUGINS_STANDALONE_CHALLENGE_SERVER_H
#define CERTBOT_PLUGINS_STANDALONE_CHALLENGE_SERVER_H

#include "tls_alpn.h"

#include <openssl/ssl.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace standalone {

// Which certbot flags to name when a bind fails.
struct PortFlags {
    const char* port_flag;     // "--http-01-port"
    const char* address_flag;  // "--http-01-address"
};

class ChallengeServer {
  public:
    ChallengeServer();
    ~ChallengeServer();
    ChallengeServer(const ChallengeServer&) = delete;
    ChallengeServer& operator=(const ChallengeServer&) = delete;

    // Binds and listens on ADDRESS (an IP address; empty: every interface, IPv6 and IPv4) and
    // PORT before returning, so a busy port is reported now. Returns the port bound (PORT, or
    // the one the system chose for 0). Throws std::runtime_error with certbot's one-line
    // message ("Could not bind TCP port 80 because ...").
    int listen_http(const std::string& address, int port, const PortFlags& flags);
    int listen_tls(const std::string& address, int port, const PortFlags& flags);
    bool has_http() const;
    bool has_tls() const;

    // Registers an answer. Safe while the server runs.
    void add_http01(const std::string& token, const std::string& body);
    void add_tls_alpn01(const std::string& identifier, AlpnCert cert);

    // Starts serving on a thread named "cb-standalone" that blocks every signal (they stay with
    // the host's threads).
    // Does nothing when already running.
    void start();
    // Stops the thread, closes every socket and forgets every answer. Idempotent.
    void stop();
    bool running() const { return thread_.joinable(); }

    // Lines the server thread logged since the last call (debug level).
    std::vector<std::string> take_log();

  private:
    struct Listener {
        int fd;
        int port;
        bool tls;
    };
    struct Conn;

    int listen_on(const std::string& address, int port, bool tls, const PortFlags& flags);
    void loop();
    // false when out of descriptors or memory
    bool accept_from(const Listener& l, std::vector<std::unique_ptr<Conn>>& conns);
    bool service(Conn& c, short revents);  // false: close it
    bool read_request(Conn& c);
    void answer(Conn& c, const std::string& head);
    bool finish_handshake(Conn& c);
    void log(std::string line);
    void wake();

    static int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen,
                           const unsigned char* in, unsigned int inlen, void* arg);
    static int select_cert(SSL* ssl, void* arg);
    static int check_client_hello(SSL* ssl, int* alert, void* arg);
    void make_room(std::vector<std::unique_ptr<Conn>>& conns, const Conn& fresh);

    mutable std::mutex mu_;  // guards everything below it that the server thread reads
    std::map<std::string, std::string> http_;                 // token -> body
    std::map<std::string, std::shared_ptr<AlpnCert>> certs_;  // lowercase name -> cert
    std::vector<Listener> listeners_;
    std::vector<std::string> log_;
    size_t log_dropped_ = 0;

    std::atomic<bool> stopping_{false};
    int wake_fd_ = -1;  // eventfd
    SSL_CTX* tls_ctx_ = nullptr;
    std::thread thread_;
};

}  // namespace standalone

#endif  // CERTBOT_PLUGINS_STANDALONE_CHALLENGE_SERVER_H
