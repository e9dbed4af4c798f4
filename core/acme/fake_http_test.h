// A scripted HttpClient for unit tests of the ACME client and what sits on it: replies are
// queued with reply(), requests are recorded in `seen`, and HEAD (newNonce) always answers
// with a fresh Replay-Nonce "nonce0", "nonce1", ... A reply without a Content-Type gets the one a
// conforming CA would send. fail_requests makes chosen requests fail as a lost connection does.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "http.h"

namespace certbot::test {

struct FakeHttp : HttpClient {
    std::deque<HttpResponse> replies;
    std::vector<HttpRequest> seen;
    int nonce_counter = 0;
    // Requests (not HEAD; 0 is the first) that fail as a lost connection does, consuming no
    // reply: the scripted CA may still have acted on them.
    std::set<int> fail_requests;
    int requests = 0;
    Result<HttpResponse> send(const HttpRequest& r) override {
        seen.push_back(r);
        if (r.method == "HEAD") {
            HttpResponse h;
            h.status = 200;
            h.headers["replay-nonce"] = "nonce" + std::to_string(nonce_counter++);
            return h;
        }
        if (fail_requests.count(requests++)) {
            Error e("fake: the connection broke while reading the answer from " + r.url);
            e.transient = true;
            return e;
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
        // What a conforming CA sends (RFC 8555 §6.7, §7, §9.1) unless the test says otherwise.
        if (!h.headers.count("content-type"))
            h.headers["content-type"] = h.body.rfind("-----BEGIN", 0) == 0
                                            ? "application/pem-certificate-chain"
                                        : h.status >= 400 ? "application/problem+json"
                                                          : "application/json";
        replies.push_back(h);
    }
    size_t posts() const {
        size_t n = 0;
        for (const auto& r : seen) n += r.method == "POST";
        return n;
    }
};

}  // namespace certbot::test
