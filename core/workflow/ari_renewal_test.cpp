#include "ari_renewal.h"

#include <catch2/catch.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "fake_http_test.h"
#include "temp_dir_test.h"
#include "test_cert_test.h"

using namespace certbot;

namespace {

const std::string kKeyId("\x01\x02\x03\x04", 4);

struct Store : test::TempDir {
    Lineage lineage(const std::string& name, int64_t not_before, int64_t not_after,
                    const std::string& server = "https://ca.example/dir") const {
        const std::string pem = test::cert_with(kKeyId, "0A", true, not_before, not_after);
        auto l = create_lineage(
            path, name, pem, pem, "", "KEY",
            {RenewalParam::str("account", "abc123"), RenewalParam::str("authenticator", "webroot"),
             RenewalParam::str("server", server), RenewalParam::str("key_type", "ecdsa")},
            "2.1.0");
        REQUIRE(l.ok());
        return *l;
    }
};

// Hands every worker thread the same scripted FakeHttp (tests run with one worker).
HttpFactory shared(test::FakeHttp& fake) {
    struct Proxy : HttpClient {
        test::FakeHttp& f;
        explicit Proxy(test::FakeHttp& x) : f(x) {}
        Result<HttpResponse> send(const HttpRequest& r) override { return f.send(r); }
    };
    return [&fake]() { return std::unique_ptr<HttpClient>(new Proxy(fake)); };
}

const char* kDirWithAri =
    R"({"newNonce":"https://ca.example/nonce","newAccount":"https://ca.example/acct",)"
    R"("newOrder":"https://ca.example/order","renewalInfo":"https://ca.example/ri"})";
const char* kDirWithoutAri =
    R"({"newNonce":"https://ca.example/nonce","newAccount":"https://ca.example/acct",)"
    R"("newOrder":"https://ca.example/order"})";

std::string window_json(int64_t start, int64_t end) {
    return R"({"suggestedWindow":{"start":")" + rfc3339_utc(start) + R"(","end":")" +
           rfc3339_utc(end) + R"("}})";
}

}  // namespace

TEST_CASE("the lifetime rule: a third of the lifetime, half under 10 days", "[ari][renewal]") {
    Store s;
    Config cfg;
    const int64_t now = std::time(nullptr);
    const int64_t day = 86400;
    struct Case {
        int64_t lifetime, left;
        bool due;
    };
    for (const Case& c : {Case{90 * day, 31 * day, false}, Case{90 * day, 29 * day, true},
                          Case{6 * day, 4 * day, false}, Case{6 * day, 2 * day, true},
                          Case{160 * 3600, 81 * 3600, false}, Case{160 * 3600, 79 * 3600, true}}) {
        INFO("lifetime " << c.lifetime << " s, " << c.left << " s left");
        Lineage l = s.lineage("l" + std::to_string(c.lifetime) + "-" + std::to_string(c.left),
                              now + c.left - c.lifetime, now + c.left);
        RenewalDecision d = should_renew(l, cfg, now);
        CHECK(d.due == c.due);
        CHECK(d.ari_may_advance == !c.due);  // only what the lifetime rule leaves open
    }
}

TEST_CASE("ARI: a CA without renewalInfo costs one directory request and no certID", "[ari]") {
    Store s;
    const int64_t now = std::time(nullptr);
    Lineage a = s.lineage("a.example", now - 10 * 86400, now + 80 * 86400);
    Lineage b = s.lineage("b.example", now - 10 * 86400, now + 80 * 86400);
    std::vector<AriCheck> checks{*ari_check_for(a), *ari_check_for(b)};
    test::FakeHttp http;
    http.reply(200, kDirWithoutAri);
    run_ari_checks(checks, shared(http), now, 1);
    CHECK(http.seen.size() == 1);
    for (const auto& c : checks) {
        CHECK_FALSE(c.due);
        CHECK(c.warning.empty());
        CHECK(c.cert_id.empty());
    }
}

