// A scripted HttpClient for unit tests of the ACME client and what sits on it: replies are
// queued with reply(), requests are recorded in `seen`, and HEAD (newNonce) always answers
// with a fresh Replay-Nonce "nonce0", "nonce1", ...
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "http.h"

namespace certbot::test {

struct FakeHttp : HttpClient {
    std::deque<HttpResponse> replies;
    std::vector<HttpRequest> seen;
    int nonce_counter = 0;
    Result<HttpResponse> send(const HttpRequest& r) override {
        seen.push_back(r);
        if (r.method == "HEAD") {
            HttpResponse h;
            h.status = 200;
            h.headers["replay-nonce"] = "nonce" + std::to_string(nonce_counter++);
            return h;
        }
        if (replies.empty()) return Error("fake: no scripted reply for " + r.url);
        auto out = replies.front();
        replies.pop_front();
        return out;
    }
    void reply(int status, std::string body, std::map<std::string, std::string> headers = {}) {
        HttpResponse h;
        h.status = status;
        h.body = std::move(body);
        h.headers = std::move(headers);
        if (!h.headers.count("replay-nonce"))
            h.headers["replay-nonce"] = "fresh" + std::to_string(replies.size());
        replies.push_back(h);
    }
    size_t posts() const {
        size_t n = 0;
        for (const auto& r : seen) n += r.method == "POST";
        return n;
    }
};

}  // namespace certbot::test
