// certonly's obtain step (obtain_with_hooks) end to end without a network: the CA is scripted
// (FakeHttp), its clock never sleeps (FakeClock), and the authenticator is the fixture plugin of
// the issuance tests (tests/fixtures/issuance/test_auth.c), described and run by the plugin host
// like any plugin. What is checked is what a user sees on disk: the account certbot would have
// registered, the lineage in archive/, live/ and renewal/, the hooks that ran.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "base64.h"
#include "commands.h"
#include "fake_clock_test.h"
#include "fake_http_test.h"
#include "fsutil.h"
#include "json.h"
#include "session.h"
#include "storage.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;
using certbot::test::FakeClock;
using certbot::test::FakeHttp;
using certbot::test::TempDir;

namespace {

const std::string kFixtureDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/issuance";
const std::string kServer = "https://ca.test/dir";

const char* kDir = R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct",)"
                   R"("newOrder":"https://ca.test/order","revokeCert":"https://ca.test/revoke"})";

std::string order_json(const std::string& status, const std::string& extra = "") {
    return R"({"status":")" + status +
           R"(","identifiers":[{"type":"dns","value":"a.test"}],)"
           R"("authorizations":["https://ca.test/authz/1"],)"
           R"("finalize":"https://ca.test/order/1/finalize")" +
           extra + "}";
}

std::string authz_json(const std::string& status) {
    return R"({"status":")" + status + R"(","identifier":{"type":"dns","value":"a.test"},)" +
           R"("challenges":[{"type":"http-01","url":"https://ca.test/chall/1",)" +
           R"("token":"tok_1-A","status":"pending"}]})";
}

std::string slurp(const std::string& path) {
    auto text = read_file(path);
    return text ? *text : std::string();
}

PrivateKey fresh_key() {
    auto k = PrivateKey::generate(KeySpec{});
    REQUIRE(k);
    return std::move(*k);
}

// The scripted CA, which also signs what finalize asks for: the certificate it then serves
// (the last reply) is for the CSR's key, as the client checks.
struct CaHttp : FakeHttp {
    PrivateKey ca_key = fresh_key();
    std::string ca_pem, leaf_pem;
    CaHttp() {
        CertParams ca;
        ca.common_name = "Test CA";
        ca.is_ca = true;
        ca_pem = *issue_cert(ca, ca_key, ca_key, "");
    }
    Result<HttpResponse> send(const HttpRequest& r) override {
        if (r.url == "https://ca.test/order/1/finalize") {
            // The JWS payload (RFC 8555 §6.2) is {"csr": base64url(DER)}.
            auto jws = json::parse(r.body, "finalize request");
            REQUIRE(jws);
            auto payload = json::parse(*base64url_decode(*json::get_string(*jws, "payload")),
                                       "finalize payload");
            REQUIRE(payload);
            auto leaf = issue_for_csr(*base64url_decode(*json::get_string(*payload, "csr")), ca_key,
                                      ca_pem);
            REQUIRE(leaf);
            leaf_pem = *leaf;
            reply(200, leaf_pem + ca_pem);
        }
        return FakeHttp::send(r);
    }
};

// A fresh store, a certonly command line for a.test with the test authenticator, and the CA.
struct Fixture {
    TempDir dir;
    CaHttp http;
    FakeClock clock;
    PluginRegistry plugins = PluginRegistry::discover({kFixtureDir});
    Config cfg;

    Fixture() {
        REQUIRE(plugins.find("test-auth") != nullptr);
        cfg.verb = "certonly";
        cfg.domains = {"a.test"};
        cfg.authenticator = "test-auth";
        cfg.server = kServer;
        cfg.config_dir = dir / "config";
        cfg.work_dir = dir / "work";
        cfg.logs_dir = dir / "logs";
        cfg.non_interactive = true;
        cfg.agree_tos = true;
        cfg.register_unsafely_without_email = true;
    }

