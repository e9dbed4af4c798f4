#include "fleet.h"

#include <catch2/catch.hpp>

#include "crypto.h"
#include "etcd_server_test.h"
#include "fsutil.h"
#include "seal.h"
#include "test_certs.h"

using namespace certbot;

namespace {

const std::string kServer = "https://127.0.0.1:14000/dir";

struct Node {
    test::TempDir dir;
    std::string key_file;
    FleetOptions options;
    Node(const std::string& etcd_url, const std::string& key) {
        key_file = dir / "fleet.key";
        REQUIRE(atomic_write(key_file, key, 0600).ok());
        options.etcd = etcd_url;
        options.prefix = "/test-fleet/";
        options.key_file = key_file;
    }
    std::string config() const { return dir / "config"; }
    std::unique_ptr<Fleet> fleet() const {
        auto f = Fleet::open(options, config());
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::string live(const std::string& name, const std::string& kind) const {
        auto pem = read_file(config() + "/live/" + name + "/" + kind + ".pem");
        REQUIRE(pem.ok());
        return *pem;
    }
};

struct Issued {
    std::string cert, key;
};
Issued issue(const std::string& name) {
    auto made = make_self_signed({name}, 90);
    REQUIRE(made.ok());
    return Issued{made->first, made->second};
}

// A lineage on `node` with an ACME account named in its renewal conf.
Lineage make_lineage(const Node& node, const std::string& name, const Issued& issued,
                     std::string* account_id) {
    auto account_key = PrivateKey::generate(KeySpec{});
    REQUIRE(account_key.ok());
    auto jwk = jwk_private_json_certbot(*account_key);
    REQUIRE(jwk.ok());
    StoredAccount account;
    account.id = certbot_account_id(*account_key);
    account.server_url = kServer;
    account.private_key_json = *jwk;
    account.account_uri = "https://127.0.0.1:14000/my-account/1";
    REQUIRE(save_account(node.config(), account).ok());
    *account_id = account.id;
    auto l = create_lineage(
        node.config(), name, issued.cert, issued.cert, "", issued.key,
        {RenewalParam::str("authenticator", "webroot"), RenewalParam::str("account", account.id),
         RenewalParam::str("server", kServer)},
        "2.1.0");
    REQUIRE(l.ok());
    return std::move(*l);
}

const std::string kFleetKey(32, 'F');

}  // namespace

TEST_CASE("fleet: options are refused clearly when incomplete", "[fleet]") {
    test::TempDir dir;
    FleetOptions o;
    CHECK(check_fleet_options(o).ok());
    o.key_file = dir / "key";
    auto only_key = check_fleet_options(o);
    REQUIRE_FALSE(only_key.ok());
    CHECK(only_key.error().message.find("--fleet-key is a fleet-mode option") != std::string::npos);

    o.key_file.clear();
    o.etcd = "http://127.0.0.1:2379";
    auto no_key = check_fleet_options(o);
    REQUIRE_FALSE(no_key.ok());
    CHECK(no_key.error().message.find("--fleet-etcd needs --fleet-key") != std::string::npos);
    CHECK(no_key.error().exit_code == kExitUsage);

    REQUIRE(atomic_write(dir / "key", kFleetKey, 0600).ok());
    o.key_file = dir / "key";
    CHECK(check_fleet_options(o).ok());
    for (const char* bad : {"certbot", "/certbot", "/a//b/", "/a/../b/", "/with space/"}) {
        o.prefix = bad;
        auto st = check_fleet_options(o);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().message.find("--fleet-prefix") != std::string::npos);
    }
    o.prefix = "/certbot/";
    o.etcd = "http://127.0.0.1:2379,not a url";
    CHECK_FALSE(check_fleet_options(o).ok());
    o.etcd = "http://127.0.0.1:2379";
    REQUIRE(atomic_write(dir / "key", kFleetKey, 0644).ok());
    auto open_key = check_fleet_options(o);
    REQUIRE_FALSE(open_key.ok());
    CHECK(open_key.error().message.find("chmod 600") != std::string::npos);
}

