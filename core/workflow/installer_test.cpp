#include "installer.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace certbot;

namespace {

// Records every call as one string; `fail` names the call that fails (first time only).
class FakeInstaller : public Installer {
  public:
    std::vector<std::string> calls;
    std::string fail;
    std::vector<std::string> names{"a.example", "www.a.example"};
    std::vector<std::string> supported{"redirect", "ensure-http-header", "staple-ocsp"};

    std::string name() const override { return "fake"; }
    Result<std::vector<std::string>> get_all_names() override {
        calls.push_back("get_all_names");
        return names;
    }
    Result<std::vector<std::string>> supported_enhancements() override {
        calls.push_back("supported_enhancements");
        return supported;
    }
    Status deploy_cert(const std::string& d, const CertPaths& p) override {
        return call("deploy_cert " + d + " " + p.fullchain, "deploy_cert " + d);
    }
    std::string declines;  // enhancement every domain declines
    Result<bool> enhance(const std::string& d, const std::string& e,
                         const std::string& o) override {
        CB_TRY(call("enhance " + d + " " + e + " " + o, "enhance " + e));
        return e != declines;
    }
    Status save(const std::string& title, bool temporary) override {
        return call("save " + title + (temporary ? " temporary" : ""), "save");
    }
    Status rollback_checkpoints(int n) override {
        return call("rollback_checkpoints " + std::to_string(n), "rollback_checkpoints");
    }
    Status recovery_routine() override { return call("recovery_routine", "recovery_routine"); }
    Status config_test() override { return call("config_test", "config_test"); }
    Status restart() override { return call("restart", "restart"); }

  private:
    Status call(const std::string& record, const std::string& key) {
        calls.push_back(record);
        if (fail == key) {
            fail.clear();
            return Error("fake: " + key + " failed");
        }
        return Status::Ok();
    }
};

const CertPaths kPaths{"/l/cert.pem", "/l/privkey.pem", "/l/chain.pem", "/l/fullchain.pem"};
const std::vector<std::string> kDomains{"a.example", "www.a.example"};

std::vector<Enhancement> redirect_only() {
    return {{"--redirect", "redirect", "", true}};
}

}  // namespace

TEST_CASE("an install deploys per domain, saves, enhances, tests and restarts", "[installer]") {
    FakeInstaller f;
    REQUIRE(install_transaction(f, kDomains, &kPaths, redirect_only()));
    CHECK(f.calls == std::vector<std::string>{
                         "deploy_cert a.example /l/fullchain.pem",
                         "deploy_cert www.a.example /l/fullchain.pem",
                         "save Deployed ACME Certificate",
                         "enhance a.example redirect ",
                         "enhance www.a.example redirect ",
                         "save Add enhancement redirect",
                         "config_test",
                         "restart",
                     });
}

TEST_CASE("a failing config test rolls back this run's checkpoints without a restart",
          "[installer]") {
    FakeInstaller f;
    f.fail = "config_test";
    auto st = install_transaction(f, kDomains, &kPaths, redirect_only());
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("fake: config_test failed") == 0);
    CHECK(st.error().message.find("previous fake configuration was restored") != std::string::npos);
    CHECK(st.error().exit_code == kExitFailure);
    std::vector<std::string> tail(f.calls.end() - 3, f.calls.end());
    CHECK(tail ==
          std::vector<std::string>{"config_test", "recovery_routine", "rollback_checkpoints 2"});
}

TEST_CASE("a failing restart rolls back and restarts with the old configuration", "[installer]") {
    FakeInstaller f;
    f.fail = "restart";
    REQUIRE_FALSE(install_transaction(f, kDomains, &kPaths, {}));
    std::vector<std::string> tail(f.calls.end() - 4, f.calls.end());
    CHECK(tail == std::vector<std::string>{"restart", "recovery_routine", "rollback_checkpoints 1",
                                           "restart"});
}

TEST_CASE("a failing deploy undoes the unsaved edits only", "[installer]") {
    FakeInstaller f;
    f.fail = "deploy_cert www.a.example";
    REQUIRE_FALSE(install_transaction(f, kDomains, &kPaths, redirect_only()));
    CHECK(f.calls == std::vector<std::string>{"deploy_cert a.example /l/fullchain.pem",
                                              "deploy_cert www.a.example /l/fullchain.pem",
                                              "recovery_routine"});
}

