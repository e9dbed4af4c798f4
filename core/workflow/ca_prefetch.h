// The first requests to the CA, ahead of need. An issuance's first request (TLS set-up: the
// SSL_CTX, the CA file, the handshake; then GET directory and HEAD newNonce) used to wait for
// the command's local start-up work (locks, log, store, account, plugin runner). CaPrefetch does
// them on a thread, started as soon as the command knows it will talk to the CA, and the
// issuance takes the result where it needed it: the same HTTP client (its connection kept
// alive), and a CaShare holding the directory and a first nonce (the nonce first: once the
// directory is handed over the issuance's requests use the connection at once).
//
// What the issuance sees does not change: its load_directory returns the prefetch's result, a
// failure included (the same request, the same retries and the same message as its own fetch;
// the next load fetches again); a nonce the prefetch could not get is fetched by the first POST
// as before. Nothing is fetched until start(), so a command that keeps its certificate (not due)
// does not contact the CA.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "acme.h"
#include "config.h"
#include "renewal.h"

namespace certbot {

class CaPrefetch {
  public:
    // The client for cfg's CA (ca_http_client: --no-verify-ssl, the User-Agent, the CA bundle
    // from the environment) and cfg.effective_server() (--server, --staging, --dry-run).
    explicit CaPrefetch(const Config& cfg);
    // For tests: fetch SERVER through HTTP (borrowed).
    CaPrefetch(HttpClient& http, std::string server);
    CaPrefetch(const CaPrefetch&) = delete;
    CaPrefetch& operator=(const CaPrefetch&) = delete;
    // A prefetch still waiting to retry gives up at once; one request in flight is waited for.
    ~CaPrefetch();

    // Starts the thread now, for the CA connection's set-up (HttpClient::prepare: httplib's
    // client and its SSL_CTX, the process's first, so also OpenSSL's one-time set-up; the
    // deadline watchdog's thread: ~5 ms of the other core) while the command does local work;
    // it fetches nothing until start(). Once only; not for an invalid server URL.
    void warm_up();
    // Starts fetching (the first call; later calls do nothing): on the warmed-up thread, else on
    // a new one. Not for an invalid server URL (load_directory reports that, as before).
    void start();
    bool started() const { return started_; }
    // What issue_and_save uses: this client and share, and this prefetch to start.
    CaLink link();

  private:
    // The prefetch's clock and client: the system's clock and the shared client, but once the
    // prefetch is cancelled a wait for a retry ends, no retry is left (now() jumps past the
    // retry deadline) and no request is sent.
    class Cancel : public Clock, public HttpClient {
      public:
        explicit Cancel(HttpClient& http) : http_(http) {}
        std::chrono::steady_clock::time_point now() override;
        void sleep_for(std::chrono::milliseconds d) override;
        Result<HttpResponse> send(const HttpRequest& request) override;
        void cancel();
        // The warmed-up thread's wait for start(): the promise to fulfil, or nothing once
        // cancelled.
        std::optional<std::promise<Result<Directory>>> wait_for_start();
        void give_start(std::promise<Result<Directory>> done);

      private:
        HttpClient& http_;
        std::mutex mu_;
        std::condition_variable cv_;
        bool cancelled_ = false;
        std::optional<std::promise<Result<Directory>>> start_;
    };
    void run(std::promise<Result<Directory>> done);

    std::unique_ptr<HttpClient> owned_;
    HttpClient& http_;
    const std::string server_;
    CaShare share_;
    Cancel cancel_;
    bool started_ = false;
    std::thread thread_;
};

}  // namespace certbot
