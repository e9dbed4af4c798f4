// Fuzz target for the parts of a CA's answer we parse outside the ACME object readers: problem
// documents (RFC 7807), Retry-After values, Replay-Nonce values, Link headers (RFC 8288), ARI
// renewalInfo bodies and their RFC 3339 times (RFC 9773) and JSON bodies in general (core/acme.h,
// core/json.h, core/workflow/ari.h). Any bytes give a value or nothing, never a crash; a nonce we
// accept is base64url (RFC 8555 §6.5.1); a Retry-After we accept is not negative and at most a
// day; a Link target we return is https; a renewal window we accept ends after it starts. libFuzzer
// entry point; replay_main.cpp replays the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "acme.h"
#include "ari.h"
#include "json.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certbot;
    const std::string body(reinterpret_cast<const char*>(data), size);
    (void)parse_problem(body);
    (void)json::parse(body, "fuzz body", 1 << 20);
    if (auto ra = parse_retry_after(body)) check(ra->count() >= 0 && ra->count() <= 86400);
    for (const char* rel : {"alternate", "up", "index"})
        for (const auto& target : link_targets(body, rel)) check(target.rfind("https://", 0) == 0);
    if (auto window = parse_renewal_info(body, "fuzz renewalInfo")) {
        check(window->end > window->start);
        check(window->explanation_url.empty() || window->explanation_url.rfind("https://", 0) == 0);
    }
    (void)parse_rfc3339(body);
    if (valid_nonce(body)) {
        check(!body.empty());
        for (char c : body)
            check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_');
    }
    return 0;
}
