// ACME v2 client (RFC 8555): directory, nonces, JWS-signed requests, accounts, orders,
// authorizations, challenges, finalization and certificate download. Transport is the HttpClient
// interface; time is the Clock interface, so tests need neither sockets nor sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crypto.h"
#include "http.h"
#include "result.h"

namespace certbot {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::chrono::steady_clock::time_point now() = 0;
    virtual void sleep_for(std::chrono::milliseconds d) = 0;
};
Clock& system_clock();

// Set from a signal handler; long waits give up when it becomes true.
extern std::atomic<bool> g_interrupted;

struct Directory {
    std::string url;
    std::string new_nonce, new_account, new_order, revoke_cert, key_change, renewal_info;
    std::string terms_of_service, website;
    bool external_account_required = false;
    std::vector<std::string> profiles;
};

struct Problem {
    std::string type, detail, identifier;  // identifier: from subproblems
    int status = 0;
    std::vector<Problem> subproblems;
    std::string describe() const;  // "type :: detail" with subproblems, one line
};

struct AcmeAccount {
    std::string url;     // the kid
    std::string status;  // valid, deactivated, revoked
    std::vector<std::string> contact;
    std::string body_json;  // the account object as the server sent it
};

struct Challenge {
    std::string type, url, status, token;
    std::optional<Problem> error;
};

struct Authorization {
    std::string url, status, identifier;  // DNS name (no "*.") or canonical IP (RFC 8738)
    bool wildcard = false;
    std::vector<Challenge> challenges;
    std::optional<Problem> error;  // the first challenge error, if any
};

struct Order {
    std::string url, status, finalize, certificate;
    std::vector<std::string> identifiers, authorizations;
    std::optional<Problem> error;
};

// Optional newOrder members: RFC 9773 §5 "replaces" (the certID of the certificate this order
// replaces) and draft-aaron-acme-profiles "profile" (a name from the directory's meta.profiles).
struct OrderOptions {
    std::string replaces, profile;
};

struct ExternalAccountBinding {
    std::string kid, hmac_key_b64url, alg = "HS256";
};

// What the AcmeClients of one CA (one directory URL) share within one run, from any number of
// threads at once: the directory, fetched once, and the unused nonces every response brought
// (RFC 8555 §6.5). A nonce is handed to one request only; one the CA no longer accepts is
// answered with badNonce, which AcmeClient::post retries with the fresh nonce that comes with it.
class CaShare {
  public:
    explicit CaShare(std::string directory_url) : url_(std::move(directory_url)) {}
    CaShare(const CaShare&) = delete;
    CaShare& operator=(const CaShare&) = delete;
    const std::string& directory_url() const { return url_; }
    // The directory, loaded by `load` only if no client has loaded it yet (one at a time: the
    // others wait for the first and take its copy). A failed load is not kept.
    Result<Directory> directory(const std::function<Result<Directory>()>& load);
    // A directory being fetched ahead of its first user (CaPrefetch): the next directory() call
    // waits for it and returns its result, a failure included (the error the user's own load
    // would have reported, after the same retries), instead of loading; after a failure the
    // call after that loads again. Call before any directory() call.
    void load_ahead(std::shared_future<Result<Directory>> ahead);
    std::optional<std::string> take_nonce();
    void give_nonce(std::string nonce);

    static constexpr size_t kMaxNonces = 64;

  private:
    const std::string url_;
    std::mutex load_mu_;  // held while the directory is fetched
    std::mutex mu_;
    std::optional<Directory> dir_;
    std::shared_future<Result<Directory>> ahead_;  // guarded by load_mu_
    std::vector<std::string> nonces_;              // newest last
};

class AcmeClient {
  public:
    AcmeClient(HttpClient& http, std::string directory_url, Clock& clock = system_clock());

    // Shares the directory and the nonces with the other clients of `share` (same directory URL
    // only; a share of another CA is not used). Call before load_directory.
    void share_with(CaShare& share);
    Status load_directory();
    const Directory& directory() const { return dir_; }
    // The clock this client polls with; callers take their deadlines from it too.
    Clock& clock() const { return clock_; }

    // The account key signs every request; kid is the account URL once known.
    void set_account(const PrivateKey* key, std::string kid = {});
    const std::string& kid() const { return kid_; }

