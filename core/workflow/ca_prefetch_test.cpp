#include "ca_prefetch.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "fake_http_test.h"

using namespace certbot;
using certbot::test::FakeHttp;

namespace {

const std::string kServer = "https://ca.test/dir";
const char* kDirectory =
    R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
    R"("newOrder":"https://ca.test/order"})";

// The prefetch sends from its thread while the test looks: one request at a time.
struct LockedHttp : HttpClient {
    FakeHttp fake;
    std::mutex mu;
    Result<HttpResponse> send(const HttpRequest& r) override {
        std::lock_guard<std::mutex> l(mu);
        return fake.send(r);
    }
    size_t count(const std::string& method) {
        std::lock_guard<std::mutex> l(mu);
        size_t n = 0;
        for (const auto& r : fake.seen) n += r.method == method;
        return n;
    }
};

// What issue_and_save does with a link: its own client on the link's share.
Status load_through(CaLink link, AcmeClient& acme) {
    if (link.share) acme.share_with(*link.share);
    return acme.load_directory();
}

}  // namespace

TEST_CASE("a prefetch hands the issuance its directory and a first nonce", "[prefetch]") {
    LockedHttp http;
    http.fake.reply(200, kDirectory);
    CaPrefetch ahead(http, kServer);
    CHECK_FALSE(ahead.started());
    ahead.start();
    ahead.start();  // once
    CaLink link = ahead.link();
    CHECK(link.ahead == &ahead);
    AcmeClient acme(link.http, kServer);
    REQUIRE(load_through(link, acme).ok());
    CHECK(acme.directory().new_order == "https://ca.test/order");
    // The nonce is in the share before the directory is handed over: the first POST, right
    // after, neither waits nor asks for one (nor races the prefetch for the connection).
    CHECK(link.share->take_nonce() == std::optional<std::string>("nonce0"));
    CHECK(http.count("GET") == 1);  // fetched once, by the prefetch
    CHECK(http.count("HEAD") == 1);
}

TEST_CASE("a prefetch that failed reports the issuance's own error when used, once",
          "[prefetch][hostile]") {
    // The message the issuance gets without a prefetch...
    FakeHttp plain;
    plain.reply(404, "not here");
    AcmeClient direct(plain, kServer);
    auto expected = direct.load_directory();
    REQUIRE_FALSE(expected.ok());

    // ...is the one it gets from a prefetch that met the same answer.
    LockedHttp http;
    http.fake.reply(404, "not here");
    CaPrefetch ahead(http, kServer);
    ahead.start();
    AcmeClient acme(http, kServer);
    auto st = load_through(ahead.link(), acme);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == expected.error().message);
    CHECK(http.count("HEAD") == 0);  // no nonce without a directory
    // A later load fetches again, as after any failed load.
    http.fake.reply(200, kDirectory);
    AcmeClient again(http, kServer);
    REQUIRE(load_through(ahead.link(), again).ok());
    CHECK(http.count("GET") == 2);
}

TEST_CASE("a prefetch never started fetches nothing, and one not used ends at once", "[prefetch]") {
    LockedHttp http;
    {
        CaPrefetch ahead(http, kServer);
        (void)ahead.link();
    }
    CHECK(http.count("GET") == 0);
    CHECK(http.count("HEAD") == 0);

    // Started, not used, its CA failing for now: it would retry for seconds, but going out of
    // scope (the command failed locally) cancels the wait.
    http.fake.fail_requests = {0, 1, 2, 3, 4, 5};
    const auto t0 = std::chrono::steady_clock::now();
    {
        CaPrefetch ahead(http, kServer);
        ahead.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(900));
    CHECK(http.count("GET") == 1);

    // An invalid server URL is load_directory's to report: nothing is fetched.
    LockedHttp other;
    {
        CaPrefetch ahead(other, "http://ca.test/dir");
        ahead.start();
        CHECK_FALSE(ahead.started());
    }
    CHECK(other.count("GET") == 0);
}

TEST_CASE("a warmed-up prefetch fetches only once started, on the thread it warmed up",
          "[prefetch]") {
    LockedHttp http;
    SECTION("warmed up, never started: nothing fetched, and it ends at once") {
        const auto t0 = std::chrono::steady_clock::now();
        {
            CaPrefetch ahead(http, kServer);
            ahead.warm_up();
            ahead.warm_up();  // once
            CHECK_FALSE(ahead.started());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        CHECK(http.count("GET") == 0);
        CHECK(http.count("HEAD") == 0);
    }
    SECTION("warmed up, then started: the directory and a nonce, as without the warm-up") {
        http.fake.reply(200, kDirectory);
        CaPrefetch ahead(http, kServer);
        ahead.warm_up();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(http.count("GET") == 0);  // waiting for start()
        ahead.start();
        CHECK(ahead.started());
        AcmeClient acme(http, kServer);
        REQUIRE(load_through(ahead.link(), acme).ok());
        CHECK(acme.directory().new_order == "https://ca.test/order");
        CHECK(ahead.link().share->take_nonce() == std::optional<std::string>("nonce0"));
        CHECK(http.count("GET") == 1);
        CHECK(http.count("HEAD") == 1);
    }
    SECTION("started before the thread looked: no start is lost") {
        http.fake.reply(200, kDirectory);
        CaPrefetch ahead(http, kServer);
        ahead.warm_up();
        ahead.start();  // at once, probably while OpenSSL is still being set up
        AcmeClient acme(http, kServer);
        REQUIRE(load_through(ahead.link(), acme).ok());
        CHECK(http.count("GET") == 1);
    }
    SECTION("an invalid server URL: no thread, nothing fetched") {
        CaPrefetch ahead(http, "http://ca.test/dir");
        ahead.warm_up();
        ahead.start();
        CHECK_FALSE(ahead.started());
        CHECK(http.count("GET") == 0);
    }
}