    // The CA's side of registering an account and issuing for a.test (RFC 8555 §7.3, §7.4).
    void script_issuance() {
        http.reply(200, kDir);
        http.reply(201, R"({"status":"valid"})", {{"location", "https://ca.test/acct/1"}});
        http.reply(201, order_json("pending"), {{"location", "https://ca.test/order/1"}});
        http.reply(200, authz_json("pending"));
        http.reply(200, R"({"type":"http-01","status":"processing"})");
        http.reply(200, authz_json("valid"));
        http.reply(200, order_json("ready"));
        http.reply(200, order_json("valid", R"(,"certificate":"https://ca.test/cert/1")"));
        // The certificate follows: CaHttp makes it from the CSR.
    }

    Result<Obtained> obtain() {
        auto session = Session::open(cfg);
        REQUIRE(session);
        return obtain_with_hooks(cfg, plugins, {http, clock});
    }

    std::vector<std::string> posted() const {
        std::vector<std::string> urls;
        for (const auto& r : http.seen)
            if (r.method == "POST") urls.push_back(r.url);
        return urls;
    }
};

}  // namespace

TEST_CASE("certonly registers, orders through the given CA link and saves a new lineage",
          "[certonly]") {
    Fixture f;
    f.script_issuance();
    f.cfg.deploy_hooks = {"printf '%s' \"$RENEWED_LINEAGE\" > " + (f.dir / "deployed")};
    auto got = f.obtain();
    INFO((got ? std::string() : got.error().message));
    REQUIRE(got);
    CHECK(got->issued);
    CHECK(got->result.name == "a.test");
    CHECK(got->result.domains == std::vector<std::string>{"a.test"});

    const std::string config = f.cfg.config_dir;
    CHECK(slurp(config + "/live/a.test/cert.pem") == f.http.leaf_pem);
    CHECK(slurp(config + "/live/a.test/fullchain.pem") == f.http.leaf_pem + f.http.ca_pem);
    auto lineage = load_lineage(config, "a.test");
    REQUIRE(lineage);
    CHECK(lineage->renewal_params().get("authenticator") ==
          std::optional<std::string>("test-auth"));
    CHECK(lineage->renewal_params().get("server") == std::optional<std::string>(kServer));
    // The account the CA registered is in certbot's store and the renewal conf names it.
    auto accounts = list_accounts(config, kServer);
    REQUIRE(accounts);
    REQUIRE(accounts->size() == 1);
    CHECK((*accounts)[0].account_uri == "https://ca.test/acct/1");
    CHECK(lineage->renewal_params().get("account") ==
          std::optional<std::string>((*accounts)[0].id));
    // The deploy hook saw the new lineage; the challenge was answered and cleaned up.
    CHECK(slurp(f.dir / "deployed") == config + "/live/a.test");
    CHECK(slurp(f.cfg.work_dir + "/test-auth.log") ==
          "perform http-01 a.test\ncleanup http-01 a.test\n");
    CHECK(f.posted() ==
          std::vector<std::string>{"https://ca.test/acct", "https://ca.test/order",
                                   "https://ca.test/authz/1", "https://ca.test/chall/1",
                                   "https://ca.test/authz/1", "https://ca.test/order/1",
                                   "https://ca.test/order/1/finalize", "https://ca.test/cert/1"});
    CHECK(f.http.replies.empty());
}

TEST_CASE("certonly keeps a certificate that is not due and asks the CA nothing", "[certonly]") {
    Fixture f;
    f.script_issuance();
    REQUIRE(f.obtain());
    const size_t asked = f.http.seen.size();
    auto again = f.obtain();
    INFO((again ? std::string() : again.error().message));
    REQUIRE(again);
    CHECK_FALSE(again->issued);
    CHECK(again->result.name == "a.test");
    CHECK(f.http.seen.size() == asked);
    CHECK_FALSE(read_file(f.cfg.config_dir + "/archive/a.test/cert2.pem").ok());
}

TEST_CASE("certonly saves nothing when the CA refuses the order, and the post-hook still runs",
          "[certonly]") {
    Fixture f;
    f.http.reply(200, kDir);
    f.http.reply(201, R"({"status":"valid"})", {{"location", "https://ca.test/acct/1"}});
    f.http.reply(400, R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier",)"
                      R"("detail":"a.test is forbidden by policy"})");
    f.cfg.post_hooks = {"touch " + (f.dir / "post-hook-ran")};
    auto got = f.obtain();
    REQUIRE_FALSE(got);
    CHECK(got.error().message.find("a.test is forbidden by policy") != std::string::npos);
    CHECK(read_file(f.dir / "post-hook-ran").ok());
    auto lineages = list_lineages(f.cfg.config_dir, nullptr);
    REQUIRE(lineages);
    CHECK(lineages->empty());
    CHECK_FALSE(read_file(f.cfg.work_dir + "/test-auth.log").ok());  // no challenge was answered
}
