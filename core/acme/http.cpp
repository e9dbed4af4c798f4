#include "http.h"

#include <httplib.h>

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

#include "http_body.h"
#include "log.h"
#include "quiet_thread.h"

namespace certbot {

namespace {

// Why the CA's certificate was not accepted, and what to do. A certificate that is not valid yet
// (or no longer) usually means this machine's clock is wrong, not that a CA bundle is missing.
std::string verification_hint(long verify_result) {
    char now[32] = "?";
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    if (gmtime_r(&t, &tm)) std::strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", &tm);
    if (verify_result == X509_V_ERR_CERT_NOT_YET_VALID)
        return std::string(
                   " (the server's certificate is not valid yet; this machine's clock says ") +
               now +
               ", which is probably behind: set the clock right (NTP, timedatectl) and try again)";
    if (verify_result == X509_V_ERR_CERT_HAS_EXPIRED)
        return std::string(" (the server's certificate has expired, or this machine's clock (") +
               now + ") is ahead: check the clock (NTP, timedatectl))";
    return " (the server's certificate is not trusted: set REQUESTS_CA_BUNDLE or SSL_CERT_FILE to "
           "its CA bundle)";
}

}  // namespace

std::string Url::origin() const {
    return scheme + "://" + host + ":" + std::to_string(port);
}

Result<Url> parse_url(const std::string& text, bool require_https) {
    auto bad = [&](const std::string& why) {
        return Error("invalid URL \"" + log::printable(text, 120) + "\": " + why);
    };
    if (text.size() > 2048) return bad("longer than 2048 characters");
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return bad("contains spaces or control characters");
    }
    Url u;
    auto sep = text.find("://");
    if (sep == std::string::npos) return bad("not an absolute URL");
    u.scheme = text.substr(0, sep);
    std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), ::tolower);
    if (u.scheme != "https" && u.scheme != "http") return bad("scheme must be https");
    if (require_https && u.scheme != "https") return bad("scheme must be https");
    auto rest = text.substr(sep + 3);
    auto slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    u.path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (u.path[0] != '/') u.path = "/" + u.path;
    if (auto hash = u.path.find('#'); hash != std::string::npos) u.path.resize(hash);
    if (authority.find('@') != std::string::npos) return bad("user info is not allowed");
    if (authority.empty()) return bad("no host");
    if (authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) return bad("unterminated IPv6 address");
        u.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority[0] != ':') return bad("garbage after IPv6 address");
        authority = authority.empty() ? "" : authority.substr(1);
    } else {
        auto colon = authority.find(':');
        u.host = authority.substr(0, colon);
        authority = colon == std::string::npos ? "" : authority.substr(colon + 1);
    }
    if (u.host.empty()) return bad("no host");
    for (char c : u.host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'))
            return bad("invalid host name");
    u.port = u.scheme == "https" ? 443 : 80;
    if (!authority.empty()) {
        if (authority.size() > 5 || !std::all_of(authority.begin(), authority.end(), ::isdigit))
            return bad("invalid port");
        u.port = std::atoi(authority.c_str());
        if (u.port < 1 || u.port > 65535) return bad("invalid port");
    }
    return u;
}

