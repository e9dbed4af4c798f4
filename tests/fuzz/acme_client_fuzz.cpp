// Fuzz target for the ACME client's reading of a CA's answers (core/acme/acme.h): the directory,
// account, order, authorization and challenge objects, problem documents, Location and
// Retry-After headers and certificate chains, each as untrusted input. The input is a script of
// CA replies; the client walks the issuance path (directory, newAccount, newOrder, each
// authorization, challenge response, finalize, download) against it with a fake clock, so
// nothing sleeps. Any script must end in a result or an error, never a crash, a hang or an
// exception; whatever the client accepts keeps the protocol's invariants (an order that reached
// finalize was ready, a downloaded chain has certificates only).
//
// Script format, so that a fuzzer mutates structure as well as bytes: replies separated by a line
// "~~~"; each reply is "STATUS CONTENT-TYPE [LOCATION [RETRY-AFTER]]\n" then the body.
// libFuzzer entry point; replay_main.cpp replays the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "acme.h"
#include "crypto.h"
#include "http.h"

namespace {

using namespace certbot;

void check(bool ok) {
    if (!ok) std::abort();
}

struct ScriptedHttp : HttpClient {
    std::deque<HttpResponse> replies;
    int nonces = 0;
    Result<HttpResponse> send(const HttpRequest& r) override {
        if (r.method == "HEAD") {
            HttpResponse h;
            h.status = 200;
            h.headers["replay-nonce"] = "n" + std::to_string(nonces++);
            return h;
        }
        if (replies.empty()) return Error("fuzz: the script has no more replies for " + r.url);
        HttpResponse out = replies.front();
        replies.pop_front();
        return out;
    }
};

struct FastClock : Clock {
    std::chrono::steady_clock::time_point t{};
    std::chrono::steady_clock::time_point now() override { return t; }
    void sleep_for(std::chrono::milliseconds d) override { t += d; }
};

std::deque<HttpResponse> parse_script(std::string_view text) {
    std::deque<HttpResponse> out;
    size_t pos = 0;
    while (pos <= text.size() && out.size() < 64) {
        size_t end = text.find("\n~~~\n", pos);
        std::string_view chunk =
            text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
        size_t nl = chunk.find('\n');
        std::istringstream head(std::string(chunk.substr(0, nl)));
        HttpResponse r;
        std::string type, location, retry;
        head >> r.status >> type >> location >> retry;
        if (!type.empty() && type != "-") r.headers["content-type"] = type;
        if (!location.empty() && location != "-") r.headers["location"] = location;
        if (!retry.empty()) r.headers["retry-after"] = retry;
        r.headers["replay-nonce"] = "r" + std::to_string(out.size());
        r.body = nl == std::string_view::npos ? "" : std::string(chunk.substr(nl + 1));
        out.push_back(std::move(r));
        if (end == std::string_view::npos) break;
        pos = end + 5;
    }
    return out;
}

const PrivateKey& account_key() {
    static const PrivateKey key = PrivateKey::generate(KeySpec{}).value();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;
    ScriptedHttp http;
    http.replies = parse_script(std::string_view(reinterpret_cast<const char*>(data), size));
    FastClock clock;
    AcmeClient acme(http, "https://ca.invalid/dir", clock);
    if (!acme.load_directory()) return 0;
    acme.set_account(&account_key());
    if (!acme.new_account({}, true, false)) return 0;
    const auto deadline = clock.now() + std::chrono::seconds(90);
    auto order = acme.new_order({"a.example"});
    if (!order) return 0;
    for (const auto& url : order->authorizations) {
        auto authz = acme.get_authorization(url);
        if (!authz) return 0;
        for (const auto& ch : authz->challenges) {
            (void)acme.key_authorization(ch.token);
            if (!acme.respond_challenge(ch.url)) return 0;
            break;
        }
        if (!acme.poll_authorization(url, deadline)) return 0;
    }
    auto done = acme.finalize(*order, "csr", deadline);
    if (!done) return 0;
    check(done->status == "valid");
    auto chain = acme.download_certificate(done->certificate);
    if (chain) check(chain->find("-----BEGIN CERTIFICATE-----") == 0);
    return 0;
}