TEST_CASE("a failing enhancement rolls back the deployed certificate too", "[installer]") {
    FakeInstaller f;
    f.fail = "enhance redirect";
    auto st = install_transaction(f, kDomains, &kPaths, redirect_only());
    REQUIRE_FALSE(st);
    CHECK(f.calls.back() == "rollback_checkpoints 1");
    CHECK(std::find(f.calls.begin(), f.calls.end(), "restart") == f.calls.end());
}

TEST_CASE("when the rollback fails too, the error says to check by hand", "[installer]") {
    struct Both : FakeInstaller {
        Status rollback_checkpoints(int) override { return Error("fake: rollback broke"); }
    } b;
    b.fail = "config_test";
    auto st = install_transaction(b, kDomains, &kPaths, {});
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("fake: rollback broke") != std::string::npos);
    CHECK(st.error().message.find("check the fake configuration by hand") != std::string::npos);
}

TEST_CASE("enhance without a certificate path deploys nothing", "[installer]") {
    FakeInstaller f;
    std::vector<Enhancement> es = {
        {"--hsts", "ensure-http-header", "Strict-Transport-Security", true}};
    REQUIRE(install_transaction(f, {"a.example"}, nullptr, es));
    CHECK(f.calls ==
          std::vector<std::string>{"enhance a.example ensure-http-header Strict-Transport-Security",
                                   "save Add enhancement Strict-Transport-Security", "config_test",
                                   "restart"});
}

TEST_CASE("requested enhancements follow certbot's order and redirect default", "[installer]") {
    Config cfg;
    cfg.hsts = cfg.uir = cfg.staple_ocsp = true;
    auto es = requested_enhancements(cfg, true, "/l/chain.pem");
    REQUIRE(es.size() == 4);
    CHECK(es[0].options == "Strict-Transport-Security");
    CHECK(es[1].name == "redirect");
    CHECK_FALSE(es[1].requested);
    CHECK(es[2].name == "staple-ocsp");
    CHECK(es[2].options == "/l/chain.pem");
    CHECK(es[3].options == "Upgrade-Insecure-Requests");
    CHECK(requested_enhancements(Config{}, false, "").empty());
    cfg = Config{};
    cfg.redirect = false;
    CHECK(requested_enhancements(cfg, true, "").empty());
    cfg.redirect = true;
    REQUIRE(requested_enhancements(cfg, false, "").size() == 1);
    CHECK(requested_enhancements(cfg, false, "")[0].requested);
}

TEST_CASE("unsupported enhancements: defaults dropped, requested ones refused", "[installer]") {
    FakeInstaller f;
    f.supported = {"ensure-http-header"};
    Config cfg;
    auto dropped = supported_only(f, requested_enhancements(cfg, true, ""));
    REQUIRE(dropped);
    CHECK(dropped->empty());
    cfg.redirect = true;
    auto refused = supported_only(f, requested_enhancements(cfg, true, ""));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().exit_code == kExitUsage);
    CHECK(refused.error().message.find("--redirect") == 0);
}

TEST_CASE("certificate names: no IPs, wildcards or single labels, sorted by parent",
          "[installer]") {
    auto names = certificate_names({"www.b.example", "localhost", "192.0.2.1", "*.w.example",
                                    "A.example", "b.example", "a.example", "_", "a.example.org"});
    CHECK(names ==
          std::vector<std::string>{"a.example", "b.example", "www.b.example", "a.example.org"});
}

TEST_CASE("name choices: numbers by commas or spaces, blank is all", "[installer]") {
    const std::vector<std::string> n{"a.example", "b.example", "c.example"};
    CHECK(*parse_name_choice("", n) == n);
    CHECK(*parse_name_choice("3, 1", n) == std::vector<std::string>{"c.example", "a.example"});
    CHECK(*parse_name_choice("2 2,2", n) == std::vector<std::string>{"b.example"});
    CHECK_FALSE(parse_name_choice("4", n));
    CHECK_FALSE(parse_name_choice("0", n));
    CHECK_FALSE(parse_name_choice("a", n));
    CHECK_FALSE(parse_name_choice("99999999999999", n));
}

