#include "issuance.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "acme.h"
#include "crypto.h"
#include "fsutil.h"
#include "temp_dir_test.h"
#include "test_certs.h"

using namespace certbot;

namespace {

PrivateKey key() {
    auto k = PrivateKey::generate(KeySpec{});
    REQUIRE(k.ok());
    return std::move(*k);
}

// A CA named `cn`: its self-signed certificate, and its key.
struct Ca {
    PrivateKey k = key();
    std::string pem;
    explicit Ca(const std::string& cn, const Ca* parent = nullptr) {
        CertParams p;
        p.common_name = cn;
        p.is_ca = true;
        auto c = issue_cert(p, k, parent ? parent->k : k, parent ? parent->pem : "");
        REQUIRE(c.ok());
        pem = *c;
    }
};

}  // namespace

TEST_CASE("flags: --preferred-chain picks the chain whose top certificate's issuer matches",
          "[issuance]") {
    // One intermediate, cross-signed by two roots: the CA's default and alternate chain.
    Ca root_a("Root A"), root_b("Root B");
    Ca inter_a("Intermediate", &root_a), inter_b("Intermediate", &root_b);
    PrivateKey leaf_key = key();
    CertParams lp;
    lp.dns_names = {"a.example"};
    auto leaf = issue_cert(lp, leaf_key, inter_a.k, inter_a.pem);
    REQUIRE(leaf.ok());
    const std::string chain_a = *leaf + inter_a.pem, chain_b = *leaf + inter_b.pem;

    CHECK(find_chain_with_issuer(chain_a, {chain_b}, "Root B", true) == chain_b);
    CHECK(find_chain_with_issuer(chain_a, {chain_b}, "Root A", true) == chain_a);
    // No match: the default chain.
    CHECK(find_chain_with_issuer(chain_a, {chain_b}, "Root C", false) == chain_a);
    // An alternate carrying another leaf is never taken.
    CertParams other;
    other.dns_names = {"evil.example"};
    auto evil = issue_cert(other, leaf_key, inter_b.k, inter_b.pem);
    REQUIRE(evil.ok());
    CHECK(find_chain_with_issuer(chain_a, {*evil + inter_b.pem}, "Root B", false) == chain_a);
}

TEST_CASE("Link headers: the https targets of one rel", "[issuance]") {
    CHECK(link_targets("<https://ca.example/cert/1/1>;rel=\"alternate\", "
                       "<https://ca.example/dir>;rel=\"index\", "
                       "<https://ca.example/cert/1/2>; rel=alternate",
                       "alternate") ==
          std::vector<std::string>{"https://ca.example/cert/1/1", "https://ca.example/cert/1/2"});
    CHECK(link_targets("<http://ca.example/x>;rel=\"alternate\"", "alternate").empty());
    CHECK(link_targets("<https://ca.example/x>;rel=\"alternates\"", "alternate").empty());
    CHECK(link_targets("", "alternate").empty());
    CHECK(link_targets("<https://unterminated", "alternate").empty());
}

TEST_CASE("certonly --csr takes the CSR's names and keeps its DER", "[issuance]") {
    certbot::test::TempDir d;
    PrivateKey k = key();
    auto der = make_csr_der(k, {"a.example", "www.a.example"}, false);
    REQUIRE(der.ok());
    auto pem = csr_der_to_pem(*der);
    REQUIRE(pem.ok());
    REQUIRE(atomic_write(d / "csr.der", *der, 0644));
    REQUIRE(atomic_write(d / "csr.pem", *pem, 0644));

    for (const char* file : {"csr.der", "csr.pem"}) {
        INFO(file);
        Config cfg;
        cfg.verb = "certonly";
        cfg.csr_path = d / file;
        REQUIRE(load_csr(cfg));
        CHECK(cfg.domains == std::vector<std::string>{"a.example", "www.a.example"});
        CHECK(cfg.csr_der == *der);
    }

    Config same;
    same.verb = "certonly";
    same.csr_path = d / "csr.pem";
    same.domains = {"www.a.example", "a.example"};
    CHECK(load_csr(same));

    auto refused = [&](Config cfg, const std::string& message) {
        auto st = load_csr(cfg);
        REQUIRE_FALSE(st);
        CHECK(st.error().exit_code == kExitUsage);
        CHECK(st.error().message.find(message) != std::string::npos);
    };
    Config other = same;
    other.domains = {"b.example"};
    refused(other,
            "Inconsistent domain requests:\nFrom the CSR: a.example, www.a.example\n"
            "From command line/config: b.example");
    Config run = same;
    run.verb = "run";
    refused(run,
            "a CSR file may only be specified when obtaining a new or replacement via the "
            "certonly command");
    Config subset = same;
    subset.allow_subset_of_names = true;
    refused(subset, "--allow-subset-of-names cannot be used with --csr");
    REQUIRE(atomic_write(d / "junk", "not a CSR", 0644));
    Config junk = same;
    junk.csr_path = d / "junk";
    refused(junk, "Failed to parse CSR file: " + (d / "junk"));
    Config missing = same;
    missing.csr_path = d / "missing";
    refused(missing, d / "missing");
}
