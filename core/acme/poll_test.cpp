// Polling that follows the server (RFC 8555 §7.4, §7.5.1; RFC 9110 §10.2.3): Retry-After in
// seconds and as an HTTP-date, our own schedule without it, and the bounds on both. A scripted
// CA (fake_http_test.h) and a clock that moves only when the client sleeps: no sockets, no
// sleeping.
#include <catch2/catch.hpp>

#include <numeric>

#include "acme.h"
#include "scripted_ca_test.h"

using namespace certbot;
using namespace std::chrono_literals;

namespace {

const char* kPending =
    R"({"status":"pending","identifier":{"type":"dns","value":"a.test"},"challenges":[]})";
const char* kValid =
    R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},"challenges":[]})";

std::string order_json(const char* status, const char* extra = "") {
    return std::string(R"({"status":")") + status +
           R"(","identifiers":[{"type":"dns","value":"a.test"}],"authorizations":[],)"
           R"("finalize":"https://ca.test/fin/1")" +
           extra + "}";
}

// The RFC 9110 §5.6.7 example instant, in each of the three forms.
constexpr std::time_t kExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

// A client signed in to the scripted CA whose clock moves only when it sleeps.
struct Polling : test::ScriptedClient {
    std::chrono::steady_clock::time_point in(std::chrono::milliseconds d) const {
        return clock.t + d;
    }
    Result<Authorization> poll(std::chrono::milliseconds deadline) {
        return acme.poll_authorization("https://ca.test/authz/1", in(deadline));
    }
    std::chrono::milliseconds slept() const {
        return std::accumulate(clock.sleeps.begin(), clock.sleeps.end(), 0ms);
    }
};

bool says(const Error& e, const std::string& what) {
    return e.message.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("HTTP-dates in the three forms RFC 9110 makes a recipient accept", "[acme][poll]") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == kExample);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == kExample);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == kExample);
    CHECK_FALSE(parse_http_date(""));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"));
    CHECK_FALSE(parse_http_date("1994-11-06T08:49:37Z"));
    CHECK_FALSE(parse_http_date("tomorrow"));
    CHECK_FALSE(parse_http_date(std::string(100, 'a')));
}

TEST_CASE("Retry-After in seconds: digits only, capped at a day", "[acme][poll]") {
    CHECK(parse_retry_after("0") == 0s);
    CHECK(parse_retry_after("5") == 5s);
    CHECK(parse_retry_after("120") == 120s);
    CHECK(parse_retry_after("86401") == 86400s);
    CHECK(parse_retry_after("31536000") == 86400s);  // a year
    CHECK(parse_retry_after("99999999999999999999999") == 86400s);
    for (const char* bad : {"", "-5", "+5", "5 s", "1.5", "0x10", " 5", "soon"})
        CHECK_FALSE(parse_retry_after(bad));
    CHECK_FALSE(parse_retry_after(std::string(65, '1')));
}

TEST_CASE("Retry-After as an HTTP-date counts from the response's Date", "[acme][poll]") {
    const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", date) == 30s);
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:50:07 GMT", date) == 30s);
    CHECK(parse_retry_after("Sun Nov  6 08:50:07 1994", date) == 30s);
    // In the past: now. A year ahead: capped at a day.
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", date) == 0s);
    CHECK(parse_retry_after("Mon, 06 Nov 1995 08:49:37 GMT", date) == 86400s);
    CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", date) == 86400s);
    CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT junk", date));
    // Without a usable Date header, from this machine's clock: 1994 is long past.
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT") == 0s);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", "garbage") == 0s);
    char soon[64];
    const std::time_t t = std::time(nullptr) + 3600;
    std::tm tm{};
    gmtime_r(&t, &tm);
    REQUIRE(std::strftime(soon, sizeof soon, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
    auto ra = parse_retry_after(soon);
    REQUIRE(ra);
    CHECK(*ra >= 3590s);
    CHECK(*ra <= 3600s);
}

TEST_CASE("the schedule without Retry-After: short first interval, doubling, capped",
          "[acme][poll]") {
    CHECK(poll_interval(0) == kFirstPollInterval);
    for (int i = 1; i < 40; ++i) {
        CHECK(poll_interval(i) >= poll_interval(i - 1));
        CHECK(poll_interval(i) <= kMaxPollInterval);
    }
    CHECK(poll_interval(1) > poll_interval(0));
    // The documented schedule (docs/performance.md, "Polling the CA").
    using std::chrono::milliseconds;
    CHECK(poll_interval(0) == milliseconds(3));
    CHECK(poll_interval(1) == milliseconds(6));
    CHECK(poll_interval(9) == milliseconds(1536));
    CHECK(poll_interval(10) == milliseconds(3072));
    CHECK(poll_interval(11) == kMaxPollInterval);
    CHECK(poll_interval(39) == kMaxPollInterval);
    CHECK(poll_interval(1000000) == kMaxPollInterval);
}

TEST_CASE("a fast CA is polled soon, a slow one not hammered", "[acme][poll]") {
    Polling p;
    SECTION("valid on the second poll: one short wait") {
        p.http.reply(200, kPending);
        p.http.reply(200, kValid);
        auto a = p.poll(90s);
        REQUIRE(a);
        CHECK(a->status == "valid");
        REQUIRE(p.clock.sleeps.size() == 1);
        CHECK(p.clock.sleeps[0] == kFirstPollInterval);
    }
    SECTION("pending for the whole 90 s default timeout: few polls, the last at the deadline") {
        for (int i = 0; i < 500; ++i) p.http.reply(200, kPending);
        auto a = p.poll(90s);
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), "still pending after the issuance timeout"));
        CHECK(says(a.error(), "--issuance-timeout"));
        CHECK(p.slept() == 90s);
        // Python certbot polls once a second (90 polls); this schedule under a third of that:
        // 11 waits up to 6.1 s, then one every 5 s.
        CHECK(p.http.posts() < 30);
        CHECK(p.http.posts() == p.clock.sleeps.size() + 1);
    }
}

