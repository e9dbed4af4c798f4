// ACME Renewal Information (RFC 9773): the certificate identifier, the renewalInfo request and
// its answer, and the renewal time picked from the suggested window. The ARI state kept in a
// lineage's renewal conf is in workflow/ari_renewal.h.
//
// ARI only ever makes a renewal earlier than the lifetime rule (renewal.h should_renew) would:
// every failure (no renewalInfo in the directory, 404, timeout, a malformed answer) leaves the
// lifetime rule in charge and is reported as a warning, never as a renewal failure.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http.h"
#include "result.h"

namespace certbot {

// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial number DER content octets),
// both unpadded. An error when the certificate has no authorityKeyIdentifier keyIdentifier.
Result<std::string> ari_cert_id(std::string_view cert_pem);

struct RenewalWindow {
    int64_t start = 0;  // unix seconds
    int64_t end = 0;
    std::string explanation_url;  // "" if none (or not a valid https URL)
};

// RFC 3339 date-time ("2025-01-02T04:00:00Z", fractions and offsets allowed) -> unix seconds.
std::optional<int64_t> parse_rfc3339(std::string_view text);
// "2025-01-02T04:00:00Z"
std::string rfc3339_utc(int64_t unix_time);
// strftime of a unix time in UTC.
std::string format_utc(int64_t unix_time, const char* format);

// A renewalInfo response body (RFC 9773 §4.2): suggestedWindow.start and .end, end strictly
// after start (a window whose end is not after its start is rejected, as certbot 5.10 does),
// optional explanationURL. `what` names the URL in errors.
Result<RenewalWindow> parse_renewal_info(const std::string& body, const std::string& what);

struct AriAnswer {
    RenewalWindow window;
    int64_t retry_after = 0;  // unix time before which the client should not ask again
};

// Clients poll no more often than this when the answer has no usable Retry-After
// (RFC 9773 §4.3 leaves the default to the client; Let's Encrypt sends 6 hours).
constexpr int64_t kDefaultAriRetrySeconds = 6 * 3600;

// The unauthenticated GET of <renewal_info_url>/<cert_id> (RFC 9773 §4.1). `now` is the clock.
Result<AriAnswer> fetch_renewal_info(HttpClient& http, const std::string& renewal_info_url,
                                     const std::string& cert_id, int64_t now);

// RFC 9773 §4.2's recommended algorithm, step 2: a uniformly distributed time in
// [start, end). The draw is seeded from the certificate and the window, so repeated runs of a
// twice-daily timer do not each roll the dice again (which would skew renewals to the start).
int64_t ari_renewal_time(const RenewalWindow& window, const std::string& cert_id);

}  // namespace certbot