std::string env_ca_file() {
    // Python certbot's order: requests takes REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE; OpenSSL's
    // SSL_CERT_FILE comes last.
    for (const char* name : {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
        const char* v = std::getenv(name);
        if (v && *v) return v;
    }
    return {};
}

namespace {

// Enforces a request's total deadline in every phase, also while httplib waits for the status
// line and headers, where only its per-read timeout applies: a server that trickles one byte
// every 29 s would otherwise hold the client for as long as it likes. On expiry it shuts the
// socket down (httplib's stop() is made for a send() in flight), which fails the read at once.
// One thread per connection, started by its first request and kept until the connection goes (a
// no-op renew's 1,000 ARI requests start 8 of them, not 1,000); it watches one request at a
// time (a connection carries one request at a time).
class Watchdog {
  public:
    Watchdog() = default;
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    ~Watchdog() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            quit_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

    // Watches `client` from now until disarm(): at `deadline` it stops the request in flight.
    void arm(httplib::Client& client, std::chrono::steady_clock::time_point deadline) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            client_ = &client;
            deadline_ = deadline;
            fired_ = false;
            // Signals blocked in it: SIGINT and SIGTERM go to the threads that act on them.
            if (!thread_.joinable()) thread_ = common::quiet_thread([this] { loop(); });
        }
        cv_.notify_all();
    }

    // Starts the thread ahead of the first arm() (HttpClient::prepare).
    void start() {
        std::lock_guard<std::mutex> lock(mu_);
        if (!thread_.joinable()) thread_ = common::quiet_thread([this] { loop(); });
    }

    // Stops watching; true when the deadline had passed and the request was cut off. Once it
    // returns, the watchdog no longer touches the client.
    bool disarm() {
        std::lock_guard<std::mutex> lock(mu_);
        client_ = nullptr;
        return fired_;
    }

  private:
    void loop() {
        std::unique_lock<std::mutex> lock(mu_);
        while (!quit_) {
            if (!client_) {
                cv_.wait(lock);
                continue;
            }
            cv_.wait_until(lock, deadline_);
            if (client_ && !quit_ && std::chrono::steady_clock::now() >= deadline_) {
                fired_ = true;
                client_->stop();  // under the lock: disarm() waits until this is done
                client_ = nullptr;
            }
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    httplib::Client* client_ = nullptr;  // the request being watched, if any
    std::chrono::steady_clock::time_point deadline_;
    bool fired_ = false;
    bool quit_ = false;
    std::thread thread_;
};

// Safe to share between threads: each request takes a connection of its own, so requests from
// several threads (renew's workers) run at once, each on a kept-alive connection.
class HttplibClient : public HttpClient {
  public:
    explicit HttplibClient(HttpOptions o) : opts_(std::move(o)) {
        if (opts_.ca_file.empty()) opts_.ca_file = env_ca_file();
    }

    Result<HttpResponse> send(const HttpRequest& request) override {
        auto url = parse_url(request.url, false);
        if (!url) return url.error();
        // A connection of its own for this request: an idle kept-alive one to the same origin,
        // else a new one. It goes back to the idle ones only after a complete answer.
        std::unique_ptr<Connection> conn = take_connection(*url);
        httplib::Client& client = *conn->client;

        httplib::Request req;
        req.method = request.method;
        req.path = url->path;
        req.headers.emplace("User-Agent", opts_.user_agent);
        req.headers.emplace("Accept", "*/*");
        if (!request.body.empty() || request.method == "POST") {
            req.body = request.body;
            req.headers.emplace("Content-Type", request.content_type.empty()
                                                    ? "application/octet-stream"
                                                    : request.content_type);
        }
        HttpResponse out;
        common::BodyLimits limits(opts_.max_body, opts_.total_timeout_s);
        common::bound_response_body(req, out.body, limits);
        httplib::Response res;
        httplib::Error err = httplib::Error::Success;
        const auto started = std::chrono::steady_clock::now();
        conn->watchdog.arm(client, limits.deadline);
        bool ok = client.send(req, res, err);
        const bool cut_off = conn->watchdog.disarm();  // always, before the client may go
        const bool too_big = limits.too_big, too_slow = limits.too_slow || cut_off;
        log::debug(request.method + " " + url->origin() + url->path + " -> " +
                   (ok ? std::to_string(res.status) : std::string("error")) + " in " +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - started)
                                      .count()) +
                   " ms");
        if (too_big)
            return Error("response from " + url->origin() + url->path + " is larger than " +
                         std::to_string(opts_.max_body) + " bytes; refusing it");
        if (too_slow) {  // its socket was shut down: the connection is not kept
            return Error("response from " + url->origin() + url->path + " took longer than " +
                         std::to_string(opts_.total_timeout_s) + " s; giving up");
        }
        if (!ok) {
            std::string why = httplib::to_string(err);
            if (err == httplib::Error::Read)
                why = "the connection broke or no data came for " +
                      std::to_string(opts_.read_timeout_s) + " s while reading the response";
            else if (err == httplib::Error::Connection)
                why = "could not connect within " + std::to_string(opts_.connect_timeout_s) +
                      " s (is the server running and the URL right?)";
            if (err == httplib::Error::SSLServerVerification)
                why += verification_hint(client.get_openssl_verify_result());
            // A broken connection is not reused (it is not given back).
            Error e("request to " + url->origin() + url->path + " failed: " + why);
            // An untrusted certificate or a bad URL does not pass by itself; a lost connection
            // may. A server that sent nothing for the whole read timeout is not asked again: one
            // such wait is already long, and retries would multiply it.
            const bool timed_out = std::chrono::steady_clock::now() - started >=
                                   std::chrono::seconds(std::max(1, opts_.read_timeout_s - 1));
            e.transient =
                !timed_out && (err == httplib::Error::Read || err == httplib::Error::Connection ||
                               err == httplib::Error::Write);
            return e;
        }
        out.status = res.status;
        for (const auto& h : res.headers) {
            std::string name = h.first;
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            if (h.second.size() > 8192) continue;
            // A repeated list-based field (several Link headers: RFC 8555 §7.4.2's alternate
            // chains) is one comma-separated value (RFC 9110 §5.3).
            std::string& v = out.headers[name];
            if (v.size() + h.second.size() > 16384) continue;
            v += (v.empty() ? "" : ", ") + h.second;
        }
        give_back(url->origin(), std::move(conn));
        return out;
    }

    void prepare(const std::string& url) override {
        auto parsed = parse_url(url, false);
        if (!parsed) return;  // send reports it
        auto conn = new_connection(*parsed);
        conn->watchdog.start();
        give_back(parsed->origin(), std::move(conn));
    }

  private:
    // One kept-alive connection and the watchdog of its request in flight. The watchdog is
    // declared last: destroyed (its thread joined) before the client it may touch.
    struct Connection {
        std::unique_ptr<httplib::Client> client;
        Watchdog watchdog;
    };
    // Idle connections kept per origin: as many as requests were under way at once (the renew
    // workers), within this bound.
    static constexpr size_t kMaxIdlePerOrigin = 16;

    std::unique_ptr<Connection> take_connection(const Url& url) {
        const std::string key = url.origin();
        {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = idle_.find(key);
            if (it != idle_.end() && !it->second.empty()) {
                auto conn = std::move(it->second.back());
                it->second.pop_back();
                return conn;
            }
        }
        return new_connection(url);
    }

    // A connection object for url's origin, not connected yet (httplib connects on send).
    std::unique_ptr<Connection> new_connection(const Url& url) {
        const std::string key = url.origin();
        auto conn = std::make_unique<Connection>();
        conn->client = opts_.client_cert_file.empty()
                           ? std::make_unique<httplib::Client>(key)
                           : std::make_unique<httplib::Client>(key, opts_.client_cert_file,
                                                               opts_.client_key_file);
        httplib::Client& c = *conn->client;
        c.set_connection_timeout(opts_.connect_timeout_s, 0);
        c.set_read_timeout(opts_.read_timeout_s, 0);
        c.set_write_timeout(opts_.read_timeout_s, 0);
        c.set_keep_alive(true);
        c.set_tcp_nodelay(true);  // else Nagle + delayed ACK cost ~40 ms per request
        c.set_follow_location(false);
        c.set_decompress(false);
        c.enable_server_certificate_verification(opts_.verify_tls);
        if (!opts_.ca_file.empty()) c.set_ca_cert_path(opts_.ca_file);
        return conn;
    }

    // Beyond the bound the connection is closed when `conn` goes, after the lock (a local) is
    // released: closing joins its watchdog's thread.
    void give_back(const std::string& origin, std::unique_ptr<Connection> conn) {
        std::lock_guard<std::mutex> lock(mu_);
        auto& idle = idle_[origin];
        if (idle.size() < kMaxIdlePerOrigin) idle.push_back(std::move(conn));
    }

    HttpOptions opts_;
    std::mutex mu_;  // guards idle_
    std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> make_http_client(const HttpOptions& options) {
    return std::make_unique<HttplibClient>(options);
}

}  // namespace certbot
