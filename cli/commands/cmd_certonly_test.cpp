// certonly's obtain step (obtain_with_hooks) end to end without a network: the CA is scripted
// (ScriptedCa, tests/support/scripted_ca_test.h), its clock never sleeps (FakeClock), and the
// authenticator is the fixture plugin of the issuance tests (tests/fixtures/issuance/test_auth.c),
// described and run by the plugin host like any plugin. What is checked is what a user sees on
// disk: the account certbot would have registered, the lineage in archive/, live/ and renewal/, the
// hooks that ran.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "commands.h"
#include "fake_clock_test.h"
#include "fsutil.h"
#include "scripted_ca_test.h"
#include "session.h"
#include "storage.h"
#include "temp_dir_test.h"

using namespace certbot;
using namespace certbot::test;

namespace {

const std::string kFixtureDir = std::string(CERTBOT_TEST_FIXTURE_DIR) + "/issuance";
const std::string kServer = "https://ca.test/dir";

// A fresh store, a certonly command line for a.test with the test authenticator, and the CA.
struct Fixture {
    TempDir dir;
    ScriptedCa http;
    FakeClock clock;
    PluginRegistry plugins = PluginRegistry::discover({kFixtureDir});
    Config cfg;

    Fixture() {
        http.sign_finalize = true;
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
        http.script_registration();
        http.script_until_finalize();
        http.reply(200, scripted_order("valid", kScriptedCertUrl));
        // The certificate follows: ScriptedCa makes it from the CSR.
    }

    Result<Obtained> obtain() {
        auto session = Session::open(cfg);
        REQUIRE(session);
        return obtain_with_hooks(cfg, plugins, {http, clock});
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
    CHECK(f.http.posted_urls() ==
          std::vector<std::string>{"https://ca.test/acct", "https://ca.test/order",
                                   "https://ca.test/authz/1", "https://ca.test/chall/1",
                                   "https://ca.test/authz/1", "https://ca.test/order/1/finalize",
                                   "https://ca.test/cert/1"});
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
    f.http.script_registration();
    f.http.reply(400, acme_problem("rejectedIdentifier", "a.test is forbidden by policy"));
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

TEST_CASE("certonly renews a due lineage into a new version, and a refused renewal keeps the old",
          "[certonly]") {
    Fixture f;
    f.script_issuance();
    REQUIRE(f.obtain());
    const std::string config = f.cfg.config_dir;
    const std::string first = f.http.leaf_pem;
    f.cfg.force_renewal = true;  // due now (which lineage and when: lineage_plan_test.cpp)

    // Refused by the CA: version 1 stays live, and nothing of a version 2 is left behind.
    f.http.reply(200, kScriptedDirectory);
    f.http.reply(400, acme_problem("rejectedIdentifier", "a.test is forbidden by policy"));
    auto refused = f.obtain();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("a.test is forbidden by policy") != std::string::npos);
    CHECK(slurp(config + "/live/a.test/cert.pem") == first);
    CHECK_FALSE(read_file(config + "/archive/a.test/cert2.pem").ok());

    // Issued: version 2 in archive/, live/ switched to it, the renewal conf kept, the account
    // reused (no registration).
    f.http.reply(200, kScriptedDirectory);
    f.http.script_until_finalize();
    f.http.reply(200, scripted_order("valid", kScriptedCertUrl));
    auto renewed = f.obtain();
    INFO((renewed ? std::string() : renewed.error().message));
    REQUIRE(renewed);
    CHECK(renewed->issued);
    CHECK(renewed->result.name == "a.test");
    CHECK(f.http.leaf_pem != first);
    CHECK(slurp(config + "/archive/a.test/cert2.pem") == f.http.leaf_pem);
    CHECK(slurp(config + "/live/a.test/cert.pem") == f.http.leaf_pem);
    CHECK(slurp(config + "/live/a.test/fullchain.pem") == f.http.leaf_pem + f.http.ca_pem);
    auto lineage = load_lineage(config, "a.test");
    REQUIRE(lineage);
    CHECK(lineage->renewal_params().get("server") == std::optional<std::string>(kServer));
    auto accounts = list_accounts(config, kServer);
    REQUIRE(accounts);
    CHECK(accounts->size() == 1);
    CHECK(f.http.replies.empty());
}