TEST_CASE("ARI: a window that has passed makes the lineage due and its answer is kept", "[ari]") {
    Store s;
    const int64_t now = std::time(nullptr);
    Lineage l = s.lineage("a.example", now - 10 * 86400, now + 80 * 86400);
    std::vector<AriCheck> checks{*ari_check_for(l)};
    test::FakeHttp http;
    http.reply(200, kDirWithAri);
    http.reply(200, window_json(now - 7200, now - 3600), {{"retry-after", "600"}});
    run_ari_checks(checks, shared(http), now, 1);
    REQUIRE(http.seen.size() == 2);
    CHECK(http.seen[1].method == "GET");
    CHECK(http.seen[1].url == "https://ca.example/ri/" + checks[0].cert_id);
    CHECK(checks[0].due);
    CHECK(checks[0].fetched);
    CHECK(checks[0].stored.retry_after == now + 600);
    CHECK(checks[0].reason.find("ARI suggested renewal") == 0);

    // Saved in the conf; a later run inside the Retry-After asks nothing and still knows.
    REQUIRE(save_ari_state(s.path, checks[0]).ok());
    auto again = load_lineage(s.path, "a.example");
    REQUIRE(again.ok());
    std::vector<AriCheck> later{*ari_check_for(*again)};
    test::FakeHttp silent;
    run_ari_checks(later, shared(silent), now + 60, 1);
    CHECK(silent.seen.empty());
    CHECK(later[0].due);
    CHECK_FALSE(later[0].fetched);
}

TEST_CASE("ARI: a future window, or a failure, leaves the lineage to the lifetime rule", "[ari]") {
    Store s;
    const int64_t now = std::time(nullptr);
    Lineage l = s.lineage("a.example", now - 10 * 86400, now + 80 * 86400);
    SECTION("future") {
        std::vector<AriCheck> checks{*ari_check_for(l)};
        test::FakeHttp http;
        http.reply(200, kDirWithAri);
        http.reply(200, window_json(now + 86400, now + 2 * 86400));
        run_ari_checks(checks, shared(http), now, 1);
        CHECK_FALSE(checks[0].due);
        CHECK(checks[0].fetched);
        CHECK(checks[0].stored.retry_after == now + kDefaultAriRetrySeconds);
    }
    SECTION("inverted window") {
        std::vector<AriCheck> checks{*ari_check_for(l)};
        test::FakeHttp http;
        http.reply(200, kDirWithAri);
        http.reply(200, window_json(now - 3600, now - 7200));
        run_ari_checks(checks, shared(http), now, 1);
        CHECK_FALSE(checks[0].due);
        CHECK_FALSE(checks[0].fetched);
        CHECK(checks[0].warning.find("before it starts") != std::string::npos);
    }
    SECTION("the CA is down") {
        std::vector<AriCheck> checks{*ari_check_for(l)};
        test::FakeHttp http;  // no scripted reply: every request fails
        run_ari_checks(checks, shared(http), now, 1);
        CHECK_FALSE(checks[0].due);
        CHECK_FALSE(checks[0].fetched);
    }
    SECTION("the CA refuses connections or answers 503: one attempt, no backoff") {
        // Issuance retries these with backoff (about 10 s in all); a no-op renew must not.
        std::vector<AriCheck> checks{*ari_check_for(l)};
        test::FakeHttp http;
        http.fail_requests = {0, 1, 2, 3, 4};
        run_ari_checks(checks, shared(http), now, 1);
        CHECK(http.seen.size() == 1);
        CHECK_FALSE(checks[0].due);
        test::FakeHttp busy;
        for (int i = 0; i < 5; ++i) busy.reply(503, "", {{"retry-after", "1"}});
        run_ari_checks(checks, shared(busy), now, 1);
        CHECK(busy.seen.size() == 1);
        CHECK_FALSE(checks[0].due);
    }
    SECTION("a stored window for another certificate is not used") {
        AriState old;
        old.retry_after = now + 3600;
        old.cert_id = "other.cert";
        old.window = RenewalWindow{now - 7200, now - 3600, {}};
        store_ari_state(l.conf, old);
        std::vector<AriCheck> checks{*ari_check_for(l)};
        test::FakeHttp http;
        run_ari_checks(checks, shared(http), now, 1);
        CHECK(http.seen.empty());
        CHECK_FALSE(checks[0].due);
    }
}