TEST_CASE("choose_names offers the installer's names on a terminal only", "[installer]") {
    FakeInstaller f;
    f.names = {"www.a.example", "a.example", "localhost"};
    std::istringstream in("2\n");
    std::ostringstream out;
    auto chosen = choose_names(f, true, in, out);
    REQUIRE(chosen);
    CHECK(*chosen == std::vector<std::string>{"www.a.example"});
    CHECK(out.str().find("1: a.example\n2: www.a.example\n") != std::string::npos);

    std::istringstream none;
    auto refused = choose_names(f, false, none, out);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().exit_code == kExitUsage);
    CHECK(refused.error().message.find("-d/--domains") != std::string::npos);

    f.names = {"localhost"};
    std::istringstream blank("\n");
    auto empty = choose_names(f, true, blank, out);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("-d/--domains") != std::string::npos);
}

TEST_CASE("an enhancement every domain declines is not saved and is not a failure", "[installer]") {
    FakeInstaller f;
    f.declines = "staple-ocsp";
    std::vector<Enhancement> es = {{"--staple-ocsp", "staple-ocsp", "/l/chain.pem", true}};
    REQUIRE(install_transaction(f, {"a.example"}, &kPaths, es));
    CHECK(f.calls == std::vector<std::string>{
                         "deploy_cert a.example /l/fullchain.pem", "save Deployed ACME Certificate",
                         "enhance a.example staple-ocsp /l/chain.pem", "config_test", "restart"});
}

TEST_CASE("preparing: recovery, then the configuration is read and tested", "[installer]") {
    FakeInstaller f;
    REQUIRE(prepare_installer(f));
    CHECK(f.calls == std::vector<std::string>{"recovery_routine", "get_all_names", "config_test"});
    FakeInstaller broken;
    broken.fail = "config_test";
    auto st = prepare_installer(broken);
    REQUIRE_FALSE(st);
    CHECK(st.error().message ==
          "The fake configuration is invalid before any change (fake: config_test failed); fix "
          "it first");
}

// certbot 5.x's Client.deploy_certificate refuses a certificate with an IP address for every
// installer; ours says so before anything is ordered, naming the installer and the address.
TEST_CASE("refuse_ip_enhance: no enhancement for a lineage with an IP address", "[installer]") {
    CHECK(refuse_ip_enhance("nginx", "a.example", {"a.example", "www.a.example"}).ok());
    CHECK(refuse_ip_enhance("nginx", "1.2.3.example", {"1.2.3.example"}).ok());
    for (const std::string ip : {"127.0.0.1", "::1"}) {
        INFO(ip);
        auto st = refuse_ip_enhance("apache", "mixed", {"mixed.example", ip});
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().exit_code == kExitUsage);
        const std::string& m = st.error().message;
        CHECK(m.find("The apache installer cannot enhance the configuration for certificate "
                     "mixed: it has the IP address " +
                     ip + ",") == 0);
        CHECK(m.find("live/mixed/") != std::string::npos);
        CHECK(m.find('\n') == std::string::npos);
    }
}

TEST_CASE("refuse_ip_install: no installer takes an IP address", "[installer]") {
    CHECK(refuse_ip_install("nginx", {"a.example", "*.b.example"}).ok());
    CHECK(refuse_ip_install("nginx", {}).ok());
    CHECK(refuse_ip_install("nginx", {"1.2.3.example"}).ok());  // a DNS name, not an address
    for (const std::string ip : {"127.0.0.1", "::1", "2001:db8::1"}) {
        INFO(ip);
        auto st = refuse_ip_install("apache", {"a.example", ip});
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().exit_code == kExitUsage);
        const std::string& m = st.error().message;
        CHECK(m.find("The apache installer cannot install") == 0);
        CHECK(m.find("IP address " + ip + " ") != std::string::npos);
        CHECK(m.find("--ip-address " + ip) != std::string::npos);
        CHECK(m.find('\n') == std::string::npos);
    }
}
