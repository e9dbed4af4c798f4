// The issuance flow (RFC 8555 §7.4: order -> authorize -> finalize -> download) against a
// scripted CA (ScriptedCa, tests/support/scripted_ca_test.h), a clock that never sleeps (FakeClock)
// and an authenticator that lives in a fixture plugin (tests/fixtures/issuance/test_auth.c, loaded
// in a runner process like every plugin): every failure branch, and cleanup of the challenge
// answers on each of them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "issuance.h"
#include "scripted_ca_test.h"
#include "temp_dir_test.h"

using namespace certbot;
using namespace certbot::test;

namespace {

// The test authenticator, tests/fixtures/issuance/test_auth.c, runs in a runner process like
// any plugin; it appends what it performs and cleans up to <work_dir>/test-auth.log and fails
// perform while <work_dir>/test-auth.fail exists.
const std::string kAuthPlugin = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/issuance/test_auth.so";

// What the test authenticator was asked to do ("type identifier" per challenge).
struct AuthLog {
    std::vector<std::string> performed, cleaned;
};

AuthLog read_auth_log(const std::string& work_dir) {
    AuthLog log;
    std::ifstream in(work_dir + "/test-auth.log");
    for (std::string what, type, identifier; in >> what >> type >> identifier;)
        (what == "perform" ? log.performed : log.cleaned).push_back(type + " " + identifier);
    return log;
}

// A client signed in to the scripted CA, a leaf key and its certificate for a.test.
struct Fixture : ScriptedClient {
    TempDir dir;
    PrivateKey leaf_key = fresh_test_key();
    std::string leaf_pem, leaf_key_pem;
    Config cfg;
    std::unique_ptr<PluginInstance> auth;

    Fixture() {
        CertParams leaf;
        leaf.dns_names = {"a.test"};
        leaf_pem = *issue_cert(leaf, leaf_key, http.ca_key, http.ca_pem);
        leaf_key_pem = *leaf_key.to_pem();
        cfg.config_dir = dir.path;
        auto plugin = load_plugin(kAuthPlugin);
        REQUIRE(plugin);
        auto inst = PluginInstance::create(*plugin, {}, false, false, dir.path, dir.path, dir.path);
        REQUIRE(inst);
        auth = std::move(*inst);
    }

    void script_until_finalize() { http.script_until_finalize(); }
    AuthLog auth_log() const { return read_auth_log(dir.path); }
    Result<IssuedCert> obtain() {
        return obtain_certificate(acme, *auth, cfg, {"a.test"}, leaf_key_pem);
    }
};

}  // namespace

TEST_CASE("issuance: order, authorize, finalize and download give the chain and the key",
          "[issuance]") {
    Fixture f;
    f.script_until_finalize();
    f.http.reply(200, scripted_order("processing"));
    f.http.reply(200, scripted_order("valid", kScriptedCertUrl));
    f.http.reply(200, f.leaf_pem + f.http.ca_pem);
    auto issued = f.obtain();
    INFO((issued ? std::string() : issued.error().message));
    REQUIRE(issued);
    CHECK(issued->cert_pem == f.leaf_pem);
    CHECK(issued->chain_pem == f.http.ca_pem);
    CHECK(issued->fullchain_pem == f.leaf_pem + f.http.ca_pem);
    CHECK(issued->domains == std::vector<std::string>{"a.test"});
    CHECK(f.auth_log().performed == std::vector<std::string>{"http-01 a.test"});
    CHECK(f.auth_log().cleaned == f.auth_log().performed);
    // The order was polled once after finalize, without sleeping for real.
    CHECK(f.clock.sleeps.size() == 1);
    CHECK(f.http.posted_urls() ==
          std::vector<std::string>{"https://ca.test/order", "https://ca.test/authz/1",
                                   "https://ca.test/chall/1", "https://ca.test/authz/1",
                                   // finalized at once: the authorization was seen valid
                                   "https://ca.test/order/1/finalize", "https://ca.test/order/1",
                                   "https://ca.test/cert/1"});
}