TEST_CASE("ARI asks the lineage's own CA, and skips a conf without a server", "[ari]") {
    Store s;
    const int64_t now = std::time(nullptr);
    Lineage l = s.lineage("a.example", now - 10 * 86400, now + 80 * 86400,
                          "https://own-ca.example/directory");
    auto check = ari_check_for(l);
    REQUIRE(check);
    CHECK(*check->server == "https://own-ca.example/directory");
    l.renewal_params().remove("server");
    CHECK_FALSE(ari_check_for(l));
}

TEST_CASE("ARI checks of lineages of one CA share one copy of its URL, whatever their order",
          "[ari]") {
    Store s;
    const int64_t now = std::time(nullptr);
    const std::string a = "https://a-ca.example/directory", b = "https://b-ca.example/directory";
    AriServerPool pool;
    std::vector<AriCheck> checks;
    int n = 0;
    for (const std::string* server : {&a, &b, &b, &a, &b}) {
        Lineage l = s.lineage("l" + std::to_string(n++) + ".example", now - 10 * 86400,
                              now + 80 * 86400, *server);
        auto check = ari_check_for(l, &pool);
        REQUIRE(check);
        checks.push_back(std::move(*check));
    }
    CHECK(*checks[0].server == a);
    CHECK(*checks[1].server == b);
    CHECK(checks[3].server == checks[0].server);  // the same object, not an equal copy
    CHECK(checks[2].server == checks[1].server);
    CHECK(checks[4].server == checks[1].server);
    CHECK(checks[0].server != checks[1].server);
    // Without a pool each check has its own copy.
    Lineage l = s.lineage("own.example", now - 10 * 86400, now + 80 * 86400, a);
    CHECK(ari_check_for(l)->server != checks[0].server);
}

TEST_CASE("ARI state round-trips through the renewal conf in certbot 5.x's format", "[ari]") {
    // What certbot 5.x writes, plus a key of ours it keeps.
    auto conf = ConfigObj::parse(
        "version = 5.1.0\n[renewalparams]\nauthenticator = standalone\n"
        "[acme_renewal_info]\nari_retry_after = 2025-10-07T12:26:09\n",
        "t.conf");
    REQUIRE(conf.ok());
    AriState s = load_ari_state(*conf);
    REQUIRE(s.retry_after);
    CHECK(*s.retry_after == *parse_rfc3339("2025-10-07T12:26:09Z"));
    CHECK_FALSE(s.window);
    CHECK(python_isoformat_utc(1735790400) == "2025-01-02T04:00:00");

    s.cert_id = "a.b";
    s.window = RenewalWindow{1735790400, 1735790400 + 3600, {}};
    store_ari_state(*conf, s);
    auto text = conf->serialize();
    REQUIRE(text.ok());
    CHECK(text->find("[acme_renewal_info]\nari_retry_after = 2025-10-07T12:26:09\n") !=
          std::string::npos);
    auto again = ConfigObj::parse(*text, "t.conf");
    REQUIRE(again.ok());
    AriState back = load_ari_state(*again);
    CHECK(back.retry_after == s.retry_after);
    CHECK(back.cert_id == "a.b");
    REQUIRE(back.window);
    CHECK(back.window->end == 1735790400 + 3600);

    // Python's isoformat with microseconds also reads.
    auto micro = ConfigObj::parse("[acme_renewal_info]\nari_retry_after = 2025-10-07T12:26:09.5\n",
                                  "m.conf");
    REQUIRE(micro.ok());
    CHECK(load_ari_state(*micro).retry_after == s.retry_after);

    // Clearing leaves no stale window, and a conf without the section stays without it.
    store_ari_state(*again, {});
    CHECK_FALSE(load_ari_state(*again).window);
    auto plain = ConfigObj::parse("[renewalparams]\nauthenticator = standalone\n", "p.conf");
    REQUIRE(plain.ok());
    store_ari_state(*plain, {});
    CHECK_FALSE(plain->root().has_section("acme_renewal_info"));
}
