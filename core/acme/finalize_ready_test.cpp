// certbot 4.1's handling of a finalize refused with orderNotReady (RFC 8555 §7.4): poll the
// order until it is ready, then finalize again.
#include <catch2/catch.hpp>

#include "acme.h"
#include "scripted_ca_test.h"

using namespace certbot;

namespace {

const char* kProblem = R"({"type":"urn:ietf:params:acme:error:orderNotReady","detail":"not yet"})";

std::string order(const char* status, const char* extra = "") {
    return std::string(R"({"status":")") + status +
           R"(","identifiers":[{"type":"dns","value":"a.test"}],"authorizations":[],)"
           R"("finalize":"https://ca.test/fin/1")" +
           extra + "}";
}

struct Setup : test::ScriptedClient {
    Order o;
    Setup() {
        o.url = "https://ca.test/order/1";
        o.finalize = "https://ca.test/fin/1";
    }
    size_t posts_to(const std::string& url) const {
        size_t n = 0;
        for (const auto& r : http.seen) n += r.method == "POST" && r.url == url;
        return n;
    }
};

}  // namespace

TEST_CASE("finalize: orderNotReady waits for ready and finalizes again", "[acme][finalize]") {
    Setup s;
    s.http.reply(200, order("ready"));  // finalize first asks the CA whether the order is ready
    s.http.reply(403, kProblem);
    s.http.reply(200, order("pending"));
    s.http.reply(200, order("ready"));
    s.http.reply(200, order("valid", R"(,"certificate":"https://ca.test/cert/1")"));
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60));
    REQUIRE(done.ok());
    CHECK(done->certificate == "https://ca.test/cert/1");
    CHECK(s.posts_to("https://ca.test/fin/1") == 2);
    CHECK(s.posts_to("https://ca.test/order/1") == 3);  // the readiness check, then two polls
}

TEST_CASE("finalize: an order that turns invalid while waiting is an error", "[acme][finalize]") {
    Setup s;
    s.http.reply(200, order("ready"));  // finalize first asks the CA whether the order is ready
    s.http.reply(403, kProblem);
    s.http.reply(200, order("invalid"));
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60));
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().message.find("is invalid") != std::string::npos);
    CHECK(s.posts_to("https://ca.test/fin/1") == 1);
}

TEST_CASE("finalize: orderNotReady forever gives up at the deadline", "[acme][finalize]") {
    Setup s;
    s.http.reply(200, order("ready"));  // finalize first asks the CA whether the order is ready
    s.http.reply(403, kProblem);
    for (int i = 0; i < 200; ++i) s.http.reply(200, order("pending"));
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(20));
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().message.find("issuance timeout") != std::string::npos);
}

TEST_CASE("finalize: other refusals are not retried", "[acme][finalize]") {
    Setup s;
    s.http.reply(200, order("ready"));  // finalize first asks the CA whether the order is ready
    s.http.reply(400, R"({"type":"urn:ietf:params:acme:error:badCSR","detail":"no"})");
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60));
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().message.find("badCSR") != std::string::npos);
    CHECK(s.posts_to("https://ca.test/fin/1") == 1);
}

TEST_CASE("finalize: every authorization seen valid: finalized without asking for the order",
          "[acme][finalize]") {
    Setup s;
    s.http.reply(200, order("processing"));  // the finalize answer
    s.http.reply(200, order("valid", R"(,"certificate":"https://ca.test/cert/1")"));
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60), true);
    REQUIRE(done.ok());
    CHECK(done->certificate == "https://ca.test/cert/1");
    CHECK(s.posts_to("https://ca.test/fin/1") == 1);
    CHECK(s.posts_to("https://ca.test/order/1") == 1);  // only the poll after the finalize
}

TEST_CASE("finalize: seen valid, but the CA's order is not ready yet: waited out",
          "[acme][finalize][hostile]") {
    Setup s;
    s.http.reply(403, kProblem);
    s.http.reply(200, order("ready"));
    s.http.reply(200, order("valid", R"(,"certificate":"https://ca.test/cert/1")"));
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60), true);
    REQUIRE(done.ok());
    CHECK(s.posts_to("https://ca.test/fin/1") == 2);
    CHECK(s.posts_to("https://ca.test/order/1") == 1);
}

TEST_CASE("finalize: seen valid, but the finalize answer goes backwards: refused",
          "[acme][finalize][hostile]") {
    Setup s;
    s.http.reply(200, order("pending"));  // ready -> pending is not a transition RFC 8555 allows
    auto done = s.acme.finalize(s.o, "CSR", s.clock.now() + std::chrono::seconds(60), true);
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().message.find("from ready to pending") != std::string::npos);
}