TEST_CASE("fleet: a lineage published on one node materialises on another", "[fleet]") {
    test::EtcdServer etcd;
    Node a(etcd.url(), kFleetKey), b(etcd.url(), kFleetKey);
    std::string account_id;
    auto v1 = issue("shared.example");
    Lineage lineage = make_lineage(a, "shared.example", v1, &account_id);
    auto fa = a.fleet();
    REQUIRE(fa->publish(lineage).ok());

    auto stored = fa->lineage("shared.example");
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->version == 1);
    // The private key is nowhere in etcd in the clear.
    auto everything = fa->etcd().get_prefix("/test-fleet/");
    REQUIRE(everything.ok());
    for (const auto& kv : everything->kvs) {
        CHECK(kv.value.find("PRIVATE KEY") == std::string::npos);
        CHECK(kv.value.find("\\\"d\\\"") == std::string::npos);  // a JWK's private member
    }

    auto fb = b.fleet();
    auto report = fb->materialise_all();
    REQUIRE(report.ok());
    CHECK(report->problems.empty());
    CHECK(report->updated == std::vector<std::string>{"shared.example"});
    CHECK(b.live("shared.example", "cert") == v1.cert);
    CHECK(b.live("shared.example", "privkey") == v1.key);
    CHECK(test::mode_of(b.config() + "/archive/shared.example/privkey1.pem") == 0600);
    auto lb = load_lineage(b.config(), "shared.example");
    REQUIRE(lb.ok());
    CHECK(lb->archive_dir == normalize_path(b.config()) + "/archive/shared.example");
    CHECK(lb->renewal_params().get("authenticator") == std::optional<std::string>("webroot"));
    // The account came along, so node b can renew.
    CHECK(load_account(b.config(), kServer, account_id).ok());

    // Nothing new: nothing changes.
    auto again = fb->materialise_all();
    REQUIRE(again.ok());
    CHECK(again->updated.empty());

    // A renewal on node a reaches node b as a new version.
    auto v2 = issue("shared.example");
    REQUIRE(save_new_version(lineage, v2.cert, v2.cert, "", v2.key).ok());
    REQUIRE(fa->publish(lineage).ok());
    auto third = fb->materialise_all();
    REQUIRE(third.ok());
    CHECK(third->updated == std::vector<std::string>{"shared.example"});
    CHECK(b.live("shared.example", "cert") == v2.cert);
    CHECK(b.live("shared.example", "privkey") == v2.key);
    auto lb2 = load_lineage(b.config(), "shared.example");
    REQUIRE(lb2.ok());
    CHECK(lb2->current_version("cert") == 2);
    CHECK(lb2->links_agree);

    // The node record says which version node b has.
    auto node = fb->etcd().get("/test-fleet/node/" + fb->node());
    REQUIRE(node.ok());
    REQUIRE(node->has_value());
    CHECK((*node)->value.find("\"shared.example\":2") != std::string::npos);
}

TEST_CASE("fleet: a wrong fleet key or altered data changes nothing on the node", "[fleet]") {
    test::EtcdServer etcd;
    Node a(etcd.url(), kFleetKey), b(etcd.url(), kFleetKey),
        wrong(etcd.url(), std::string(32, 'W'));
    std::string account_id;
    auto v1 = issue("k.example");
    Lineage lineage = make_lineage(a, "k.example", v1, &account_id);
    auto fa = a.fleet();
    REQUIRE(fa->publish(lineage).ok());
    REQUIRE(b.fleet()->materialise_all().ok());

    auto fw = wrong.fleet();
    auto report = fw->materialise_all();
    REQUIRE(report.ok());
    REQUIRE(report->problems.size() == 2);  // the account and the lineage
    CHECK(report->problems[1].message.find("fleet key differs") != std::string::npos);
    CHECK(access((wrong.config() + "/renewal/k.example.conf").c_str(), F_OK) != 0);
    CHECK(access((wrong.config() + "/live/k.example").c_str(), F_OK) != 0);

    // A record whose fullchain was swapped for another certificate is refused on node b, whose
    // files stay as they were.
    auto v2 = issue("k.example");
    REQUIRE(save_new_version(lineage, v2.cert, v2.cert, "", v2.key).ok());
    REQUIRE(fa->publish(lineage).ok());
    auto version = fa->etcd().get("/test-fleet/version/k.example/2");
    REQUIRE(version.ok());
    REQUIRE(version->has_value());
    std::string forged = (*version)->value;
    auto at = forged.find("\"fullchain\":\"") + 14;
    forged[at + 40] = forged[at + 40] == 'A' ? 'B' : 'A';
    REQUIRE(fa->etcd().put("/test-fleet/version/k.example/2", forged).ok());
    auto fb = b.fleet();
    auto tampered = fb->materialise_all();
    REQUIRE(tampered.ok());
    REQUIRE(tampered->problems.size() == 1);
    CHECK(tampered->problems[0].message.find("does not match") != std::string::npos);
    CHECK(b.live("k.example", "cert") == v1.cert);

    // A record naming a lineage that would leave the config dir is refused.
    REQUIRE(fa->etcd().put("/test-fleet/lineage/../evil", "{}").ok());
    std::vector<Error> problems;
    auto all = fb->lineages(&problems);
    REQUIRE(all.ok());
    CHECK(all->size() == 1);
    CHECK(problems.size() == 1);
}

