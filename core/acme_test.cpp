// ACME client state machine against a scripted fake transport and clock: no sockets, no sleep.
#include <catch2/catch.hpp>

#include <deque>

#include "acme.h"
#include "base64.h"

using namespace certbot;

namespace {

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

struct FakeClock : Clock {
    std::chrono::steady_clock::time_point t{};
    std::vector<std::chrono::milliseconds> sleeps;
    std::chrono::steady_clock::time_point now() override { return t; }
    void sleep_for(std::chrono::milliseconds d) override {
        sleeps.push_back(d);
        t += d;
    }
};

const char* kDir =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke",)"
    R"("meta":{"termsOfService":"https://ca.test/tos","externalAccountRequired":true,)"
    R"("profiles":{"classic":"x","shortlived":"y"}}})";

std::string problem(const std::string& type, const std::string& detail) {
    return R"({"type":"urn:ietf:params:acme:error:)" + type + R"(","detail":")" + detail + R"("})";
}

}  // namespace

TEST_CASE("the directory is parsed and its URLs validated", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    CHECK(acme.directory().new_order == "https://ca.test/order");
    CHECK(acme.directory().terms_of_service == "https://ca.test/tos");
    CHECK(acme.directory().external_account_required);
    CHECK(acme.directory().profiles.size() == 2);
}

TEST_CASE("a broken or hostile directory is refused with the URL named", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    AcmeClient acme(http, "https://ca.test/dir", clock);
    SECTION("not JSON") {
        http.reply(200, "{\"newNonce\": ");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("https://ca.test/dir") != std::string::npos);
        CHECK(st.error().message.find("not valid JSON") != std::string::npos);
    }
    SECTION("missing newOrder") {
        http.reply(200, R"({"newNonce":"https://ca.test/n","newAccount":"https://ca.test/a"})");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("newOrder") != std::string::npos);
    }
    SECTION("plain http URL") {
        http.reply(
            200,
            R"({"newNonce":"http://ca.test/n","newAccount":"https://ca.test/a","newOrder":"https://ca.test/o"})");
        REQUIRE_FALSE(acme.load_directory());
    }
    SECTION("HTTP error") {
        http.reply(500, "oops");
        auto st = acme.load_directory();
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("HTTP 500") != std::string::npos);
    }
    SECTION("deeply nested JSON does not crash") {
        http.reply(200, std::string(100000, '[') + std::string(100000, ']'));
        REQUIRE_FALSE(acme.load_directory());
    }
}

TEST_CASE("badNonce is retried with the fresh nonce, but not forever", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    SECTION("two rejections then success") {
        http.reply(400, problem("badNonce", "stale"));
        http.reply(400, problem("badNonce", "stale"));
        http.reply(
            201,
            R"({"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],)"
            R"("authorizations":["https://ca.test/authz/1"],"finalize":"https://ca.test/fin/1"})",
            {{"location", "https://ca.test/order/1"}});
        auto o = acme.new_order({"a.test"});
        REQUIRE(o);
        CHECK(o->url == "https://ca.test/order/1");
        CHECK(http.posts() == 3);
        // Only the first POST needed a HEAD: later ones used the nonces the errors carried.
        size_t heads = 0;
        for (const auto& r : http.seen) heads += r.method == "HEAD";
        CHECK(heads == 1);
    }
    SECTION("a server that rejects every nonce is given up on") {
        for (int i = 0; i < 40; ++i) http.reply(400, problem("badNonce", "never"));
        auto o = acme.new_order({"a.test"});
        REQUIRE_FALSE(o);
        CHECK(o.error().message.find("rejected") != std::string::npos);
        CHECK(http.posts() <= 21);
    }
}

TEST_CASE("server errors become one message with type, detail and Retry-After", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    http.reply(429, problem("rateLimited", "too many certificates"), {{"retry-after", "120"}});
    auto o = acme.new_order({"a.test"});
    REQUIRE_FALSE(o);
    CHECK(o.error().message.find("rateLimited :: too many certificates") != std::string::npos);
    CHECK(o.error().message.find("120 s") != std::string::npos);
}

