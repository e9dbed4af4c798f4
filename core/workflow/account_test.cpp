// -m/--email parsing, and account key rollover's effect on certbot's store.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "account.h"
#include "fake_http_test.h"
#include "fsutil.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;

TEST_CASE("an -m value is a comma-separated list of addresses", "[account]") {
    auto one = parse_emails("admin@example.com");
    REQUIRE(one);
    CHECK(*one == std::vector<std::string>{"admin@example.com"});
    auto several = parse_emails(" a@example.com, b@example.org ,,");
    REQUIRE(several);
    CHECK(*several == std::vector<std::string>{"a@example.com", "b@example.org"});
    auto none = parse_emails("");
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("an address that is no address is a usage error naming -m", "[account]") {
    for (const char* bad : {"admin", "@example.com", "admin@", "a b@example.com",
                            "a@example.com\nX-Injected: 1", "<a@example.com>", "a@ex\x01.com"}) {
        auto r = parse_emails(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().exit_code == kExitUsage);
        CHECK(r.error().message.find("-m/--email") != std::string::npos);
        CHECK(r.error().message.find('\n') == std::string::npos);
    }
}

// ---- key rollover and the store -----------------------------------------------------------

namespace {

const char* kServer = "https://ca.test/dir";
const char* kAccountUrl = "https://ca.test/acct/7";

// A config dir with one account (key `key`) and one lineage whose renewal conf names it.
struct Store {
    certbot::test::TempDir tmp;
    const std::string& dir = tmp.path;
    PrivateKey key;
    std::string id;
    Store() {
        auto k = PrivateKey::generate(KeySpec{});
        REQUIRE(k);
        key = std::move(*k);
        id = certbot_account_id(key);
        StoredAccount s;
        s.id = id;
        s.server_url = kServer;
        s.private_key_json = jwk_private_json_certbot(key).value();
        s.account_uri = kAccountUrl;
        s.meta_json = R"({"creation_dt": "2026-01-02T03:04:05Z", "creation_host": "h"})";
        REQUIRE(save_account(dir, s));
        auto cert = make_self_signed({"x.example"}, 90);
        REQUIRE(cert);
        REQUIRE(create_lineage(
            dir, "x.example", cert->first, cert->first, "", cert->second,
            {RenewalParam::str("account", id), RenewalParam::str("authenticator", "standalone"),
             RenewalParam::str("server", kServer)},
            "2.1.0"));
    }
    std::string conf() const { return read_file(dir + "/renewal/x.example.conf").value(); }
    std::vector<std::string> ids() const {
        auto l = list_dir(dir + "/accounts/ca.test/dir");
        return l ? *l : std::vector<std::string>{};
    }
};

// An AcmeClient on a scripted server, signed in as the store's account.
struct Ca {
    test::FakeHttp http;
    AcmeClient acme{http, kServer};
    explicit Ca(Store& store) {
        http.reply(200, R"({"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/a",)"
                        R"("newOrder":"https://ca.test/o","keyChange":"https://ca.test/kc"})");
        REQUIRE(acme.load_directory());
        acme.set_account(&store.key, kAccountUrl);
    }
};

}  // namespace

TEST_CASE("rollover: new id on disk, renewal confs follow, the old key is gone", "[account]") {
    Store store;
    Ca ca(store);
    Config cfg;
    cfg.config_dir = store.dir;
    ActiveAccount active{std::move(store.key), store.id, kAccountUrl};
    ca.acme.set_account(&active.key, kAccountUrl);
    ca.http.reply(200, R"({"status":"valid"})");
    REQUIRE(roll_over_account_key(ca.acme, cfg, active));

    CHECK(active.id != store.id);
    CHECK(store.ids() == std::vector<std::string>{active.id});
    auto saved = load_account(store.dir, kServer, active.id);
    REQUIRE(saved);
    CHECK(saved->account_uri == kAccountUrl);
    CHECK(saved->meta_json.find("2026-01-02T03:04:05Z") != std::string::npos);  // kept
    auto key = private_key_from_jwk_json(saved->private_key_json);
    REQUIRE(key);
    CHECK(certbot_account_id(*key) ==
          active.id);  // Python certbot checks nothing, but renews by id
    CHECK(jwk_thumbprint(*key) == jwk_thumbprint(active.key));
    CHECK(store.conf().find("account = " + active.id + "\n") != std::string::npos);
    CHECK(ca.acme.key_authorization("t") == "t." + jwk_thumbprint(active.key));
}

TEST_CASE("rollover refused by the CA: the old account stays as it was", "[account]") {
    Store store;
    Ca ca(store);
    Config cfg;
    cfg.config_dir = store.dir;
    const std::string conf_before = store.conf();
    ActiveAccount active{std::move(store.key), store.id, kAccountUrl};
    ca.acme.set_account(&active.key, kAccountUrl);
    const std::string thumbprint = jwk_thumbprint(active.key);
    ca.http.reply(403, R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"no"})");
    auto st = roll_over_account_key(ca.acme, cfg, active);
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("unauthorized") != std::string::npos);
    CHECK(active.id == store.id);
    CHECK(store.ids() == std::vector<std::string>{store.id});  // the staged new key is removed
    CHECK(store.conf() == conf_before);
    CHECK(ca.acme.key_authorization("t") == "t." + thumbprint);
}

TEST_CASE(
    "rollover whose answer is lost after the CA switched: the account is kept, on the new key",
    "[account][hostile]") {
    Store store;
    Ca ca(store);
    Config cfg;
    cfg.config_dir = store.dir;
    ActiveAccount active{std::move(store.key), store.id, kAccountUrl};
    ca.acme.set_account(&active.key, kAccountUrl);
    // Requests: the directory (0), the keyChange (1): its answer is lost, but the CA applied it.
    ca.http.fail_requests = {1};
    SECTION("the CA holds the new key: carry on with it") {
        ca.http.reply(200, R"({"status":"valid"})", {{"location", kAccountUrl}});
        REQUIRE(roll_over_account_key(ca.acme, cfg, active));
        CHECK(active.id != store.id);
        CHECK(store.ids() == std::vector<std::string>{active.id});
        CHECK(store.conf().find("account = " + active.id + "\n") != std::string::npos);
        CHECK(ca.acme.key_authorization("t") == "t." + jwk_thumbprint(active.key));
    }
    SECTION("the CA does not know the new key: it is discarded, the old one kept") {
        ca.http.reply(400, R"({"type":"urn:ietf:params:acme:error:accountDoesNotExist"})");
        REQUIRE_FALSE(roll_over_account_key(ca.acme, cfg, active));
        CHECK(active.id == store.id);
        CHECK(store.ids() == std::vector<std::string>{store.id});
    }
    SECTION("the CA cannot be asked: both keys are kept") {
        ca.http.fail_requests = {1, 2};
        auto st = roll_over_account_key(ca.acme, cfg, active);
        REQUIRE_FALSE(st);
        CHECK(st.error().message.find("both keys are kept") != std::string::npos);
        CHECK(store.ids().size() == 2);
        CHECK(active.id == store.id);
    }
}