TEST_CASE("fleet: one renewer per lineage", "[fleet]") {
    test::EtcdServer etcd;
    Node a(etcd.url(), kFleetKey), b(etcd.url(), kFleetKey);
    std::string account_id;
    auto v1 = issue("l.example");
    Lineage lineage = make_lineage(a, "l.example", v1, &account_id);
    auto fa = a.fleet();
    REQUIRE(fa->publish(lineage).ok());
    auto fb = b.fleet();
    REQUIRE(fb->materialise_all().ok());

    auto la = fa->lock("l.example");
    REQUIRE(la.ok());
    CHECK(la->held);
    auto lb = fb->lock("l.example");
    REQUIRE(lb.ok());
    CHECK_FALSE(lb->held);
    CHECK(lb->holder == fa->node());
    CHECK_FALSE(lb->renewed_elsewhere);

    // Node a renews and publishes; node b, which decided on the old version, takes the lock
    // after a released it and learns that the lineage was renewed meanwhile.
    auto v2 = issue("l.example");
    REQUIRE(save_new_version(lineage, v2.cert, v2.cert, "", v2.key).ok());
    REQUIRE(fa->publish(lineage).ok());
    REQUIRE(fa->unlock("l.example").ok());
    auto lb2 = fb->lock("l.example");
    REQUIRE(lb2.ok());
    CHECK_FALSE(lb2->held);
    CHECK(lb2->renewed_elsewhere);
    CHECK(b.live("l.example", "cert") == v2.cert);

    // A node that goes away (its lease revoked, or expired after a crash) frees its locks.
    REQUIRE(fb->lock("l.example")->held);
    fb.reset();
    auto la2 = fa->lock("l.example");
    REQUIRE(la2.ok());
    CHECK(la2->held);

    // Publishing over a version this node did not see is refused.
    auto fb2 = b.fleet();
    auto v3 = issue("l.example");
    Lineage on_b = load_lineage(b.config(), "l.example").value();
    REQUIRE(save_new_version(on_b, v3.cert, v3.cert, "", v3.key).ok());
    REQUIRE(fb2->publish(on_b).ok());  // b, without the lock (certonly)
    auto v4 = issue("l.example");
    REQUIRE(save_new_version(lineage, v4.cert, v4.cert, "", v4.key).ok());
    auto lost = fa->publish(lineage);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().message.find("another node published it meanwhile") != std::string::npos);
    auto record = fa->lineage("l.example");
    REQUIRE(record.ok());
    CHECK((*record)->version == 3);
    CHECK((*record)->node == fb2->node());
}

TEST_CASE("fleet: a failed renewal is recorded until the next publish", "[fleet]") {
    test::EtcdServer etcd;
    Node a(etcd.url(), kFleetKey);
    std::string account_id;
    Lineage lineage = make_lineage(a, "r.example", issue("r.example"), &account_id);
    auto fa = a.fleet();
    REQUIRE(fa->publish(lineage).ok());
    fa->record_failure("r.example", "the CA said no");
    fa->record_failure("../bad", "not a lineage name: not recorded");
    auto results = fa->etcd().get_prefix("/test-fleet/result/");
    REQUIRE(results.ok());
    REQUIRE(results->kvs.size() == 1);
    CHECK(results->kvs[0].key == "/test-fleet/result/r.example");
    CHECK(results->kvs[0].value.find("the CA said no") != std::string::npos);
    auto v2 = issue("r.example");
    REQUIRE(save_new_version(lineage, v2.cert, v2.cert, "", v2.key).ok());
    REQUIRE(fa->publish(lineage).ok());
    CHECK(fa->etcd().get_prefix("/test-fleet/result/")->kvs.empty());
}