    // RFC 8555 §7.3. only_existing: §7.3.1 onlyReturnExisting lookup.
    Result<AcmeAccount> new_account(const std::vector<std::string>& contact, bool agree_tos,
                                    bool only_existing,
                                    const std::optional<ExternalAccountBinding>& eab = {});
    // POST to the account URL (RFC 8555 §7.3.2); "{}" fetches the account object.
    Result<AcmeAccount> update_account(const std::string& payload_json);
    // Replaces the account's contact list ("mailto:" added to each address; empty: none).
    Result<AcmeAccount> update_contact(const std::vector<std::string>& emails);
    // RFC 8555 §7.3.6: {"status":"deactivated"}. The account can never be used again.
    Status deactivate_account();
    // RFC 8555 §7.3.5: hands the account (kid) to new_key. On success the client signs with
    // new_key from then on (the caller keeps it alive, as with set_account).
    // A lost answer or a 5xx is a transient Error: the CA may have switched keys anyway (ask it
    // with account_uses_key before discarding either key).
    Status key_change(const PrivateKey& new_key);
    // Whether the CA holds `key` for this client's account (kid), by an onlyReturnExisting lookup
    // signed with it (RFC 8555 §7.3.1). Error: the CA could not be asked.
    Result<bool> account_uses_key(const PrivateKey& key);

    // identifiers: DNS names and canonical IPs (identifiers.h); each sent with its type.
    Result<Order> new_order(const std::vector<std::string>& identifiers,
                            const OrderOptions& options = {});
    Result<Authorization> get_authorization(const std::string& url);
    Status respond_challenge(const std::string& challenge_url);
    // Polls until the authorization is no longer pending (or the deadline passes).
    Result<Authorization> poll_authorization(const std::string& url,
                                             std::chrono::steady_clock::time_point deadline);
    // RFC 8555 §7.5.2: {"status":"deactivated"}; the CA will not reuse the authorization.
    Status deactivate_authorization(const std::string& url);
    Result<Order> get_order(const std::string& url);
    // Waits for the order to be ready (RFC 8555 §7.1.6; refused if it is not), finalizes it with
    // the CSR, then polls until the order is valid or fails. A finalize whose outcome is unclear
    // (connection lost, 5xx) is followed by fetching the order, never by giving up on a
    // certificate the CA may be issuing. authorizations_valid: the caller has just seen every
    // authorization of the order valid, so the order is not asked for first (certbot does not
    // ask either); a CA whose order is not ready yet answers orderNotReady, which is waited
    // out as always, and the finalize answer is checked as the order's next state.
    Result<Order> finalize(const Order& order, const std::string& csr_der,
                           std::chrono::steady_clock::time_point deadline,
                           bool authorizations_valid = false);
    // PEM chain, leaf first; validated to contain only certificates. With `alternates`, also
    // the chains the server links with rel="alternate" (RFC 8555 §7.4.2), at most 8.
    Result<std::string> download_certificate(const std::string& url,
                                             std::vector<std::string>* alternates = nullptr);
    // RFC 8555 §7.6. cert_key null: signed by the account (kid); else by the certificate's own
    // key, with its JWK in the protected header.
    Status revoke(const std::string& cert_der, int reason, const PrivateKey* cert_key);

    // key authorization for a token: token "." thumbprint (RFC 8555 §8.1)
    std::string key_authorization(const std::string& token) const;

    struct Response {
        HttpResponse http;
        std::string location;
    };
    // Signed POST (RFC 8555 §6.2) with badNonce retries (§6.5). POST-as-GET (payload "") and
    // "{}" are idempotent: a 503, serverInternal or lost connection is retried a bounded number
    // of times with jittered backoff, honouring Retry-After. jwk: sign with the JWK instead of
    // the kid.
    Result<Response> post(const std::string& url, const std::string& payload, bool use_jwk = false,
                          const PrivateKey* key = nullptr);

    // Retries of transient failures stop before this point (the issuance deadline).
    void set_retry_deadline(std::chrono::steady_clock::time_point t) { retry_deadline_ = t; }
    // Wall-clock seconds, for comparing with the CA's Date header (tests replace it).
    void set_wall_clock(std::function<std::time_t()> f) { wall_clock_ = std::move(f); }
    // No warning about this machine's clock from this client (a prefetch: the client that uses
    // what it fetched checks, and warns once).
    void skip_clock_check() { clock_checked_ = true; }