TEST_CASE("Retry-After paces polling, but never below the schedule", "[acme][poll]") {
    Polling p;
    SECTION("seconds") {
        p.http.reply(200, kPending, {{"retry-after", "3"}});
        p.http.reply(200, kPending, {{"retry-after", "1"}});
        p.http.reply(200, kValid);
        REQUIRE(p.poll(90s));
        REQUIRE(p.clock.sleeps.size() == 2);
        CHECK(p.clock.sleeps[0] == 3s);
        CHECK(p.clock.sleeps[1] == 1s);
    }
    SECTION("an HTTP-date, from the response's Date") {
        p.http.reply(200, kPending,
                     {{"retry-after", "Sun, 06 Nov 1994 08:49:44 GMT"},
                      {"date", "Sun, 06 Nov 1994 08:49:37 GMT"}});
        p.http.reply(200, kValid);
        REQUIRE(p.poll(90s));
        REQUIRE(p.clock.sleeps.size() == 1);
        CHECK(p.clock.sleeps[0] == 7s);
    }
    SECTION("Retry-After: 0 or garbage falls back to the schedule: no busy loop") {
        for (int i = 0; i < 500; ++i)
            p.http.reply(200, kPending, {{"retry-after", i % 2 ? "0" : "whenever"}});
        auto a = p.poll(90s);
        REQUIRE_FALSE(a);
        CHECK(p.http.posts() < 40);
        for (size_t i = 0; i + 1 < p.clock.sleeps.size(); ++i)
            CHECK(p.clock.sleeps[i] == poll_interval(static_cast<int>(i)));
    }
}

TEST_CASE("a hostile Retry-After is capped and never outlasts the deadline", "[acme][poll]") {
    Polling p;
    SECTION("a year, within the default timeout: one capped wait, then refused naming it") {
        p.http.reply(200, kPending, {{"retry-after", "31536000"}});
        p.http.reply(200, kPending, {{"retry-after", "31536000"}});
        auto a = p.poll(90s);
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), "authorization for a.test is still pending"));
        CHECK(says(a.error(), "asks to poll again in 86400 s"));
        REQUIRE(p.clock.sleeps.size() == 1);
        CHECK(p.clock.sleeps[0] == kMaxPollRetryAfter);
        CHECK(p.http.posts() == 2);
    }
    SECTION("a year, with a two-day timeout: waited as kMaxPollRetryAfter") {
        p.http.reply(200, kPending, {{"retry-after", "31536000"}});
        p.http.reply(200, kPending, {{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}});
        p.http.reply(200, kValid);
        REQUIRE(p.poll(48h));
        REQUIRE(p.clock.sleeps.size() == 2);
        CHECK(p.clock.sleeps[0] == kMaxPollRetryAfter);
        CHECK(p.clock.sleeps[1] == kMaxPollRetryAfter);
    }
    SECTION("asked to wait 10 s with 5 s left: refused, not polled early") {
        p.http.reply(200, kPending, {{"retry-after", "10"}});
        auto a = p.poll(5s);
        REQUIRE_FALSE(a);
        CHECK(says(a.error(), "asks to poll again in 10 s"));
        CHECK(p.clock.sleeps.empty());
        CHECK(p.http.posts() == 1);
    }
    SECTION("our own schedule is cut at the deadline for one last poll") {
        p.http.reply(200, kPending);
        p.http.reply(200, kPending);
        p.http.reply(200, kValid);
        auto a = p.poll(4ms);  // first wait 3 ms, then only 1 ms is left
        REQUIRE(a);
        REQUIRE(p.clock.sleeps.size() == 2);
        CHECK(p.clock.sleeps[0] == 3ms);
        CHECK(p.clock.sleeps[1] == 1ms);
    }
}

TEST_CASE("the finalize answer's Retry-After paces the first poll of the order", "[acme][poll]") {
    Polling p;
    Order o;
    o.url = "https://ca.test/order/1";
    o.finalize = "https://ca.test/fin/1";
    p.http.reply(200, order_json("ready"));  // finalize first asks whether the order is ready
    p.http.reply(200, order_json("processing"), {{"retry-after", "2"}});
    p.http.reply(200, order_json("processing"));
    p.http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
    auto done = p.acme.finalize(o, "CSR", p.in(90s));
    REQUIRE(done);
    CHECK(done->certificate == "https://ca.test/cert/1");
    REQUIRE(p.clock.sleeps.size() == 2);
    CHECK(p.clock.sleeps[0] == 2s);
    CHECK(p.clock.sleeps[1] == poll_interval(1));
}
