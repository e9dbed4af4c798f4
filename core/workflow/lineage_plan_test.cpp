// certonly's lineage decisions against a store in a temporary directory, without a terminal
// (every question takes certbot's non-interactive answer), with `now` passed in and no ARI.
#include "lineage_plan.h"

#include <catch2/catch.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;

namespace {

constexpr std::time_t kDay = 86400;

struct Store : certbot::test::TempDir {
    // A lineage with a fresh 90-day ECDSA certificate for `names`.
    void add(const std::string& name, const std::vector<std::string>& names) const {
        auto made = make_self_signed(names, 90);
        REQUIRE(made);
        auto l = create_lineage(path, name, made->first, made->first, "", made->second,
                                {RenewalParam::str("authenticator", "webroot")}, "2.1.0");
        REQUIRE(l);
    }
    Config request(const std::vector<std::string>& domains) const {
        Config cfg;
        cfg.config_dir = path;
        cfg.non_interactive = true;
        cfg.domains = domains;
        return cfg;
    }
};

const std::time_t kNow = std::time(nullptr);

// The certificate's lifetime alone decides: no renewal information is fetched from a CA.
Result<LineagePlan> plan_request_now(Config& cfg, std::time_t now) {
    return plan_request(cfg, now, should_renew);
}

}  // namespace

TEST_CASE("lineage plan: nothing in the store, or --duplicate, gives a new lineage", "[certonly]") {
    Store s;
    Config cfg = s.request({"a.test"});
    auto plan = plan_request_now(cfg, kNow);
    REQUIRE(plan);
    CHECK(plan->action == LineagePlan::Action::kNew);
    CHECK_FALSE(plan->existing);

    s.add("a.test", {"a.test"});
    cfg.duplicate = true;
    plan = plan_request_now(cfg, kNow);
    REQUIRE(plan);
    CHECK(plan->action == LineagePlan::Action::kNew);
}

TEST_CASE("lineage plan: the same names are kept until due, then renewed", "[certonly]") {
    Store s;
    s.add("a.test", {"a.test", "www.a.test"});
    Config cfg = s.request({"www.a.test", "a.test"});  // order does not matter
    auto keep = plan_request_now(cfg, kNow);
    REQUIRE(keep);
    CHECK(keep->action == LineagePlan::Action::kKeep);
    REQUIRE(keep->existing);
    CHECK(keep->existing->lineage.name == "a.test");

    // 70 days on, less than a third of the 90-day lifetime is left.
    Config later = s.request({"a.test", "www.a.test"});
    auto renew = plan_request_now(later, kNow + 70 * kDay);
    REQUIRE(renew);
    CHECK(renew->action == LineagePlan::Action::kRenew);
    CHECK(renew->existing->lineage.name == "a.test");

    Config forced = s.request({"a.test", "www.a.test"});
    forced.force_renewal = true;
    auto f = plan_request_now(forced, kNow);
    REQUIRE(f);
    CHECK(f->action == LineagePlan::Action::kRenew);
}

TEST_CASE("lineage plan: a lineage with part of the names needs --expand without a terminal",
          "[certonly]") {
    Store s;
    s.add("a.test", {"a.test"});
    Config cfg = s.request({"a.test", "b.test"});
    auto refused = plan_request_now(cfg, kNow);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().exit_code == kExitUsage);
    CHECK(refused.error().message.find("--expand") != std::string::npos);
    CHECK(refused.error().message.find("--duplicate") != std::string::npos);

    cfg.expand = true;
    auto expanded = plan_request_now(cfg, kNow);
    REQUIRE(expanded);
    CHECK(expanded->action == LineagePlan::Action::kRenew);
    CHECK(expanded->existing->lineage.name == "a.test");
}

TEST_CASE("lineage plan: the largest subset wins, unrelated lineages are ignored", "[certonly]") {
    Store s;
    s.add("small", {"a.test"});
    s.add("large", {"a.test", "b.test"});
    s.add("other", {"z.test"});
    Config cfg = s.request({"a.test", "b.test", "c.test"});
    cfg.expand = true;
    auto plan = plan_request_now(cfg, kNow);
    REQUIRE(plan);
    CHECK(plan->existing->lineage.name == "large");
}

TEST_CASE("lineage plan: --cert-name", "[certonly]") {
    Store s;
    s.add("site", {"a.test", "b.test"});
    SECTION("a missing name without -d is a usage error naming it") {
        Config cfg = s.request({});
        cfg.cert_name = "nope";
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().exit_code == kExitUsage);
        CHECK(plan.error().message.find("nope") != std::string::npos);
    }
    SECTION("a missing name with -d is a new lineage") {
        Config cfg = s.request({"c.test"});
        cfg.cert_name = "new";
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE(plan);
        CHECK(plan->action == LineagePlan::Action::kNew);
    }
    SECTION("an existing name alone takes its names and is kept until due") {
        Config cfg = s.request({});
        cfg.cert_name = "site";
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE(plan);
        CHECK(plan->action == LineagePlan::Action::kKeep);
        CHECK(cfg.domains.size() == 2);
    }
    SECTION("an existing name with other names is renewed with them (certbot's default)") {
        Config cfg = s.request({"a.test", "c.test"});
        cfg.cert_name = "site";
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE(plan);
        CHECK(plan->action == LineagePlan::Action::kRenew);
        CHECK(plan->existing->lineage.name == "site");
    }
    SECTION("an invalid name is refused") {
        Config cfg = s.request({"a.test"});
        cfg.cert_name = "../etc";
        CHECK_FALSE(plan_request_now(cfg, kNow));
    }
}

TEST_CASE("lineage plan: changing the key type needs --cert-name and --key-type", "[certonly]") {
    Store s;
    s.add("a.test", {"a.test"});
    Config cfg = s.request({"a.test"});
    cfg.key_type = "rsa";
    SECTION("without --key-type the lineage keeps its type") {
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE(plan);
        CHECK(plan->action == LineagePlan::Action::kKeep);
        CHECK(cfg.key_type == "ecdsa");
    }
    SECTION("--key-type alone is a usage error") {
        cfg.set_by_user = {"key-type"};
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().exit_code == kExitUsage);
        CHECK(plan.error().message.find("--cert-name and --key-type") != std::string::npos);
    }
    SECTION("--key-type with --cert-name renews with the new type") {
        cfg.set_by_user = {"key-type", "cert-name"};
        cfg.cert_name = "a.test";
        auto plan = plan_request_now(cfg, kNow);
        REQUIRE(plan);
        CHECK(plan->action == LineagePlan::Action::kRenew);
        CHECK(cfg.key_type == "rsa");
    }
}