TEST_CASE("authorization polling starts fast, backs off and honours Retry-After", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    const std::string pending =
        R"({"status":"pending","identifier":{"type":"dns","value":"a.test"},"challenges":[]})";
    http.reply(200, pending);
    http.reply(200, pending);
    http.reply(200, pending, {{"retry-after", "3"}});
    http.reply(
        200, R"({"status":"valid","identifier":{"type":"dns","value":"a.test"},"challenges":[]})");
    auto a =
        acme.poll_authorization("https://ca.test/authz/1", clock.now() + std::chrono::seconds(90));
    REQUIRE(a);
    CHECK(a->status == "valid");
    REQUIRE(clock.sleeps.size() == 3);
    CHECK(clock.sleeps[0] < std::chrono::milliseconds(100));
    CHECK(clock.sleeps[1] > clock.sleeps[0]);
    CHECK(clock.sleeps[2] == std::chrono::seconds(3));
}

TEST_CASE("polling gives up at the deadline", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    for (int i = 0; i < 100; ++i)
        http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"a.test"}})");
    auto a =
        acme.poll_authorization("https://ca.test/authz/1", clock.now() + std::chrono::seconds(5));
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("issuance timeout") != std::string::npos);
}

TEST_CASE("an authorization with a hostile identifier is refused", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key, "https://ca.test/acct/1");
    http.reply(200, R"({"status":"pending","identifier":{"type":"dns","value":"../../etc"}})");
    auto a = acme.get_authorization("https://ca.test/authz/1");
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("invalid identifier") != std::string::npos);
}

TEST_CASE("JWS requests carry jwk for newAccount and kid afterwards", "[acme]") {
    FakeHttp http;
    FakeClock clock;
    http.reply(200, kDir);
    AcmeClient acme(http, "https://ca.test/dir", clock);
    REQUIRE(acme.load_directory());
    auto key = PrivateKey::generate(KeySpec{});
    REQUIRE(key);
    acme.set_account(&*key);
    http.reply(201, R"({"status":"valid"})", {{"location", "https://ca.test/acct/7"}});
    auto acct = acme.new_account({"a@b.test"}, true, false);
    REQUIRE(acct);
    CHECK(acme.kid() == "https://ca.test/acct/7");
    auto protected_of = [](const std::string& body) {
        auto start = body.find("\"protected\":\"") + 13;
        auto b = base64url_decode(body.substr(start, body.find('"', start) - start));
        return b ? *b : std::string();
    };
    CHECK(protected_of(http.seen.back().body).find("\"jwk\":") != std::string::npos);
    CHECK(http.seen.back().content_type == "application/jose+json");
    http.reply(400, problem("malformed", "x"));
    (void)acme.new_order({"a.test"});
    CHECK(protected_of(http.seen.back().body).find("\"kid\":\"https://ca.test/acct/7\"") !=
          std::string::npos);
}

TEST_CASE("Retry-After and nonce parsing", "[acme]") {
    CHECK(parse_retry_after("5") == std::chrono::seconds(5));
    CHECK(parse_retry_after("99999999999") == std::chrono::seconds(86400));
    CHECK_FALSE(parse_retry_after("soon"));
    CHECK_FALSE(parse_retry_after(""));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == std::chrono::seconds(0));
    CHECK(valid_nonce("abc_-123"));
    CHECK_FALSE(valid_nonce("abc def"));
    CHECK_FALSE(valid_nonce(std::string(300, 'a')));
    auto p =
        parse_problem(R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no",)"
                      R"("subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"CAA",)"
                      R"("identifier":{"type":"dns","value":"x.test"}}]})");
    REQUIRE(p);
    CHECK(p->describe() == "rejectedIdentifier :: no; x.test: caa :: CAA");
    CHECK_FALSE(parse_problem("not json"));
}