TEST_CASE("issuance: an authorization that is already valid needs no challenge", "[issuance]") {
    Fixture f;
    f.http.reply(201, scripted_order("ready"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(200, scripted_authz("valid"));
    f.http.reply(200, scripted_order("valid", kScriptedCertUrl));  // finalized straight away
    f.http.reply(200, f.leaf_pem + f.http.ca_pem);
    auto got = f.obtain();
    INFO((got ? std::string() : got.error().message));
    REQUIRE(got);
    CHECK(f.auth_log().performed.empty());
    CHECK(f.auth_log().cleaned.empty());
}

TEST_CASE("issuance: a refused order fails with the CA's problem, before any challenge",
          "[issuance]") {
    Fixture f;
    f.http.reply(400, acme_problem("rejectedIdentifier", "a.test is forbidden by policy"));
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(issued.error().message.find("rejectedIdentifier") != std::string::npos);
    CHECK(issued.error().message.find("a.test is forbidden by policy") != std::string::npos);
    CHECK(f.auth_log().performed.empty());
}

TEST_CASE("issuance: an order without a Location is refused", "[issuance]") {
    Fixture f;
    f.http.reply(201, scripted_order("pending"));
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(issued.error().message.find("Location") != std::string::npos);
}

TEST_CASE("issuance: an authorization for a name not asked for is refused", "[issuance]") {
    Fixture f;
    f.http.reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(
        200,
        R"({"status":"pending","identifier":{"type":"dns","value":"evil.test"},"challenges":[]})");
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(issued.error().message.find("evil.test, which was not requested") != std::string::npos);
}

TEST_CASE("issuance: an invalid authorization fails with its reason", "[issuance]") {
    Fixture f;
    f.http.reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(200, scripted_authz("invalid"));
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(issued.error().message.find("authorization for a.test is invalid") != std::string::npos);
    CHECK(f.auth_log().performed.empty());
}

TEST_CASE("issuance: a failed challenge names the domain and the CA's detail, cleanup ran",
          "[issuance]") {
    Fixture f;
    f.http.reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(200, scripted_authz("pending"));
    f.http.reply(200, R"({"type":"http-01","status":"processing"})");
    f.http.reply(200, R"({"status":"invalid","identifier":{"type":"dns","value":"a.test"},)"
                      R"("challenges":[{"type":"http-01",)"
                      R"("url":"https://ca.test/chall/1","token":"tok_1-A",)"
                      R"("status":"invalid","error":{"type":)"
                      R"("urn:ietf:params:acme:error:unauthorized",)"
                      R"("detail":"404 for the token"}}]})");
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    const std::string& m = issued.error().message;
    INFO(m);
    CHECK(m.find("Some challenges have failed") != std::string::npos);
    CHECK(m.find("Domain: a.test") != std::string::npos);
    CHECK(f.auth_log().cleaned == std::vector<std::string>{"http-01 a.test"});
}

TEST_CASE("issuance: a failing authenticator is cleaned up and nothing is answered", "[issuance]") {
    Fixture f;
    std::ofstream(f.dir.path + "/test-auth.fail").put('\n');
    f.http.reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(200, scripted_authz("pending"));
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(f.auth_log().cleaned == std::vector<std::string>{"http-01 a.test"});
    for (const auto& r : f.http.seen) CHECK(r.url != "https://ca.test/chall/1");
}

TEST_CASE("issuance: an authorization still pending at the issuance timeout gives up",
          "[issuance]") {
    Fixture f;
    f.cfg.issuance_timeout = 5;
    f.http.reply(201, scripted_order("pending"), {{"location", "https://ca.test/order/1"}});
    f.http.reply(200, scripted_authz("pending"));
    f.http.reply(200, R"({"type":"http-01","status":"processing"})");
    for (int i = 0; i < 200; ++i) f.http.reply(200, scripted_authz("pending"));
    auto issued = f.obtain();
    REQUIRE_FALSE(issued);
    CHECK(issued.error().message.find("issuance timeout") != std::string::npos);
    // Time went by on the fake clock only, and not past the timeout.
    CHECK(f.clock.t - std::chrono::steady_clock::time_point{} <= std::chrono::seconds(5));
    CHECK(f.auth_log().cleaned.size() == 1);
}

TEST_CASE("issuance: a finalize error or an order that ends invalid fails the issuance",
          "[issuance]") {
    Fixture f;
    f.script_until_finalize();
    SECTION("finalize refused") {
        f.http.reply(403, acme_problem("badCSR", "key too weak"));
        auto issued = f.obtain();
        REQUIRE_FALSE(issued);
        CHECK(issued.error().message.find("Finalizing order https://ca.test/order/1") !=
              std::string::npos);
        CHECK(issued.error().message.find("badCSR") != std::string::npos);
    }
    SECTION("order invalid after finalize") {
        f.http.reply(200,
                     scripted_order("invalid", R"(,"error":{"type":)"
                                               R"("urn:ietf:params:acme:error:serverInternal",)"
                                               R"("detail":"signing failed"})"));
        auto issued = f.obtain();
        REQUIRE_FALSE(issued);
        CHECK(issued.error().message.find("ended invalid") != std::string::npos);
        CHECK(issued.error().message.find("signing failed") != std::string::npos);
    }
    SECTION("valid order without a certificate URL") {
        f.http.reply(200, scripted_order("valid"));
        auto issued = f.obtain();
        REQUIRE_FALSE(issued);
        CHECK(issued.error().message.find("no certificate URL") != std::string::npos);
    }
    CHECK(f.auth_log().cleaned.size() == 1);
}

TEST_CASE("issuance: a download error or a certificate for another key is refused", "[issuance]") {
    Fixture f;
    f.script_until_finalize();
    f.http.reply(200, scripted_order("valid", kScriptedCertUrl));
    SECTION("the download fails") {
        f.http.reply(403, acme_problem("unauthorized", "not yours"));  // not retried
        auto issued = f.obtain();
        REQUIRE_FALSE(issued);
        CHECK(issued.error().message.find("Downloading certificate https://ca.test/cert/1") !=
              std::string::npos);
    }
    SECTION("the download is not a certificate") {
        f.http.reply(200, "<html>hello</html>");
        REQUIRE_FALSE(f.obtain());
    }
    SECTION("the certificate is for another key") {
        auto other = PrivateKey::generate(KeySpec{});
        REQUIRE(other);
        CertParams leaf;
        leaf.dns_names = {"a.test"};
        f.http.reply(200, *issue_cert(leaf, *other, f.http.ca_key, f.http.ca_pem) + f.http.ca_pem);
        auto issued = f.obtain();
        REQUIRE_FALSE(issued);
        CHECK(issued.error().message.find("not the key of our certificate request") !=
              std::string::npos);
    }
}

namespace {

// Fleet mode's part in issuance (IssuanceRelay), recorded.
struct RecordingRelay : IssuanceRelay {
    std::string pending;
    std::vector<std::string> placed, done, published, withdrawn;
    std::string pending_order(const std::string&, const std::vector<std::string>&) override {
        return pending;
    }
    void order_placed(const std::string&, const std::vector<std::string>&,
                      const std::string& url) override {
        placed.push_back(url);
    }
    void order_done(const std::string&, const std::vector<std::string>& domains) override {
        done.push_back(domains.front());
    }
    Status http01_ready(const std::vector<Http01Answer>& answers) override {
        for (const auto& a : answers) published.push_back(a.token + " " + a.key_authorization);
        return Status::Ok();
    }
    void http01_done(const std::vector<Http01Answer>& answers) override {
        for (const auto& a : answers) withdrawn.push_back(a.token);
    }
};

struct RelayScope {
    explicit RelayScope(IssuanceRelay* r) { set_issuance_relay(r); }
    ~RelayScope() { set_issuance_relay(nullptr); }
};

// The CA's last answers (the order valid, the chain), then the issuance, which must succeed.
void download_and_obtain(Fixture& f) {
    f.http.reply(200, scripted_order("valid", kScriptedCertUrl));
    f.http.reply(200, f.leaf_pem + f.http.ca_pem);
    auto issued = f.obtain();
    INFO((issued ? std::string() : issued.error().message));
    REQUIRE(issued);
}

}  // namespace

TEST_CASE("issuance: a relay gets the order and the http-01 answers, then their withdrawal",
          "[issuance]") {
    Fixture f;
    f.cfg.server = "https://ca.test/dir";
    RecordingRelay relay;
    RelayScope scope(&relay);
    f.script_until_finalize();
    download_and_obtain(f);
    CHECK(relay.placed == std::vector<std::string>{"https://ca.test/order/1"});
    REQUIRE(relay.published.size() == 1);
    CHECK(relay.published[0].rfind("tok_1-A tok_1-A.", 0) == 0);
    CHECK(relay.withdrawn == std::vector<std::string>{"tok_1-A"});
    CHECK(relay.done == std::vector<std::string>{"a.test"});
}

TEST_CASE("issuance: an unfinished order from the relay is resumed, not ordered again",
          "[issuance]") {
    Fixture f;
    f.cfg.server = "https://ca.test/dir";
    RecordingRelay relay;
    relay.pending = "https://ca.test/order/1";
    RelayScope scope(&relay);
    f.http.reply(200, scripted_order("pending"));  // POST-as-GET of the pending order
    f.http.reply(200, scripted_authz("pending"));
    f.http.reply(200, R"({"type":"http-01","status":"processing"})");
    f.http.reply(200, scripted_authz("valid"));
    download_and_obtain(f);
    auto posted = f.http.posted_urls();
    CHECK(std::find(posted.begin(), posted.end(), "https://ca.test/order") == posted.end());
    CHECK(posted.front() == "https://ca.test/order/1");
    CHECK(relay.placed.empty());
}

TEST_CASE("issuance: an unusable order from the relay is not resumed", "[issuance]") {
    Fixture f;
    f.cfg.server = "https://ca.test/dir";
    RecordingRelay relay;
    RelayScope scope(&relay);
    SECTION("on another origin: not even fetched") {
        relay.pending = "https://elsewhere.test/order/1";
    }
    SECTION("no longer pending at the CA") {
        relay.pending = "https://ca.test/order/0";
        f.http.reply(200, scripted_order("invalid"));
    }
    SECTION("for other names") {
        relay.pending = "https://ca.test/order/0";
        f.http.reply(200, R"({"status":"pending","identifiers":[{"type":"dns","value":"b.test"}],)"
                          R"("authorizations":[],"finalize":"https://ca.test/order/0/finalize"})");
    }
    f.script_until_finalize();
    download_and_obtain(f);
    auto posted = f.http.posted_urls();
    CHECK(std::find(posted.begin(), posted.end(), "https://elsewhere.test/order/1") ==
          posted.end());
    CHECK(relay.placed == std::vector<std::string>{"https://ca.test/order/1"});
}
