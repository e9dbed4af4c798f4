// Reading an HTTP response from a server that is not trusted with cpp-httplib: the body is kept
// in memory only up to a size, and only until a deadline. The core's ACME client (core/acme
// http.cpp) and the DNS toolkit's HTTPS client for provider APIs (plugins/support dns_https.cpp)
// both read responses this way; they sit on the two sides of the plugin ABI and may not link each
// other (docs/architecture.md, "plugin-api/common/"), so each compiles this inline copy.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace certbot::common {

// The bounds of one response's body, and what stopped it from being read whole.
struct BodyLimits {
    size_t max_body;
    std::chrono::steady_clock::time_point deadline;
    bool too_big = false;   // announced (Content-Length) or sent larger than max_body
    bool too_slow = false;  // still coming at the deadline
    // At most MAX_BODY bytes, within TOTAL_SECONDS from now.
    BodyLimits(size_t max_body, int total_seconds)
        : max_body(max_body),
          deadline(std::chrono::steady_clock::now() + std::chrono::seconds(total_seconds)) {}
};

// Sets REQUEST's handlers so that the response body is appended to BODY while it stays within
// LIMITS, and the transfer stops (LIMITS says why) when it does not; asks for the body
// uncompressed, as the bound is on the bytes received. BODY and LIMITS must outlive the request's
// send().
inline void bound_response_body(httplib::Request& request, std::string& body, BodyLimits& limits) {
    request.headers.emplace("Accept-Encoding", "identity");
    request.response_handler = [&limits](const httplib::Response& r) {
        // Refuse an announced oversized body before reading it.
        const std::string len = r.get_header_value("Content-Length");
        if (!len.empty() && len.size() < 19 &&
            std::strtoull(len.c_str(), nullptr, 10) > limits.max_body) {
            limits.too_big = true;
            return false;
        }
        return true;
    };
    request.content_receiver = [&limits, &body](const char* data, size_t n, uint64_t, uint64_t) {
        if (body.size() + n > limits.max_body) {
            limits.too_big = true;
            return false;
        }
        if (std::chrono::steady_clock::now() > limits.deadline) {
            limits.too_slow = true;
            return false;
        }
        body.append(data, n);
        return true;
    };
}

}  // namespace certbot::common