  private:
    Result<Directory> fetch_directory();
    Result<std::string> fetch_nonce();
    void keep_nonce(std::string nonce);
    Result<HttpResponse> send_idempotent(const HttpRequest& request);
    std::optional<std::chrono::milliseconds> transient_delay(const HttpResponse* r, int attempt);
    // Polls the order while its status is while_status, checking each transition. from_answer:
    // the response `from` came in, if at hand (its Retry-After paces the first poll).
    Result<Order> poll_order(const Order& from, const std::string& while_status,
                             std::chrono::steady_clock::time_point deadline,
                             const HttpResponse* from_answer = nullptr);
    // Warns once if the CA's Date header is more than kMaxClockSkewSeconds from our clock.
    void check_clock(const HttpResponse& r);
    Result<Response> post_once(const std::string& url, const std::string& payload, bool use_jwk,
                               const PrivateKey* key);
    Error problem_error(const HttpResponse& r, const std::string& what) const;
    // The wait before the next poll, given the last poll's answer (nullptr: none yet): the
    // server's Retry-After (capped at kMaxPollRetryAfter) but never less than our own schedule,
    // and never past the deadline. Error when the deadline has passed or the server asks to
    // wait beyond it; `what` names the thing polled.
    Result<std::chrono::milliseconds> poll_wait(const HttpResponse* last, int attempt,
                                                std::chrono::steady_clock::time_point deadline,
                                                const std::string& what) const;
    // certbot 4.1: after a finalize refused with orderNotReady, polls the order until it is
    // ready (or fails, or the deadline passes).
    Status wait_until_ready(const Order& order, std::chrono::steady_clock::time_point deadline);

    HttpClient& http_;
    Clock& clock_;
    Directory dir_;
    const PrivateKey* key_ = nullptr;
    std::string kid_;
    std::string thumbprint_;
    std::vector<std::string> nonces_;
    CaShare* share_ = nullptr;
    std::chrono::steady_clock::time_point retry_deadline_ =
        std::chrono::steady_clock::time_point::max();
    std::minstd_rand rng_{std::random_device{}()};
    std::function<std::time_t()> wall_clock_ = [] { return std::time(nullptr); };
    bool clock_checked_ = false;
};

constexpr long kMaxClockSkewSeconds = 300;

// --eab-hmac-alg is HS256/384/512 and --eab-hmac-key decodes as base64url (usage errors that
// never quote the key).
Status check_external_account_binding(const ExternalAccountBinding& eab);
// RFC 8555 §7.3.4: the externalAccountBinding member of a newAccount payload: a flattened JWS
// over the account's public JWK, MACed (eab.alg: HS256/384/512) with the CA-issued key.
Result<std::string> external_account_binding_jws(const ExternalAccountBinding& eab,
                                                 const PrivateKey& account_key,
                                                 const std::string& new_account_url);
// RFC 8555 §7.3.5: the inner JWS of a keyChange request: protected {alg, jwk (new key), url},
// no nonce, no kid; payload {"account": account_url, "oldKey": old public JWK}; signed by new_key.
Result<std::string> key_change_inner_jws(const PrivateKey& new_key, const PrivateKey& old_key,
                                         const std::string& key_change_url,
                                         const std::string& account_url);

// Parses application/problem+json. Bounded and total: never throws.
std::optional<Problem> parse_problem(const std::string& body);
// The nonce grammar of RFC 8555 §6.5.1: base64url, at most 256 characters.
bool valid_nonce(const std::string& nonce);
// An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms a
// recipient must accept) as seconds since the epoch; nullopt if it is not one.
std::optional<std::time_t> parse_http_date(const std::string& value);
// Retry-After (RFC 9110 §10.2.3) as delay-seconds or HTTP-date; nullopt if absent/invalid. An
// HTTP-date counts from the response's Date header when it has a valid one (the server's clock,
// so a skewed local clock does not stretch or cut the wait), else from this machine's clock; a
// date in the past is 0 s. Capped at one day.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      const std::string& date_header = {});

// How long to wait before polling an authorization or an order again (RFC 8555 §7.5.1, §7.4),
// when the server sends no Retry-After: kFirstPollInterval, then twice as long per poll up to
// kMaxPollInterval (3, 6, 12, 24, 48, ... ms; 10 polls in the first 3.1 s, then one every 5 s
// from 6.1 s). attempt counts from 0. docs/performance.md "Polling the CA" explains it.
constexpr std::chrono::milliseconds kFirstPollInterval{3};
constexpr std::chrono::milliseconds kMaxPollInterval{5000};
// A Retry-After on a poll is honoured up to this; longer asks are taken as this long (a hostile
// or broken server cannot park the client; the issuance deadline still applies).
constexpr std::chrono::milliseconds kMaxPollRetryAfter{60000};
std::chrono::milliseconds poll_interval(int attempt);
// The https targets of a Link header (RFC 8288) with the given rel, in order.
std::vector<std::string> link_targets(const std::string& header, const std::string& rel);

}  // namespace certbot
