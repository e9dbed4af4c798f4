#include <catch2/catch.hpp>

#include "config.h"

using namespace certbot;

namespace {
Config with(const std::string& verb, const std::string& server, bool staging, bool dry_run) {
    Config c;
    c.verb = verb;
    c.server = server;
    c.staging = staging;
    c.dry_run = dry_run;
    return c;
}
}  // namespace

// certbot's set_test_server table (certbot/_internal/cli/helpful.py):
//                        | --staging      | --dry-run
//   --server acme-v02    | staging        | staging
//   --server staging-v02 | staging        | staging
//   --server <other>     | conflict error | <other>
// (the conflict and --dry-run's subcommands are rows of the flag table, tested in
// cli/flags_test.cpp)
TEST_CASE("flags: --staging and --dry-run never reach Let's Encrypt production", "[config]") {
    const std::string other = "https://ca.example/dir";
    for (const char* server : {kDefaultServer, kStagingServer}) {
        INFO(server);
        CHECK(with("certonly", server, true, false).effective_server() == kStagingServer);
        CHECK(with("certonly", server, false, true).effective_server() == kStagingServer);
        CHECK(with("renew", server, true, true).effective_server() == kStagingServer);
    }
    // Without a test flag the server is used as given.
    CHECK(with("certonly", kDefaultServer, false, false).effective_server() == kDefaultServer);
    CHECK(with("certonly", other, false, false).effective_server() == other);
    // A dry run against another CA uses that CA.
    CHECK(with("certonly", other, false, true).effective_server() == other);
}
