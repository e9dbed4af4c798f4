#include "ca_prefetch.h"

#include <future>

#include "quiet_thread.h"

namespace certbot {

namespace {

// The prefetch's retries end at the latest an hour after it started (the issuance's own never
// take that long: kMaxTransientRetries waits of at most kMaxTransientDelay); a cancelled
// prefetch's clock says it is later than that.
constexpr auto kRetryHorizon = std::chrono::hours(1);

}  // namespace

std::chrono::steady_clock::time_point CaPrefetch::Cancel::now() {
    const auto t = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> l(mu_);
    return cancelled_ ? t + 2 * kRetryHorizon : t;
}

void CaPrefetch::Cancel::sleep_for(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, d, [this] { return cancelled_; });
}

Result<HttpResponse> CaPrefetch::Cancel::send(const HttpRequest& request) {
    {
        std::lock_guard<std::mutex> l(mu_);
        if (cancelled_) return Error("the prefetch of " + request.url + " was cancelled");
    }
    return http_.send(request);
}

void CaPrefetch::Cancel::cancel() {
    {
        std::lock_guard<std::mutex> l(mu_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

std::optional<std::promise<Result<Directory>>> CaPrefetch::Cancel::wait_for_start() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return cancelled_ || start_; });
    if (cancelled_) return std::nullopt;
    return std::move(start_);
}

void CaPrefetch::Cancel::give_start(std::promise<Result<Directory>> done) {
    {
        std::lock_guard<std::mutex> l(mu_);
        start_ = std::move(done);
    }
    cv_.notify_all();
}

CaPrefetch::CaPrefetch(const Config& cfg)
    : owned_(ca_http_client(cfg)),
      http_(*owned_),
      server_(cfg.effective_server()),
      share_(server_),
      cancel_(http_) {}

CaPrefetch::CaPrefetch(HttpClient& http, std::string server)
    : http_(http), server_(std::move(server)), share_(server_), cancel_(http_) {}

CaPrefetch::~CaPrefetch() {
    cancel_.cancel();
    if (thread_.joinable()) thread_.join();
}

void CaPrefetch::warm_up() {
    if (thread_.joinable() || !parse_url(server_, true)) return;
    // Signals stay with the main thread (quiet_thread), which handles them as before.
    thread_ = common::quiet_thread([this] {
        // The CA connection's TLS context (OpenSSL's one-time set-up with the first one) and
        // its watchdog, made before start() needs them.
        http_.prepare(server_);
        if (auto done = cancel_.wait_for_start()) run(std::move(*done));
    });
}

void CaPrefetch::start() {
    if (started_ || !parse_url(server_, true)) return;
    started_ = true;
    std::promise<Result<Directory>> done;
    share_.load_ahead(done.get_future().share());
    if (thread_.joinable()) {  // warmed up, waiting
        cancel_.give_start(std::move(done));
        return;
    }
    thread_ = common::quiet_thread([this, d = std::move(done)]() mutable { run(std::move(d)); });
}

void CaPrefetch::run(std::promise<Result<Directory>> done) {
    AcmeClient acme(cancel_, server_, cancel_);
    acme.set_retry_deadline(std::chrono::steady_clock::now() + kRetryHorizon);
    acme.skip_clock_check();  // the issuance's client checks its own answers
    // The directory as the issuance's load_directory fetches it (retries included): handed over
    // as soon as it is here.
    Status st = acme.load_directory();
    if (!st) {
        done.set_value(st.error());
        return;
    }
    const Directory dir = acme.directory();
    // One nonce, one try: without it the first POST asks for one, as it always did. It is in
    // the share before the directory is handed over: the issuance's first POST, right after,
    // finds it and the connection free (handed over first, the issuance's request took the
    // connection while this HEAD opened a second one: another TLS handshake).
    auto r = cancel_.send({"HEAD", dir.new_nonce, "", ""});
    if (r && valid_nonce(r->header("replay-nonce"))) share_.give_nonce(r->header("replay-nonce"));
    done.set_value(dir);
}

CaLink CaPrefetch::link() {
    return CaLink{http_, system_clock(), &share_, this};
}

}  // namespace certbot
