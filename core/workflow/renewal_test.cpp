#include "renewal.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "fsutil.h"
#include "temp_dir_test.h"

using namespace certbot;

namespace {

struct Store : certbot::test::TempDir {
    Lineage lineage(const std::string& server) const {
        const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        auto l = create_lineage(
            path, "a.example", pem, pem, "", "KEY",
            {RenewalParam::str("account", "abc123"), RenewalParam::str("authenticator", "webroot"),
             RenewalParam::str("server", server), RenewalParam::str("key_type", "ecdsa")},
            "2.1.0");
        REQUIRE(l.ok());
        return *l;
    }
};

}  // namespace

TEST_CASE("a dry run of a Let's Encrypt lineage goes to staging with a staging account",
          "[renewal]") {
    Store s;
    Lineage l = s.lineage(kDefaultServer);
    PluginRegistry none;
    Config cli;
    cli.dry_run = true;
    auto dry = renewal_config(l, cli, none);
    REQUIRE(dry.ok());
    CHECK(dry->effective_server() == kStagingServer);
    CHECK(dry->account.empty());
    cli.dry_run = false;
    auto real = renewal_config(l, cli, none);
    REQUIRE(real.ok());
    CHECK(real->effective_server() == kDefaultServer);
    CHECK(real->account == "abc123");
}

TEST_CASE("a dry run of another CA's lineage stays with that CA and account", "[renewal]") {
    Store s;
    Lineage l = s.lineage("https://127.0.0.1:14000/dir");
    PluginRegistry none;
    Config cli;
    cli.dry_run = true;
    auto dry = renewal_config(l, cli, none);
    REQUIRE(dry.ok());
    CHECK(dry->effective_server() == "https://127.0.0.1:14000/dir");
    CHECK(dry->account == "abc123");
}

TEST_CASE("normalize_key_flags: --new-key leaves the stored reuse_key, with --reuse-key: True",
          "[renewal]") {
    Config c;
    c.new_key = true;
    c.reuse_key = false;  // what the CLI makes of --new-key
    normalize_key_flags(c);
    CHECK_FALSE(c.reuse_key.has_value());
    Config both;
    both.new_key = true;
    both.reuse_key = false;
    both.set_by_user = {"reuse-key", "new-key"};
    normalize_key_flags(both);
    CHECK(both.reuse_key == std::optional<bool>(true));
    Config no;
    no.new_key = true;
    no.reuse_key = false;
    no.set_by_user = {"no-reuse-key", "new-key"};
    normalize_key_flags(no);
    CHECK(no.reuse_key == std::optional<bool>(false));
}
